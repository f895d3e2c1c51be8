/**
 * error-details-in-response (output.errors): each vulnerable case next to
 * the secure neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './error-details-in-response.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const expressApp = (body: string, extra = '') => `import express from 'express';
const app = express();
app.post('/orders', async (req, res) => {
  try {
    res.json(await db.orders.create(req.body));
  } catch (err) {
${body}
  }
});
${extra}`;

async function express(body: string, extra = '') {
  const result = await analyzeSource('src/app.ts', expressApp(body, extra), { checks: [check] });
  return { item: endpointOf(result, 'POST /orders').checklist['output.errors'], findings: result.findings };
}

const nextRoute = (body: string) => `import { NextResponse } from 'next/server';
export async function POST(req: Request) {
  try {
    return NextResponse.json(await db.orders.create(await req.json()));
  } catch (error) {
${body}
  }
}
`;

async function next(body: string) {
  const result = await analyzeSource('app/api/orders/route.ts', nextRoute(body), { checks: [check] });
  return { item: endpointOf(result, 'POST /api/orders').checklist['output.errors'], findings: result.findings };
}

describe('error-details-in-response: Express', () => {
  it('invalid: err.message in the JSON body, with a one-line suggestion', async () => {
    const { item, findings } = await express("    res.status(500).json({ error: err.message });");
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 7, severity: 'medium', cwe: ['CWE-209'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('POST /orders sends `err.message` to the client.');
    expect(findings[0].suggestion).toEqual({ line: 7, endLine: 7, replacement: "    res.status(500).json({ error: 'Internal server error' });" });
  });

  it('valid: the error is logged and a generic message is sent', async () => {
    const { item, findings } = await express("    logger.error({ err }, 'create failed');\n    res.status(500).json({ error: 'Internal server error' });");
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 6, note: 'the catch block answers without error details' });
  });

  it('invalid: err.stack is high severity', async () => {
    const { findings } = await express('    res.status(500).send(err.stack);');
    expect(findings[0]).toMatchObject({ severity: 'high' });
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).send('Internal server error');");
  });

  it('invalid: the raw error object in the body', async () => {
    const { findings } = await express('    res.status(500).json({ error: err });');
    expect(findings[0].message).toContain('`err` (the raw error object)');
    expect(findings[0].severity).toBe('high');
  });

  it('invalid: res.send(err)', async () => {
    const { findings } = await express('    res.status(500).send(err);');
    expect(findings).toHaveLength(1);
  });

  it('invalid: a shorthand { err } gets no suggestion (replacing it would not parse)', async () => {
    const { findings } = await express('    res.status(500).json({ err });');
    expect(findings).toHaveLength(1);
    expect(findings[0].suggestion).toBeUndefined();
  });

  it('invalid: String(err)', async () => {
    const { findings } = await express('    res.status(500).json({ error: String(err) });');
    expect(findings[0].message).toContain('`String(err)`');
    expect(findings[0].suggestion?.replacement).toBe("    res.status(500).json({ error: 'Internal server error' });");
  });

  it('invalid: err.toString()', async () => {
    const { findings } = await express('    res.status(500).send(err.toString());');
    expect(findings[0].message).toContain('`err.toString()`');
  });

  it('invalid: JSON.stringify(err)', async () => {
    const { findings } = await express('    res.status(500).send(JSON.stringify(err));');
    expect(findings).toHaveLength(1);
  });

  it('invalid: a template literal with the error', async () => {
    const { findings } = await express('    res.status(500).send(`failed: ${err}`);');
    expect(findings).toHaveLength(1);
    expect(findings[0].suggestion).toBeUndefined();
  });

  it('invalid: string concatenation with the error', async () => {
    const { findings } = await express("    res.status(500).send('failed: ' + err);");
    expect(findings).toHaveLength(1);
  });

  it('invalid: a copy of the message sent later', async () => {
    const { findings } = await express('    const reason = err.message;\n    res.status(500).json({ reason });');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(8);
  });

  it('valid: a copy of the message that is only logged', async () => {
    const { findings } = await express("    const reason = err.message;\n    console.error(reason);\n    res.sendStatus(500);");
    expect(findings).toEqual([]);
  });

  it('invalid: driver details (err.sqlMessage, err.detail)', async () => {
    const { findings } = await express('    res.status(500).json({ error: err.sqlMessage, detail: err.detail });');
    expect(findings.map((f) => f.message)).toEqual(['POST /orders sends `err.sqlMessage` to the client.', 'POST /orders sends `err.detail` to the client.']);
  });

  it('valid: err.status used only as the status code', async () => {
    const { findings } = await express("    res.status(err.status ?? 500).json({ error: 'Request failed' });");
    expect(findings).toEqual([]);
  });

  it('valid: the message of an error class the app made for clients', async () => {
    const { findings } = await express("    if (err instanceof ValidationError) return res.status(400).json({ error: err.message });\n    res.status(500).json({ error: 'Internal server error' });");
    expect(findings).toEqual([]);
  });

  it('valid: zod issues of a validation error', async () => {
    const { findings } = await express("    if (err instanceof ZodError) return res.status(400).json({ errors: err.issues });\n    res.sendStatus(500);");
    expect(findings).toEqual([]);
  });

  it('invalid: outside the instanceof branch the message still leaks', async () => {
    const { findings } = await express("    if (err instanceof ValidationError) return res.status(400).json({ error: err.message });\n    res.status(500).json({ error: err.message });");
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(8);
  });

  it('invalid: an error handler of the file that sends err.message applies to its routes', async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';
const app = express();
app.get('/orders', async (req, res) => res.json(await db.orders.list()));
app.use((err, req, res, next) => {
  res.status(500).json({ message: err.message });
});
`, { checks: [check] });
    expect(endpointOf(result, 'GET /orders').checklist['output.errors'].status).toBe('fail');
    expect(result.findings[0].line).toBe(5);
  });

  it('valid: a generic error handler of the file', async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';
const app = express();
app.get('/orders', async (req, res) => res.json(await db.orders.list()));
app.use((err, req, res, next) => {
  logger.error(err);
  res.status(500).json({ message: 'Internal server error' });
});
`, { checks: [check] });
    const item = endpointOf(result, 'GET /orders').checklist['output.errors'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('the error handler answers without error details');
  });

  it('unknown: no catch and no error handler in the file', async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';\nconst app = express();\napp.get('/orders', async (req, res) => res.json(await db.orders.list()));\n`, { checks: [check] });
    const item = endpointOf(result, 'GET /orders').checklist['output.errors'];
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain("app's error handler");
  });

  it('invalid: the whole process.env in a response', async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';\nconst app = express();\napp.get('/debug', (req, res) => { try { res.json({ ok: true }); } catch (e) { res.json({ env: process.env }); } });\n`, { checks: [check] });
    expect(result.findings[0].message).toContain('the whole `process.env`');
  });

  it('valid: one chosen environment variable is not the environment', async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';\nconst app = express();\napp.get('/version', (req, res) => { try { res.json({ version: process.env.APP_VERSION }); } catch (e) { res.sendStatus(500); } });\n`, { checks: [check] });
    expect(result.findings).toEqual([]);
  });
});

describe('error-details-in-response: Next.js', () => {
  it('invalid: error.message in NextResponse.json', async () => {
    const { findings } = await next('    return NextResponse.json({ error: error.message }, { status: 500 });');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain("NextResponse.json({ error: 'Internal server error' }, { status: 500 })");
    expect(findings[0].suggestion?.replacement).toBe("    return NextResponse.json({ error: 'Internal server error' }, { status: 500 });");
  });

  it('valid: generic NextResponse.json after logging', async () => {
    const { item, findings } = await next("    console.error(error);\n    return NextResponse.json({ error: 'Internal server error' }, { status: 500 });");
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: (error as Error).message in new Response', async () => {
    const { findings } = await next('    return new Response((error as Error).message, { status: 500 });');
    expect(findings).toHaveLength(1);
  });

  it('invalid: Response.json with the stack', async () => {
    const { findings } = await next('    return Response.json({ stack: error.stack }, { status: 500 });');
    expect(findings[0].severity).toBe('high');
  });

  it('valid: no catch at all: Next.js answers a generic 500', async () => {
    const result = await analyzeSource('app/api/orders/route.ts', `export async function GET() { return Response.json(await db.orders.list()); }\n`, { checks: [check] });
    const item = endpointOf(result, 'GET /api/orders').checklist['output.errors'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('generic 500');
  });

  it('valid: a message mapped from a known error code', async () => {
    const { findings } = await next("    const message = error.code === 'P2002' ? 'Already exists' : 'Internal server error';\n    return NextResponse.json({ error: message }, { status: 500 });");
    expect(findings).toEqual([]);
  });
});

describe('error-details-in-response: other frameworks', () => {
  it('invalid: Fastify reply.send with the error message', async () => {
    const result = await analyzeSource('src/server.ts', `import Fastify from 'fastify';
const app = Fastify();
app.get('/orders', async (request, reply) => {
  try { return await db.orders.list(); } catch (err) { return reply.code(500).send({ error: err.message }); }
});
`, { checks: [check] });
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0].fix).toContain('request.log.error(err)');
  });

  it("unknown: Fastify without a catch: its default error handler sends error.message", async () => {
    const result = await analyzeSource('src/server.ts', `import Fastify from 'fastify';\nconst app = Fastify();\napp.get('/orders', async () => db.orders.list());\n`, { checks: [check] });
    expect(endpointOf(result, 'GET /orders').checklist['output.errors'].reason).toContain('setErrorHandler');
  });

  it('invalid: Hono c.json with the error message', async () => {
    const result = await analyzeSource('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.get('/orders', async (c) => {
  try { return c.json(await db.orders.list()); } catch (e) { return c.json({ error: (e as Error).message }, 500); }
});
`, { checks: [check] });
    expect(result.findings).toHaveLength(1);
  });

  it('invalid: Koa ctx.body = err.message', async () => {
    const result = await analyzeSource('src/routes.ts', `import Router from '@koa/router';
const router = new Router();
router.get('/orders', async (ctx) => {
  try { ctx.body = await db.orders.list(); } catch (err) { ctx.status = 500; ctx.body = { error: err.message }; }
});
`, { checks: [check] });
    expect(result.findings).toHaveLength(1);
  });

  it.todo('follows an Express error handler registered in the app entry file when the route file is a mounted router');
  it.todo('Fastify setErrorHandler in the server file that sends error.message for 5xx');
});
