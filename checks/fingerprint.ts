import { hash } from 'node:crypto';

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
  return fingerprintOfNormalised(ruleId, file, normaliseCode(code), occurrence);
}

/** fingerprintOf for code already passed through normaliseCode (the engine collapses it once per place). */
export function fingerprintOfNormalised(ruleId: string, file: string, normalisedCode: string, occurrence: number): string {
  // crypto.hash: the one-shot digest, a third of createHash().update().digest()'s cost on these short texts.
  return hash('sha256', `${ruleId}\0${file}\0${normalisedCode}\0${occurrence}`, 'hex').slice(0, 20);
}
