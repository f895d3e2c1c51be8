/**
 * unvalidated-input (input.schema), as literal cases per library and
 * framework: each unvalidated use next to the validated neighbour that must
 * stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './unvalidated-input.js';
import type { AnalysisResult } from '../model.js';
import { analyzeSources, endpointOf } from '../../test/support/analyze-source.js';

async function run(files: Record<string, string>, name: string, options: { config?: Record<string, unknown>; context?: Record<string, string> } = {}) {
  const result: AnalysisResult = await analyzeSources(files, { checks: [check], ...options });
  return { item: endpointOf(result, name).checklist['input.schema'], findings: result.findings, result };
}

/** An Express POST /users whose handler body is `lines` (from line 5), after `imports` (line 2). */
const express = (imports: string, lines: string[], options: { config?: Record<string, unknown>; middleware?: string } = {}) =>
  run(
    {
      'src/routes/users.ts': `import express from 'express';
${imports}
const router = express.Router();
router.post('/users', ${options.middleware ?? ''}async (req, res) => {
${lines.join('\n')}
});
export default router;
`,
    },
    'POST /users',
    { config: options.config },
  );

describe('unvalidated-input: Express with zod', () => {
  it('invalid: a body field stored with no schema', async () => {
    const { item, findings } = await express('', ['  const user = await prisma.user.create({ data: { name: req.body.name } });', '  res.json({ id: user.id });']);
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'unvalidated-input', line: 5, severity: 'medium', cwe: ['CWE-20'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('`prisma.user.create()` receives `req.body.name` from the request, which no schema has validated.');
  });

  it('valid: the output of Schema.parse is stored', async () => {
    const { item, findings } = await express("import { z } from 'zod';\nconst Body = z.object({ name: z.string() });", ['  const body = Body.parse(req.body);', '  const user = await prisma.user.create({ data: { name: body.name } });', '  res.json({ id: user.id });']);
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 6, note: 'request input is validated by zod parse' }] });
  });

  it('valid: safeParse with a 400 on failure, then parsed.data', async () => {
    const { item, findings } = await express("import { z } from 'zod';", [
      '  const parsed = z.object({ name: z.string() }).safeParse(req.body);',
      '  if (!parsed.success) return res.status(400).json(parsed.error.flatten());',
      '  res.json(await prisma.user.create({ data: { name: parsed.data.name } }));',
    ]);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: safeParse whose success nobody checks, then the raw body used', async () => {
    const { findings } = await express("import { z } from 'zod';", ['  const parsed = z.object({ name: z.string() }).safeParse(req.body);', '  res.json(await prisma.user.create({ data: { name: req.body.name } }));']);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6 });
    expect(findings[0].message).toBe('`prisma.user.create()` receives `req.body.name` from the request: the result of `z.object.safeParse()` at line 5 is never checked, so invalid input goes through.');
  });

  it('valid: a checked safeParse gates the raw body used after it', async () => {
    const { item, findings } = await express("import { z } from 'zod';", [
      '  const result = z.object({ name: z.string() }).safeParse(req.body);',
      "  if (!result.success) return res.status(400).json({ error: 'invalid' });",
      '  res.json(await prisma.user.create({ data: { name: req.body.name } }));',
    ]);
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 5, note: 'request input is validated by zod safeParse' }] });
  });

  it('invalid: the raw body used before the schema runs', async () => {
    const { findings } = await express("import { z } from 'zod';", ['  await audit.insert({ name: req.body.name });', '  const body = z.object({ name: z.string() }).parse(req.body);', '  res.json(await prisma.user.create({ data: body }));']);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5 });
  });

  it('valid: parseAsync awaited', async () => {
    const { findings, item } = await express("import { Body } from '../schemas';", ['  const body = await Body.parseAsync(req.body);', '  res.json(await prisma.user.create({ data: { name: body.name } }));']);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: one finding per value, at its first sink', async () => {
    const { findings } = await express('', ['  await audit.insert({ name: req.body.name });', '  res.json(await prisma.user.create({ data: { name: req.body.name } }));']);
    expect(findings.map((finding) => [finding.line, finding.message])).toEqual([[5, '`audit.insert()` receives `req.body.name` from the request, which no schema has validated.']]);
  });

  it('invalid: a query value echoed in the response', async () => {
    const { findings } = await express('', ['  res.json({ search: req.query.q });']);
    expect(findings[0].message).toBe('`res.json()` receives `req.query.q` from the request, which no schema has validated.');
  });

  it('n/a: a path parameter is the only input', async () => {
    const { item, findings } = await express('', ['  res.json(await prisma.user.findUnique({ where: { id: req.params.id }, select: { id: true } }));']);
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: Number() is a conversion, not a schema (page=-5 still gets through)', async () => {
    const { findings } = await express('', ['  const page = Number(req.query.page ?? 1);', '  res.json(await prisma.user.findMany({ skip: page * 20, take: 20 }));']);
    expect(findings[0]).toMatchObject({ line: 6, message: '`prisma.user.findMany()` receives `req.query.page` from the request, which no schema has validated.' });
  });

  it('valid: a number bounded by hand with Math.min', async () => {
    const { item, findings } = await express('', ['  const take = Math.min(Number(req.query.limit) || 20, 100);', '  res.json(await prisma.user.findMany({ take }));']);
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 5, note: 'the number from the request is bounded by Math.min()' }] });
  });

  it('valid: a coercing zod schema with bounds', async () => {
    const { item, findings } = await express("import { z } from 'zod';", ['  const page = z.coerce.number().int().min(1).parse(req.query.page ?? 1);', '  res.json(await prisma.user.findMany({ skip: page * 20, take: 20 }));']);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});

