/**
 * denial-not-logged (logging.denials): each unlogged 403 / not-owner branch
 * next to the same branch with a log call.
 */
import { describe, expect, it } from 'vitest';
import check from './denial-not-logged.js';
import { analyzeSource, endpointOf, type AnalyzeSourceOptions } from '../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string, options: AnalyzeSourceOptions = {}) {
  const result = await analyzeSource(path, code, { checks: [check], ...options });
  const item = endpointOf(result, endpoint).checklist['logging.denials'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'denial-not-logged') };
}

const APP = 'src/app.ts';
const ROUTE = 'app/api/invoices/[id]/route.ts';

describe('denial-not-logged: Express', () => {
  it('invalid: a role middleware answering 403 without logging', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
const app = express();
const requireRole = (role) => (req, res, next) => {
  if (req.user?.role !== role) return res.status(403).json({ error: 'Forbidden' });
  next();
};
app.delete('/users/:id', requireRole('admin'), async (req, res) => res.json(await db.user.delete({ where: { id: req.params.id } })));
`, 'DELETE /users/:id');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 4, severity: 'low', checklistItem: 'logging.denials', cwe: ['CWE-778'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe("This 403 (line 4) denies access without logging it: attempts to reach other users' records or privileged actions leave no trace.");
  });

  it('valid: the role middleware logs the denial', async () => {
    const { item } = await verdict(APP, `import express from 'express';
const app = express();
const requireRole = (role) => (req, res, next) => {
  if (req.user?.role !== role) {
    logger.warn({ event: 'access_denied', userId: req.user?.id, path: req.originalUrl });
    return res.status(403).json({ error: 'Forbidden' });
  }
  next();
};
app.delete('/users/:id', requireRole('admin'), async (req, res) => res.json(await db.user.delete({ where: { id: req.params.id } })));
`, 'DELETE /users/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
  });

  it('unknown: an imported role middleware whose code was not read', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import { requireRole } from '@acme/authz';
const app = express();
app.delete('/users/:id', requireRole('admin'), async (req, res) => res.json(await db.user.delete({ where: { id: req.params.id } })));
`, 'DELETE /users/:id');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('requireRole');
  });

  it('n/a: a 404 for a missing record is not a denial', async () => {
    const { item } = await verdict(APP, `import express from 'express';
const app = express();
app.get('/projects/:id', async (req, res) => {
  const project = await db.project.findFirst({ where: { id: req.params.id, ownerId: req.user.id } });
  if (!project) return res.status(404).end();
  res.json(project);
});
`, 'GET /projects/:id');
    expect(item.status).toBe('n/a');
  });
});

describe('denial-not-logged: Next.js App Router', () => {
  it('invalid: the not-owner 403 only returns', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function PATCH(req: Request, { params }) {
  const { userId } = await auth();
  const invoice = await db.invoice.findUnique({ where: { id: params.id } });
  if (invoice.ownerId !== userId) return Response.json({ error: 'Forbidden' }, { status: 403 });
  return Response.json(await db.invoice.update({ where: { id: params.id }, data: await req.json() }));
}
`, 'PATCH /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(5);
  });

  it('valid: the not-owner branch logs before the 403', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function PATCH(req: Request, { params }) {
  const { userId } = await auth();
  const invoice = await db.invoice.findUnique({ where: { id: params.id } });
  if (invoice.ownerId !== userId) {
    logSecurityEvent({ type: 'access_denied', userId, resource: 'invoice', resourceId: params.id });
    return Response.json({ error: 'Forbidden' }, { status: 403 });
  }
  return Response.json(await db.invoice.update({ where: { id: params.id }, data: await req.json() }));
}
`, 'PATCH /api/invoices/[id]');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('logSecurityEvent');
  });

  it('invalid: the not-owner 404 (hiding the record) only returns', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { notFound } from 'next/navigation';
export async function GET(req: Request, { params }) {
  const { userId } = await auth();
  const invoice = await db.invoice.findUnique({ where: { id: params.id } });
  if (!invoice || invoice.ownerId !== userId) notFound();
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('notFound()');
  });

  it('valid: the not-owner 404 logs first', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }) {
  const { userId } = await auth();
  const invoice = await db.invoice.findUnique({ where: { id: params.id } });
  if (invoice?.ownerId !== userId) {
    console.warn('access denied', { userId, invoiceId: params.id });
    return new Response(null, { status: 404 });
  }
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });
});

