/**
 * missing-rate-limit (ratelimit.endpoint): each vulnerable case sits next to
 * the secure neighbour that must stay silent. Every false-positive shape of
 * CodeQL's js/missing-rate-limiting (a Fastify plugin, a wrapped middleware,
 * an app-level `use` before the routes, the entry file's mount) is a valid case.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-rate-limit.js';
import { analyzeSource, endpointOf, type AnalyzeSourceOptions } from '../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string, options: AnalyzeSourceOptions = {}) {
  const result = await analyzeSource(path, code, { checks: [check], ...options });
  const item = endpointOf(result, endpoint).checklist['ratelimit.endpoint'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'missing-rate-limit'), result };
}

const APP = 'src/app.ts';
const ROUTER = 'src/routes/auth.ts';
const ROUTE = 'app/api/auth/login/route.ts';

describe('missing-rate-limit: Express', () => {
  it('invalid: a login route without any limiter is medium', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
const app = express();
app.post('/login', async (req, res) => {
  const user = await users.findByEmail(req.body.email);
  res.json({ ok: await bcrypt.compare(req.body.password, user.hash) });
});
`, 'POST /login');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3, severity: 'medium', checklistItem: 'ratelimit.endpoint', cwe: ['CWE-770', 'CWE-307'], owasp: ['API4:2023'] });
    expect(findings[0].message).toContain('`login` in the route is a credential endpoint');
    expect(findings[0].fix).toContain("router.post('/login', limiter, handler)");
  });

  it('valid: the same route behind an express-rate-limit route middleware', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
import rateLimit from 'express-rate-limit';
const app = express();
const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 });
app.post('/login', loginLimiter, async (req, res) => {
  res.json({ ok: await bcrypt.compare(req.body.password, (await users.findByEmail(req.body.email)).hash) });
});
`, 'POST /login');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: APP, line: 5 });
    expect(item.evidence[0].note).toContain('loginLimiter = rateLimit(...) from express-rate-limit');
  });

  it('invalid: an ordinary route without a limiter is low', async () => {
    const { findings } = await verdict(APP, `import express from 'express';
const app = express();
app.get('/projects', async (req, res) => res.json(await db.project.findMany()));
`, 'GET /projects');
    expect(findings[0]).toMatchObject({ severity: 'low' });
    expect(findings[0].message).toBe('GET /projects has no rate limit: no limiter middleware, plugin, guard or limiter call was found for it.');
  });

  it('valid (CodeQL false positive): app-level use(limiter) before the routes', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import rateLimit from 'express-rate-limit';
const app = express();
app.use(rateLimit({ windowMs: 60_000, limit: 100 }));
app.get('/projects', async (req, res) => res.json(await db.project.findMany()));
`, 'GET /projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('app/router-level middleware rateLimit(...) from express-rate-limit');
  });

  it('invalid: use(limiter) registered after the route does not cover it', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import rateLimit from 'express-rate-limit';
const app = express();
app.get('/projects', async (req, res) => res.json(await db.project.findMany()));
app.use(rateLimit({ windowMs: 60_000, limit: 100 }));
`, 'GET /projects');
    expect(item.status).toBe('fail');
  });

  it('valid (CodeQL false positive): the limiter wrapped in an inline middleware', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import rateLimit from 'express-rate-limit';
const app = express();
const limiter = rateLimit({ windowMs: 60_000, limit: 10 });
app.post('/password/reset', (req, res, next) => (req.ip === '127.0.0.1' ? next() : limiter(req, res, next)), async (req, res) => {
  await sendPasswordResetEmail(req.body.email);
  res.sendStatus(204);
});
`, 'POST /password/reset');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('limiter = rateLimit(...)');
  });

  it('valid: a rate-limiter-flexible middleware of the file that consumes a point', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
const app = express();
const points = new RateLimiterMemory({ points: 10, duration: 1 });
function throttleByIp(req, res, next) {
  points.consume(req.ip).then(() => next()).catch(() => res.status(429).send('Too Many Requests'));
}
app.post('/otp/verify', throttleByIp, async (req, res) => res.json(await verifyOtp(req.body.code)));
`, 'POST /otp/verify');
    expect(item.status).toBe('pass');
  });

  it('valid: express-slow-down as route middleware', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import slowDown from 'express-slow-down';
const app = express();
const speed = slowDown({ windowMs: 60_000, delayAfter: 5, delayMs: () => 500 });
app.post('/signup', speed, async (req, res) => res.json(await users.create(req.body)));
`, 'POST /signup');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('speed = slowDown(...) from express-slow-down');
  });

  it('valid: a function listed in rate_limit.functions', async () => {
    const code = `import express from 'express';
const app = express();
app.post('/token/refresh', async (req, res) => {
  await guardQuota(req.ip);
  res.json(await tokens.refresh(req.body.refreshToken));
});
`;
    expect((await verdict(APP, code, 'POST /token/refresh')).item.status).toBe('fail');
    const configured = await verdict(APP, code, 'POST /token/refresh', { config: { rate_limit: { functions: ['guardQuota'] } } });
    expect(configured.item.status).toBe('pass');
    expect(configured.item.evidence[0].note).toBe('guardQuota() (configured in rate_limit.functions)');
  });

  it('valid: rate_limit.upstream declares that a gateway enforces limits', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
const app = express();
app.post('/login', async (req, res) => res.json(await login(req.body)));
`, 'POST /login', { config: { rate_limit: { upstream: true } } });
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: '.github/api-security-review.yml' });
    expect(item.evidence[0].note).toContain('rate_limit.upstream: true');
  });

  const router = `import express from 'express';
const router = express.Router();
router.post('/login', async (req, res) => res.json(await login(req.body)));
export default router;
`;

  it('valid (CodeQL false positive): the entry file mounts the router behind a limiter', async () => {
    const { item } = await verdict(ROUTER, router, 'POST /login', {
      context: {
        'src/app.ts': `import express from 'express';
import rateLimit from 'express-rate-limit';
import auth from './routes/auth';
const app = express();
const authLimiter = rateLimit({ windowMs: 60_000, limit: 5 });
app.use('/auth', authLimiter, auth);
`,
      },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'src/app.ts', line: 6 });
    expect(item.evidence[0].note).toContain('authLimiter = rateLimit(...) from express-rate-limit in src/app.ts');
  });

  it('invalid: the entry file mounts the router without a limiter', async () => {
    const { item, findings } = await verdict(ROUTER, router, 'POST /login', {
      context: { 'src/app.ts': `import express from 'express';\nimport auth from './routes/auth';\nconst app = express();\napp.use('/auth', auth);\n` },
    });
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ file: ROUTER, severity: 'medium' });
  });

  it('unknown: the router is mounted by a file that was not found', async () => {
    const { item, findings } = await verdict(ROUTER, router, 'POST /login');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('the router `router` is mounted by another file');
  });
});

describe('missing-rate-limit: Fastify', () => {
  it('valid (CodeQL false positive): @fastify/rate-limit registered as a plugin before the routes', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
const app = Fastify();
await app.register(rateLimit, { max: 100, timeWindow: '1 minute' });
app.post('/login', async (request) => login(request.body));
`, 'POST /login');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
  });

  it('invalid: registered with global: false and the route sets no config.rateLimit', async () => {
    const { item, findings } = await verdict('src/server.ts', `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
const app = Fastify();
await app.register(rateLimit, { global: false });
app.post('/login', async (request) => login(request.body));
`, 'POST /login');
    expect(item.status).toBe('fail');
    expect(findings[0].severity).toBe('medium');
  });

  it('valid: the route opts in with config.rateLimit', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
const app = Fastify();
await app.register(rateLimit, { global: false });
app.post('/login', { config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async (request) => login(request.body));
`, 'POST /login');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('route option config.rateLimit');
  });

  it('invalid: config.rateLimit: false switches the global limit off on a credential route', async () => {
    const { findings } = await verdict('src/server.ts', `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
const app = Fastify();
await app.register(rateLimit, { max: 100 });
app.post('/login', { config: { rateLimit: false } }, async (request) => login(request.body));
`, 'POST /login');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'medium' });
    expect(findings[0].message).toContain('switched off for POST /login by `config: { rateLimit: false }`, although `login` in the route');
  });

  const plugin = `import type { FastifyInstance } from 'fastify';
export default async function invoices(fastify: FastifyInstance) {
  fastify.get('/', { onRequest: [fastify.authenticate] }, async (request) => db.invoice.findMany());
}
`;

  it('valid (CodeQL false positive): a plugin file whose server registers @fastify/rate-limit globally', async () => {
    const { item } = await verdict('src/routes/invoices.ts', plugin, 'GET /', {
      context: {
        'src/server.ts': `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
import invoices from './routes/invoices';
const app = Fastify();
app.decorate('authenticate', async (request) => request.jwtVerify());
app.register(rateLimit, { max: 100 });
app.register(invoices, { prefix: '/invoices' });
`,
      },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'src/server.ts', line: 6 });
  });

  it('unknown: a plugin file whose registering server was not read', async () => {
    const { item } = await verdict('src/routes/invoices.ts', plugin, 'GET /');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('Fastify plugin');
  });
});

describe('missing-rate-limit: Hono', () => {
  it('valid: hono-rate-limiter registered with use before the routes', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
const app = new Hono();
app.use('/api/*', rateLimiter({ windowMs: 60_000, limit: 100, keyGenerator: (c) => c.req.header('x-forwarded-for') ?? '' }));
app.post('/api/search', async (c) => c.json(await search(await c.req.json())));
`, 'POST /api/search');
    expect(item.status).toBe('pass');
  });

  it('invalid: the same search route without the limiter is medium (expensive)', async () => {
    const { findings } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.post('/api/search', async (c) => c.json(await search(await c.req.json())));
`, 'POST /api/search');
    expect(findings[0]).toMatchObject({ severity: 'medium' });
    expect(findings[0].message).toContain('`search` in the route is costly to serve per call');
  });

  it('invalid: a limiter on another path does not cover the route', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
const app = new Hono();
app.use('/auth/*', rateLimiter({ windowMs: 60_000, limit: 5, keyGenerator: () => '' }));
app.get('/api/notes', async (c) => c.json(await db.note.findMany()));
`, 'GET /api/notes');
    expect(item.status).toBe('fail');
  });
});

describe('missing-rate-limit: Next.js App Router', () => {
  it('valid: Upstash ratelimit.limit() in the handler, answering 429', async () => {
    const { item } = await verdict(ROUTE, `import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
const ratelimit = new Ratelimit({ redis: Redis.fromEnv(), limiter: Ratelimit.slidingWindow(10, '10 s') });
export async function POST(req: Request) {
  const { success } = await ratelimit.limit(req.headers.get('x-forwarded-for') ?? 'anonymous');
  if (!success) return Response.json({ error: 'Too many requests' }, { status: 429 });
  return Response.json(await signIn(await req.json()));
}
`, 'POST /api/auth/login');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
    expect(item.evidence[0].note).toContain('ratelimit.limit() on ratelimit = new Ratelimit(...)');
  });

  it('invalid: ratelimit.limit() whose answer is thrown away', async () => {
    const { findings } = await verdict(ROUTE, `import { Ratelimit } from '@upstash/ratelimit';
const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(10, '10 s') });
export async function POST(req: Request) {
  await ratelimit.limit(req.headers.get('x-forwarded-for') ?? 'anonymous');
  return Response.json(await signIn(await req.json()));
}
`, 'POST /api/auth/login');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'medium' });
    expect(findings[0].message).toBe('The result of ratelimit.limit() is never checked: the limiter counts requests but never refuses one.');
  });

  it('invalid: an AI call without a limiter is medium', async () => {
    const { findings } = await verdict('app/api/assistant/route.ts', `import OpenAI from 'openai';
const openai = new OpenAI();
export async function POST(req: Request) {
  const { prompt } = await req.json();
  const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
  return Response.json(answer);
}
`, 'POST /api/assistant');
    expect(findings[0]).toMatchObject({ severity: 'medium' });
    expect(findings[0].message).toContain('it calls an AI model (openai.chat.completions.create())');
  });

  const handler = `export async function POST(req: Request) {\n  return Response.json(await signIn(await req.json()));\n}\n`;

  it('valid: middleware.ts limits every /api route with Upstash', async () => {
    const { item } = await verdict(ROUTE, handler, 'POST /api/auth/login', {
      context: {
        'middleware.ts': `import { Ratelimit } from '@upstash/ratelimit';
import { NextResponse, type NextRequest } from 'next/server';
const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(10, '10 s') });
export async function middleware(req: NextRequest) {
  const { success } = await ratelimit.limit(req.ip ?? 'anonymous');
  return success ? NextResponse.next() : new NextResponse('Too many requests', { status: 429 });
}
export const config = { matcher: ['/api/:path*'] };
`,
      },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'middleware.ts', line: 5 });
    expect(item.evidence[0].note).toContain('matcher "/api/:path*"');
  });

  it('invalid: middleware.ts limits, but its matcher leaves this route out', async () => {
    const { item } = await verdict(ROUTE, handler, 'POST /api/auth/login', {
      context: {
        'middleware.ts': `import { Ratelimit } from '@upstash/ratelimit';
const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(10, '10 s') });
export async function middleware(req) {
  const { success } = await ratelimit.limit(req.ip);
  return success ? NextResponse.next() : new NextResponse(null, { status: 429 });
}
export const config = { matcher: ['/dashboard/:path*'] };
`,
      },
    });
    expect(item.status).toBe('fail');
  });

  it("invalid: comparing another service's status with 429 is not a limiter", async () => {
    const proxied = await verdict('app/api/quotes/route.ts', `export async function GET() {
  const upstream = await fetch('https://quotes.example.com');
  if (upstream.status === 429) return Response.json({ error: 'busy' }, { status: 503 });
  return Response.json(await upstream.json());
}
`, 'GET /api/quotes');
    expect(proxied.item.status).toBe('fail');
  });
});

describe('missing-rate-limit: NestJS', () => {
  const bootstrap = {
    'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n`,
    'src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { AuthController } from './auth/auth.controller';\n@Module({ controllers: [AuthController] })\nexport class AppModule {}\n`,
  };

  it('valid: ThrottlerGuard on the controller', async () => {
    const { item } = await verdict('src/auth/auth.controller.ts', `import { Controller, Post, Body, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
@Controller('auth')
@UseGuards(ThrottlerGuard)
export class AuthController {
  @Post('login')
  login(@Body() body: LoginDto) { return this.auth.login(body); }
}
`, 'POST /auth/login', { context: bootstrap });
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('ThrottlerGuard');
  });

  it('invalid: @SkipThrottle() switches the limit off on the login route', async () => {
    const { findings } = await verdict('src/auth/auth.controller.ts', `import { Controller, Post, Body, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
@Controller('auth')
@UseGuards(ThrottlerGuard)
export class AuthController {
  @SkipThrottle()
  @Post('login')
  login(@Body() body: LoginDto) { return this.auth.login(body); }
}
`, 'POST /auth/login', { context: bootstrap });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, severity: 'medium' });
  });

  it.todo('valid: ThrottlerModule with an APP_GUARD ThrottlerGuard in a feature module the root module imports');
});

describe('missing-rate-limit: Koa limiters registered in the entry file', () => {
  const routes = `import Router from '@koa/router';
export const router = new Router();
router.post('/login', async (ctx) => { ctx.body = await signIn(ctx.request.body); });
`;
  const entry = (limiter: string) => `import Koa from 'koa';
import ratelimit from 'koa-ratelimit';
import { router } from './routes/auth';
const app = new Koa();
${limiter}
app.use(router.routes());
`;

  it('valid: app.use(ratelimit(...)) before app.use(router.routes())', async () => {
    const { item } = await verdict('src/routes/auth.ts', routes, 'POST /login', { context: { 'src/app.ts': entry("app.use(ratelimit({ driver: 'memory', db: new Map(), duration: 60_000, max: 10 }));") } });
    expect(item.status).toBe('pass');
  });

  it('invalid: the entry file registers no limiter, and the route is a login', async () => {
    const { item, findings } = await verdict('src/routes/auth.ts', routes, 'POST /login', { context: { 'src/app.ts': entry('') } });
    expect(item.status).toBe('fail');
    expect(findings[0].severity).toBe('medium');
  });
});
it.todo('valid: a tRPC procedure whose middleware calls ratelimit.limit()');
