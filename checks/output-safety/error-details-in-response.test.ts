/**
 * error-details-in-response (output.errors), in the style of ESLint's
 * RuleTester: literal files, one behaviour per case, each vulnerable case
 * next to the secure neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './error-details-in-response.js';
import type { AnalysisResult, EndpointReport } from '../model.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';

async function analyze(path: string, text: string): Promise<AnalysisResult> {
  return analyzeFiles([{ path, text }], { config: DEFAULT_CONFIG, checks: [check] });
}

function itemOf(result: AnalysisResult, name: string) {
  const endpoint: EndpointReport | undefined = result.endpoints.find((e) => `${e.method} ${e.route}` === name);
  if (endpoint === undefined) throw new Error(`no endpoint ${name}; found ${result.endpoints.map((e) => `${e.method} ${e.route}`).join(', ')}`);
  return endpoint.checklist['output.errors'];
}

/** An Express router whose POST /orders catch block is `lines` (they start at line 7). */
async function expressCatch(...lines: string[]) {
  const text = `import express from 'express';
const router = express.Router();
router.post('/orders', async (req, res) => {
  try {
    res.json(await db.orders.create(req.body));
  } catch (err) {
${lines.join('\n')}
  }
});
export default router;
`;
  const result = await analyze('src/routes/orders.ts', text);
  return { item: itemOf(result, 'POST /orders'), findings: result.findings };
}

/** An App Router POST handler whose catch block is `lines` (they start at line 6). */
async function nextCatch(...lines: string[]) {
  const text = `import { NextResponse } from 'next/server';
export async function POST(request: Request) {
  try {
    return NextResponse.json(await db.orders.create(await request.json()));
  } catch (error) {
${lines.join('\n')}
  }
}
`;
  const result = await analyze('app/api/orders/route.ts', text);
  return { item: itemOf(result, 'POST /api/orders'), findings: result.findings };
}

