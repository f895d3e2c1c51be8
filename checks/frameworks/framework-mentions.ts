/**
 * The cheap first test of the Fastify, Hono and Koa discoverers: whether the
 * file's text names the framework at all, in any case.
 */
import type { SourceIndex } from '../lang/ts/source-index.js';

const NAMES = { fastify: /fastify/i, hono: /hono/i, koa: /koa/i } as const;

/** Most files name none of the three: one scan says so, where each discoverer scanned the whole text for its own. */
const ANY_NAME = /fastify|hono|koa/i;

export function mentionsFramework(index: SourceIndex, framework: keyof typeof NAMES): boolean {
  return index.memo('frameworkMentions', () => ANY_NAME.test(index.text)) && NAMES[framework].test(index.text);
}
