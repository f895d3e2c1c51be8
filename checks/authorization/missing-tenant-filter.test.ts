/**
 * missing-tenant-filter (authz.tenant): each vulnerable case sits next to
 * the secure neighbour that must stay silent, per ORM and framework.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-tenant-filter.js';
import { analyzeSource, analyzeSources, endpointOf } from '../../test/support/analyze-source.js';

const ROUTE = 'app/api/projects/route.ts';
const ITEM_ROUTE = 'app/api/projects/[id]/route.ts';
const ORG_ROUTE = 'app/api/orgs/[orgId]/projects/route.ts';
const EXPRESS = 'src/server.ts';
const EXPRESS_HEADER = `import express from 'express';\nconst app = express();\n`;

async function verdict(path: string, code: string, endpoint: string, context?: Record<string, string>) {
  const result = context === undefined ? await analyzeSource(path, code, { checks: [check] }) : await analyzeSources({ [path]: code }, { checks: [check], context });
  expect(result.errors).toEqual([]);
  const item = endpointOf(result, endpoint).checklist['authz.tenant'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'missing-tenant-filter') };
}

/** An Express app file: the header takes lines 1-2, so the code starts on line 3. */
function express(code: string, endpoint: string, context?: Record<string, string>) {
  return verdict(EXPRESS, `${EXPRESS_HEADER}${code}`, endpoint, context);
}

