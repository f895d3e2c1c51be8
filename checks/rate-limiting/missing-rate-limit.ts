import { ts, SyntaxKind } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { plainCalleePath } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { endpointCost } from './endpoint-cost.js';
import { rateLimitCoverage } from './rate-limit-coverage.js';

function registrationNode(endpoint: Endpoint): ts.Node {
  return endpoint.registration.kind === SyntaxKind.CallExpression ? (endpoint.registration as ts.CallExpression).expression : endpoint.registration;
}

export default createCheck({
  id: 'missing-rate-limit',
  items: ['ratelimit.endpoint'],
  description: 'An endpoint that no limiter covers: no limiter middleware, plugin, guard, middleware.ts limiter or limiter call, wherever it is declared.',
  severity: 'low',
  confidence: 'medium',
  cwe: ['CWE-770', 'CWE-307'],
  owasp: ['API4:2023'],
  messages: {
    missing: '{{endpoint}} has no rate limit: no limiter middleware, plugin, guard or limiter call was found for it.',
    'missing-sensitive': '{{endpoint}} has no rate limit, and {{reason}}.',
    disabled: 'Rate limiting is switched off for {{endpoint}} by {{how}}{{reason}}.',
    unenforced: 'The result of {{call}} is never checked: the limiter counts requests but never refuses one.',
  },
  why: 'Without a limit one client can call the endpoint as fast as it likes: passwords and codes can be guessed, and costly work (mail, exports, AI calls) can run up bills or starve other users.',
  fix: {
    express:
      "Add a limiter in front of the route: `const limiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 100 })` from `express-rate-limit` (a stricter one, e.g. `limit: 5`, on login and reset routes), then `router.{{methodLower}}('{{route}}', limiter, handler)` or `app.use(limiter)` before the routes. If an API gateway enforces limits, set `rate_limit.upstream: true` in `.github/api-security-review.yml`.",
    fastify:
      "Register `@fastify/rate-limit` before the routes (`await fastify.register(rateLimit, { max: 100, timeWindow: '1 minute' })`), and tighten credential routes with the route option `config: { rateLimit: { max: 5, timeWindow: '1 minute' } }`. If an API gateway enforces limits, set `rate_limit.upstream: true` in `.github/api-security-review.yml`.",
    hono:
      "Put a limiter before the route: `app.use('/api/*', rateLimiter({ windowMs: 15 * 60 * 1000, limit: 100, keyGenerator: (c) => c.req.header('x-forwarded-for') ?? '' }))` from `hono-rate-limiter` (or the Cloudflare rate-limiting binding). If an API gateway enforces limits, set `rate_limit.upstream: true` in `.github/api-security-review.yml`.",
    'nextjs-app-router':
      "Limit at the top of the handler with `@upstash/ratelimit`: `const ratelimit = new Ratelimit({ redis: Redis.fromEnv(), limiter: Ratelimit.slidingWindow(10, '10 s') })`, then `const { success } = await ratelimit.limit(ip); if (!success) return NextResponse.json({ error: 'Too many requests' }, { status: 429 });`, or do the same in `middleware.ts` for the matched routes.",
    'nextjs-pages':
      "Limit at the top of the handler: `const { success } = await ratelimit.limit(ip); if (!success) return res.status(429).json({ error: 'Too many requests' });` with `@upstash/ratelimit`, or wrap the export in a limiter wrapper.",
    nestjs:
      "Import `ThrottlerModule.forRoot([{ ttl: 60000, limit: 100 }])` and register `{ provide: APP_GUARD, useClass: ThrottlerGuard }`; tighten credential routes with `@Throttle({ default: { limit: 5, ttl: 60000 } })` and do not put `@SkipThrottle()` on them.",
    koa: 'Add `koa-ratelimit` before the routes: `app.use(ratelimit({ driver: \'memory\', db: new Map(), duration: 60000, max: 100 }))`, with a stricter instance on login routes.',
    trpc: 'Add a limiter middleware to the procedure (`t.middleware` calling `ratelimit.limit(ctx.ip)` and throwing `TRPCError({ code: \'TOO_MANY_REQUESTS\' })`), or limit the tRPC route in the adapter or `middleware.ts`.',
    default: 'Put a rate limiter in front of the endpoint (stricter on credential endpoints), or declare `rate_limit.upstream: true` if a gateway enforces limits.',
  },
  run(context) {
    const { endpoint, config, project } = context;
    const name = `${endpoint.method} ${endpoint.route}`;
    const coverage = rateLimitCoverage(endpoint, config, project);
    if (coverage.kind === 'limited') {
      context.pass('ratelimit.endpoint', coverage.evidence);
      return;
    }
    if (coverage.kind === 'unknown') {
      context.unknown('ratelimit.endpoint', coverage.reason);
      return;
    }
    if (coverage.kind === 'unenforced') {
      const call = coverage.signal.node as ts.CallExpression;
      context.report({ messageId: 'unenforced', node: call, data: { call: `${plainCalleePath(call)}()`, methodLower: endpoint.method.toLowerCase() }, severity: 'medium' });
      return;
    }
    const cost = endpointCost(endpoint);
    const sensitive = cost.kind !== 'ordinary';
    const data = { endpoint: name, methodLower: endpoint.method.toLowerCase() };
    if (coverage.kind === 'disabled') {
      context.report({
        messageId: 'disabled',
        node: coverage.node,
        data: { ...data, how: coverage.how, reason: cost.kind === 'ordinary' ? '' : `, although ${cost.reason}` },
        severity: sensitive ? 'medium' : 'low',
      });
      return;
    }
    context.report({
      messageId: sensitive ? 'missing-sensitive' : 'missing',
      node: registrationNode(endpoint),
      line: endpoint.line,
      endLine: endpoint.line,
      data: cost.kind === 'ordinary' ? data : { ...data, reason: cost.reason },
      severity: sensitive ? 'medium' : 'low',
    });
  },
});
