import { ts, isCallExpression } from '../lang/ts/parse.js';
import { importSources, plainCalleePath } from '../lang/ts/queries.js';
import { loggingErrorHandler } from './rejection-sites.js';
import { createCheck } from '../create-check.js';
import type { Control, Endpoint } from '../frameworks/endpoint.js';
import type { ProjectContext } from '../project-context.js';
import type { Config } from '../../src/config/schema.js';
import { identityCallsIn, isAuthControlName, restoresSessionOnly } from '../authentication/identity-signals.js';
import { nextMiddlewareOutcome } from '../authentication/next-middleware-outcome.js';
import { codeRegions } from '../frameworks/endpoint.js';
import { judgeRejections, siteLocation } from './judge-rejections.js';
import { nestExceptionLogging } from './nest-app-logging.js';

/** Identity calls that reject by themselves (throw, redirect or answer 401 in library code). */
const SELF_REJECTING = /(?:^|\.)(?:protect|requireAuth|requireUser|requireSession|ensureAuthenticated|authenticate|withApiAuthRequired|verify|jwtVerify|verifyIdToken|verifySessionCookie)$|^(?:jwt|jwk|bearerAuth|basicAuth)$/;

type IdentityOutOfView = { kind: 'library'; what: string; node?: ts.Node; control?: Control } | { kind: 'no-failure-branch'; what: string };

/** Where the endpoint's identity is checked when no 401 of it is in view: a library middleware, a provider call, middleware.ts. */
function identityCheckOutOfView(endpoint: Endpoint, config: Config, project: ProjectContext): IdentityOutOfView | undefined {
  const configured = config.auth.functions;
  for (const control of endpoint.controls) {
    if (restoresSessionOnly(control.node)) continue;
    if (isAuthControlName(control.name, configured, control.kind)) {
      const where = control.index !== undefined && control.index !== endpoint.index ? `${control.index.path}:${control.line}` : `line ${control.line}`;
      return { kind: 'library', what: `${control.name} (${where})`, node: control.node, control };
    }
  }
  for (const { index, scopes } of codeRegions(endpoint)) {
    const signal = identityCallsIn(index, scopes, configured)[0];
    if (signal === undefined) continue;
    const what = `${signal.note} (${index.path}:${index.lineOf(signal.node)})`;
    const rejectsItself = isCallExpression(signal.node) && SELF_REJECTING.test(plainCalleePath(signal.node));
    return { kind: rejectsItself ? 'library' : 'no-failure-branch', what };
  }
  const middleware = nextMiddlewareOutcome(endpoint, project);
  if (middleware.kind === 'pass') return { kind: 'library', what: `in ${middleware.note}` };
  return undefined;
}

/**
 * koa-jwt rejects with `ctx.throw(401)`: Koa emits every thrown error to
 * `app.on('error')`, whose default handler skips client errors. So the 401
 * is logged exactly when the app (found through the router's mount) has a
 * listener that logs. Undefined when the control is not koa-jwt or the app was not found.
 */