describe('missing-tenant-filter: Prisma in the Next.js App Router with Clerk organisations', () => {
  it('invalid: findMany filtered by userId only while auth() gives the active orgId', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { prisma } from '@/lib/prisma';
export async function GET() {
  const { userId, orgId } = await auth();
  if (!userId || !orgId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  const projects = await prisma.project.findMany({ where: { userId } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, endLine: 6, severity: 'medium', confidence: 'medium', checklistItem: 'authz.tenant', cwe: ['CWE-639', 'CWE-284'], owasp: ['API1:2023'] });
    expect(findings[0].message).toBe(
      '`prisma.project.findMany` filters projects by userId but not by orgId: a user who belongs to several organisations sees projects of all of them.',
    );
    expect(findings[0].fix).toContain("Filter on the caller's organisation as well: `prisma.project.findMany({ where: { userId, orgId } })`.");
    expect(findings[0].fix).toContain("Clerk's `auth()` returns the active `orgId`");
  });

  it('valid: the same findMany filtered by userId and orgId', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { prisma } from '@/lib/prisma';
export async function GET() {
  const { userId, orgId } = await auth();
  if (!userId || !orgId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  const projects = await prisma.project.findMany({ where: { userId, orgId } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence).toEqual([{ file: ROUTE, line: 6, note: '`prisma.project.findMany` filters on orgId' }]);
  });

  it('invalid: findMany with no where at all lists every organisation\'s projects', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const projects = await prisma.project.findMany({ orderBy: { createdAt: 'desc' } });
  return Response.json({ orgId, projects });
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'medium' });
    expect(findings[0].message).toBe('`prisma.project.findMany` has no filter, so no orgId condition: it returns projects of every organisation, not only of the caller\'s.');
    expect(findings[0].fix).toContain('`prisma.project.findMany({ where: { orgId } })`');
  });

  it('valid: findMany filtered by the organisation relation (`organization: { id: orgId }`)', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const projects = await prisma.project.findMany({ where: { organization: { id: orgId } } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: '`prisma.project.findMany` filters on organization.id' });
  });

  it('invalid: deleteMany by userId only is high: it deletes in every organisation', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function DELETE() {
  const { userId, orgId } = await auth();
  if (!orgId) return new Response(null, { status: 401 });
  await prisma.project.deleteMany({ where: { userId, archived: true } });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'high' });
    expect(findings[0].message).toContain('a user who belongs to several organisations deletes projects of all of them');
    expect(findings[0].fix).toContain('`prisma.project.deleteMany({ where: { userId, archived: true, orgId } })`');
  });

  it('valid: deleteMany by userId and orgId', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function DELETE() {
  const { userId, orgId } = await auth();
  if (!orgId) return new Response(null, { status: 401 });
  await prisma.project.deleteMany({ where: { userId, orgId, archived: true } });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: membership through the organisation relation admits every organisation of the user', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId, orgId } = await auth();
  const projects = await prisma.project.findMany({
    where: { organization: { members: { some: { userId } } } },
  });
  return Response.json({ orgId, projects });
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('filters projects by userId but not by orgId');
  });

  it('invalid: a record read by id alone, in code that knows the active organisation', async () => {
    const { findings } = await verdict(ITEM_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { orgId } = await auth();
  if (!orgId) return new Response(null, { status: 401 });
  const project = await prisma.project.findUnique({ where: { id: params.id } });
  return Response.json(project);
}
`, 'GET /api/projects/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`prisma.project.findUnique` filters by id but not by orgId: it returns projects of every organisation, not only of the caller\'s.');
    expect(findings[0].fix).toContain('`prisma.project.findFirst({ where: { id: params.id, orgId } })`');
  });

  it("valid: the record's orgId compared with the caller's, answering 404", async () => {
    const { item, findings } = await verdict(ITEM_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { orgId } = await auth();
  const project = await prisma.project.findUnique({ where: { id: params.id } });
  if (!project || project.orgId !== orgId) return Response.json({ error: 'Not found' }, { status: 404 });
  return Response.json(project);
}
`, 'GET /api/projects/[id]');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5, note: "`project.orgId !== orgId` checks the project's tenant" });
  });

  it('valid: child records through a parent confined to the organisation, then the same id updated', async () => {
    const { item, findings } = await verdict(ITEM_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function PATCH(req: Request, { params }: { params: { id: string } }) {
  const { orgId } = await auth();
  const project = await prisma.project.findFirst({ where: { id: params.id, orgId } });
  if (!project) return Response.json({ error: 'Not found' }, { status: 404 });
  const tasks = await prisma.task.findMany({ where: { projectId: project.id } });
  const updated = await prisma.project.update({ where: { id: params.id }, data: { taskCount: tasks.length } });
  return Response.json(updated);
}
`, 'PATCH /api/projects/[id]');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence.map((evidence) => evidence.line)).toEqual([4, 6, 7]);
    expect(item.evidence[1].note).toBe('`prisma.task.findMany` filters on projectId from the project confined to the tenant on line 4');
  });

  it('invalid: the parent is loaded by id alone, so its children are not confined either', async () => {
    const { findings } = await verdict(ITEM_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { orgId } = await auth();
  const project = await prisma.project.findUnique({ where: { id: params.id } });
  const tasks = await prisma.task.findMany({ where: { projectId: project.id } });
  return Response.json({ orgId, tasks });
}
`, 'GET /api/projects/[id]');
    expect(findings.map((finding) => finding.line)).toEqual([4, 5]);
  });

  it('n/a: Clerk without organisations (only userId) has no tenant concept', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId } = await auth();
  if (!userId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  const projects = await prisma.project.findMany({ where: { userId } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
    expect(item.reason).toBe("no tenant concept in this endpoint's code");
  });

  it('valid: a NextAuth session carrying organizationId, used in the filter', async () => {
    const { item } = await verdict(ROUTE, `import { getServerSession } from 'next-auth';
export async function GET() {
  const session = await getServerSession(authOptions);
  if (!session) return new Response(null, { status: 401 });
  const projects = await prisma.project.findMany({ where: { organizationId: session.user.organizationId } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5, note: '`prisma.project.findMany` filters on organizationId' });
  });

  it("valid: the caller's own organisation read by its id", async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId, orgId } = await auth();
  const organization = await prisma.organization.findUnique({ where: { id: orgId } });
  const me = await prisma.user.findUnique({ where: { id: userId } });
  return Response.json({ organization, me });
}
`, 'GET /api/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence).toEqual([{ file: ROUTE, line: 4, note: '`prisma.organization.findUnique` filters on id' }]);
  });

  it("n/a: only the caller's own memberships and user row", async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId, orgId } = await auth();
  const memberships = await prisma.membership.findMany({ where: { userId } });
  const me = await prisma.user.findUnique({ where: { id: userId } });
  return Response.json({ active: orgId, memberships, me });
}
`, 'GET /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
    expect(item.reason).toBe("the endpoint only queries the organisations and memberships themselves or the caller's own user record");
  });

  it('invalid: the members of an organisation named by the route, with no membership check', async () => {
    const { findings } = await verdict('app/api/orgs/[orgId]/members/route.ts', `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { orgId: string } }) {
  const { userId } = await auth();
  const members = await prisma.membership.findMany({ where: { orgId: params.orgId }, include: { user: true } });
  return Response.json(members);
}
`, 'GET /api/orgs/[orgId]/members');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'high' });
    expect(findings[0].message).toContain('`prisma.membership.findMany` filters on orgId taken from the request (`params.orgId`)');
  });
});

describe('missing-tenant-filter: filters that do not restrict', () => {
  it('invalid: `orgId: undefined` filters nothing in Prisma', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId, orgId } = await auth();
  const projects = await prisma.project.findMany({ where: { userId, orgId } });
  const drafts = await prisma.draft.findMany({ where: { userId, orgId: undefined } });
  return Response.json({ projects, drafts });
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5 });
    expect(findings[0].message).toContain('`prisma.draft.findMany` filters drafts by userId but not by orgId');
  });

  it('unknown: the tenant only as one alternative of an OR (records shared on purpose?)', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const projects = await prisma.project.findMany({ where: { OR: [{ orgId }, { visibility: 'public' }] } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`prisma.project.findMany` (line 4) filters on orgId only as one alternative of an OR');
  });

  it('valid: the tenant beside the OR, which then only narrows', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const projects = await prisma.project.findMany({ where: { orgId, OR: [{ archived: false }, { pinned: true }] } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(item.status).toBe('pass');
  });

  it('unknown: part of the where is spread from a filter built elsewhere', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request) {
  const { userId, orgId } = await auth();
  const projects = await prisma.project.findMany({ where: { ...scopeFor(orgId), userId } });
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`prisma.project.findMany` (line 4) takes a filter built elsewhere');
  });
});

describe('missing-tenant-filter: a tenant chosen by the request', () => {
  it('invalid: orgId from the route with no membership check', async () => {
    const { item, findings } = await verdict(ORG_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { orgId: string } }) {
  const { userId } = await auth();
  if (!userId) return new Response(null, { status: 401 });
  const projects = await prisma.project.findMany({ where: { orgId: params.orgId } });
  return Response.json(projects);
}
`, 'GET /api/orgs/[orgId]/projects');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'high' });
    expect(findings[0].message).toBe(
      "`prisma.project.findMany` filters on orgId taken from the request (`params.orgId`) and the caller's membership in that organisation is never checked: any signed-in user can read the projects of another organisation by changing `params.orgId`.",
    );
    expect(findings[0].fix).toContain('`const membership = await prisma.membership.findFirst({ where: { userId: userId, orgId: params.orgId } })`');
  });

  it('valid: a membership lookup of the caller in params.orgId, with a 404 when none', async () => {
    const { item, findings } = await verdict(ORG_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { orgId: string } }) {
  const { userId } = await auth();
  if (!userId) return new Response(null, { status: 401 });
  const membership = await prisma.membership.findFirst({ where: { userId, orgId: params.orgId } });
  if (!membership) return new Response(null, { status: 404 });
  const projects = await prisma.project.findMany({ where: { orgId: params.orgId } });
  return Response.json(projects);
}
`, 'GET /api/orgs/[orgId]/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5, note: "`prisma.membership.findFirst` looks up the caller's membership before `prisma.project.findMany` filters on orgId from params.orgId" });
  });

  it('invalid: a membership lookup whose result is never tested does not protect', async () => {
    const { findings } = await verdict(ORG_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { orgId: string } }) {
  const { userId } = await auth();
  const membership = await prisma.membership.findFirst({ where: { userId, orgId: params.orgId } });
  const projects = await prisma.project.findMany({ where: { orgId: params.orgId } });
  return Response.json({ role: membership?.role, projects });
}
`, 'GET /api/orgs/[orgId]/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(5);
  });

  it("valid: Clerk's active orgId compared with params.orgId, answering 403", async () => {
    const { item } = await verdict(ORG_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(req: Request, { params }: { params: { orgId: string } }) {
  const { orgId } = await auth();
  if (orgId !== params.orgId) return new Response(null, { status: 403 });
  const projects = await prisma.project.findMany({ where: { orgId: params.orgId } });
  return Response.json(projects);
}
`, 'GET /api/orgs/[orgId]/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
  });

  it('valid: Clerk has() deciding before the query', async () => {
    const { item } = await verdict(ORG_ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function DELETE(req: Request, { params }: { params: { orgId: string } }) {
  const { has } = await auth();
  if (!has({ permission: 'org:projects:delete' })) return new Response(null, { status: 403 });
  await prisma.project.deleteMany({ where: { orgId: params.orgId, archived: true } });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/orgs/[orgId]/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: 'has() before `prisma.project.deleteMany` filters on orgId from params.orgId' });
  });
});

describe('missing-tenant-filter: Drizzle', () => {
  it('invalid: select().from(projects).where(eq(projects.userId, userId))', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { and, eq } from 'drizzle-orm';
export async function GET() {
  const { userId, orgId } = await auth();
  const rows = await db.select().from(projects).where(eq(projects.userId, userId));
  return Response.json({ orgId, rows });
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'medium' });
    expect(findings[0].message).toContain('`db.select().from(projects).where` filters projects by userId but not by orgId');
    expect(findings[0].fix).toContain('`db.select().from(projects).where(and(eq(projects.userId, userId), eq(projects.orgId, orgId)))`');
  });

  it('valid: and(eq(projects.userId, userId), eq(projects.orgId, orgId))', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { and, eq } from 'drizzle-orm';
export async function GET() {
  const { userId, orgId } = await auth();
  const rows = await db.select().from(projects).where(and(eq(projects.userId, userId), eq(projects.orgId, orgId)));
  return Response.json(rows);
}
`, 'GET /api/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5, note: '`db.select().from(projects).where` filters on orgId' });
  });

  it('invalid: select().from(projects) with no where', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const rows = await db.select().from(projects).orderBy(projects.createdAt);
  return Response.json({ orgId, rows });
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`db.select().from(projects)` has no filter, so no orgId condition');
    expect(findings[0].fix).toContain('`db.select().from(projects).where(eq(projects.orgId, orgId))`');
  });

  it('valid: the relational API filtered by the tenant', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const rows = await db.query.projects.findMany({ where: eq(projects.orgId, orgId), with: { owner: true } });
  return Response.json(rows);
}
`, 'GET /api/projects');
    expect(item.status).toBe('pass');
  });

  it('invalid: the relational API with only `with` options', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const rows = await db.query.projects.findMany({ with: { owner: true } });
  return Response.json({ orgId, rows });
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('`db.query.projects.findMany({ where: eq(projects.orgId, orgId) })`');
  });

  it('invalid: a tenant id from the x-tenant-id header with no membership check', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET(request: Request) {
  const { userId } = await auth();
  const tenantId = request.headers.get('x-tenant-id');
  const rows = await db.select().from(projects).where(eq(projects.tenantId, tenantId));
  return Response.json(rows);
}
`, 'GET /api/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'high' });
    expect(findings[0].message).toContain("taken from the request (`request.headers.get('x-tenant-id')`)");
  });
});

