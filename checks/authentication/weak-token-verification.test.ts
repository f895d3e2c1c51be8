/**
 * weak-token-verification (authn.token-expiry): each vulnerable case next to
 * the secure neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check, { maskSecret } from './weak-token-verification.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const header = `import express from 'express';\nimport jwt from 'jsonwebtoken';\nconst router = express.Router();\n`;

async function verdict(code: string, endpoint = 'GET /me') {
  const result = await analyzeSource('src/routes/me.ts', `${header}${code}`, { checks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authn.token-expiry'], findings: result.findings };
}

describe('weak-token-verification', () => {
  it('invalid: jwt.decode used as verification', async () => {
    const { item, findings } = await verdict(`function auth(req, res, next) {
  const user = jwt.decode(req.headers.authorization.slice(7));
  if (!user) return res.sendStatus(401);
  req.user = user; next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ ruleId: 'weak-token-verification', line: 5, severity: 'critical' });
    expect(findings[0].message).toContain('jwt.decode()');
  });

  it('valid: jwt.verify with a key from the environment', async () => {
    const { item, findings } = await verdict(`function auth(req, res, next) {
  try { req.user = jwt.verify(req.headers.authorization.slice(7), process.env.JWT_SECRET, { algorithms: ['HS256'] }); next(); }
  catch { res.sendStatus(401); }
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 5 });
  });

  it('valid: decoding the header next to a real verification', async () => {
    const { item } = await verdict(`function auth(req, res, next) {
  const token = req.headers.authorization.slice(7);
  const { header } = jwt.decode(token, { complete: true });
  req.user = jwt.verify(token, keys[header.kid]);
  next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(item.status).toBe('pass');
  });

  it('invalid: a second middleware decodes another token while the first one verifies its own', async () => {
    const { findings } = await verdict(`function auth(req, res, next) {
  req.user = jwt.verify(req.headers.authorization.slice(7), process.env.JWT_SECRET);
  next();
}
function legacy(req, res, next) {
  req.user = jwt.decode(String(req.headers['x-legacy-token']));
  next();
}
router.get('/me', auth, legacy, (req, res) => res.json(req.user));
`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9, severity: 'critical' });
  });

  it('invalid: ignoreExpiration: true', async () => {
    const { findings } = await verdict(`function auth(req, res, next) {
  req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET, { ignoreExpiration: true });
  next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'high' });
  });

  it('valid: ignoreExpiration: false is the default spelled out', async () => {
    const { findings } = await verdict(`function auth(req, res, next) {
  req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET, { ignoreExpiration: false });
  next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(findings).toEqual([]);
  });

  it("invalid: algorithms include 'none'", async () => {
    const { findings } = await verdict(`function auth(req, res, next) {
  req.user = jwt.verify(req.cookies.token, process.env.JWT_SECRET, { algorithms: ['HS256', 'none'] });
  next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(findings[0]).toMatchObject({ severity: 'critical', line: 5 });
  });

  it('invalid: a hard-coded secret is reported masked, never echoed', async () => {
    const { findings } = await verdict(`function auth(req, res, next) {
  req.user = jwt.verify(req.cookies.token, 'super-secret-signing-key');
  next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(findings[0].message).toContain('"su******" (24 characters)');
    expect(JSON.stringify(findings)).not.toContain('super-secret-signing-key');
  });

  it('invalid: verify without a key', async () => {
    const { findings } = await verdict(`function auth(req, res, next) {
  req.user = jwt.verify(req.cookies.token, undefined);
  next();
}
router.get('/me', auth, (req, res) => res.json(req.user));
`);
    expect(findings[0].message).toContain('without a key');
  });

  it('invalid: jose decodeJwt without jwtVerify', async () => {
    const result = await analyzeSource('app/api/me/route.ts', `import { decodeJwt } from 'jose';
export async function GET(req: Request) {
  const claims = decodeJwt(req.headers.get('authorization')!.slice(7));
  return Response.json(await db.users.find(claims.sub));
}
`, { checks: [check] });
    expect(result.findings[0]).toMatchObject({ line: 3, severity: 'critical' });
  });

  it('valid: jose jwtVerify', async () => {
    const result = await analyzeSource('app/api/me/route.ts', `import { jwtVerify } from 'jose';
export async function GET(req: Request) {
  const { payload } = await jwtVerify(req.headers.get('authorization')!.slice(7), key);
  return Response.json(await db.users.find(payload.sub));
}
`, { checks: [check] });
    expect(result.findings).toEqual([]);
    expect(endpointOf(result, 'GET /api/me').checklist['authn.token-expiry'].status).toBe('pass');
  });

  it('pass: a session provider (Clerk) checks expiry itself', async () => {
    const result = await analyzeSource('app/api/me/route.ts', `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId } = await auth();
  return Response.json(await db.users.find(userId));
}
`, { checks: [check] });
    expect(endpointOf(result, 'GET /api/me').checklist['authn.token-expiry'].status).toBe('pass');
  });

  it('unknown: the token is verified by middleware from another file', async () => {
    const { item } = await verdict(`import { authenticateToken } from '../middleware/auth';
router.get('/me', authenticateToken, (req, res) => res.json(req.user));
`);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('authenticateToken');
  });

  it('n/a: an endpoint that handles no token', async () => {
    const { item } = await verdict(`router.get('/me', (req, res) => res.json({ hello: 'world' }));\n`);
    expect(item.status).toBe('n/a');
  });

  it('masks short secrets completely', () => {
    expect(maskSecret('abc')).toBe('"***" (3 characters)');
  });
});

describe('weak-token-verification: the tRPC context session', () => {
  const trpc = (context: string) => `import { initTRPC, TRPCError } from '@trpc/server';
import { getServerSession } from 'next-auth';
export const createTRPCContext = async (opts: { req: Request }) => {
${context}
};
const t = initTRPC.context<typeof createTRPCContext>().create();
const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.session?.user) throw new TRPCError({ code: 'UNAUTHORIZED' });
  return next({ ctx });
});
export const appRouter = t.router({
  notes: protectedProcedure.query(({ ctx }) => db.note.findMany({ where: { authorId: ctx.session.user.id } })),
});
`;

  it('valid: createTRPCContext gets the session from NextAuth, which verifies it and its expiry', async () => {
    const result = await analyzeSource('src/server/trpc.ts', trpc('  const session = await getServerSession(authOptions);\n  return { session };'), { checks: [check] });
    const item = endpointOf(result, 'QUERY notes').checklist['authn.token-expiry'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
    expect(item.evidence[0].note).toContain('NextAuth');
    expect(item.evidence[0].file).toBe('src/server/trpc.ts');
  });

  it('invalid: the context decodes a bearer token without verifying it', async () => {
    const result = await analyzeSource('src/server/trpc.ts', `import jwt from 'jsonwebtoken';\n${trpc("  const session = { user: jwt.decode(opts.req.headers.get('authorization') ?? '') };\n  return { session };")}`, { checks: [check] });
    expect(endpointOf(result, 'QUERY notes').checklist['authn.token-expiry'].status).toBe('fail');
    expect(result.findings[0]).toMatchObject({ ruleId: 'weak-token-verification', line: 5, severity: 'critical' });
  });
});