function koaJwtFailureLogging(endpoint: Endpoint, project: ProjectContext, control: Control): { kind: 'logged'; node: ts.Node; where: string } | { kind: 'not-logged'; where: string } | undefined {
  if (endpoint.framework !== 'koa') return undefined;
  const root = control.name.split(/[.(]/)[0];
  const index = control.index ?? endpoint.index;
  if (importSources(index).get(root)?.module !== 'koa-jwt') return undefined;
  const files = [endpoint.index];
  if (endpoint.mountedAt !== undefined) {
    const mount = project.get(endpoint.mountedAt.file);
    if (mount?.status === 'found') files.push(mount.index);
  }
  for (const file of files) {
    const listener = loggingErrorHandler(file);
    if (listener !== undefined) return { kind: 'logged', node: listener, where: `${file.path}:${file.lineOf(listener)}` };
  }
  if (endpoint.mountedElsewhere !== undefined && (endpoint.mountedAt === undefined || !endpoint.mountedAt.complete)) return undefined;
  return { kind: 'not-logged', where: endpoint.mountedAt?.file ?? endpoint.file };
}

export default createCheck({
  id: 'auth-failure-not-logged',
  items: ['logging.auth-failures'],
  description: 'The failure path of an identity check (the 401 branch, the middleware that rejects) answers the caller without recording a security event.',
  severity: 'low',
  confidence: 'medium',
  cwe: ['CWE-778'],
  owasp: ['API8:2023'],
  messages: {
    'not-logged': 'This {{what}} turns an unauthenticated caller away without logging it: failed sign-ins and bad tokens leave no trace.',
    'not-logged-nest': "The guard {{guard}} rejects with UnauthorizedException for a missing or bad token and nothing in this app logs it: Nest's built-in exception filter answers HttpExceptions without logging, and {{main}} and its modules register no exception filter, interceptor or request logger; failed sign-ins and bad tokens leave no trace.",
    'not-logged-koa': "The koa-jwt middleware {{guard}} rejects a missing or bad token by throwing a 401, and nothing logs it: Koa's default error handler skips client errors and the app ({{app}}) has no `app.on('error')` listener that logs; failed sign-ins and bad tokens leave no trace.",
  },
  why: 'Credential stuffing, token replay and brute force show up first as bursts of failed authentication; when failures are not logged nobody can see or alert on them.',
  fix: {
    express: "Log before answering, with what identifies the attempt but no secret: `req.log.warn({ event: 'auth_failure', reason: 'invalid_token', ip: req.ip, path: req.originalUrl }, 'authentication failed'); return res.status(401).json({ error: 'Unauthorized' });` (or `logger.warn(...)` with pino/winston).",
    fastify: "Log in the hook before replying: `request.log.warn({ event: 'auth_failure', ip: request.ip, url: request.url }, 'authentication failed'); return reply.code(401).send({ error: 'Unauthorized' });`.",
    hono: "Log before answering: `logger.warn({ event: 'auth_failure', path: c.req.path, ip: c.req.header('x-forwarded-for') }); return c.json({ error: 'Unauthorized' }, 401);`.",
    nestjs: "Log in the guard before throwing: `this.logger.warn(`auth failure on ${request.method} ${request.url} from ${request.ip}`); throw new UnauthorizedException();` (a `Logger` from `@nestjs/common`), or log 401s in a global exception filter.",
    'nextjs-app-router': "Log before returning: `logger.warn({ event: 'auth_failure', path: req.nextUrl.pathname, ip: req.headers.get('x-forwarded-for') }); return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });`.",
    default: 'Record a structured security event (event type, reason, ip, path, time; never the credential) on every authentication failure before answering 401.',
  },
  run(context) {
    const { endpoint, project, config } = context;
    const verdict = judgeRejections(endpoint, project, 'auth');
    for (const site of verdict.unlogged) context.report({ messageId: 'not-logged', node: site.node, data: { what: `${site.what} (${siteLocation(endpoint, site)})` } });
    if (verdict.unlogged.length > 0) return;
    if (verdict.thrown.length > 0) {
      const site = verdict.thrown[0];
      context.unknown('logging.auth-failures', `the ${site.what} at ${siteLocation(endpoint, site)} is thrown to the framework's error handler, which is not in the files read; check that it logs authentication failures`);
      return;
    }
    if (verdict.logged.length > 0) {
      for (const { evidence, note } of verdict.logged) context.pass('logging.auth-failures', { node: evidence, note });
      return;
    }
    const identity = identityCheckOutOfView(endpoint, config, project);
    if (identity?.kind === 'library') {
      // A Nest guard rejects by throwing; the app's exception filter decides whether that is logged.
      const nest = endpoint.framework === 'nestjs' && identity.node !== undefined ? nestExceptionLogging(endpoint) : undefined;
      if (nest?.kind === 'not-logged') {
        context.report({ messageId: 'not-logged-nest', node: identity.node!, data: { guard: identity.what, main: nest.main } });
        return;
      }
      if (nest?.kind === 'logged') {
        context.pass('logging.auth-failures', { node: nest.node, note: `the guard ${identity.what} throws to Nest: ${nest.note}` });
        return;
      }
      const koa = identity.control !== undefined ? koaJwtFailureLogging(endpoint, project, identity.control) : undefined;
      if (koa?.kind === 'logged') {
        context.pass('logging.auth-failures', { node: koa.node, note: `koa-jwt throws its 401 to Koa, whose 'error' event reaches the listener that logs (${koa.where})` });
        return;
      }
      if (koa?.kind === 'not-logged') {
        context.report({ messageId: 'not-logged-koa', node: identity.node!, data: { guard: identity.what, app: koa.where } });
        return;
      }
      context.unknown('logging.auth-failures', `the identity check ${identity.what} rejects callers in code that is not in view (a library or an unread file); whether failures are logged could not be seen`);
      return;
    }
    if (identity?.kind === 'no-failure-branch') {
      context.notApplicable('logging.auth-failures', `the identity check ${identity.what} has no failure branch in the code read, so nothing rejects here to log (authn.invalid-token judges the missing 401)`);
      return;
    }
    context.notApplicable('logging.auth-failures', 'the endpoint has no identity check, so there is no authentication failure to log');
  },
});
