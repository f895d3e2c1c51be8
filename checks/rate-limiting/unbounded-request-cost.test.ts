/**
 * unbounded-request-cost (ratelimit.ddos): body size limits, page sizes,
 * request-sized loops and regexes; each vulnerable case next to its secure
 * neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './unbounded-request-cost.js';
import { hasNestedQuantifier } from './input-bounds.js';
import { analyzeSource, endpointOf, type AnalyzeSourceOptions } from '../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string, options: AnalyzeSourceOptions = {}) {
  const result = await analyzeSource(path, code, { checks: [check], ...options });
  const item = endpointOf(result, endpoint).checklist['ratelimit.ddos'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'unbounded-request-cost') };
}

const APP = 'src/app.ts';
const express = (body: string) => `import express from 'express';\nconst app = express();\n${body}`;

describe('unbounded-request-cost: body size', () => {
  it('invalid: express.json with a 50mb limit', async () => {
    const { item, findings } = await verdict(APP, express(`app.use(express.json({ limit: '50mb' }));
app.post('/notes', async (req, res) => res.json(await db.note.create({ data: { text: String(req.body.text) } })));
`), 'POST /notes');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3, severity: 'low', cwe: ['CWE-400', 'CWE-770', 'CWE-1333'], owasp: ['API4:2023'] });
    expect(findings[0].message).toBe("POST /notes accepts request bodies of up to '50mb': one request can hold that much memory while it is parsed.");
  });

  it("valid: express.json({ limit: '100kb' })", async () => {
    const { item } = await verdict(APP, express(`app.use(express.json({ limit: '100kb' }));
app.post('/notes', async (req, res) => res.json(await db.note.create({ data: { text: String(req.body.text) } })));
`), 'POST /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 3 });
    expect(item.evidence[0].note).toBe("express.json({ limit: '100kb' }) bounds the body");
  });

  it("valid: bodyParser.json() keeps body-parser's 100 kB default", async () => {
    const { item } = await verdict(APP, `import express from 'express';
import bodyParser from 'body-parser';
const app = express();
app.use(bodyParser.json());
app.post('/notes', async (req, res) => res.json(await db.note.create({ data: req.body })));
`, 'POST /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('default limit of 100 kB');
  });

  it('unknown: the route reads req.body but no parser is in view', async () => {
    const { item } = await verdict(APP, express(`app.post('/notes', async (req, res) => res.json(await db.note.create({ data: req.body })));\n`), 'POST /notes');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('no body parser was found');
  });

  it('invalid: a Fastify server raising bodyLimit to 100 MiB', async () => {
    const { findings } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify({ logger: true, bodyLimit: 100 * 1024 * 1024 });
app.post('/notes', async (request) => db.note.create({ data: request.body }));
`, 'POST /notes');
    expect(findings[0]).toMatchObject({ line: 2 });
    expect(findings[0].message).toContain('100 * 1024 * 1024');
  });

  it("valid: a Fastify server keeping the default 1 MiB bodyLimit, with a requestTimeout", async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify({ logger: true, requestTimeout: 30_000 });
app.post('/notes', async (request) => db.note.create({ data: request.body }));
`, 'POST /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain("Fastify's default bodyLimit of 1 MiB");
  });

  it('invalid: a Hono route reading JSON without the bodyLimit middleware', async () => {
    const { findings } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.post('/notes', async (c) => c.json(await db.note.create({ data: await c.req.json() })));
`, 'POST /notes');
    expect(findings[0]).toMatchObject({ line: 3 });
    expect(findings[0].message).toContain('reads the request body with no size limit');
  });

  it('valid: the Hono route behind bodyLimit', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
const app = new Hono();
app.post('/notes', bodyLimit({ maxSize: 100 * 1024 }), async (c) => c.json(await db.note.create({ data: await c.req.json() })));
`, 'POST /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('bodyLimit({ maxSize }): 100 * 1024');
  });

  it('unknown: an App Router handler reading the body (the platform decides)', async () => {
    const { item } = await verdict('app/api/notes/route.ts', `export async function POST(req: Request) {
  return Response.json(await db.note.create({ data: await req.json() }));
}
`, 'POST /api/notes');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('Next.js route handlers do not limit request bodies');
  });

  it('valid: the App Router handler checks content-length first', async () => {
    const { item } = await verdict('app/api/notes/route.ts', `export async function POST(req: Request) {
  if (Number(req.headers.get('content-length')) > 1_000_000) return new Response(null, { status: 413 });
  return Response.json(await db.note.create({ data: await req.json() }));
}
`, 'POST /api/notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 2 });
  });

  it('invalid: a Pages API route raising sizeLimit to 50mb', async () => {
    const { findings } = await verdict('pages/api/notes.ts', `export const config = { api: { bodyParser: { sizeLimit: '50mb' } } };
export default async function handler(req, res) {
  res.json(await db.note.create({ data: req.body }));
}
`, 'ALL /api/notes');
    expect(findings[0]).toMatchObject({ line: 1 });
  });

  it('valid: a Pages API route with the default 1 MB parser', async () => {
    const { item } = await verdict('pages/api/notes.ts', `export default async function handler(req, res) {
  res.json(await db.note.create({ data: req.body }));
}
`, 'ALL /api/notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('default sizeLimit of 1 MB');
  });
});

describe('unbounded-request-cost: request-sized work', () => {
  it('invalid: take from the query with no maximum', async () => {
    const { findings } = await verdict(APP, express(`app.get('/orders', async (req, res) => {
  const orders = await prisma.order.findMany({ take: Number(req.query.limit) || 20 });
  res.json(orders);
});
`), 'GET /orders');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'low' });
    expect(findings[0].message).toBe('The page size comes from the request (req.query.limit) with no maximum: one call can ask for every row.');
  });

  it('valid: the page size clamped with Math.min', async () => {
    const { item } = await verdict(APP, express(`app.get('/orders', async (req, res) => {
  const orders = await prisma.order.findMany({ take: Math.min(Number(req.query.limit) || 20, 100) });
  res.json(orders);
});
`), 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('clamped');
  });

  it('valid: the page size validated by a zod schema with .max()', async () => {
    const { item } = await verdict(APP, express(`const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
app.get('/orders', async (req, res) => {
  const { limit } = listQuery.parse(req.query);
  res.json(await db.select().from(orders).limit(limit));
});
`), 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('validated with a maximum');
  });

  it('invalid: an App Router handler passing searchParams limit to .limit()', async () => {
    const { findings } = await verdict('app/api/orders/route.ts', `export async function GET(req: NextRequest) {
  const limit = Number(req.nextUrl.searchParams.get('limit'));
  return Response.json(await db.select().from(orders).limit(limit));
}
`, 'GET /api/orders');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(3);
  });

  it('valid: the same limit compared with a maximum first', async () => {
    const { item } = await verdict('app/api/orders/route.ts', `export async function GET(req: NextRequest) {
  const limit = Number(req.nextUrl.searchParams.get('limit'));
  if (limit > 100) return Response.json({ error: 'limit too large' }, { status: 400 });
  return Response.json(await db.select().from(orders).limit(limit));
}
`, 'GET /api/orders');
    expect(item.status).toBe('pass');
  });

  it('invalid: a loop sized by the query', async () => {
    const { findings } = await verdict(APP, express(`app.get('/codes', (req, res) => {
  const codes = [];
  for (let i = 0; i < Number(req.query.count); i++) codes.push(randomCode());
  res.json(codes);
});
`), 'GET /codes');
    expect(findings[0].message).toBe('A loop or allocation is sized by the request (req.query.count) with no maximum.');
  });

  it('valid: a loop over the items that were sent (bounded by the body limit)', async () => {
    const { findings } = await verdict(APP, express(`app.use(express.json());
app.post('/codes', (req, res) => {
  const out = [];
  for (let i = 0; i < req.body.items.length; i++) out.push(req.body.items[i].id);
  res.json(out);
});
`), 'POST /codes');
    expect(findings).toEqual([]);
  });

  it('invalid: a RegExp built from the query', async () => {
    const { findings } = await verdict(APP, express(`app.get('/users', async (req, res) => {
  res.json(await User.find({ name: new RegExp(req.query.q, 'i') }));
});
`), 'GET /users');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'medium' });
    expect(findings[0].message).toContain('built from request data (req.query.q) without escaping');
  });

  it('valid: the query escaped before building the RegExp', async () => {
    const { findings, item } = await verdict(APP, express(`app.get('/users', async (req, res) => {
  const q = escapeRegExp(String(req.query.q));
  res.json(await User.find({ name: new RegExp(q, 'i') }));
});
`), 'GET /users');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: a Mongo $regex taken from the body', async () => {
    const { findings } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify();
app.post('/search', async (request) => db.collection('users').find({ name: { $regex: request.body.pattern } }).toArray());
`, 'POST /search');
    expect(findings.map((finding) => finding.message)).toContain('A regular expression is built from request data (request.body.pattern) without escaping: a crafted pattern can make matching take exponential time (ReDoS).');
  });

  it('invalid: a nested-quantifier pattern run on the body', async () => {
    const { findings } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.get('/check', (c) => c.json({ ok: /^(\\w+\\s?)*$/.test(c.req.query('name')) }));
`, 'GET /check');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('The pattern /^(\\w+\\s?)*$/ has a nested quantifier');
  });

  it('valid: a linear pattern on the same input', async () => {
    const { findings, item } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.get('/check', (c) => c.json({ ok: /^[\\w\\s]{1,64}$/.test(c.req.query('name')) }));
`, 'GET /check');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('n/a: a GET that reads no body and sizes nothing by the request', async () => {
    const { item } = await verdict(APP, express(`app.get('/health', (req, res) => res.json({ ok: true }));\n`), 'GET /health');
    expect(item.status).toBe('n/a');
  });
});

describe('hasNestedQuantifier', () => {
  it('finds repeated groups that hold an unbounded quantifier', () => {
    expect(hasNestedQuantifier('(a+)+')).toBe(true);
    expect(hasNestedQuantifier('^(\\w+\\s?)*$')).toBe(true);
    expect(hasNestedQuantifier('(.*,){2,}')).toBe(true);
  });

  it('leaves linear patterns alone', () => {
    expect(hasNestedQuantifier('^[a-z]+$')).toBe(false);
    expect(hasNestedQuantifier('(ab)+c*')).toBe(false);
    expect(hasNestedQuantifier('([+*])+')).toBe(false);
    expect(hasNestedQuantifier('(\\d+)-(\\d+)')).toBe(false);
  });
});

describe('unbounded-request-cost: Koa body parsers registered in the entry file', () => {
  const routes = `import Router from '@koa/router';
export const router = new Router();
router.post('/imports', async (ctx) => { ctx.body = await db.import.create({ data: { rows: ctx.request.body } }); });
`;
  const entry = (parser: string) => `import Koa from 'koa';
import { koaBody } from 'koa-body';
import { router } from './routes/imports';
const app = new Koa();
app.use(${parser});
app.use(router.routes());
`;

  it('invalid: koa-body with jsonLimit raised to 50mb before the router', async () => {
    const { item, findings } = await verdict('src/routes/imports.ts', routes, 'POST /imports', { context: { 'src/app.ts': entry("koaBody({ jsonLimit: '50mb' })") } });
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ file: 'src/app.ts', line: 5 });
    expect(findings[0].message).toContain("'50mb'");
  });

  it('valid: koa-body keeping its 1mb JSON default', async () => {
    const { item } = await verdict('src/routes/imports.ts', routes, 'POST /imports', { context: { 'src/app.ts': entry('koaBody()') } });
    expect(item.status).toBe('pass');
  });
});
describe('unbounded-request-cost: Fastify request timeouts', () => {
  const server = (options: string) => `import Fastify from 'fastify';
const app = Fastify(${options});
app.post('/uploads/notes', async (request) => db.note.create({ data: { text: String((request.body as { text: string }).text) } }));
`;

  it("invalid: no requestTimeout: Fastify's default 0 waits forever for a slow body", async () => {
    const { item, findings } = await verdict('src/server.ts', server('{ logger: true }'), 'POST /uploads/notes');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 2, severity: 'low' });
    expect(findings[0].message).toContain('sets no `requestTimeout`');
  });

  it('valid: requestTimeout set', async () => {
    const { item } = await verdict('src/server.ts', server('{ logger: true, requestTimeout: 30_000 }'), 'POST /uploads/notes');
    expect(item.status).toBe('pass');
    expect(item.evidence.map((evidence) => evidence.note).join(' ')).toContain('requestTimeout: 30_000');
  });

  it('valid: connectionTimeout set', async () => {
    const { item } = await verdict('src/server.ts', server('{ connectionTimeout: 10_000 }'), 'POST /uploads/notes');
    expect(item.status).toBe('pass');
  });

  it('invalid: requestTimeout: 0 is the default spelled out', async () => {
    const { item } = await verdict('src/server.ts', server('{ requestTimeout: 0 }'), 'POST /uploads/notes');
    expect(item.status).toBe('fail');
  });

  it('n/a: a route that reads no body is not judged on timeouts', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';\nconst app = Fastify();\napp.get('/health', async () => ({ ok: true }));\n`, 'GET /health');
    expect(item.status).toBe('n/a');
  });
});