describe('error-details-in-response: what leaks from an Express catch block', () => {
  it('invalid: err.message in the JSON body, with a one-line suggestion', async () => {
    const { item, findings } = await expressCatch('    res.status(500).json({ error: err.message });');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 7, severity: 'medium', cwe: ['CWE-209'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('POST /orders sends `err.message` to the client.');
    expect(findings[0].suggestion).toEqual({ line: 7, endLine: 7, replacement: "    res.status(500).json({ error: 'Internal server error' });" });
  });

  it('valid: the error is logged and a generic message is sent', async () => {
    const { item, findings } = await expressCatch("    logger.error({ err }, 'create failed');", "    res.status(500).json({ error: 'Internal server error' });");
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 6, note: 'the catch block answers without error details' });
  });

  it('invalid: err.stack is high severity', async () => {
    const { findings } = await expressCatch('    res.status(500).send(err.stack);');
    expect(findings[0]).toMatchObject({ line: 7, severity: 'high', message: 'POST /orders sends `err.stack` to the client.' });
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).send('Internal server error');");
  });

  it('valid: the stack is only logged', async () => {
    const { item, findings } = await expressCatch('    console.error(err.stack);', '    res.sendStatus(500);');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: the raw error object in the body (its driver fields are enumerable)', async () => {
    const { findings } = await expressCatch('    res.status(500).json({ error: err });');
    expect(findings[0]).toMatchObject({ line: 7, severity: 'medium', message: 'POST /orders sends `err` (the raw error object) to the client.' });
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).json({ error: 'Internal server error' });");
  });

  it('invalid: res.send(err)', async () => {
    const { findings } = await expressCatch('    res.status(500).send(err);');
    expect(findings).toHaveLength(1);
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).send('Internal server error');");
  });

  it('invalid: a shorthand { err } gets no suggestion (replacing it would not parse)', async () => {
    const { findings } = await expressCatch('    res.status(500).json({ err });');
    expect(findings).toHaveLength(1);
    expect(findings[0].suggestion).toBeUndefined();
  });

  it('invalid: String(err)', async () => {
    const { findings } = await expressCatch('    res.status(500).json({ error: String(err) });');
    expect(findings[0].message).toBe('POST /orders sends `String(err)` to the client.');
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).json({ error: 'Internal server error' });");
  });

  it('invalid: err.toString()', async () => {
    const { findings } = await expressCatch('    res.status(500).send(err.toString());');
    expect(findings[0].message).toBe('POST /orders sends `err.toString()` to the client.');
  });

  it('invalid: JSON.stringify(err)', async () => {
    const { findings } = await expressCatch('    res.status(500).send(JSON.stringify(err));');
    expect(findings[0]).toMatchObject({ message: 'POST /orders sends `JSON.stringify(err)` to the client.', severity: 'medium' });
  });

  it('invalid: util.inspect(err) prints the stack: high', async () => {
    const { findings } = await expressCatch('    res.status(500).send(util.inspect(err));');
    expect(findings[0]).toMatchObject({ message: 'POST /orders sends `util.inspect(err)` to the client.', severity: 'high' });
  });

  it('invalid: the error in a template literal, without a suggestion', async () => {
    const { findings } = await expressCatch('    res.status(500).send(`failed: ${err}`);');
    expect(findings[0].message).toBe('POST /orders sends `err` (the error as text) to the client.');
    expect(findings[0].suggestion).toBeUndefined();
  });

  it('invalid: the message concatenated into a string, without a suggestion', async () => {
    const { findings } = await expressCatch("    res.status(500).send('failed: ' + err.message);");
    expect(findings[0].message).toBe('POST /orders sends `err.message` to the client.');
    expect(findings[0].suggestion).toBeUndefined();
  });

  it('invalid: a copy of the message sent later', async () => {
    const { findings } = await expressCatch('    const reason = err.message;', '    res.status(500).json({ reason });');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8, message: 'POST /orders sends `reason` (which holds `err.message`) to the client.' });
  });

  it('valid: a copy of the message that is only logged', async () => {
    const { findings } = await expressCatch('    const reason = err.message;', '    console.error(reason);', '    res.sendStatus(500);');
    expect(findings).toEqual([]);
  });

  it('invalid: a message destructured from the error', async () => {
    const { findings } = await expressCatch('    const { message } = err;', '    res.status(500).json({ error: message });');
    expect(findings[0]).toMatchObject({ line: 8, message: 'POST /orders sends `message` (which holds `err.message`) to the client.' });
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).json({ error: 'Internal server error' });");
  });

  it('invalid: two driver details on one line: two findings, no suggestion', async () => {
    const { findings } = await expressCatch('    res.status(500).json({ error: err.sqlMessage, detail: err.detail });');
    expect(findings.map((f) => f.message)).toEqual(['POST /orders sends `err.sqlMessage` to the client.', 'POST /orders sends `err.detail` to the client.']);
    expect(findings.every((f) => f.suggestion === undefined)).toBe(true);
  });

  it('valid: err.status used only as the status code', async () => {
    const { findings } = await expressCatch("    res.status(err.status ?? 500).json({ error: 'Request failed' });");
    expect(findings).toEqual([]);
  });

  it('valid: a message looked up by the error code', async () => {
    const { findings } = await expressCatch("    res.status(500).json({ error: MESSAGES[err.code] ?? 'Internal server error' });");
    expect(findings).toEqual([]);
  });
});

