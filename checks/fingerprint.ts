import { createHash } from 'node:crypto';

/** Code with whitespace collapsed, so re-indenting or moving a line keeps its fingerprint. */
export function normaliseCode(code: string): string {
  return code.replace(/\s+/g, ' ').trim();
}

/**
 * A finding's identity across pushes: rule id + file + the normalised code it
 * points at + which occurrence of that code it is. The line number is left
 * out on purpose, so that adding lines above does not re-post the comment.
 */
export function fingerprintOf(ruleId: string, file: string, code: string, occurrence: number): string {
  return createHash('sha256').update(`${ruleId}\0${file}\0${normaliseCode(code)}\0${occurrence}`).digest('hex').slice(0, 20);
}
