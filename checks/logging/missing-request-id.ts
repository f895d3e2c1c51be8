import type { ts } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { codeRegions, type Endpoint } from '../frameworks/endpoint.js';
import { bootstrapCandidates } from '../frameworks/express-mounts.js';
import type { ProjectContext } from '../project-context.js';
import { nextMiddlewareFor, wholeFile } from '../rate-limiting/next-middleware-coverage.js';
import { nestRequestId } from './nest-app-logging.js';
import { controlRequestId, fastifyServerIds, requestIdIn, type RequestIdSignal } from './request-id-signals.js';

type Outcome = { kind: 'pass'; signal: RequestIdSignal } | { kind: 'unknown'; reason: string } | { kind: 'none'; note?: string };

/** Fastify assigns `request.id` itself; it traces only when the server logs (or sets `genReqId` / `requestIdHeader`). */
function fastifyOutcome(endpoint: Endpoint, project: ProjectContext): Outcome {
  const files = [endpoint.index];
  for (const candidate of bootstrapCandidates(endpoint.file)) {
    const file = project.get(candidate);
    if (file?.status === 'found') files.push(file.index);
  }
  for (const index of files) {
    const server = fastifyServerIds(index);
    if (server === undefined) continue;
    if (server === 'no-logger') return { kind: 'none', note: `the Fastify server in ${index.path} has no logger, so request.id is never written anywhere` };
    return { kind: 'pass', signal: server };
  }
  for (const { index, scopes } of codeRegions(endpoint)) {
    const log = index.callsNamed(/^(?:info|warn|error|fatal|child)$/, scopes).find((call) => /^(?:request|req)\.log\./.test(index.textOf(call.expression)));
    if (log !== undefined) return { kind: 'pass', signal: { node: log, note: 'request.log lines carry Fastify\'s request id (reqId)' } };
  }
  return { kind: 'unknown', reason: `Fastify gives every request an id, but the server's options (logger, genReqId) are in a file that was not read (e.g. ${bootstrapCandidates(endpoint.file).slice(0, 2).join(' or ')})` };
}

function requestIdOutcome(endpoint: Endpoint, project: ProjectContext): Outcome | { kind: 'unused'; node: ts.Node } {
  for (const control of endpoint.controls) {
    const signal = controlRequestId(control, endpoint.index);
    if (signal !== undefined) return { kind: 'pass', signal };
  }
  for (const { index, scopes } of codeRegions(endpoint)) {
    const found = requestIdIn(index, scopes);
    if (found.signal !== undefined) return { kind: 'pass', signal: found.signal };
    if (found.unused !== undefined) return { kind: 'unused', node: found.unused };
  }
  const middleware = nextMiddlewareFor(endpoint, project);
  if (middleware.status === 'unavailable') return { kind: 'unknown', reason: `${middleware.path} ${middleware.reason}; it may set the request id` };
  if (middleware.status === 'found') {
    const found = requestIdIn(middleware.index, wholeFile(middleware.index)).signal;
    if (found !== undefined && middleware.covers === true) return { kind: 'pass', signal: { node: found.node, note: `${middleware.path}: ${found.note} (${middleware.coverage})` } };
    if (found !== undefined && middleware.covers === 'unknown') return { kind: 'unknown', reason: `${middleware.path} sets a request id, but ${middleware.coverage}` };
  }
  if (endpoint.framework === 'fastify') return fastifyOutcome(endpoint, project);
  if (endpoint.framework === 'nestjs') {
    const nest = nestRequestId(endpoint);
    if (nest?.kind === 'found') return { kind: 'pass', signal: nest.signal };
    if (nest?.kind === 'none') return { kind: 'none', note: `neither ${nest.main.path} nor the app's modules set one up` };
    return { kind: 'unknown', reason: 'Nest apps assign request ids in global middleware or interceptors (main.ts, app.module: nestjs-cls, nestjs-pino), which were not all read' };
  }
  if (endpoint.framework === 'trpc') {
    return { kind: 'unknown', reason: "tRPC requests get their id in the HTTP adapter or createContext (the Next.js route, the standalone server), which were not read" };
  }
  if (endpoint.mountedElsewhere !== undefined && endpoint.mountedAt === undefined) {
    return { kind: 'unknown', reason: `the router \`${endpoint.mountedElsewhere.router}\` is mounted by another file, which was not found; request-id middleware may be registered there` };
  }
  if (endpoint.mountedAt !== undefined && !endpoint.mountedAt.complete) {
    return { kind: 'unknown', reason: `the router is mounted at ${endpoint.mountedAt.file}:${endpoint.mountedAt.line} by another router, whose own mount was not found; request-id middleware may be registered there` };
  }
  return { kind: 'none' };
}