describe('missing-tenant-filter: Express with Mongoose', () => {
  it('invalid: find by owner only, while the user carries a tenantId', async () => {
    const { item, findings } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const tenant = await Tenant.findById(req.user.tenantId);
  const projects = await Project.find({ owner: req.user.id });
  res.json({ tenant: tenant.name, projects });
});
`, 'GET /projects');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'medium' });
    expect(findings[0].message).toBe('`Project.find` filters projects by owner but not by tenantId: a user who belongs to several tenants sees projects of all of them.');
    expect(findings[0].fix).toContain('`Project.find({ owner: req.user.id, tenantId: req.user.tenantId })`');
    expect(findings[0].fix).toContain('`req.user.tenantId`');
  });

  it('valid: find by owner and tenant', async () => {
    const { item, findings } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const projects = await Project.find({ tenantId: req.user.tenantId, owner: req.user.id });
  res.json(projects);
});
`, 'GET /projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: '`Project.find` filters on tenantId' });
  });

  it('invalid: Project.find() with no filter where middleware sets req.tenant', async () => {
    const { findings } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const projects = await Project.find().sort({ createdAt: -1 });
  res.json({ tenant: req.tenant.name, projects });
});
`, 'GET /projects');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`Project.find` has no filter, so no tenantId condition');
    expect(findings[0].fix).toContain('`Project.find({ tenantId: req.tenant.id })`');
  });

  it('invalid: findByIdAndDelete by req.params.id is high', async () => {
    const { findings } = await express(`app.delete('/projects/:id', authenticate, async (req, res) => {
  await Project.findByIdAndDelete(req.params.id);
  res.status(204).json({ tenant: req.tenant.id });
});
`, 'DELETE /projects/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'high' });
    expect(findings[0].fix).toContain('`Project.findOneAndDelete({ _id: req.params.id, tenantId: req.tenant.id })`');
  });

  it('valid: findOneAndDelete with the tenant relation', async () => {
    const { item } = await express(`app.delete('/projects/:id', authenticate, async (req, res) => {
  await Project.findOneAndDelete({ _id: req.params.id, tenant: req.tenant.id });
  res.sendStatus(204);
});
`, 'DELETE /projects/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: '`Project.findOneAndDelete` filters on tenant' });
  });

  it('invalid: the tenant from the x-tenant-id header, trusted as is', async () => {
    const { findings } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const projects = await Project.find({ tenantId: req.headers['x-tenant-id'] });
  res.json(projects);
});
`, 'GET /projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'high' });
    expect(findings[0].message).toContain("taken from the request (`req.headers['x-tenant-id']`)");
    expect(findings[0].fix).toContain('`const membership = await Membership.exists({ user: req.user.id, tenantId: req.headers[\'x-tenant-id\'] })`');
  });

  it('valid: the header tenant after ensureMember(...)', async () => {
    const { item } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const tenantId = req.headers['x-tenant-id'];
  await ensureMember(req.user.id, tenantId);
  const projects = await Project.find({ tenantId });
  res.json(projects);
});
`, 'GET /projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5, note: "ensureMember() before `Project.find` filters on tenantId from req.headers['x-tenant-id']" });
  });

  it('n/a: an Express app with no tenant anywhere', async () => {
    const { item } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const projects = await Project.find({ owner: req.user.id });
  res.json(projects);
});
`, 'GET /projects');
    expect(item.status).toBe('n/a');
    expect(item.reason).toBe("no tenant concept in this endpoint's code");
  });

  it('invalid: the tenant concept comes from imported authentication middleware', async () => {
    const { findings } = await express(`import { authenticate } from './middleware/auth';
app.get('/projects', authenticate, async (req, res) => {
  const projects = await Project.find({ owner: req.user.id });
  res.json(projects);
});
`, 'GET /projects', {
      'src/middleware/auth.ts': `import jwt from 'jsonwebtoken';
export function authenticate(req, res, next) {
  const decoded = jwt.verify(req.headers.authorization, process.env.JWT_SECRET);
  req.user = { id: decoded.sub, tenantId: decoded.tenantId };
  next();
}
`,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('filters projects by owner but not by tenantId');
    expect(findings[0].fix).toContain('tenantId: decoded.tenantId');
  });
});

