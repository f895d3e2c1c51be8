/**
 * A question about a string asked again and again with the same few strings
 * (a callee path like `res.json`, a middleware name, a route, a request
 * label): `answerOnce(compute)` gives a function that computes each distinct
 * key's answer once and remembers it across endpoints, files and reviews.
 *
 * Why one helper: the checks ask such questions per call per endpoint, and a
 * pattern test or a split per ask showed in the profiles; each check had
 * grown its own module-level Map with its own limit. Keys are strings (or
 * other values that hold no syntax tree), so a module-level map keeps no
 * finished file alive (see key-slots.ts for why that matters).
 *
 * Bounded: keys come from the code under review, so past `limit` distinct
 * keys the map starts over rather than grow without end.
 */
export function answerOnce<K, V>(compute: (key: K) => V, limit = 50_000): (key: K) => V {
  const answers = new Map<K, V>();
  return (key) => {
    let answer = answers.get(key);
    // `undefined` may be an answer: `has` is asked only then, not on every hit.
    if (answer === undefined && !answers.has(key)) {
      answer = compute(key);
      if (answers.size >= limit) answers.clear();
      answers.set(key, answer);
    }
    return answer as V;
  };
}
