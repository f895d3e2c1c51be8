/**
 * missing-role-check (authz.roles): each vulnerable case next to the secure
 * neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-role-check.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const header = `import express from 'express';\nconst router = express.Router();\n`;

async function express(code: string, endpoint: string, config?: Record<string, unknown>) {
  const result = await analyzeSource('src/routes/admin.ts', `${header}${code}`, { checks: [check], config });
  return { item: endpointOf(result, endpoint).checklist['authz.roles'], findings: result.findings };
}
async function next(path: string, code: string, endpoint: string) {
  const result = await analyzeSource(path, code, { checks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authz.roles'], findings: result.findings };
}

describe('missing-role-check', () => {
  it('invalid: an admin route behind authentication only', async () => {
    const { item, findings } = await express(`router.delete('/admin/users/:id', authenticate, async (req, res) => { await User.deleteOne({ _id: req.params.id }); res.sendStatus(204); });\n`, 'DELETE /admin/users/:id');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 3, severity: 'high', cwe: ['CWE-285'], owasp: ['API5:2023'] });
    expect(findings[0].message).toContain('the route is under /admin');
    expect(findings[0].fix).toContain("router.delete('/admin/users/:id', authenticate, requireRole('admin'), ...)");
  });

  it("valid: the same route with requireRole('admin')", async () => {
    const { item } = await express(`router.delete('/admin/users/:id', authenticate, requireRole('admin'), async (req, res) => { await User.deleteOne({ _id: req.params.id }); res.sendStatus(204); });\n`, 'DELETE /admin/users/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('middleware requireRole');
  });

  it('valid: a role comparison on the caller in the handler', async () => {
    const { item } = await express(`router.get('/admin/stats', authenticate, async (req, res) => {
  if (req.user.role !== 'admin') return res.sendStatus(403);
  res.json(await stats());
});
`, 'GET /admin/stats');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].line).toBe(4);
  });

  it('invalid: reading the role from the request body is not a role check', async () => {
    const { item } = await express(`router.post('/users/:id/roles', authenticate, async (req, res) => {
  if (req.body.role) await User.updateOne({ _id: req.params.id }, { role: req.body.role });
  res.sendStatus(204);
});
`, 'POST /users/:id/roles');
    expect(item.status).toBe('fail');
  });

  it('valid: changing roles with a permission check', async () => {
    const { item } = await express(`router.post('/users/:id/roles', authenticate, async (req, res) => {
  if (!req.user.permissions.includes('users:write')) return res.sendStatus(403);
  await User.updateOne({ _id: req.params.id }, { role: req.body.role });
  res.sendStatus(204);
});
`, 'POST /users/:id/roles');
    expect(item.status).toBe('pass');
  });

  it('n/a: reading the list of roles is not privileged', async () => {
    const { item } = await express(`router.get('/roles', authenticate, async (req, res) => res.json(await Role.find()));\n`, 'GET /roles');
    expect(item.status).toBe('n/a');
  });

  it('n/a: an ordinary user route', async () => {
    const { item, findings } = await express(`router.get('/invoices', authenticate, async (req, res) => res.json(await Invoice.find({ owner: req.user.id })));\n`, 'GET /invoices');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('valid: the configured auth.functions count as role checks', async () => {
    const code = `router.get('/internal/jobs', authenticate, staffOnly, async (req, res) => res.json(await jobs()));\n`;
    expect((await express(code, 'GET /internal/jobs')).item.status).toBe('fail');
    expect((await express(code, 'GET /internal/jobs', { auth: { functions: ['staffOnly'] } })).item.status).toBe('pass');
  });

  it('invalid: a Next.js admin route with only auth()', async () => {
    const { findings } = await next('app/api/admin/users/route.ts', `export async function GET() {
  const { userId } = await auth();
  if (!userId) return new Response(null, { status: 401 });
  return Response.json(await db.users.findMany());
}
`, 'GET /api/admin/users');
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain("auth.protect({ role: 'org:admin' })");
  });

  it("valid: Clerk auth.protect({ role: 'org:admin' })", async () => {
    const { item } = await next('app/api/admin/users/route.ts', `export async function GET() {
  await auth.protect({ role: 'org:admin' });
  return Response.json(await db.users.findMany());
}
`, 'GET /api/admin/users');
    expect(item.status).toBe('pass');
  });

  it("valid: a session role compared with 'ADMIN'", async () => {
    const { item } = await next('app/api/admin/users/route.ts', `export async function GET() {
  const session = await getServerSession(authOptions);
  if (session?.user?.role !== 'ADMIN') return new Response(null, { status: 403 });
  return Response.json(await db.users.findMany());
}
`, 'GET /api/admin/users');
    expect(item.status).toBe('pass');
  });

  it('valid: a CASL ability check', async () => {
    const { item } = await express(`router.delete('/admin/posts/:id', authenticate, async (req, res) => {
  ForbiddenError.from(req.ability).throwUnlessCan('delete', 'Post');
  await Post.deleteOne({ _id: req.params.id });
  res.sendStatus(204);
});
`, 'DELETE /admin/posts/:id');
    expect(item.status).toBe('pass');
  });

  it.todo('reads the role middleware defined in another module to see that it really compares roles');
});

describe('missing-role-check: where the route is served', () => {
  const adminRouter = `import express from 'express';\nconst router = express.Router();\nrouter.get('/stats', async (req, res) => res.json(await stats()));\nexport default router;\n`;

  it('invalid: a router mounted under /admin by the app is an admin route', async () => {
    const result = await analyzeSource('src/routes/admin.ts', adminRouter, {
      checks: [check],
      context: { 'src/app.ts': `import express from 'express';\nimport admin from './routes/admin';\nconst app = express();\napp.use('/admin', requireAuth, admin);\n` },
    });
    expect(endpointOf(result, 'GET /stats').checklist['authz.roles'].status).toBe('fail');
    expect(result.findings[0].message).toContain('under /admin');
  });

  it('n/a: the same router mounted under /reports', async () => {
    const result = await analyzeSource('src/routes/admin.ts', adminRouter, {
      checks: [check],
      context: { 'src/app.ts': `import express from 'express';\nimport admin from './routes/admin';\nconst app = express();\napp.use('/reports', requireAuth, admin);\n` },
    });
    expect(endpointOf(result, 'GET /stats').checklist['authz.roles'].status).toBe('n/a');
  });

  it("invalid: deleting another user's account without a role check", async () => {
    const { item } = await express(`router.delete('/users/:id', authenticate, async (req, res) => { await User.deleteOne({ _id: req.params.id }); res.sendStatus(204); });\n`, 'DELETE /users/:id');
    expect(item.status).toBe('fail');
  });

  it('n/a: deleting one’s own account', async () => {
    const { item } = await express(`router.delete('/users/me', authenticate, async (req, res) => { await User.deleteOne({ _id: req.user.id }); res.sendStatus(204); });\n`, 'DELETE /users/me');
    expect(item.status).toBe('n/a');
  });
});

describe('missing-role-check: NestJS role guards and their metadata', () => {
  const controller = (decorators: string) => `import { Controller, Delete, Param, UseGuards } from '@nestjs/common';
import { Roles, RolesGuard } from '../auth/roles.guard';
import { AdminGuard } from '../auth/admin.guard';
@Controller('admin/users')
export class AdminUsersController {
${decorators}
  @Delete(':id')
  remove(@Param('id') id: string) { return this.prisma.user.delete({ where: { id } }); }
}
`;
  async function verdict(decorators: string) {
    const result = await analyzeSource('src/admin/admin-users.controller.ts', controller(decorators), { checks: [check] });
    return { item: endpointOf(result, 'DELETE /admin/users/:id').checklist['authz.roles'], findings: result.findings };
  }

  it("valid: @Roles('admin') with @UseGuards(RolesGuard)", async () => {
    const { item } = await verdict("  @Roles('admin')\n  @UseGuards(RolesGuard)");
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain("RolesGuard enforcing @Roles");
  });

  it('invalid: @UseGuards(RolesGuard) without @Roles: the guard lets a route without metadata through', async () => {
    const { item, findings } = await verdict('  @UseGuards(RolesGuard)');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ ruleId: 'missing-role-check', severity: 'high' });
  });

  it("invalid: @Roles('admin') without a guard that reads it", async () => {
    const { item } = await verdict("  @Roles('admin')");
    expect(item.status).toBe('fail');
  });

  it('valid: an AdminGuard is a role check by itself', async () => {
    const { item } = await verdict('  @UseGuards(AdminGuard)');
    expect(item.status).toBe('pass');
  });
});
