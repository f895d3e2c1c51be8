/**
 * A Python check: the same shape and metadata validation as a TypeScript
 * check (`createCheck`), reading a `PyEndpoint` and pointing at `PyNode`s.
 * A Python check that decides the same idea as a TypeScript one keeps its
 * id, so configuration (`rules:`) and suppressions apply to both.
 */
import { createCheck, type Check, type CheckMeta } from '../create-check.js';
import type { PyNode } from '../lang/py/source-index.js';
import type { PyEndpoint, PyFramework } from './endpoint.js';

export type PyCheck<MessageId extends string = string> = Check<MessageId, PyEndpoint, PyNode, PyFramework>;

export function createPyCheck<MessageId extends string>(check: PyCheck<MessageId>): PyCheck<MessageId> {
  return createCheck<MessageId, PyEndpoint, PyNode, PyFramework>(check);
}

/** What a Python check takes from its TypeScript sibling unchanged: the same idea is described, rated and classified once. */
export type SiblingMetadata = Pick<CheckMeta, 'description' | 'severity' | 'confidence' | 'cwe' | 'owasp' | 'why'>;

/** The sibling's description, severity, confidence, CWE and OWASP ids and why, for `...siblingMetadata(tsCheck)`. */
export function siblingMetadata(sibling: SiblingMetadata): SiblingMetadata {
  const { description, severity, confidence, cwe, owasp, why } = sibling;
  return { description, severity, confidence, cwe, owasp, why };
}
