/**
 * missing-ownership-check (authz.ownership): each vulnerable case sits next
 * to the secure neighbour that must stay silent, per ORM and framework.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-ownership-check.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const ROUTE = 'app/api/invoices/[id]/route.ts';
const EXPRESS = 'src/routes/invoices.ts';
const EXPRESS_HEADER = `import express from 'express';\nconst router = express.Router();\n`;

async function verdict(path: string, code: string, endpoint: string) {
  const result = await analyzeSource(path, code, { checks: [check] });
  expect(result.errors).toEqual([]);
  const item = endpointOf(result, endpoint).checklist['authz.ownership'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'missing-ownership-check') };
}

/** An Express router file: the header takes lines 1-2, so the code starts on line 3. */
function express(code: string, endpoint: string) {
  return verdict(EXPRESS, `${EXPRESS_HEADER}${code}`, endpoint);
}

describe('missing-ownership-check: Prisma in the Next.js App Router', () => {
  it('invalid: findUnique by params.id with no owner condition', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { prisma } from '@/lib/prisma';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  if (!userId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  const invoice = await prisma.invoice.findUnique({ where: { id: params.id } });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, endLine: 6, severity: 'high', confidence: 'medium', checklistItem: 'authz.ownership', cwe: ['CWE-639'], owasp: ['API1:2023'] });
    expect(findings[0].message).toBe(
      "`prisma.invoice.findUnique` reads the invoice selected by `params.id` from the request with no owner, tenant or membership condition, and the record's owner is never compared with the caller: any signed-in user can read another user's invoice by changing `params.id`.",
    );
    expect(findings[0].fix).toContain('`prisma.invoice.findFirst({ where: { id: params.id, ownerId: userId } })`');
    expect(findings[0].fix).toContain('`invoice.ownerId !== userId`');
  });

  it('valid: findFirst with the owner in the same where', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { prisma } from '@/lib/prisma';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  if (!userId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  const invoice = await prisma.invoice.findFirst({ where: { id: params.id, ownerId: userId } });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 6, note: '`prisma.invoice.findFirst` filters on ownerId as well as params.id' });
  });

  it('invalid: update by an id destructured from awaited params (Next.js 15)', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function PATCH(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { userId } = await auth();
  const { id } = await params;
  const body = await req.json();
  const invoice = await prisma.invoice.update({
    where: { id },
    data: { paid: body.paid },
  });
  return Response.json(invoice);
}
`, 'PATCH /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, severity: 'high' });
    expect(findings[0].message).toContain('`prisma.invoice.update` updates the invoice selected by `params.id`');
    expect(findings[0].fix).toContain('prisma.invoice.update({ where: { id, ownerId: userId }, data })');
  });

  it('valid: fetch, compare the owner with the caller and answer 404, then update', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function PATCH(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { userId } = await auth();
  const { id } = await params;
  const existing = await prisma.invoice.findUnique({ where: { id } });
  if (!existing || existing.ownerId !== userId) {
    return Response.json({ error: 'Not found' }, { status: 404 });
  }
  const invoice = await prisma.invoice.update({ where: { id }, data: { paid: true } });
  return Response.json(invoice);
}
`, 'PATCH /api/invoices/[id]');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence.map((evidence) => evidence.line)).toEqual([6, 6]);
    expect(item.evidence[1].note).toBe('`existing.ownerId !== userId` checks the invoice before `prisma.invoice.update`');
  });

  it('invalid: an owner comparison that only logs does not protect the record', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await prisma.invoice.findUnique({ where: { id: params.id } });
  if (invoice.ownerId !== userId) {
    console.warn('reading someone else\\'s invoice');
  }
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(4);
  });

  it('valid: the comparison returns 403', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await prisma.invoice.findUnique({ where: { id: params.id } });
  if (invoice.ownerId !== userId) {
    return Response.json({ error: 'Forbidden' }, { status: 403 });
  }
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
    expect(item.evidence[0].note).toBe('`invoice.ownerId !== userId` checks the invoice fetched by params.id');
  });

  it('invalid: delete before the ownership check is too late', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function DELETE(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const deleted = await prisma.invoice.delete({ where: { id: params.id } });
  if (deleted.ownerId !== userId) return new Response(null, { status: 403 });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('deletes the invoice');
    expect(findings[0].fix).toContain('prisma.invoice.delete({ where: { id: params.id, ownerId: userId } })');
  });

  it('valid: deleteMany scoped to the owner', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function DELETE(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const { count } = await prisma.invoice.deleteMany({ where: { id: params.id, ownerId: userId } });
  if (count === 0) return new Response(null, { status: 404 });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('invalid: an owner condition whose value comes from the request body restricts nothing', async () => {
    const { findings } = await verdict(ROUTE, `export async function GET(req: Request, { params }: { params: { id: string } }) {
  const body = await req.json();
  const invoice = await prisma.invoice.findFirst({ where: { id: params.id, ownerId: body.ownerId } });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
  });

  it('valid: a tenant filter through a membership relation', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await prisma.invoice.findFirst({
    where: { id: params.id, organization: { members: { some: { userId } } } },
  });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
    expect(item.evidence[0].note).toContain('organization.members.some.userId');
  });

  it('invalid: the owner only inside an OR is an alternative, not a restriction', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await prisma.invoice.findFirst({ where: { id: params.id, OR: [{ ownerId: userId }, { public: true }] } });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
  });

  it('valid: the owner in an AND list', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await prisma.invoice.findFirst({ where: { AND: [{ id: params.id }, { ownerId: userId }] } });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('invalid: an id from the query string (searchParams)', async () => {
    const { findings } = await verdict('app/api/invoices/route.ts', `import { NextRequest } from 'next/server';
export async function GET(req: NextRequest) {
  const id = req.nextUrl.searchParams.get('id');
  const invoice = await prisma.invoice.findUnique({ where: { id: id! } });
  return Response.json(invoice);
}
`, 'GET /api/invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain("selected by `req.nextUrl.searchParams.get('id')` from the request");
  });

  it("valid: the caller's own id from the session is not a request id (n/a)", async () => {
    const { item, findings } = await verdict('app/api/me/route.ts', `import { getServerSession } from 'next-auth';
export async function GET(req: Request) {
  const session = await getServerSession(authOptions);
  const user = await prisma.user.findUnique({ where: { id: session.user.id } });
  return Response.json(user);
}
`, 'GET /api/me');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
    expect(item.reason).toContain('no record is selected by an id from the request');
  });

  it('invalid: reading a post by id is medium: posts are often public by design', async () => {
    const { findings } = await verdict('app/api/posts/[id]/route.ts', `export async function GET(req: Request, { params }: { params: { id: string } }) {
  const post = await prisma.post.findUnique({ where: { id: params.id } });
  return Response.json(post);
}
`, 'GET /api/posts/[id]');
    expect(findings[0]).toMatchObject({ severity: 'medium' });
  });

  it('invalid: deleting a post by id stays high', async () => {
    const { findings } = await verdict('app/api/posts/[id]/route.ts', `export async function DELETE(req: Request, { params }: { params: { id: string } }) {
  await prisma.post.delete({ where: { id: params.id } });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/posts/[id]');
    expect(findings[0]).toMatchObject({ severity: 'high' });
  });
});

describe('missing-ownership-check: Drizzle', () => {
  it('invalid: select by eq(invoices.id, id) only', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { and, eq } from 'drizzle-orm';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const [invoice] = await db.select().from(invoices).where(eq(invoices.id, params.id));
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5 });
    expect(findings[0].message).toContain('`db.select().from(invoices).where` reads the invoices selected by `params.id`');
    expect(findings[0].fix).toContain('`.where(and(eq(invoices.id, params.id), eq(invoices.ownerId, userId)))`');
  });

  it('valid: and(eq(invoices.id, id), eq(invoices.ownerId, userId))', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { and, eq } from 'drizzle-orm';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const [invoice] = await db.select().from(invoices).where(and(eq(invoices.id, params.id), eq(invoices.ownerId, userId)));
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('`db.select().from(invoices).where` filters on ownerId as well as params.id');
  });

  it('invalid: the relational API with a callback filter', async () => {
    const { findings } = await verdict(ROUTE, `export async function GET(req: Request, { params }: { params: { id: string } }) {
  const invoice = await db.query.invoices.findFirst({ where: (i, { eq }) => eq(i.id, params.id) });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('db.query.invoices.findFirst({ where: and(eq(invoices.id, params.id), eq(invoices.ownerId, userId)) })');
  });

  it('valid: the relational API with the owner in the callback', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await db.query.invoices.findFirst({ where: (i, { and, eq }) => and(eq(i.id, params.id), eq(i.ownerId, userId!)) });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('invalid: update(...).set(...).where(eq(id)) with the body as the id source', async () => {
    const { findings } = await verdict('app/api/invoices/route.ts', `export async function PUT(req: Request) {
  const body = await req.json();
  await db.update(invoices).set({ paid: true }).where(eq(invoices.id, body.invoiceId));
  return Response.json({ ok: true });
}
`, 'PUT /api/invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`db.update(invoices).where` updates the invoices selected by `req.body.invoiceId`');
  });

  it('valid: delete(...).where(and(id, owner))', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function DELETE(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  await db.delete(invoices).where(and(eq(invoices.id, params.id), eq(invoices.ownerId, userId)));
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });
});

describe('missing-ownership-check: Express with Mongoose', () => {
  it('invalid: findById(req.params.id)', async () => {
    const { findings } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findById(req.params.id);
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'high' });
    expect(findings[0].message).toContain('`Invoice.findById` reads the Invoice selected by `req.params.id`');
    expect(findings[0].fix).toContain('`Invoice.findOne({ _id: req.params.id, owner: req.user.id })`');
    expect(findings[0].fix).toContain('`!invoice.owner.equals(req.user.id)`');
  });

  it('valid: findOne({ _id: id, owner: req.user.id })', async () => {
    const { item } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findOne({ _id: req.params.id, owner: req.user.id });
  if (!invoice) return res.sendStatus(404);
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
  });

  it('invalid: findByIdAndDelete with an id destructured from req.params', async () => {
    const { findings } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  const { id } = req.params;
  await Invoice.findByIdAndDelete(id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('`Invoice.findOneAndDelete({ _id: id, owner: req.user.id })`');
  });

  it('valid: findById, then owner.equals(req.user._id) with a 403, then delete', async () => {
    const { item } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  const { id } = req.params;
  const invoice = await Invoice.findById(id);
  if (!invoice) return res.sendStatus(404);
  if (!invoice.owner.equals(req.user._id)) return res.status(403).json({ error: 'Forbidden' });
  await Invoice.findByIdAndDelete(id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence.every((evidence) => evidence.line === 7)).toBe(true);
  });

  it('invalid: findByIdAndUpdate with an id from the body', async () => {
    const { findings } = await express(`router.post('/invoices/pay', authenticate, async (req, res) => {
  const invoice = await Invoice.findByIdAndUpdate(req.body.id, { paid: true }, { new: true });
  res.json(invoice);
});
`, 'POST /invoices/pay');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('updates the Invoice selected by `req.body.id`');
  });

  it('valid: findOneAndUpdate with the owner in the filter', async () => {
    const { item } = await express(`router.post('/invoices/pay', authenticate, async (req, res) => {
  const invoice = await Invoice.findOneAndUpdate({ _id: req.body.id, owner: req.user.id }, { paid: true }, { new: true });
  res.json(invoice);
});
`, 'POST /invoices/pay');
    expect(item.status).toBe('pass');
  });

  it('invalid: deleteOne({ _id: req.query.id })', async () => {
    const { findings } = await express(`router.delete('/invoices', authenticate, async (req, res) => {
  await Invoice.deleteOne({ _id: req.query.id });
  res.sendStatus(204);
});
`, 'DELETE /invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`req.query.id`');
  });

  it('valid: deleteOne scoped by the tenant', async () => {
    const { item } = await express(`router.delete('/invoices', authenticate, async (req, res) => {
  await Invoice.deleteOne({ _id: req.query.id, tenantId: req.user.tenantId });
  res.sendStatus(204);
});
`, 'DELETE /invoices');
    expect(item.status).toBe('pass');
  });
});

describe('missing-ownership-check: Express with Sequelize and TypeORM', () => {
  it('invalid: Sequelize findByPk(req.params.id)', async () => {
    const { findings } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findByPk(req.params.id);
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('`Invoice.findOne({ where: { id: req.params.id, ownerId: req.user.id } })`');
  });

  it('valid: Sequelize findOne with the owner in where', async () => {
    const { item } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findOne({ where: { id: req.params.id, userId: req.user.id } });
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: Sequelize destroy({ where: { id } })', async () => {
    const { findings } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  const { id } = req.params;
  await Invoice.destroy({ where: { id } });
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('`Invoice.destroy({ where: { id, ownerId: req.user.id } })`');
  });

  it('valid: Sequelize findByPk then a 404 when the owner differs', async () => {
    const { item } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findByPk(req.params.id);
  if (!invoice || invoice.userId !== req.user.id) return res.status(404).end();
  await invoice.destroy();
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: TypeORM findOneBy({ id })', async () => {
    const { findings } = await express(`import { AppDataSource } from '../data-source';
const invoiceRepository = AppDataSource.getRepository(Invoice);
router.get('/invoices/:id', authenticate, async (req, res) => {
  const id = Number(req.params.id);
  const invoice = await invoiceRepository.findOneBy({ id });
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 7 });
    expect(findings[0].fix).toContain('`invoiceRepository.findOneBy({ id, ownerId: req.user.id })`');
  });

  it('valid: TypeORM findOne({ where: { id, owner: { id: req.user.id } } })', async () => {
    const { item } = await express(`const invoiceRepository = AppDataSource.getRepository(Invoice);
router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await invoiceRepository.findOne({ where: { id: Number(req.params.id), owner: { id: req.user.id } } });
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('owner.id');
  });

  it('invalid: TypeORM delete(req.params.id)', async () => {
    const { findings } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  await invoiceRepository.delete(req.params.id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('`invoiceRepository.delete({ id: req.params.id, ownerId: req.user.id })`');
  });

  it('valid: TypeORM update with the owner in the criteria', async () => {
    const { item } = await express(`router.put('/invoices/:id', authenticate, async (req, res) => {
  await invoiceRepository.update({ id: req.params.id, ownerId: req.user.id }, { paid: true });
  res.sendStatus(204);
});
`, 'PUT /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: TypeORM update(id, changes)', async () => {
    const { findings } = await express(`router.put('/invoices/:id', authenticate, async (req, res) => {
  await invoiceRepository.update(req.params.id, { paid: true });
  res.sendStatus(204);
});
`, 'PUT /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('updates the invoice');
  });
});

describe('missing-ownership-check: Knex and raw SQL', () => {
  it("invalid: knex('invoices').where({ id }).first()", async () => {
    const { findings } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await knex('invoices').where({ id: req.params.id }).first();
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain("`knex('invoices').where({ id: req.params.id, owner_id: req.user.id })`");
  });

  it("valid: knex where('id', id).andWhere('owner_id', req.user.id)", async () => {
    const { item } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await knex('invoices').where('id', req.params.id).andWhere('owner_id', req.user.id).first();
  res.json(invoice);
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: knex delete by an id from the query string', async () => {
    const { findings } = await express(`router.delete('/invoices', authenticate, async (req, res) => {
  await db('invoices').where('id', req.query.id).del();
  res.sendStatus(204);
});
`, 'DELETE /invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain("`db('invoices').where` deletes the invoices selected by `req.query.id`");
  });

  it('invalid: SELECT ... WHERE id = $1 with [id]', async () => {
    const { findings } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM invoices WHERE id = $1', [req.params.id]);
  res.json(rows[0]);
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`pool.query` reads the invoices selected by `req.params.id`');
    expect(findings[0].fix).toContain('SELECT ... FROM invoices WHERE id = $1 AND owner_id = $2 with [req.params.id, req.user.id]');
  });

  it('valid: the owner column in the WHERE text', async () => {
    const { item } = await express(`router.get('/invoices/:id', authenticate, async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM invoices WHERE id = $1 AND owner_id = $2', [req.params.id, req.user.id]);
  res.json(rows[0]);
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: an owner column bound to a request value is not a restriction', async () => {
    const { findings } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  await conn.execute('DELETE FROM invoices WHERE id = ? AND user_id = ?', [req.params.id, req.body.userId]);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('deletes the invoices');
  });

  it('invalid: a Prisma $queryRaw template keyed by params.id', async () => {
    const { findings } = await verdict(ROUTE, `export async function GET(req: Request, { params }: { params: { id: string } }) {
  const rows = await prisma.$queryRaw\`SELECT * FROM invoices WHERE id = \${params.id}\`;
  return Response.json(rows);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`prisma.$queryRaw` reads the invoices selected by `params.id`');
  });

  it('valid: the same $queryRaw with the owner', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const rows = await prisma.$queryRaw\`SELECT * FROM invoices WHERE id = \${params.id} AND owner_id = \${userId}\`;
  return Response.json(rows);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });
});

describe('missing-ownership-check: request data through conversions', () => {
  it('invalid: ids from the body joined into an IN list', async () => {
    const { findings } = await express(`router.post('/documents/delete', authenticate, async (req, res) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  await pool.query(\`DELETE FROM documents WHERE id IN (\${ids.map((id) => Number(id)).join(',')})\`);
  res.sendStatus(204);
});
`, 'POST /documents/delete');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('deletes the documents selected by `req.body.ids`');
  });

  it('valid: the same IN list restricted to the caller', async () => {
    const { item } = await express(`router.post('/documents/delete', authenticate, async (req, res) => {
  const ids = Array.isArray(req.body.ids) ? req.body.ids : [];
  await pool.query('DELETE FROM documents WHERE id = ANY($1) AND owner_id = $2', [ids, req.user.id]);
  res.sendStatus(204);
});
`, 'POST /documents/delete');
    expect(item.status).toBe('pass');
  });

  it('invalid: a route limited to a non-admin role still needs ownership', async () => {
    const { findings } = await express(`router.delete('/invoices/:id', authenticate, requireRole('editor'), async (req, res) => {
  await Invoice.findByIdAndDelete(req.params.id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(findings).toHaveLength(1);
  });

  it("valid: a route only administrators reach (requireRole('admin'))", async () => {
    const { item } = await express(`router.delete('/invoices/:id', authenticate, requireRole('admin'), async (req, res) => {
  await Invoice.findByIdAndDelete(req.params.id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe("only administrators reach this route (requireRole('admin')): they may act on any record");
  });
});

describe('missing-ownership-check: authorization libraries and helpers', () => {
  it('valid: CASL ForbiddenError.from(ability).throwUnlessCan with the record', async () => {
    const { item } = await express(`router.put('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findById(req.params.id);
  ForbiddenError.from(req.ability).throwUnlessCan('update', invoice);
  invoice.set(req.body);
  await invoice.save();
  res.json(invoice);
});
`, 'PUT /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
    expect(item.evidence[0].note).toContain('throwUnlessCan()');
  });

  it('invalid: a CASL check on another subject does not cover the record', async () => {
    const { findings } = await express(`router.put('/invoices/:id', authenticate, async (req, res) => {
  ForbiddenError.from(req.ability).throwUnlessCan('update', 'Invoice');
  const invoice = await Invoice.findByIdAndUpdate(req.params.id, req.body);
  res.json(invoice);
});
`, 'PUT /invoices/:id');
    expect(findings).toHaveLength(1);
  });

  it('valid: ability.can in an if that answers 403', async () => {
    const { item } = await verdict(ROUTE, `export async function GET(req: Request, { params }: { params: { id: string } }) {
  const ability = await defineAbilityFor(req);
  const invoice = await prisma.invoice.findUnique({ where: { id: params.id } });
  if (!ability.can('read', subject('Invoice', invoice))) return Response.json({}, { status: 403 });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('valid: a policy object asked about the record', async () => {
    const { item } = await express(`router.delete('/invoices/:id', authenticate, async (req, res) => {
  const invoice = await Invoice.findById(req.params.id);
  if (!invoicePolicy.canDelete(req.user, invoice)) return res.sendStatus(403);
  await invoice.deleteOne();
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('valid: an ownership middleware in front of the handler', async () => {
    const { item } = await express(`router.delete('/invoices/:id', authenticate, checkOwnership(Invoice), async (req, res) => {
  await Invoice.findByIdAndDelete(req.params.id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('middleware checkOwnership checks access to the record');
  });

  it('invalid: a same-file helper that queries by the id it is given', async () => {
    const { findings } = await express(`async function loadInvoice(invoiceId: string) {
  return prisma.invoice.findUnique({ where: { id: invoiceId } });
}
router.get('/invoices/:id', authenticate, async (req, res) => {
  res.json(await loadInvoice(req.params.id));
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4 });
    expect(findings[0].message).toContain('`req.params.id`');
  });

  it('valid: the same helper scoped by the owner it is given', async () => {
    const { item } = await express(`async function loadInvoice(invoiceId: string, ownerId: string) {
  return prisma.invoice.findFirst({ where: { id: invoiceId, ownerId } });
}
router.get('/invoices/:id', authenticate, async (req, res) => {
  res.json(await loadInvoice(req.params.id, req.user.id));
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
  });
});

describe('missing-ownership-check: n/a and unknown', () => {
  it('n/a: a list endpoint scoped to the caller', async () => {
    const { item, findings } = await verdict('app/api/invoices/route.ts', `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId } = await auth();
  const invoices = await prisma.invoice.findMany({ where: { ownerId: userId } });
  return Response.json(invoices);
}
`, 'GET /api/invoices');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: a list endpoint scoped to an owner taken from the URL', async () => {
    const { findings } = await express(`router.get('/users/:userId/invoices', authenticate, async (req, res) => {
  res.json(await Invoice.find({ owner: req.params.userId }));
});
`, 'GET /users/:userId/invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`req.params.userId`');
  });

  it('n/a: an endpoint with no database access', async () => {
    const { item } = await verdict('app/api/health/route.ts', `export async function GET() {
  return Response.json({ ok: true });
}
`, 'GET /api/health');
    expect(item.status).toBe('n/a');
    expect(item.reason).toBe('the endpoint reads or changes no record through a recognised query');
  });

  it('unknown: the record is loaded by a helper imported from another module', async () => {
    const { item, findings } = await verdict(ROUTE, `import { getInvoice } from '@/lib/invoices';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const invoice = await getInvoice(params.id);
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain("`getInvoice(params.id)` from '@/lib/invoices' (line 3)");
  });

  it("valid: the imported helper's record is compared with the caller", async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { getInvoice } from '@/lib/invoices';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  const invoice = await getInvoice(params.id);
  if (invoice?.ownerId !== userId) return Response.json({ error: 'Not found' }, { status: 404 });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 6 });
  });

  it('unknown: a service imported from another module is given the request id', async () => {
    const { item } = await express(`import { invoiceService } from '../services/invoices';
router.delete('/invoices/:id', authenticate, async (req, res) => {
  await invoiceService.remove(req.params.id);
  res.sendStatus(204);
});
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain("`invoiceService.remove(req.params.id)` from '../services/invoices'");
  });

  it('unknown: the handler is defined in another file', async () => {
    const { item } = await express(`import { getInvoice } from '../controllers/invoices';
router.get('/invoices/:id', authenticate, getInvoice);
`, 'GET /invoices/:id');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('getInvoice is defined in another file');
  });

  it('n/a without crashing: filters the code does not show (spread, computed keys, a filter built elsewhere)', async () => {
    const { item } = await verdict(ROUTE, `export async function GET(req: Request, { params }: { params: { id: string } }) {
  const key = 'id';
  const a = await prisma.invoice.findFirst({ where: { ...buildFilter(), [key]: undefined } });
  const b = await prisma.invoice.findUnique(argsFor());
  const c = await db.select().from(invoices).where(sql\`true\`);
  return Response.json([a, b, c]);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('n/a');
  });

  it.todo('unknown: a query whose filter is built from request data by another function (`prisma.invoice.findUnique(argsFor(params.id))`)');
  it.todo('valid: ownership enforced by Postgres row-level security (a Supabase client with the caller\'s JWT, `SET app.user_id` before the query)');
  it.todo('valid: tenant scoping through a repository class (`new InvoiceRepository(tenantId).find(id)`, a Prisma client extension that adds `ownerId` to every where)');
  it.todo('invalid: Supabase `supabase.from("invoices").select().eq("id", params.id)` is not recognised yet');
  it.todo('valid: a loader middleware that sets `req.invoice` and a later comparison of `req.invoice.ownerId`');
});