describe('unvalidated-input: other schema libraries', () => {
  it('valid: joi validate with the error checked, then value', async () => {
    const { item, findings } = await express("import Joi from 'joi';\nconst schema = Joi.object({ name: Joi.string().required() });", [
      '  const { error, value } = schema.validate(req.body);',
      '  if (error) return res.status(400).json({ error: error.message });',
      '  res.json(await User.create({ name: value.name }));',
    ]);
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'request input is validated by joi validate' }] });
  });

  it('invalid: joi validate called and its error ignored', async () => {
    const { findings } = await express("import Joi from 'joi';\nconst schema = Joi.object({ name: Joi.string() });", ['  schema.validate(req.body);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings[0].message).toContain('the result of `schema.validate()` at line 6 is never checked');
  });

  it('valid: yup validate awaited (it rejects on bad input)', async () => {
    const { findings, item } = await express("import * as yup from 'yup';\nconst schema = yup.object({ name: yup.string().required() });", ['  await schema.validate(req.body);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by yup validate');
  });

  it('valid: yup validateSync', async () => {
    const { findings } = await express("import * as yup from 'yup';\nconst schema = yup.object({ name: yup.string() });", ['  const body = schema.validateSync(req.body);', '  res.json(await User.create({ name: body.name }));']);
    expect(findings).toEqual([]);
  });

  it('valid: an ajv-compiled validator in a condition', async () => {
    const { findings, item } = await express("import Ajv from 'ajv';\nconst validate = new Ajv().compile(schema);", ['  if (!validate(req.body)) return res.status(400).json(validate.errors);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by ajv');
  });

  it('invalid: an ajv-compiled validator whose boolean is dropped', async () => {
    const { findings } = await express("import Ajv from 'ajv';\nconst validate = new Ajv().compile(schema);", ['  validate(req.body);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings[0].message).toContain('the result of `validate()` at line 6 is never checked');
  });

  it('valid: ajv.validate(schema, data) checked', async () => {
    const { findings } = await express("import Ajv from 'ajv';\nconst ajv = new Ajv();", ['  if (!ajv.validate(userSchema, req.body)) return res.sendStatus(400);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings).toEqual([]);
  });

  it('valid: valibot parse(Schema, input)', async () => {
    const { findings, item } = await express("import * as v from 'valibot';\nconst Body = v.object({ name: v.string() });", ['  const body = v.parse(Body, req.body);', '  res.json(await User.create({ name: body.name }));']);
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by valibot');
  });

  it('invalid: valibot safeParse never checked', async () => {
    const { findings } = await express("import { safeParse, object, string } from 'valibot';", ['  safeParse(object({ name: string() }), req.body);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings[0].message).toContain('is never checked');
  });

  it('valid: superstruct assert', async () => {
    const { findings } = await express("import { assert, object, string } from 'superstruct';\nconst Body = object({ name: string() });", ['  assert(req.body, Body);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings).toEqual([]);
  });

  it('valid: typebox Value.Check in a condition', async () => {
    const { findings, item } = await express("import { Value } from '@sinclair/typebox/value';", ['  if (!Value.Check(UserBody, req.body)) return res.sendStatus(400);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by typebox Value.Check');
  });

  it('valid: class-validator validate(plainToInstance(...)) with the errors checked', async () => {
    const { findings } = await express("import { validate } from 'class-validator';\nimport { plainToInstance } from 'class-transformer';", [
      '  const errors = await validate(plainToInstance(CreateUserDto, req.body));',
      '  if (errors.length > 0) return res.status(400).json(errors);',
      '  res.json(await User.create({ name: req.body.name }));',
    ]);
    expect(findings).toEqual([]);
  });

  it('valid: a function listed under validation.functions', async () => {
    const { findings, item } = await express("import { checkPayload } from '../lib/payload';", ['  const body = checkPayload(req.body);', '  res.json(await User.create({ name: body.name }));'], { config: { validation: { functions: ['checkPayload'] } } });
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by checkPayload (validation.functions)');
  });

  it('unknown: the same function when the configuration does not list it', async () => {
    const { findings, item } = await express("import { checkPayload } from '../lib/payload';", ['  checkPayload(req.body);', '  res.json({ ok: true });']);
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'unknown', reason: 'checkPayload() at line 5 receives req.body unvalidated; whether it validates (or where it sends it) is not visible in this file' });
  });

  it('invalid: a helper of the file that only reshapes its argument', async () => {
    const traced = await run(
      { 'src/routes/users.ts': "import express from 'express';\nconst router = express.Router();\nfunction normalise(name) {\n  return name.trim().toLowerCase();\n}\nrouter.post('/users', async (req, res) => {\n  res.json(await User.create({ name: normalise(req.body.name) }));\n});\nexport default router;\n" },
      'POST /users',
    );
    expect(traced.findings[0].message).toBe('`User.create()` receives `req.body.name` from the request, which no schema has validated.');
  });

  const withSaveHelper = (lines: string[]) =>
    run(
      {
        'src/routes/users.ts': `import express from 'express';
import { z } from 'zod';
const router = express.Router();
async function saveUser(body) {
  return prisma.user.create({ data: { name: body.name } });
}
router.post('/users', async (req, res) => {
${lines.join('\n')}
});
export default router;
`,
      },
      'POST /users',
    );

  it('valid: a helper above the handler given the body after a checked safeParse', async () => {
    const { findings, item } = await withSaveHelper(['  const r = z.object({ name: z.string() }).safeParse(req.body);', '  if (!r.success) return res.sendStatus(400);', '  res.json(await saveUser(req.body));']);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: the same helper given the body with no schema (reported in the helper)', async () => {
    const { findings } = await withSaveHelper(['  res.json(await saveUser(req.body));']);
    expect(findings[0]).toMatchObject({ line: 5, message: '`prisma.user.create()` receives `req.body.name` from the request, which no schema has validated.' });
  });

  it('valid: a helper of the file that parses with a schema', async () => {
    const { findings, item } = await run(
      { 'src/routes/users.ts': "import express from 'express';\nimport { z } from 'zod';\nconst router = express.Router();\nfunction readUser(body) {\n  return z.object({ name: z.string() }).parse(body);\n}\nrouter.post('/users', async (req, res) => {\n  res.json(await User.create({ name: readUser(req.body).name }));\n});\nexport default router;\n" },
      'POST /users',
    );
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: JSON.parse is not a schema', async () => {
    const { findings } = await express('', ['  const prefs = JSON.parse(req.body.prefs);', '  res.json(await User.create({ prefs: req.body.prefs }));']);
    expect(findings).toHaveLength(1);
  });
});

describe('unvalidated-input: middleware', () => {
  it('valid: express-validator chains with validationResult checked', async () => {
    const { findings, item } = await express(
      "import { body, validationResult } from 'express-validator';",
      ['  const errors = validationResult(req);', '  if (!errors.isEmpty()) return res.status(400).json({ errors: errors.array() });', '  res.json(await User.create({ email: req.body.email }));'],
      { middleware: "body('email').isEmail(), " },
    );
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by express-validator validationResult');
  });

  it('invalid: express-validator chains whose errors nobody reads', async () => {
    const { findings } = await express("import { body } from 'express-validator';", ['  res.json(await User.create({ email: req.body.email }));'], { middleware: "body('email').isEmail(), " });
    expect(findings[0].message).toBe('`User.create()` receives `req.body.email` from the request: the express-validator chain `body.isEmail` only collects errors and nothing checks `validationResult(req)`, so invalid input goes through.');
  });

  it('valid: celebrate on the route', async () => {
    const { findings, item } = await express("import { celebrate, Joi, Segments } from 'celebrate';", ['  res.json(await User.create({ email: req.body.email }));'], { middleware: 'celebrate({ [Segments.BODY]: Joi.object({ email: Joi.string().email() }) }), ' });
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by the celebrate() middleware');
  });

  it('invalid: celebrate validates the query only; the body is stored', async () => {
    const { findings } = await express("import { celebrate, Joi, Segments } from 'celebrate';", ['  res.json(await User.create({ email: req.body.email }));'], { middleware: 'celebrate({ [Segments.QUERY]: Joi.object({ page: Joi.number() }) }), ' });
    expect(findings).toHaveLength(1);
  });

  it('valid: express-openapi-validator on the router', async () => {
    const { findings, item } = await run(
      {
        'src/routes/users.ts': `import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
const router = express.Router();
router.use(OpenApiValidator.middleware({ apiSpec: './openapi.yaml', validateRequests: true }));
router.post('/users', async (req, res) => {
  res.json(await User.create({ email: req.body.email }));
});
export default router;
`,
      },
      'POST /users',
    );
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by the OpenApiValidator.middleware() middleware');
  });

  it('valid: a validate(schema) middleware of the project', async () => {
    const { findings } = await express("import { validate } from '../middleware/validate';", ['  res.json(await User.create({ email: req.body.email }));'], { middleware: 'validate(CreateUser), ' });
    expect(findings).toEqual([]);
  });
});

describe('unvalidated-input: headers, cookies and outside calls', () => {
  it('n/a: an Authorization header forwarded to an upstream API', async () => {
    const { item, findings } = await express('', ["  const upstream = await fetch('https://api.example.com/me', { headers: { authorization: req.headers.authorization } });", '  res.json({ ok: upstream.ok });']);
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: a header value stored as data', async () => {
    const { findings } = await express('', ["  await prisma.visit.create({ data: { referrer: req.headers['referer'] } });", '  res.sendStatus(204);']);
    expect(findings[0].message).toBe("`prisma.visit.create()` receives `req.headers['referer']` from the request, which no schema has validated.");
  });

  it('invalid: a body field sent to an outside API', async () => {
    const { findings } = await express('', ["  await axios.post('https://hooks.example.com', { text: req.body.text });", '  res.sendStatus(202);']);
    expect(findings[0].message).toContain('`axios.post()` receives `req.body.text`');
  });

  it('invalid: a body field as a file name', async () => {
    const { findings } = await express("import fs from 'node:fs/promises';", ["  await fs.writeFile(req.body.name, 'x');", '  res.sendStatus(201);']);
    expect(findings[0].message).toContain('`fs.writeFile()` receives `req.body.name`');
  });
});

describe('unvalidated-input: Next.js App Router', () => {
  const route = (lines: string[]) =>
    run(
      {
        'app/api/posts/route.ts': `import { NextResponse } from 'next/server';
import { z } from 'zod';
export async function POST(request: Request) {
${lines.join('\n')}
}
`,
      },
      'POST /api/posts',
    );

  it('invalid: request.json() fields into a Drizzle insert', async () => {
    const { findings } = await route(['  const body = await request.json();', '  await db.insert(posts).values({ title: body.title });', '  return NextResponse.json({ ok: true });']);
    expect(findings[0].message).toBe('`db.insert.values()` receives `request.body.title` from the request, which no schema has validated.');
  });

  it('valid: safeParse of request.json() with a 400', async () => {
    const { findings, item } = await route([
      '  const parsed = z.object({ title: z.string() }).safeParse(await request.json());',
      '  if (!parsed.success) return NextResponse.json({ error: parsed.error.flatten() }, { status: 400 });',
      '  await db.insert(posts).values({ title: parsed.data.title });',
      '  return NextResponse.json({ ok: true });',
    ]);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a search parameter into a query', async () => {
    const { findings } = await route(["  const q = new URL(request.url).searchParams.get('q');", '  return NextResponse.json(await db.query.posts.findMany({ where: like(posts.title, q) }));']);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain("`searchParams.get('q')`");
  });
});

describe('unvalidated-input: Next.js Pages Router', () => {
  const page = (path: string, route: string, line: string) =>
    run({ [path]: `import type { NextApiRequest, NextApiResponse } from 'next';\nexport default async function handler(req: NextApiRequest, res: NextApiResponse) {\n${line}\n}\n` }, route);

  it('n/a: a dynamic segment arrives in req.query but is a path parameter', async () => {
    const { item, findings } = await page('pages/api/invoices/[id].ts', 'ALL /api/invoices/[id]', '  res.json(await prisma.invoice.findUnique({ where: { id: String(req.query.id) } }));');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('n/a: a catch-all segment too', async () => {
    const { findings } = await page('pages/api/docs/[...slug].ts', 'ALL /api/docs/[...slug]', '  res.json(await prisma.doc.findFirst({ where: { path: String(req.query.slug) } }));');
    expect(findings).toEqual([]);
  });

  it('invalid: a real query-string value of the same handler', async () => {
    const { findings } = await page('pages/api/invoices/[id].ts', 'ALL /api/invoices/[id]', '  res.json(await prisma.invoice.findMany({ where: { id: String(req.query.id), status: String(req.query.status) } }));');
    expect(findings[0].message).toBe('`prisma.invoice.findMany()` receives `req.query.status` from the request, which no schema has validated.');
  });
});

describe('unvalidated-input: next-safe-action in a route handler', () => {
  const route = (action: string) =>
    run(
      {
        'app/api/users/route.ts': `import { createSafeActionClient } from 'next-safe-action';
import { z } from 'zod';
const actionClient = createSafeActionClient();
const createUser = ${action}.action(async ({ parsedInput }) => db.insert(users).values({ name: parsedInput.name }));
export async function POST(request: Request) {
  const result = await createUser(await request.json());
  return Response.json(result);
}
`,
      },
      'POST /api/users',
    );

  it('valid: the body handed to an action with a schema', async () => {
    const { item, findings } = await route('actionClient.schema(z.object({ name: z.string() }))');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 6, note: 'request input is validated by next-safe-action' }] });
  });

  it('valid: inputSchema (next-safe-action v8)', async () => {
    const { findings } = await route('actionClient.inputSchema(z.object({ name: z.string() }))');
    expect(findings).toEqual([]);
  });

  it('invalid: an action without a schema receives the body unvalidated', async () => {
    const { findings } = await route('actionClient');
    expect(findings[0]).toMatchObject({ line: 6, message: '`createUser()` receives `request.body` from the request, which no schema has validated.' });
  });
});

describe('unvalidated-input: Fastify route schema', () => {
  const fastify = (options: string) =>
    run(
      {
        'src/routes/items.ts': `import Fastify from 'fastify';
const app = Fastify();
app.post('/items', ${options}async (request, reply) => {
  const item = await db.item.create({ data: { name: request.body.name } });
  return reply.send({ id: item.id });
});
`,
      },
      'POST /items',
    );

  it('valid: a body schema on the route', async () => {
    const { findings, item } = await fastify("{ schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, ");
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 3, note: "request input is validated by the route schema's `body`" }] });
  });

  it('invalid: no schema', async () => {
    const { findings } = await fastify('');
    expect(findings[0].message).toBe('`db.item.create()` receives `request.body.name` from the request, which no schema has validated.');
  });

  it('invalid: a schema for the querystring only', async () => {
    const { findings } = await fastify("{ schema: { querystring: { type: 'object' } } }, ");
    expect(findings).toHaveLength(1);
  });
});

describe('unvalidated-input: NestJS', () => {
  const controller = (parameter: string, call: string, extraImports = '') => `import { Body, Controller, Post, Query, Get, ValidationPipe, ParseIntPipe } from '@nestjs/common';
import { CreateNoteDto } from './create-note.dto';
${extraImports}
@Controller('notes')
export class NotesController {
  @Post()
  create(${parameter}) {
    return ${call};
  }
}
`;
  const main = (pipes: string) => `import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { AppModule } from './app.module';
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
${pipes}
  await app.listen(3000);
}
bootstrap();
`;
  const MODULE = "import { Module } from '@nestjs/common';\nimport { NotesController } from './notes.controller';\n@Module({ controllers: [NotesController] })\nexport class AppModule {}\n";
  const nest = (parameter: string, call: string, mainText: string | undefined) =>
    run({ 'src/notes.controller.ts': controller(parameter, call) }, 'POST /notes', { context: mainText === undefined ? {} : { 'src/main.ts': mainText, 'src/app.module.ts': MODULE } });

  it('valid: a DTO class with the global ValidationPipe', async () => {
    const { findings, item } = await nest('@Body() dto: CreateNoteDto', 'this.notes.create({ text: dto.text })', main('  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));'));
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ file: 'src/main.ts', line: 6, note: 'request input is validated by the global ValidationPipe (CreateNoteDto)' }] });
  });

  it('invalid: a DTO class with no ValidationPipe anywhere', async () => {
    const { findings } = await nest('@Body() dto: CreateNoteDto', 'this.notes.create({ text: dto.text })', main(''));
    expect(findings[0].message).toBe('`this.notes.create()` receives `dto.text` from the request unvalidated: no ValidationPipe is enabled, so the decorators of CreateNoteDto never run.');
  });

  it('unknown: a DTO class when main.ts was not found', async () => {
    const { item } = await nest('@Body() dto: CreateNoteDto', 'this.notes.create({ text: dto.text })', undefined);
    expect(item).toMatchObject({ status: 'unknown', reason: "whether a ValidationPipe validates CreateNoteDto for dto is not visible here (the app's main.ts was not found)" });
  });

  it('valid: a ValidationPipe on the parameter itself', async () => {
    const { findings, item } = await nest('@Body(new ValidationPipe()) dto: CreateNoteDto', 'this.notes.create({ text: dto.text })', main(''));
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by ValidationPipe');
  });

  it('invalid: a body typed as a plain object (ValidationPipe skips it)', async () => {
    const { findings } = await nest('@Body() body: { text: string }', 'this.notes.create({ text: body.text })', main('  app.useGlobalPipes(new ValidationPipe());'));
    expect(findings[0].message).toBe('`this.notes.create()` receives `body.text` from the request, which no schema has validated.');
  });

  it('invalid: a string query parameter (ValidationPipe skips primitives) returned', async () => {
    const { findings } = await nest("@Query('q') q: string", 'this.notes.search(q)', main('  app.useGlobalPipes(new ValidationPipe());'));
    expect(findings[0].message).toBe('`this.notes.search()` receives `query.q` from the request, which no schema has validated.');
  });

  it('valid: ParseIntPipe on a query parameter', async () => {
    const { findings } = await nest("@Query('page', ParseIntPipe) page: number", 'this.notes.list(page)', main(''));
    expect(findings).toEqual([]);
  });
});