describe('error-details-in-response: client errors and development-only details', () => {
  it('valid: the message of an error class the app made for clients', async () => {
    const { findings } = await expressCatch(
      '    if (err instanceof ValidationError) return res.status(400).json({ error: err.message });',
      "    res.status(500).json({ error: 'Internal server error' });",
    );
    expect(findings).toEqual([]);
  });

  it('invalid: outside the instanceof branch the message still leaks', async () => {
    const { findings } = await expressCatch(
      '    if (err instanceof ValidationError) return res.status(400).json({ error: err.message });',
      '    res.status(500).json({ error: err.message });',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(8);
  });

  it('valid: zod issues of a validation error', async () => {
    const { findings } = await expressCatch('    if (err instanceof ZodError) return res.status(400).json({ errors: err.issues });', '    res.sendStatus(500);');
    expect(findings).toEqual([]);
  });

  it('invalid: the else branch of a client-error check', async () => {
    const { findings } = await expressCatch(
      '    if (err instanceof ZodError) res.status(400).json({ errors: err.issues });',
      '    else res.status(500).json({ error: err.message });',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(8);
  });

  it('valid: an early exit for everything but the app’s HttpError', async () => {
    const { findings } = await expressCatch(
      "    if (!(err instanceof HttpError)) return res.status(500).json({ error: 'Internal server error' });",
      '    res.status(err.status).json({ error: err.message });',
    );
    expect(findings).toEqual([]);
  });

  it('invalid: a Prisma error class is the database talking, not a client error', async () => {
    const { findings } = await expressCatch('    if (err instanceof Prisma.PrismaClientKnownRequestError) return res.status(409).json({ error: err.message });');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(7);
  });

  it('valid: the message only for status codes below 500 (http-errors exposes those)', async () => {
    const { findings } = await expressCatch("    res.status(err.status ?? 500).json({ error: err.status < 500 ? err.message : 'Internal server error' });");
    expect(findings).toEqual([]);
  });

  it('valid: the stack only outside production', async () => {
    const { findings } = await expressCatch(
      "    res.status(500).json({ error: 'Internal server error', ...(process.env.NODE_ENV !== 'production' && { stack: err.stack }) });",
    );
    expect(findings).toEqual([]);
  });

  it('invalid: the stack only in production is the wrong way round', async () => {
    const { findings } = await expressCatch("    res.status(500).json({ error: process.env.NODE_ENV === 'production' ? err.stack : 'Internal server error' });");
    expect(findings[0]).toMatchObject({ line: 7, severity: 'high' });
  });
});

describe('error-details-in-response: other places errors are caught in Express', () => {
  it('invalid: a promise .catch() callback sends the message', async () => {
    const result = await analyze('src/routes/orders.ts', `import express from 'express';
const router = express.Router();
router.get('/orders', (req, res) => {
  db.orders.list().then((rows) => res.json(rows)).catch((e) => res.status(500).send(e.message));
});
export default router;
`);
    expect(itemOf(result, 'GET /orders').status).toBe('fail');
    expect(result.findings[0]).toMatchObject({ line: 4, message: 'GET /orders sends `e.message` to the client.' });
    expect(result.findings[0].suggestion?.replacement).toBe("  db.orders.list().then((rows) => res.json(rows)).catch((e) => res.status(500).send('Internal server error'));");
  });

  it('valid: a promise .catch() callback that logs and answers generically', async () => {
    const result = await analyze('src/routes/orders.ts', `import express from 'express';
const router = express.Router();
router.get('/orders', (req, res) => {
  db.orders.list().then((rows) => res.json(rows)).catch((e) => { logger.error(e); res.sendStatus(500); });
});
export default router;
`);
    const item = itemOf(result, 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: 'the .catch() callback answers without error details' });
  });

  it('invalid: a Node-style callback error sent back', async () => {
    const result = await analyze('src/routes/orders.ts', `import express from 'express';
const router = express.Router();
router.get('/orders', (req, res) => {
  connection.query('SELECT id, total FROM orders', (err, rows) => {
    if (err) return res.status(500).json({ error: err.message });
    res.json(rows);
  });
});
export default router;
`);
    expect(result.findings[0]).toMatchObject({ line: 5, message: 'GET /orders sends `err.message` to the client.' });
  });

  it('valid: a Node-style callback that answers generically', async () => {
    const result = await analyze('src/routes/orders.ts', `import express from 'express';
const router = express.Router();
router.get('/orders', (req, res) => {
  connection.query('SELECT id, total FROM orders', (err, rows) => {
    if (err) return res.status(500).json({ error: 'Internal server error' });
    res.json(rows);
  });
});
export default router;
`);
    expect(result.findings).toEqual([]);
    expect(itemOf(result, 'GET /orders').evidence[0].note).toBe('the callback answers errors without their details');
  });

  it('valid: catch without a binding cannot send the error', async () => {
    const result = await analyze('src/routes/orders.ts', `import express from 'express';
const router = express.Router();
router.get('/orders', async (req, res) => {
  try { res.json(await db.orders.list()); } catch { res.status(500).json({ error: 'Internal server error' }); }
});
export default router;
`);
    expect(itemOf(result, 'GET /orders')).toMatchObject({ status: 'pass', evidence: [{ line: 4, note: 'the catch block answers without error details' }] });
  });

  it('unknown: a catch that passes the error on to next() answers nothing itself', async () => {
    const { item, findings } = await expressCatch('    logger.error(err);', '    next(err);');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toBe("no catch here: errors go to the app's error handler, which is not in this file");
  });
});

describe('error-details-in-response: Express error handlers of the file', () => {
  const routes = `import express from 'express';
const router = express.Router();
router.get('/orders', async (req, res) => res.json(await db.orders.list()));
router.get('/invoices', async (req, res) => res.json(await db.invoices.list()));
`;

  it('invalid: an inline error handler that sends err.message fails every route of the file', async () => {
    const result = await analyze('src/routes/orders.ts', `${routes}router.use((err, req, res, next) => {
  res.status(500).json({ message: err.message });
});
export default router;
`);
    expect(itemOf(result, 'GET /orders').status).toBe('fail');
    expect(itemOf(result, 'GET /invoices').status).toBe('fail');
    expect(result.findings[0]).toMatchObject({ line: 6, severity: 'medium', message: "This file's Express error handler sends `err.message` to the client, for every route it serves." });
    expect(result.findings[0].suggestion?.replacement).toBe("  res.status(500).json({ message: 'Internal server error' });");
  });

  it('invalid: a named error handler function given to use()', async () => {
    const result = await analyze('src/routes/orders.ts', `${routes}function errorHandler(err, req, res, next) {
  res.status(err.status || 500).json({ error: err.message, stack: err.stack });
}
router.use(errorHandler);
export default router;
`);
    expect(itemOf(result, 'GET /orders').status).toBe('fail');
    expect(result.findings.map((f) => `${f.line} ${f.severity} ${f.message}`)).toContain(
      "6 high This file's Express error handler sends `err.stack` to the client, for every route it serves.",
    );
  });

  it('valid: a generic error handler of the file', async () => {
    const result = await analyze('src/routes/orders.ts', `${routes}router.use((err, req, res, next) => {
  logger.error(err);
  res.status(500).json({ message: 'Internal server error' });
});
export default router;
`);
    const item = itemOf(result, 'GET /orders');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5, note: 'the error handler answers without error details' });
  });

  it('unknown: no catch and no error handler in the file', async () => {
    const result = await analyze('src/routes/orders.ts', `${routes}export default router;\n`);
    const item = itemOf(result, 'GET /orders');
    expect(item.status).toBe('unknown');
    expect(item.reason).toBe("no catch here: errors go to the app's error handler, which is not in this file");
  });

  it.todo('reports an error handler leak once per file, not once per route (the engine gives each endpoint\'s finding on the same line its own fingerprint)');
  it.todo('follows an Express error handler registered in the app entry file when the route file is a mounted router');
});

