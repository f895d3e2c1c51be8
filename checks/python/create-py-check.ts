/**
 * A Python check: the same shape and metadata validation as a TypeScript
 * check (`createCheck`), reading a `PyEndpoint` and pointing at `PyNode`s.
 * A Python check that decides the same idea as a TypeScript one keeps its
 * id, so configuration (`rules:`) and suppressions apply to both.
 */
import { createCheck, type Check } from '../create-check.js';
import type { PyNode } from '../lang/py/source-index.js';
import type { PyEndpoint, PyFramework } from './endpoint.js';

export type PyCheck<MessageId extends string = string> = Check<MessageId, PyEndpoint, PyNode, PyFramework>;

export function createPyCheck<MessageId extends string>(check: PyCheck<MessageId>): PyCheck<MessageId> {
  return createCheck<MessageId, PyEndpoint, PyNode, PyFramework>(check);
}
