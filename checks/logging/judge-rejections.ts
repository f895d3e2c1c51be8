/**
 * The common verdict of the logging checks: gather the rejections of one
 * kind (401s or 403s) in all the code that runs for an endpoint, and sort
 * them into logged, not logged, and thrown to an error handler that may log.
 */
import type { ts } from '../lang/ts/parse.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { codeRegions, type CodeRegion, type Endpoint } from '../frameworks/endpoint.js';
import type { ProjectContext } from '../project-context.js';
import { nextMiddlewareFor, wholeFile } from '../rate-limiting/next-middleware-coverage.js';
import { loggingErrorHandler, rejectionSites, type RejectionKind, type RejectionSite } from './rejection-sites.js';
import { nestExceptionLogging } from './nest-app-logging.js';
import { keptPerContext } from '../lang/key-slots.js';

export interface RejectionVerdict {
  /** Rejections whose branch records an event (or whose error handler does). */
  logged: { site: RejectionSite; evidence: ts.Node; note: string }[];
  /** Rejections answered on the spot without any log call: findings. */
  unlogged: RejectionSite[];
  /** Rejections thrown to an error handler that is not in view: a human must look. */
  thrown: RejectionSite[];
}

/** Code that runs for the endpoint, plus the Next.js middleware when it runs for this route. */
function regionsWithMiddleware(endpoint: Endpoint, project: ProjectContext): CodeRegion[] {
  const regions = codeRegions(endpoint);
  const middleware = nextMiddlewareFor(endpoint, project);
  if (middleware.status === 'found' && middleware.covers === true) regions.push({ index: middleware.index, scopes: wholeFile(middleware.index) });
  return regions;
}

/** Files whose error handler catches what the endpoint throws: its own, the files of its controls, the file that mounts it. */
function errorHandlerFiles(endpoint: Endpoint, project: ProjectContext, site: RejectionSite): SourceIndex[] {
  const files = new Set<SourceIndex>([site.index, endpoint.index]);
  for (const control of endpoint.controls) if (control.index !== undefined) files.add(control.index);
  if (endpoint.mountedAt !== undefined) {
    const mount = project.get(endpoint.mountedAt.file);
    if (mount?.status === 'found') files.add(mount.index);
  }
  return [...files];
}

/** Both kinds' verdicts of an endpoint, judged in one pass over its sites and kept: the 401 and the 403 checks ask about the same sites. */
const keptVerdicts = keptPerContext('rejectionVerdicts', judgeAllRejections);

/** The rejections of one kind in the endpoint's code, sorted into logged, not logged and thrown. */
export function judgeRejections(endpoint: Endpoint, project: ProjectContext, kind: RejectionKind): RejectionVerdict {
  return keptVerdicts(endpoint, project)[kind];
}

function judgeAllRejections(endpoint: Endpoint, project: ProjectContext): Record<RejectionKind, RejectionVerdict> {
  const byKind: Record<RejectionKind, RejectionVerdict> = { auth: { logged: [], unlogged: [], thrown: [] }, denial: { logged: [], unlogged: [], thrown: [] } };
  for (const { index, scopes } of regionsWithMiddleware(endpoint, project)) {
    for (const site of rejectionSites(index, scopes)) {
      const verdict = byKind[site.kind];
      if (site.logged !== undefined) {
        verdict.logged.push({ site, evidence: site.logged, note: `the ${site.what} branch logs: ${index.textOf(site.logged.expression)}(...)` });
        continue;
      }
      if (site.style === 'respond') {
        verdict.unlogged.push(site);
        continue;
      }
      const handler = errorHandlerFiles(endpoint, project, site)
        .map((file) => ({ file, call: loggingErrorHandler(file) }))
        .find((found) => found.call !== undefined);
      if (handler !== undefined) {
        verdict.logged.push({ site, evidence: handler.call!, note: `the ${site.what} is thrown to an error handler that logs (${handler.file.path}:${handler.file.lineOf(handler.call!)})` });
        continue;
      }
      // A Nest app read whole tells what its exception filter does with the throw.
      const nest = nestExceptionLogging(endpoint);
      if (nest?.kind === 'logged') verdict.logged.push({ site, evidence: nest.node, note: `the ${site.what} is thrown to Nest: ${nest.note}` });
      else if (nest?.kind === 'not-logged') verdict.unlogged.push(site);
      else verdict.thrown.push(site);
    }
  }
  return byKind;
}

/** `src/middleware/auth.ts:12` or `line 12` for the endpoint's own file. */
export function siteLocation(endpoint: Endpoint, site: RejectionSite): string {
  const line = site.index.lineOf(site.node);
  return site.index === endpoint.index ? `line ${line}` : `${site.index.path}:${line}`;
}
