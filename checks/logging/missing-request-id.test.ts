/**
 * missing-request-id (logging.request-id): each endpoint without a request
 * id next to the same endpoint with one that is passed on.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-request-id.js';
import { analyzeSource, endpointOf, type AnalyzeSourceOptions } from '../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string, options: AnalyzeSourceOptions = {}) {
  const result = await analyzeSource(path, code, { checks: [check], ...options });
  const item = endpointOf(result, endpoint).checklist['logging.request-id'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'missing-request-id') };
}

const APP = 'src/app.ts';
const express = (body: string) => `import express from 'express';\nconst app = express();\n${body}`;

describe('missing-request-id: Express', () => {
  it('invalid: no request id anywhere', async () => {
    const { item, findings } = await verdict(APP, express(`app.get('/orders', async (req, res) => res.json(await db.order.findMany()));\n`), 'GET /orders');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 3, severity: 'low', cwe: ['CWE-778'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('GET /orders runs without a request id: its log lines cannot be tied to one request or to what the caller saw.');
  });

  it('valid: pino-http with genReqId', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import pinoHttp from 'pino-http';
import { randomUUID } from 'node:crypto';
const app = express();
app.use(pinoHttp({ genReqId: (req, res) => req.headers['x-request-id'] ?? randomUUID() }));
app.get('/orders', async (req, res) => res.json(await db.order.findMany()));
`, 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
    expect(item.evidence[0].note).toContain('pino-http genReqId');
  });

  it('valid: a middleware of the file that sets X-Request-ID', async () => {
    const { item } = await verdict(APP, express(`function tagRequest(req, res, next) {
  const id = req.get('x-request-id') ?? crypto.randomUUID();
  res.setHeader('X-Request-ID', id);
  next();
}
app.use(tagRequest);
app.get('/orders', async (req, res) => res.json(await db.order.findMany()));
`), 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('sets the X-Request-ID header');
  });

  it('valid: express-request-id registered on the app', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import addRequestId from 'express-request-id';
const app = express();
app.use(addRequestId());
app.get('/orders', async (req, res) => res.json(await db.order.findMany()));
`, 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('addRequestId from express-request-id');
  });

  it('invalid: an id generated in the handler and never passed on', async () => {
    const { findings } = await verdict(APP, express(`app.post('/orders', async (req, res) => {
  const requestId = crypto.randomUUID();
  res.json(await db.order.create({ data: req.body }));
});
`), 'POST /orders');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4 });
    expect(findings[0].message).toContain('generated here but never passed on');
  });

  it('valid: the generated id bound to a child logger', async () => {
    const { item } = await verdict(APP, express(`app.post('/orders', async (req, res) => {
  const requestId = crypto.randomUUID();
  const log = logger.child({ requestId });
  log.info('creating order');
  res.json(await db.order.create({ data: req.body }));
});
`), 'POST /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('binds the request id to a child logger');
  });

  it('unknown: the router is mounted by a file that was not found', async () => {
    const { item } = await verdict('src/routes/orders.ts', `import { Router } from 'express';
const router = Router();
router.get('/', async (req, res) => res.json(await db.order.findMany()));
export default router;
`, 'GET /');
    expect(item.status).toBe('unknown');
  });

  it('valid: cls-rtracer in the entry file that mounts the router', async () => {
    const { item } = await verdict('src/routes/orders.ts', `import { Router } from 'express';
const router = Router();
router.get('/', async (req, res) => res.json(await db.order.findMany()));
export default router;
`, 'GET /', {
      context: {
        'src/app.ts': `import express from 'express';
import rTracer from 'cls-rtracer';
import orders from './routes/orders';
const app = express();
app.use(rTracer.expressMiddleware({ echoHeader: true }));
app.use('/orders', orders);
`,
      },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'src/app.ts', line: 5 });
  });
});

describe('missing-request-id: Hono, Fastify, Next.js', () => {
  it('invalid: a Hono app without requestId()', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';\nconst app = new Hono();\napp.get('/notes', async (c) => c.json(await db.note.findMany()));\n`, 'GET /notes');
    expect(item.status).toBe('fail');
  });

  it('valid: hono/request-id registered before the route', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
const app = new Hono();
app.use('*', requestId());
app.get('/notes', async (c) => c.json(await db.note.findMany()));
`, 'GET /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('requestId from hono/request-id');
  });

  it('invalid: a Fastify server without a logger never writes request.id', async () => {
    const { findings } = await verdict('src/server.ts', `import Fastify from 'fastify';\nconst app = Fastify();\napp.get('/notes', async () => db.note.findMany());\n`, 'GET /notes');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('has no logger');
  });

  it('valid: a Fastify server with its logger on', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';\nconst app = Fastify({ logger: true });\napp.get('/notes', async () => db.note.findMany());\n`, 'GET /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 2 });
  });

  it('valid: a Fastify server taking the id from X-Request-ID', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';\nconst app = Fastify({ logger: true, requestIdHeader: 'x-request-id' });\napp.get('/notes', async () => db.note.findMany());\n`, 'GET /notes');
    expect(item.evidence[0].note).toBe("Fastify requestIdHeader: 'x-request-id'");
  });

  const handler = `export async function GET() {\n  return Response.json(await db.note.findMany());\n}\n`;

  it('invalid: an App Router handler with a middleware.ts that sets no id', async () => {
    const { item } = await verdict('app/api/notes/route.ts', handler, 'GET /api/notes', {
      context: { 'middleware.ts': `export { default } from 'next-auth/middleware';\nexport const config = { matcher: ['/api/:path*'] };\n` },
    });
    expect(item.status).toBe('fail');
  });

  it('valid: middleware.ts sets x-request-id for the matched routes', async () => {
    const { item } = await verdict('app/api/notes/route.ts', handler, 'GET /api/notes', {
      context: {
        'middleware.ts': `import { NextResponse, type NextRequest } from 'next/server';
export function middleware(req: NextRequest) {
  const id = req.headers.get('x-request-id') ?? crypto.randomUUID();
  const headers = new Headers(req.headers);
  headers.set('x-request-id', id);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('x-request-id', id);
  return res;
}
export const config = { matcher: ['/api/:path*'] };
`,
      },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'middleware.ts', line: 5 });
  });
});

// NestJS apps read whole (main.ts, modules): see nest-app-logging.test.ts.