describe('error-details-in-response: the environment', () => {
  it('invalid: the whole process.env in a response is high severity', async () => {
    const result = await analyze('src/routes/debug.ts', `import express from 'express';
const router = express.Router();
router.get('/debug', (req, res) => res.json({ env: process.env }));
export default router;
`);
    expect(result.findings[0]).toMatchObject({ line: 3, severity: 'high', message: 'GET /debug sends the whole `process.env` to the client.' });
    expect(result.findings[0].suggestion).toBeUndefined();
  });

  it('valid: one chosen environment variable is not the environment', async () => {
    const result = await analyze('src/routes/debug.ts', `import express from 'express';
const router = express.Router();
router.get('/version', (req, res) => res.json({ version: process.env.APP_VERSION }));
export default router;
`);
    expect(result.findings).toEqual([]);
  });
});

describe('error-details-in-response: Next.js App Router', () => {
  it('invalid: error.message in NextResponse.json', async () => {
    const { item, findings } = await nextCatch('    return NextResponse.json({ error: error.message }, { status: 500 });');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 6, severity: 'medium', message: 'POST /api/orders sends `error.message` to the client.' });
    expect(findings[0].fix).toContain("NextResponse.json({ error: 'Internal server error' }, { status: 500 })");
    expect(findings[0].suggestion?.replacement).toBe("    return NextResponse.json({ error: 'Internal server error' }, { status: 500 });");
  });

  it('valid: generic NextResponse.json after logging', async () => {
    const { item, findings } = await nextCatch('    console.error(error);', "    return NextResponse.json({ error: 'Internal server error' }, { status: 500 });");
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 5, note: 'the catch block answers without error details' }] });
  });

  it('invalid: `error instanceof Error ? error.message : ...` is any error at all', async () => {
    const { findings } = await nextCatch("    return NextResponse.json({ error: error instanceof Error ? error.message : 'Unknown error' }, { status: 500 });");
    expect(findings[0]).toMatchObject({ line: 6, message: 'POST /api/orders sends `error.message` to the client.' });
    expect(findings[0].suggestion).toBeUndefined();
  });

  it('invalid: the same, copied into a variable first', async () => {
    const { findings } = await nextCatch(
      "    const message = error instanceof Error ? error.message : 'Unknown error';",
      '    return NextResponse.json({ error: message }, { status: 500 });',
    );
    expect(findings[0]).toMatchObject({ line: 7, message: 'POST /api/orders sends `message` (which holds `error.message`) to the client.' });
  });

  it('invalid: (error as Error).message in new Response', async () => {
    const { findings } = await nextCatch('    return new Response((error as Error).message, { status: 500 });');
    expect(findings[0].suggestion?.replacement).toBe("    return new Response('Internal server error', { status: 500 });");
  });

  it('invalid: Response.json with the stack', async () => {
    const { findings } = await nextCatch('    return Response.json({ stack: (error as Error).stack }, { status: 500 });');
    expect(findings[0]).toMatchObject({ severity: 'high', message: 'POST /api/orders sends `error.stack` to the client.' });
  });

  it('valid: a message mapped from a known error code', async () => {
    const { findings } = await nextCatch(
      "    const message = error.code === 'P2002' ? 'Already exists' : 'Internal server error';",
      '    return NextResponse.json({ error: message }, { status: 500 });',
    );
    expect(findings).toEqual([]);
  });

  it('valid: no catch at all: Next.js answers a generic 500', async () => {
    const result = await analyze('app/api/orders/route.ts', 'export async function GET() {\n  return Response.json(await db.orders.list());\n}\n');
    expect(itemOf(result, 'GET /api/orders')).toMatchObject({ status: 'pass', evidence: [{ line: 1, note: 'uncaught errors give Next.js’s generic 500 in production' }] });
  });
});