describe('missing-tenant-filter: Express with Prisma and raw SQL', () => {
  it('valid: a route under /orgs/:orgId behind a membership middleware', async () => {
    const { item } = await express(`app.get('/orgs/:orgId/projects', authenticate, requireOrgMember, async (req, res) => {
  const projects = await prisma.project.findMany({ where: { orgId: req.params.orgId } });
  res.json(projects);
});
`, 'GET /orgs/:orgId/projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 3, note: 'middleware requireOrgMember checks membership before `prisma.project.findMany` filters on orgId from req.params.orgId' });
  });

  it('invalid: the same route without the membership middleware', async () => {
    const { findings } = await express(`app.get('/orgs/:orgId/projects', authenticate, async (req, res) => {
  const projects = await prisma.project.findMany({ where: { orgId: req.params.orgId } });
  res.json(projects);
});
`, 'GET /orgs/:orgId/projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'high' });
  });

  it('invalid: SELECT ... WHERE user_id = $1 while the user carries a tenant', async () => {
    const { findings } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const { tenantId } = req.user;
  const { rows } = await pool.query('SELECT * FROM projects WHERE user_id = $1 ORDER BY id', [req.user.id]);
  res.json({ tenantId, rows });
});
`, 'GET /projects');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`pool.query` filters projects by user_id but not by tenantId');
    expect(findings[0].fix).toContain('`SELECT * FROM projects WHERE user_id = $1 AND tenant_id = $2 ORDER BY id with tenantId as the new parameter`');
  });

  it('valid: the same SELECT with AND tenant_id = $2', async () => {
    const { item } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const { tenantId } = req.user;
  const { rows } = await pool.query('SELECT * FROM projects WHERE user_id = $1 AND tenant_id = $2', [req.user.id, tenantId]);
  res.json(rows);
});
`, 'GET /projects');
    expect(item.status).toBe('pass');
  });
});

