/**
 * Cheap per-file tests that let a check skip a file before it asks the
 * index for nodes: most files never name a limiter, a request id or a 401.
 * The names of a file (identifiers, string and numeric literals) are
 * collected once from the index's own lists; a hint then tests only the
 * distinct names, never the whole text.
 */
import { ts } from '../lang/ts/parse.js';
import { literalAlternatives, type SourceIndex } from '../lang/ts/source-index.js';
// TypeScript's exports are getters on a dictionary-mode object: read once, not per node.
const { SyntaxKind } = ts;

/** Distinct identifier names, string literal values and numeric literals of the file. */
function fileNames(index: SourceIndex): ReadonlySet<string> {
  return index.memo('distinctNames', () => {
    const names = new Set<string>();
    for (const identifier of index.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier)) names.add(identifier.text);
    for (const literal of index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral)) names.add(literal.text);
    for (const literal of index.nodesOfKind<ts.NumericLiteral>(SyntaxKind.NumericLiteral)) names.add(literal.text);
    return names;
  });
}

/** Whether any identifier, string or number of the file matches `pattern` (memoized per file and key). */
export function fileMentions(index: SourceIndex, key: string, pattern: RegExp): boolean {
  // One map of answers per file: asked per endpoint per check, so no key string is built per question.
  const answers = index.memo('mentions', () => new Map<string, boolean>());
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = mentions(fileNames(index), pattern);
    answers.set(key, answer);
  }
  return answer;
}

function mentions(names: ReadonlySet<string>, pattern: RegExp): boolean {
  // A plain list of names (`^(?:take|limit)$`) is looked up, not tested against every name of the file.
  const listed = pattern.flags === '' ? literalAlternatives(pattern.source) : undefined;
  if (listed !== undefined) return listed.some((name) => names.has(name));
  for (const name of names) if (pattern.test(name)) return true;
  return false;
}

/** Whether the file has any node of `kind` (a `for` loop, a regex literal). */
export function fileHasKind(index: SourceIndex, kind: ts.SyntaxKind): boolean {
  return index.nodesOfKind(kind).length > 0;
}