describe('error-details-in-response: other frameworks', () => {
  it('invalid: Fastify reply.send with the error message', async () => {
    const result = await analyze('src/server.ts', `import Fastify from 'fastify';
const app = Fastify();
app.get('/orders', async (request, reply) => {
  try { return await db.orders.list(); } catch (err) { return reply.code(500).send({ error: err.message }); }
});
`);
    expect(result.findings[0]).toMatchObject({ line: 4, message: 'GET /orders sends `err.message` to the client.' });
    expect(result.findings[0].fix).toContain('request.log.error(err)');
  });

  it('invalid: a Fastify handler that returns the error message (Fastify sends what it returns)', async () => {
    const result = await analyze('src/server.ts', `import Fastify from 'fastify';
const app = Fastify();
app.get('/orders', async (request, reply) => {
  try { return await db.orders.list(); } catch (err) { reply.code(500); return { error: err.message }; }
});
`);
    expect(result.findings[0]).toMatchObject({ line: 4, message: 'GET /orders sends `err.message` to the client.' });
  });

  it("unknown: Fastify without a catch: its default error handler sends error.message", async () => {
    const result = await analyze('src/server.ts', `import Fastify from 'fastify';\nconst app = Fastify();\napp.get('/orders', async () => db.orders.list());\n`);
    expect(itemOf(result, 'GET /orders').reason).toContain('setErrorHandler');
  });

  it('invalid: Hono c.json with the error message', async () => {
    const result = await analyze('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.get('/orders', async (c) => {
  try { return c.json(await db.orders.list()); } catch (e) { return c.json({ error: (e as Error).message }, 500); }
});
`);
    expect(result.findings[0]).toMatchObject({ line: 4, message: 'GET /orders sends `e.message` to the client.' });
  });

  it('invalid: Koa ctx.body = err.message', async () => {
    const result = await analyze('src/routes.ts', `import Router from '@koa/router';
const router = new Router();
router.get('/orders', async (ctx) => {
  try { ctx.body = await db.orders.list(); } catch (err) { ctx.status = 500; ctx.body = { error: err.message }; }
});
`);
    expect(result.findings[0]).toMatchObject({ line: 4, message: 'GET /orders sends `err.message` to the client.' });
  });

  it('invalid: a NestJS exception built from the error message (Nest sends it)', async () => {
    const result = await analyze('src/orders/orders.controller.ts', `import { Controller, Get, InternalServerErrorException } from '@nestjs/common';
@Controller('orders')
export class OrdersController {
  @Get()
  async list() {
    try { return await this.orders.list(); } catch (err) { throw new InternalServerErrorException(err.message); }
  }
}
`);
    expect(result.findings[0]).toMatchObject({ line: 6, message: 'GET /orders sends `err.message` to the client.' });
  });

  it('valid: a NestJS handler without a catch: the built-in filter answers a generic 500', async () => {
    const result = await analyze('src/orders/orders.controller.ts', `import { Controller, Get } from '@nestjs/common';
@Controller('orders')
export class OrdersController {
  @Get()
  list() {
    return this.orders.list();
  }
}
`);
    expect(itemOf(result, 'GET /orders')).toMatchObject({ status: 'pass', evidence: [{ note: "Nest's built-in exception filter answers unexpected errors with a generic 500" }] });
  });

  it('invalid: a TRPCError carrying the database error message', async () => {
    const result = await analyze('src/server/api/routers/post.ts', `import { TRPCError } from '@trpc/server';
import { createTRPCRouter, publicProcedure } from '~/server/api/trpc';
export const postRouter = createTRPCRouter({
  list: publicProcedure.query(async ({ ctx }) => {
    try { return await ctx.db.post.findMany(); } catch (error) { throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: (error as Error).message }); }
  }),
});
`);
    expect(result.findings[0]).toMatchObject({ line: 5, message: 'QUERY list sends `error.message` to the client.' });
  });

  it.todo('Fastify setErrorHandler in the server file that sends error.message for 5xx');
  it.todo('a global NestJS exception filter (useGlobalFilters in main.ts) that sends exception.message');
});