describe('missing-tenant-filter: Express with Knex', () => {
  it("valid: knex('projects').where({ tenant_id: req.user.tenantId })", async () => {
    const { item } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const rows = await knex('projects').where({ tenant_id: req.user.tenantId }).orderBy('name');
  res.json(rows);
});
`, 'GET /projects');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: "`knex('projects').where` filters on tenant_id" });
  });

  it("invalid: knex('projects').where('owner_id', req.user.id) beside a tenant-scoped query", async () => {
    const { findings } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const shared = await knex('projects').where({ tenant_id: req.user.tenantId, shared: true });
  const mine = await knex('projects').where('owner_id', req.user.id);
  res.json({ shared, mine });
});
`, 'GET /projects');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'medium' });
    expect(findings[0].message).toBe("`knex('projects').where` filters projects by owner_id but not by tenant_id: a user who belongs to several tenants sees projects of all of them.");
    expect(findings[0].fix).toContain("`knex('projects').where({ owner_id: req.user.id, tenant_id: req.user.tenantId })`");
  });

  it('n/a: an `account` from a payment provider is not a tenant', async () => {
    const { item } = await express(`app.get('/projects', authenticate, async (req, res) => {
  const { account } = await stripe.accounts.retrieve();
  const mine = await knex('projects').where('owner_id', req.user.id);
  res.json({ account, mine });
});
`, 'GET /projects');
    expect(item.status).toBe('n/a');
  });
});

