/**
 * `index.callsNamed(pattern, scopes)` for patterns asked per endpoint that
 * are not a plain list of names (a flag, a `\w*`): the index keys its answers
 * by the pattern's source and flags, a string it builds and hashes on every
 * question (some 300 characters for the limiter names). Here the names of the
 * file's calls that the pattern matches are found once per file and pattern
 * object, and each question is a lookup of those names
 * (`index.callsNamedIn`), which answers the same calls in the same order.
 */
import { ts, isAsExpression, isElementAccessExpression, isIdentifier, isNoSubstitutionTemplateLiteral, isNonNullExpression, isParenthesizedExpression, isPropertyAccessExpression, isStringLiteral } from '../lang/ts/parse.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';

/** The names by pattern object, per file; null when the names could not stand for the pattern (then the index is asked). */
type NamesByPattern = Map<RegExp, readonly string[] | null>;

export function callsMatching(index: SourceIndex, pattern: RegExp, scopes: readonly Scope[]): readonly ts.CallExpression[] {
  const byPattern = index.memo('callNamesByPatternObject', (): NamesByPattern => new Map());
  let names = byPattern.get(pattern);
  if (names === undefined) {
    names = matchingNames(index, pattern);
    byPattern.set(pattern, names);
  }
  return names === null ? index.callsNamed(pattern, scopes) : index.callsNamedIn(names, scopes);
}

/**
 * The callee names of the file's calls that `pattern` matches, read off the calls the index finds for it. They
 * stand for the pattern only if they select exactly those calls in the whole file (so in any scopes too): checked
 * here, so that a difference from the index's own naming of callees can only cost speed.
 */
function matchingNames(index: SourceIndex, pattern: RegExp): readonly string[] | null {
  const calls = index.callsNamed(pattern);
  const names: string[] = [];
  for (const call of calls) {
    const name = lastCalleeName(call);
    if (!names.includes(name)) names.push(name);
  }
  const selected = index.callsNamedIn(names);
  if (selected.length !== calls.length) return null;
  for (let i = 0; i < calls.length; i++) if (selected[i] !== calls[i]) return null;
  return names;
}

/** The callee's last name as SourceIndex groups calls by it (parentheses, `!` and `as` looked through). */
function lastCalleeName(call: ts.CallExpression): string {
  let callee: ts.Expression = call.expression;
  while (isParenthesizedExpression(callee) || isNonNullExpression(callee) || isAsExpression(callee)) callee = callee.expression;
  if (isIdentifier(callee)) return callee.text;
  if (isPropertyAccessExpression(callee)) return callee.name.text;
  if (isElementAccessExpression(callee) && (isStringLiteral(callee.argumentExpression) || isNoSubstitutionTemplateLiteral(callee.argumentExpression))) {
    return callee.argumentExpression.text;
  }
  return '';
}