describe('unvalidated-input: tRPC and Hono', () => {
  it('valid: a procedure with .input(schema)', async () => {
    const { item, findings } = await run(
      {
        'src/server/routers/note.ts': `import { z } from 'zod';
import { router, publicProcedure } from '../trpc';
export const noteRouter = router({
  add: publicProcedure.input(z.object({ text: z.string() })).mutation(({ ctx, input }) => ctx.db.note.create({ data: { text: input.text } })),
});
`,
      },
      'MUTATION add',
    );
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 4, note: 'request input is validated by .input()' }] });
  });

  it('n/a: a procedure without input', async () => {
    const { item } = await run(
      {
        'src/server/routers/note.ts': `import { router, publicProcedure } from '../trpc';
export const noteRouter = router({
  list: publicProcedure.query(({ ctx }) => ctx.db.note.findMany()),
});
`,
      },
      'QUERY list',
    );
    expect(item.status).toBe('n/a');
  });

  const hono = (middleware: string, read: string) =>
    run(
      {
        'src/index.ts': `import { Hono } from 'hono';
import { zValidator } from '@hono/zod-validator';
const app = new Hono();
app.post('/notes', ${middleware}async (c) => {
  const body = ${read};
  await db.insert(notes).values({ text: body.text });
  return c.json({ ok: true });
});
export default app;
`,
      },
      'POST /notes',
    );

  it("valid: zValidator('json') and c.req.valid('json')", async () => {
    const { item, findings } = await hono("zValidator('json', NoteSchema), ", "c.req.valid('json')");
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: c.req.json() with no validator', async () => {
    const { findings } = await hono('', 'await c.req.json()');
    expect(findings[0].message).toBe('`db.insert.values()` receives `c.req.body.text` from the request, which no schema has validated.');
  });

  it("invalid: zValidator('query') does not cover the JSON body", async () => {
    const { findings } = await hono("zValidator('query', QuerySchema), ", 'await c.req.json()');
    expect(findings).toHaveLength(1);
  });
});

