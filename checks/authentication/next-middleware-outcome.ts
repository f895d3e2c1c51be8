/**
 * What the project's Next.js `middleware.ts` says about an App Router
 * endpoint's authentication: it protects the route, it may (a human must
 * look), or it does not. Shared by the authentication checks.
 */
import type { Endpoint } from '../frameworks/endpoint.js';
import { judgeNextMiddleware, nextMiddlewareCandidates } from '../frameworks/nextjs-middleware.js';
import type { ProjectContext } from '../project-context.js';
import { keptPerContext } from '../lang/key-slots.js';

export type MiddlewareOutcome =
  | { kind: 'pass'; line: number; file: string; note: string }
  | { kind: 'unknown'; reason: string }
  | { kind: 'none'; note?: string };

const NO_OUTCOME: MiddlewareOutcome = Object.freeze({ kind: 'none' });

/** Kept per endpoint: the three authentication checks and the auth-failure logging check all ask. */
const keptOutcome = keptPerContext('nextMiddlewareOutcome', judgeOutcome);

export function nextMiddlewareOutcome(endpoint: Endpoint, project: ProjectContext): MiddlewareOutcome {
  return endpoint.framework === 'nextjs-app-router' ? keptOutcome(endpoint, project) : NO_OUTCOME;
}

function judgeOutcome(endpoint: Endpoint, project: ProjectContext): MiddlewareOutcome {
  for (const path of nextMiddlewareCandidates(endpoint.file)) {
    const file = project.get(path);
    if (file === undefined || file.status === 'missing') continue;
    if (file.status === 'unavailable') return { kind: 'unknown', reason: `${path} ${file.reason}; it may authenticate this route` };
    const verdict = judgeNextMiddleware(file.index, endpoint.route);
    if (verdict.protects === true) return { kind: 'pass', line: verdict.line, file: path, note: `${path}: ${verdict.note}` };
    if (verdict.protects === 'unknown') return { kind: 'unknown', reason: `${path}:${verdict.line}: ${verdict.note}` };
    return { kind: 'none', note: `${path}: ${verdict.note}` };
  }
  return { kind: 'none' };
}

