import { createCheck } from '../create-check.js';
import { bodyLimitFor, bodyRead, fastifyRequestTimeout } from './body-limits.js';
import { requestSizedCosts } from './input-bounds.js';

export default createCheck({
  id: 'unbounded-request-cost',
  items: ['ratelimit.ddos'],
  description: 'Work whose size the caller chooses: no or a very large body limit, page sizes from the request without a maximum, request-sized loops, regexes built from or catastrophic on request data.',
  severity: 'low',
  confidence: 'medium',
  cwe: ['CWE-400', 'CWE-770', 'CWE-1333'],
  owasp: ['API4:2023'],
  messages: {
    'large-body': '{{endpoint}} accepts request bodies of up to {{size}}: one request can hold that much memory while it is parsed.',
    'no-body-limit': '{{endpoint}} reads the request body with no size limit ({{note}}).',
    'page-size': 'The page size comes from the request ({{label}}) with no maximum: one call can ask for every row.',
    loop: 'A loop or allocation is sized by the request ({{label}}) with no maximum.',
    'regex-from-input': 'A regular expression is built from request data ({{label}}) without escaping: a crafted pattern can make matching take exponential time (ReDoS).',
    'no-request-timeout': 'The Fastify server ({{file}}) sets no `requestTimeout` (Fastify\'s default is 0, no limit), so {{endpoint}} waits forever for a body sent slowly: a few slow clients hold connections and parsers open (slowloris).',
    'catastrophic-regex': 'The pattern {{pattern}} has a nested quantifier and runs on request data ({{label}}): a crafted input makes it backtrack exponentially (ReDoS).',
  },
  why: 'When the caller decides how much work a request costs, a handful of requests can exhaust memory or CPU and take the service down for everyone (unrestricted resource consumption).',
  fix: {
    express:
      "Keep body limits small (`app.use(express.json({ limit: '100kb' }))`), clamp page sizes (`take: Math.min(Number(req.query.limit) || 20, 100)` or a zod schema with `.max(100)`), escape user text before `new RegExp(...)` (lodash `escapeRegExp`), and avoid nested quantifiers such as `(a+)+`.",
    fastify: "Keep `bodyLimit` near Fastify's 1 MiB default, set `requestTimeout` (e.g. `Fastify({ requestTimeout: 30_000 })`) unless a reverse proxy enforces one, give page sizes a JSON-schema `maximum`, escape user text before `new RegExp(...)`, and avoid nested quantifiers.",
    hono: "Add `bodyLimit({ maxSize: 100 * 1024, onError: (c) => c.text('Payload too large', 413) })` from `hono/body-limit` before the route, clamp page sizes with `Math.min` or a zod `.max()`, and escape user text before `new RegExp(...)`.",
    'nextjs-app-router':
      "Reject large bodies early (`if (Number(req.headers.get('content-length')) > 1_000_000) return new Response(null, { status: 413 })`), clamp page sizes (`Math.min(Number(searchParams.get('limit')) || 20, 100)` or a zod `.max(100)`), and escape user text before `new RegExp(...)`.",
    'nextjs-pages': "Keep `export const config = { api: { bodyParser: { sizeLimit: '1mb' } } }` small, clamp page sizes with `Math.min` or a zod `.max()`, and escape user text before `new RegExp(...)`.",
    default: 'Bound every request-sized cost: a small body limit, a maximum page size, escaped user text in regexes, no nested quantifiers.',
  },
  run(context) {
    const { endpoint, project } = context;
    const name = `${endpoint.method} ${endpoint.route}`;
    let reported = false;

    const { findings, bounds } = requestSizedCosts(endpoint);
    for (const finding of findings) {
      context.report({
        messageId: finding.kind,
        node: finding.node,
        data: { label: finding.label, pattern: finding.pattern ?? '' },
        severity: finding.kind === 'regex-from-input' || finding.kind === 'catastrophic-regex' ? 'medium' : 'low',
      });
      reported = true;
    }

    const read = bodyRead(endpoint);
    const body = read === undefined ? undefined : bodyLimitFor(endpoint, project);
    if (body?.kind === 'large') {
      context.report({ messageId: 'large-body', node: body.node, data: { endpoint: name, size: body.size } });
      reported = true;
    } else if (body?.kind === 'unbounded') {
      context.report({ messageId: 'no-body-limit', node: body.node, line: endpoint.line, endLine: endpoint.line, data: { endpoint: name, note: body.note } });
      reported = true;
    }
    // A body read is where a slow sender costs most; judged only once the body limit itself is fine.
    const timeout = body !== undefined && body.kind !== 'unknown' ? fastifyRequestTimeout(endpoint, project) : undefined;
    if (!reported && timeout?.kind === 'unset') {
      context.report({ messageId: 'no-request-timeout', node: timeout.node, data: { endpoint: name, file: timeout.file } });
      reported = true;
    }
    if (reported) return;

    if (body?.kind === 'unknown') {
      context.unknown('ratelimit.ddos', `${name} reads the request body, and ${body.reason}`);
      return;
    }
    // The evidence node may sit in the app's entry file: the engine takes the file from the node.
    if (body?.kind === 'bounded') context.pass('ratelimit.ddos', { node: body.node, note: body.note });
    if (timeout?.kind === 'set') context.pass('ratelimit.ddos', { node: timeout.node, note: timeout.note });
    for (const bound of bounds) context.pass('ratelimit.ddos', { node: bound.node, note: `request-sized work is bounded: ${bound.note}` });
    if (body === undefined && bounds.length === 0) {
      context.notApplicable('ratelimit.ddos', 'the endpoint reads no request body and sizes no page, loop or pattern by the request');
    }
  },
});