describe('unvalidated-input: Koa', () => {
  const koa = (lines: string[]) =>
    run(
      {
        'src/routes.ts': `import Router from '@koa/router';
import Joi from 'joi';
const router = new Router();
router.post('/notes', async (ctx) => {
${lines.join('\n')}
});
export default router;
`,
      },
      'POST /notes',
    );

  it('invalid: ctx.request.body fields stored', async () => {
    const { findings } = await koa(['  ctx.body = await Note.create({ text: ctx.request.body.text });']);
    expect(findings[0].message).toBe('`Note.create()` receives `ctx.request.body.text` from the request, which no schema has validated.');
  });

  it('valid: Joi.attempt throws on bad input', async () => {
    const { findings, item } = await koa(['  const body = Joi.attempt(ctx.request.body, NoteSchema);', '  ctx.body = await Note.create({ text: body.text });']);
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by joi attempt');
  });
});

describe('unvalidated-input: known gaps', () => {
  it.todo('next-safe-action: server actions are not discovered as endpoints, so an action imported from another module and called by a route stays unknown');
  it.todo('a validating middleware imported under a name that does not say so (`app.use(checkInput)`) is not read: name it under validation.functions');
  it.todo('input handed to a helper imported from another module is unknown, even when that helper validates it');
});

describe('unvalidated-input: more framework idioms', () => {
  it('valid: Fastify route({ schema }) with a TypeBox body', async () => {
    const { item, findings } = await run(
      {
        'src/routes/items.ts': `import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
const app = Fastify();
const CreateItem = Type.Object({ name: Type.String({ maxLength: 100 }) }, { additionalProperties: false });
app.route({
  method: 'POST',
  url: '/items',
  schema: { body: CreateItem },
  handler: async (request) => db.item.create({ data: { name: request.body.name } }),
});
`,
      },
      'POST /items',
    );
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 8, note: "request input is validated by the route schema's `body`" }] });
  });

  it('invalid: a Fastify schema that describes only the response', async () => {
    const { findings } = await run(
      {
        'src/routes/items.ts': `import Fastify from 'fastify';
const app = Fastify();
app.post('/items', { schema: { response: { 201: { type: 'object' } } } }, async (request) => db.item.create({ data: { name: request.body.name } }));
`,
      },
      'POST /items',
    );
    expect(findings[0].message).toBe('`db.item.create()` receives `request.body.name` from the request, which no schema has validated.');
  });

  const nest = (decorators: string, parameter: string, moduleExtra = '') =>
    run(
      {
        'src/notes.controller.ts': `import { Body, Controller, Post, UsePipes } from '@nestjs/common';
import { ZodValidationPipe } from 'nestjs-zod';
@Controller('notes')
export class NotesController {
  @Post()
  ${decorators}
  create(${parameter}) {
    return this.notes.create({ text: body.text });
  }
}
`,
      },
      'POST /notes',
      {
        context: {
          'src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n",
          'src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { APP_PIPE } from '@nestjs/core';\nimport { NotesController } from './notes.controller';\n@Module({ controllers: [NotesController], providers: [${moduleExtra}] })\nexport class AppModule {}\n`,
        },
      },
    );

  it('valid: @UsePipes(new ZodValidationPipe(schema)) on the method', async () => {
    const { findings, item } = await nest('@UsePipes(new ZodValidationPipe(CreateNoteSchema))', '@Body() body: CreateNoteDto');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request input is validated by ZodValidationPipe');
  });

  it('valid: a ValidationPipe provided as APP_PIPE in the module', async () => {
    const { findings, item } = await nest('', '@Body() body: CreateNoteDto', '{ provide: APP_PIPE, useClass: ValidationPipe }');
    expect(findings).toEqual([]);
    expect(item.evidence[0]).toMatchObject({ file: 'src/app.module.ts', note: 'request input is validated by the global ValidationPipe (CreateNoteDto)' });
  });

  it('invalid: neither a pipe nor APP_PIPE', async () => {
    const { findings } = await nest('', '@Body() body: CreateNoteDto');
    expect(findings[0].message).toContain('no ValidationPipe is enabled, so the decorators of CreateNoteDto never run');
  });
});

