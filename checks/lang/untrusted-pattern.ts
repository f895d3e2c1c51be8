/**
 * Regular expressions that come from the pull request itself: a koa-jwt
 * `unless({ path: [/.../] })` literal, a Next.js `matcher` raw group, a Hono
 * `use('*a*b*')` pattern. JavaScript's engine backtracks, so a crafted
 * pattern tested on a crafted route can run for minutes (`/^(a+)+$/` on 30
 * `a`s and a `!`, or a dozen `.*` in a row) and hold the review hostage.
 *
 * Such a pattern is only compiled when its shape cannot backtrack badly (no
 * quantified group that itself holds a quantifier or an alternation, no
 * backreference, at most three unbounded quantifiers in an anchored
 * pattern, two in one that may start anywhere), and only tested on text of
 * bounded length: the worst case is then a few million steps. Otherwise the caller gets `undefined` and decides
 * as for a pattern it cannot read (fail closed).
 */

/** Longer subjects are not tested: real routes are far shorter, and the bound keeps even three `.*` cheap. */
export const MAX_UNTRUSTED_SUBJECT_LENGTH = 256;

/** A test of PR-supplied pattern on a string: `undefined` when the string is too long to test safely. */
export type UntrustedMatcher = (subject: string) => boolean | undefined;

/** Compiles `source` when its shape is safe to run (see above); `undefined` when it is not, or does not compile. */
export function compileUntrustedPattern(source: string, flags = ''): UntrustedMatcher | undefined {
  if (!hasSafeShape(source)) return undefined;
  let regExp: RegExp;
  try {
    // `g` and `y` would make `test` stateful across calls.
    regExp = new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch {
    return undefined;
  }
  return (subject) => (subject.length > MAX_UNTRUSTED_SUBJECT_LENGTH ? undefined : regExp.test(subject));
}

interface Group {
  /** Holds a quantifier or an alternation: repeating the group could match one text in many ways. */
  ambiguous: boolean;
}

/**
 * A linear scan of the pattern's syntax: groups, classes, escapes and
 * quantifiers. Conservative: whatever it cannot place counts as unsafe.
 */
export function hasSafeShape(source: string): boolean {
  const groups: Group[] = [{ ambiguous: false }];
  // Each start position multiplies the work: an unanchored pattern gets one quantifier less.
  // (Clerk's documented matcher, `^/((?!_next|.*\..*).*)$`, has three.)
  const maxUnbounded = source.startsWith('^') ? 3 : 2;
  let unbounded = 0;
  /** What a quantifier at this point applies to: a group (with its ambiguity), an atom, or nothing. */
  let previous: { kind: 'group'; ambiguous: boolean } | { kind: 'atom' } | { kind: 'none' } = { kind: 'none' };
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      const next = source[i + 1];
      if (next === undefined) return false;
      // \1..\9 and \k<name>: backreferences make matching exponential in the worst case.
      if (/[1-9k]/.test(next)) return false;
      i++;
      previous = { kind: 'atom' };
      continue;
    }
    if (char === '[') {
      const end = classEnd(source, i);
      if (end === undefined) return false;
      i = end;
      previous = { kind: 'atom' };
      continue;
    }
    if (char === '(') {
      groups.push({ ambiguous: false });
      // Skip the group's prefix (`?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>`).
      if (source[i + 1] === '?') {
        const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i + 1, i + 64));
        if (prefix === null) return false;
        i += prefix[0].length;
      }
      previous = { kind: 'none' };
      continue;
    }
    if (char === ')') {
      const closed = groups.pop();
      if (closed === undefined || groups.length === 0) return false;
      if (closed.ambiguous) groups[groups.length - 1].ambiguous = true;
      previous = { kind: 'group', ambiguous: closed.ambiguous };
      continue;
    }
    if (char === '|') {
      groups[groups.length - 1].ambiguous = true;
      previous = { kind: 'none' };
      continue;
    }
    const quantifier = quantifierAt(source, i);
    if (quantifier !== undefined) {
      if (previous.kind === 'none') return false;
      if (quantifier.unbounded) {
        unbounded++;
        if (unbounded > maxUnbounded) return false;
        if (previous.kind === 'group' && previous.ambiguous) return false;
      } else if (previous.kind === 'group' && previous.ambiguous && quantifier.max > 1) return false;
      groups[groups.length - 1].ambiguous = true;
      i = quantifier.end;
      // A lazy or possessive-looking suffix is part of the quantifier.
      if (source[i + 1] === '?') i++;
      previous = { kind: 'none' };
      continue;
    }
    previous = { kind: 'atom' };
  }
  return groups.length === 1;
}

function classEnd(source: string, start: number): number | undefined {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    // In JavaScript the first unescaped `]` closes the class, even right after `[` or `[^`.
    else if (source[i] === ']') return i;
  }
  return undefined;
}

function quantifierAt(source: string, i: number): { end: number; unbounded: boolean; max: number } | undefined {
  const char = source[i];
  if (char === '*' || char === '+') return { end: i, unbounded: true, max: Infinity };
  if (char === '?') return { end: i, unbounded: false, max: 1 };
  if (char !== '{') return undefined;
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (braces === null) return undefined;
  const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
  return { end: i + braces[0].length - 1, unbounded: max === Infinity, max };
}