describe('denial-not-logged: Fastify and Hono', () => {
  it('invalid: a Fastify preHandler replying 403', async () => {
    const { findings } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify();
async function adminOnly(request, reply) {
  if (!request.user.isAdmin) return reply.code(403).send({ error: 'Forbidden' });
}
app.delete('/users/:id', { preHandler: [adminOnly] }, async (request) => db.user.delete({ where: { id: request.params.id } }));
`, 'DELETE /users/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(4);
  });

  it('valid: the preHandler logs through request.log', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify();
async function adminOnly(request, reply) {
  if (!request.user.isAdmin) {
    request.log.warn({ event: 'access_denied', userId: request.user.id }, 'admin route refused');
    return reply.code(403).send({ error: 'Forbidden' });
  }
}
app.delete('/users/:id', { preHandler: [adminOnly] }, async (request) => db.user.delete({ where: { id: request.params.id } }));
`, 'DELETE /users/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: a Hono handler answering 403 for another tenant', async () => {
    const { findings } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.get('/orgs/:orgId/report', async (c) => {
  if (c.get('user').orgId !== c.req.param('orgId')) return c.json({ error: 'Forbidden' }, 403);
  return c.json(await buildReport(c.req.param('orgId')));
});
`, 'GET /orgs/:orgId/report');
    expect(findings).toHaveLength(1);
  });

  it('valid: the Hono handler logs the denial', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.get('/orgs/:orgId/report', async (c) => {
  if (c.get('user').orgId !== c.req.param('orgId')) {
    c.var.logger.warn({ event: 'access_denied', orgId: c.req.param('orgId') });
    return c.json({ error: 'Forbidden' }, 403);
  }
  return c.json(await buildReport(c.req.param('orgId')));
});
`, 'GET /orgs/:orgId/report');
    expect(item.status).toBe('pass');
  });

  it('n/a: an endpoint with no 403 or not-owner path', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';\nconst app = new Hono();\napp.get('/ping', (c) => c.text('pong'));\n`, 'GET /ping');
    expect(item.status).toBe('n/a');
  });
});

// NestJS apps read whole (main.ts, modules): see nest-app-logging.test.ts.

describe('denial-not-logged: thrown not-owner 404s (NestJS, tRPC)', () => {
  const NEST = 'src/invoices/invoices.controller.ts';
  const nest = (body: string) => `import { Controller, NotFoundException, Param, Patch, Req } from '@nestjs/common';
@Controller('invoices')
export class InvoicesController {
  @Patch(':id')
  async update(@Param('id') id: string, @Req() req) {
    const invoice = await this.prisma.invoice.findUnique({ where: { id } });
${body}
    return this.prisma.invoice.update({ where: { id }, data: {} });
  }
}
`;

  it('unknown: a NotFoundException thrown in a not-owner branch goes to Nest\'s exception filter, not in view', async () => {
    const { item, findings } = await verdict(NEST, nest('    if (!invoice || invoice.ownerId !== req.user.userId) throw new NotFoundException();'), 'PATCH /invoices/:id');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('NotFoundException');
  });

  it('valid: the not-owner branch logs before it throws', async () => {
    const { item } = await verdict(NEST, nest(`    if (!invoice || invoice.ownerId !== req.user.userId) {
      this.logger.warn(\`access denied: \${req.user.userId} on invoice \${id}\`);
      throw new NotFoundException();
    }`), 'PATCH /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('n/a: a NotFoundException for a missing record is not a denial', async () => {
    const { item } = await verdict(NEST, nest('    if (!invoice) throw new NotFoundException();'), 'PATCH /invoices/:id');
    expect(item.status).toBe('n/a');
  });

  const TRPC = 'src/server/api/routers/note.ts';
  const trpc = (check: string) => `import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, protectedProcedure } from '~/server/api/trpc';
export const noteRouter = createTRPCRouter({
  update: protectedProcedure.input(z.object({ id: z.string() })).mutation(async ({ ctx, input }) => {
    const note = await ctx.db.note.findUnique({ where: { id: input.id } });
${check}
    return ctx.db.note.update({ where: { id: input.id }, data: {} });
  }),
});
`;

  it('unknown: a TRPCError NOT_FOUND thrown in a not-owner branch', async () => {
    const { item } = await verdict(TRPC, trpc("    if (!note || note.createdById !== ctx.session.user.id) throw new TRPCError({ code: 'NOT_FOUND' });"), 'MUTATION update');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('TRPCError NOT_FOUND');
  });

  it('n/a: a TRPCError NOT_FOUND for a missing record only', async () => {
    const { item } = await verdict(TRPC, trpc("    if (!note) throw new TRPCError({ code: 'NOT_FOUND' });"), 'MUTATION update');
    expect(item.status).toBe('n/a');
  });
});