describe('unvalidated-input: verdicts nobody reads', () => {
  it('invalid: a joi result kept in a variable and never read', async () => {
    const { findings } = await express("import Joi from 'joi';\nconst schema = Joi.object({ name: Joi.string() });", ['  const result = schema.validate(req.body);', '  res.json(await User.create({ name: req.body.name }));']);
    expect(findings[0].message).toContain('the result of `schema.validate()` at line 6 is never checked');
  });

  it('invalid: validationResult(req) called but not checked', async () => {
    const { findings } = await express("import { body, validationResult } from 'express-validator';", ['  validationResult(req);', '  res.json(await User.create({ email: req.body.email }));'], { middleware: "body('email').isEmail(), " });
    expect(findings[0].message).toContain('the result of `validationResult()` at line 5 is never checked');
  });

  it('valid: validationResult(req).throw() turns the verdict into an exception', async () => {
    const { findings } = await express("import { body, validationResult } from 'express-validator';", ['  validationResult(req).throw();', '  res.json(await User.create({ email: req.body.email }));'], { middleware: "body('email').isEmail(), " });
    expect(findings).toEqual([]);
  });

  it('valid: safeParse checked through a ternary', async () => {
    const { findings } = await express("import { z } from 'zod';", ['  const r = z.object({ name: z.string() }).safeParse(req.body);', '  return r.success ? res.json(await User.create({ name: r.data.name })) : res.sendStatus(400);']);
    expect(findings).toEqual([]);
  });
});