export default createCheck({
  id: 'missing-request-id',
  items: ['logging.request-id'],
  description: 'No request id is assigned to the endpoint\'s requests and passed on (response header, child logger), so its log lines cannot be tied together.',
  severity: 'low',
  confidence: 'medium',
  cwe: ['CWE-778'],
  owasp: ['API8:2023'],
  messages: {
    missing: '{{endpoint}} runs without a request id{{note}}: its log lines cannot be tied to one request or to what the caller saw.',
    unused: 'A request id is generated here but never passed on: it is neither sent in a header nor bound to the logger.',
  },
  why: 'Investigating an incident means following one request through every log line and service; without an id passed on in `X-Request-ID` and bound to the logger, the trail breaks.',
  fix: {
    express: "Assign and pass on an id for every request: `app.use(pinoHttp({ genReqId: (req, res) => { const id = req.headers['x-request-id'] ?? randomUUID(); res.setHeader('X-Request-ID', id); return id; } }))`, then log with `req.log`.",
    fastify: "Log with the request's logger and take the caller's id when there is one: `Fastify({ logger: true, requestIdHeader: 'x-request-id', genReqId: () => randomUUID() })`, and return it with `reply.header('X-Request-ID', request.id)` in an `onSend` hook.",
    hono: "Add `app.use('*', requestId())` from `hono/request-id` (it sets `X-Request-Id` on the response) and log with `c.get('requestId')`.",
    'nextjs-app-router': "Set the id in `middleware.ts`: `const id = req.headers.get('x-request-id') ?? crypto.randomUUID(); const headers = new Headers(req.headers); headers.set('x-request-id', id); const res = NextResponse.next({ request: { headers } }); res.headers.set('x-request-id', id); return res;`, then bind it in the handler: `logger.child({ requestId: (await headers()).get('x-request-id') })`.",
    nestjs: "Use `nestjs-cls` (`ClsModule.forRoot({ middleware: { mount: true, generateId: true } })`) or `nestjs-pino` with `genReqId`, and return the id in an interceptor that sets `X-Request-ID`.",
    default: 'Give every request an id (take `X-Request-ID` from the caller or generate one), bind it to the logger and return it in the `X-Request-ID` response header.',
  },
  run(context) {
    const { endpoint, project } = context;
    const outcome = requestIdOutcome(endpoint, project);
    if (outcome.kind === 'pass') {
      context.pass('logging.request-id', { node: outcome.signal.node, note: outcome.signal.note });
      return;
    }
    if (outcome.kind === 'unknown') {
      context.unknown('logging.request-id', outcome.reason);
      return;
    }
    if (outcome.kind === 'unused') {
      context.report({ messageId: 'unused', node: outcome.node });
      return;
    }
    context.report({
      messageId: 'missing',
      node: endpoint.registration,
      line: endpoint.line,
      endLine: endpoint.line,
      data: { endpoint: `${endpoint.method} ${endpoint.route}`, note: outcome.note === undefined ? '' : ` (${outcome.note})` },
    });
  },
});
