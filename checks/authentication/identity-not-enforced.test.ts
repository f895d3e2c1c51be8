/**
 * identity-not-enforced (authn.invalid-token): each vulnerable case next to
 * the secure neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './identity-not-enforced.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const ROUTE = 'app/api/invoices/route.ts';
const expressHeader = `import express from 'express';\nimport jwt from 'jsonwebtoken';\nconst router = express.Router();\n`;

async function next(code: string, endpoint = 'GET /api/invoices') {
  const result = await analyzeSource(ROUTE, code, { checks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authn.invalid-token'], findings: result.findings };
}
async function express(code: string, endpoint = 'GET /invoices') {
  const result = await analyzeSource('src/routes/invoices.ts', `${expressHeader}${code}`, { checks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authn.invalid-token'], findings: result.findings };
}

describe('identity-not-enforced: Next.js', () => {
  it('invalid: auth() result never checked', async () => {
    const { item, findings } = await next(`import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId } = await auth();
  return Response.json(await db.invoices.list(userId));
}
`);
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 3, severity: 'high', ruleId: 'identity-not-enforced' });
    expect(findings[0].message).toContain('auth()');
  });

  it('valid: auth() checked with an early 401', async () => {
    const { item, findings } = await next(`import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId } = await auth();
  if (!userId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  return Response.json(await db.invoices.list(userId));
}
`);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
    expect(item.evidence[0].note).toContain('(401)');
  });

  it('invalid: the session is fetched but the handler goes on without it', async () => {
    const { findings } = await next(`export async function GET() {
  const session = await getServerSession(authOptions);
  const invoices = await db.invoices.list();
  return Response.json({ invoices, user: session?.user });
}
`);
    expect(findings).toHaveLength(1);
  });

  it('valid: the session guard throws', async () => {
    const { item } = await next(`export async function GET() {
  const session = await getServerSession(authOptions);
  if (!session?.user) throw new UnauthorizedError();
  return Response.json(await db.invoices.list(session.user.id));
}
`);
    expect(item.status).toBe('pass');
  });

  it('invalid: an unauthenticated caller gets 200', async () => {
    const { findings } = await next(`export async function GET() {
  const { userId } = await auth();
  if (!userId) return Response.json({ invoices: [] }, { status: 200 });
  return Response.json(await db.invoices.list(userId));
}
`);
    expect(findings[0]).toMatchObject({ severity: 'low', line: 3 });
    expect(findings[0].message).toContain('200 instead of 401');
  });

  it('valid: 403 is an accepted rejection', async () => {
    const { item } = await next(`export async function GET() {
  const { userId } = await auth();
  if (!userId) return new Response('Forbidden', { status: 403 });
  return Response.json(await db.invoices.list(userId));
}
`);
    expect(item.status).toBe('pass');
  });

  it('valid: auth.protect() rejects by itself', async () => {
    const { item, findings } = await next(`export async function GET() {
  await auth.protect();
  return Response.json(await db.invoices.list());
}
`);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: the Supabase user is read but not checked', async () => {
    const { findings } = await next(`export async function GET() {
  const { data: { user } } = await supabase.auth.getUser();
  return Response.json(await supabase.from('invoices').select());
}
`);
    expect(findings).toHaveLength(1);
  });

  it('valid: the Supabase user is checked', async () => {
    const { findings } = await next(`export async function GET() {
  const { data: { user } } = await supabase.auth.getUser();
  if (!user) return Response.json({}, { status: 401 });
  return Response.json(await supabase.from('invoices').select());
}
`);
    expect(findings).toEqual([]);
  });

  it('n/a: an endpoint with no identity check of its own', async () => {
    const { item } = await next(`export async function GET() { return Response.json(await db.invoices.list()); }\n`);
    expect(item.status).toBe('n/a');
  });
});

describe('identity-not-enforced: Express middleware', () => {
  it('invalid: the jwt.verify callback answers 403 but does not return, then next() runs', async () => {
    const { findings } = await express(`function authenticateToken(req, res, next) {
  jwt.verify(req.headers.authorization, process.env.JWT_SECRET, (err, user) => {
    if (err) res.sendStatus(403);
    req.user = user;
    next();
  });
}
router.get('/invoices', authenticateToken, (req, res) => res.json([]));
`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6 });
    expect(findings[0].message).toContain('next() still runs');
  });

  it('valid: the same callback with return', async () => {
    const { item, findings } = await express(`function authenticateToken(req, res, next) {
  jwt.verify(req.headers.authorization, process.env.JWT_SECRET, (err, user) => {
    if (err) return res.sendStatus(403);
    req.user = user;
    next();
  });
}
router.get('/invoices', authenticateToken, (req, res) => res.json([]));
`);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a catch block that calls next() after a failed verify', async () => {
    const { findings } = await express(`function authenticateToken(req, res, next) {
  try {
    req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET);
  } catch (e) {
    next();
    return;
  }
  next();
}
router.get('/invoices', authenticateToken, (req, res) => res.json([]));
`);
    expect(findings[0].message).toContain('catch block calls next()');
  });

  it('valid: a catch block that answers 401', async () => {
    const { findings, item } = await express(`function authenticateToken(req, res, next) {
  try {
    req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET);
  } catch (e) {
    return res.status(401).json({ error: 'Unauthorized' });
  }
  next();
}
router.get('/invoices', authenticateToken, (req, res) => res.json([]));
`);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('valid: next(err) in a catch hands the error to the error handler', async () => {
    const { findings } = await express(`function authenticateToken(req, res, next) {
  try {
    req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET);
    next();
  } catch (e) {
    next(new UnauthorizedError());
  }
}
router.get('/invoices', authenticateToken, (req, res) => res.json([]));
`);
    expect(findings).toEqual([]);
  });

  it('unknown: middleware imported from another file', async () => {
    const { item } = await express(`import { requireAuth } from '../middleware/auth';
router.get('/invoices', requireAuth, (req, res) => res.json([]));
`);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('requireAuth');
  });
});

describe('identity-not-enforced: the framework\'s own 401 (tRPC, NestJS)', () => {
  const trpc = (middleware: string) => `import { initTRPC, TRPCError } from '@trpc/server';
const t = initTRPC.context<{ session: { user?: { id: string } } | null }>().create();
const isAuthed = t.middleware(({ ctx, next }) => {
${middleware}
});
const protectedProcedure = t.procedure.use(isAuthed);
export const appRouter = t.router({
  notes: protectedProcedure.query(({ ctx }) => db.note.findMany({ where: { authorId: ctx.session!.user!.id } })),
});
`;

  it("valid: the middleware throws TRPCError({ code: 'UNAUTHORIZED' })", async () => {
    const result = await analyzeSource('src/server/trpc.ts', trpc("  if (!ctx.session?.user) throw new TRPCError({ code: 'UNAUTHORIZED' });\n  return next({ ctx: { session: ctx.session } });"), { checks: [check] });
    const item = endpointOf(result, 'QUERY notes').checklist['authn.invalid-token'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
    expect(item.evidence[0].note).toContain("TRPCError({ code: 'UNAUTHORIZED' })");
  });

  it('n/a: a middleware that only logs and goes on has no rejection to judge (missing-authentication reports it)', async () => {
    const result = await analyzeSource('src/server/trpc.ts', trpc("  if (!ctx.session?.user) console.warn('anonymous call');\n  return next();"), { checks: [check] });
    expect(endpointOf(result, 'QUERY notes').checklist['authn.invalid-token'].status).toBe('n/a');
  });

  const nest = (guard: string) => `import { CanActivate, Controller, ExecutionContext, Get, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
@Injectable()
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
${guard}
  }
}
@Controller('notes')
@UseGuards(SessionGuard)
export class NotesController {
  @Get()
  list() { return this.prisma.note.findMany(); }
}
`;

  it('valid: a Nest guard that throws UnauthorizedException', async () => {
    const result = await analyzeSource('src/notes/notes.controller.ts', nest('    if (!context.switchToHttp().getRequest().session?.userId) throw new UnauthorizedException();\n    return true;'), { checks: [check] });
    const item = endpointOf(result, 'GET /notes').checklist['authn.invalid-token'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('UnauthorizedException');
  });

  it('not pass: a guard that returns true whatever the session says', async () => {
    const result = await analyzeSource('src/notes/notes.controller.ts', nest('    return true;'), { checks: [check] });
    expect(endpointOf(result, 'GET /notes').checklist['authn.invalid-token'].status).not.toBe('pass');
  });
});