describe('missing-tenant-filter: unknown', () => {
  it('unknown: projects listed by a helper imported from another module', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { listProjects } from '@/lib/projects';
export async function GET() {
  const { orgId } = await auth();
  const projects = await listProjects(orgId);
  return Response.json(projects);
}
`, 'GET /api/projects');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toBe("the code knows the caller's organisation (orgId), but `listProjects()` from '@/lib/projects' (line 5) queries in that module: check that those queries filter on the caller's orgId");
  });

  it('unknown: findMany with options built elsewhere', async () => {
    const { item } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { orgId } = await auth();
  const projects = await prisma.project.findMany(projectQuery());
  return Response.json({ orgId, projects });
}
`, 'GET /api/projects');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`prisma.project.findMany` (line 4) takes a filter built elsewhere');
  });

  it('unknown: the handler is defined in another file', async () => {
    const { item } = await express(`import { listProjects } from './controllers/projects';
app.get('/projects', authenticate, listProjects);
`, 'GET /projects');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('listProjects is defined in another file');
  });

  it.todo('valid: tenant isolation by Postgres row-level security (`SET app.tenant_id` or a Supabase client with the caller\'s JWT before the query)');
  it.todo('valid: a Prisma client extension that adds the tenant to every where (`prisma.$extends({ query: { $allModels: ... } })`, `forTenant(orgId).project.findMany()`)');
  it.todo('valid: a repository class bound to the tenant (`new ProjectRepository(tenantId).list()`)');
  it.todo('invalid: `req.tenantId` set from the x-tenant-id header by a same-file middleware reads as the caller\'s tenant today');
  it.todo('invalid: `prisma.project.count()` and other aggregates without a tenant filter are not recognised yet');
});
