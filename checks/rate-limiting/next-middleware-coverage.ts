/**
 * The project's Next.js `middleware.ts` (or `proxy.ts`) as the rate-limiting
 * and logging checks see it: the file, when the engine loaded it, and
 * whether its `config.matcher` runs it for a given route.
 * The matcher is read by frameworks/nextjs-middleware.ts, shared with the
 * authentication checks.
 */
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { matcherCovers, nextMiddlewareCandidates } from '../frameworks/nextjs-middleware.js';
import type { ProjectContext } from '../project-context.js';
import { keptPerContext } from '../lang/key-slots.js';

export type NextMiddlewareFile =
  | { status: 'none' }
  | { status: 'unavailable'; path: string; reason: string }
  | { status: 'found'; path: string; index: SourceIndex; covers: boolean | 'unknown'; coverage: string };

const NO_MIDDLEWARE: NextMiddlewareFile = Object.freeze({ status: 'none' });

/** Kept per endpoint: the rate-limit, request-id and both rejection-logging checks ask about every endpoint. */
const keptMiddleware = keptPerContext('nextMiddlewareFor', findNextMiddleware);

/** The middleware that runs before an App Router endpoint, as loaded by the engine. */
export function nextMiddlewareFor(endpoint: Endpoint, project: ProjectContext): NextMiddlewareFile {
  return endpoint.framework === 'nextjs-app-router' ? keptMiddleware(endpoint, project) : NO_MIDDLEWARE;
}

function findNextMiddleware(endpoint: Endpoint, project: ProjectContext): NextMiddlewareFile {
  for (const path of nextMiddlewareCandidates(endpoint.file)) {
    const file = project.get(path);
    if (file === undefined || file.status === 'missing') continue;
    if (file.status === 'unavailable') return { status: 'unavailable', path, reason: file.reason };
    const { covers, note } = matcherCovers(file.index, endpoint.route);
    return { status: 'found', path, index: file.index, covers, coverage: note };
  }
  return { status: 'none' };
}

/** The whole file as one scope, stable per file so index queries over it are cached. */
export function wholeFile(index: SourceIndex): Scope[] {
  return index.memo('wholeFileScopes', (): Scope[] => [{ pos: 0, end: index.text.length }]);
}
