/**
 * missing-authentication (authn.identity): each vulnerable case sits next to
 * the secure neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-authentication.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';
import type { AnalyzeSourceOptions } from '../../test/support/analyze-source.js';

const ROUTE = 'app/api/invoices/[id]/route.ts';
const EXPRESS = 'src/routes/invoices.ts';

/** The app's entry file, mounting the invoices router without any middleware of its own. */
const BOOTSTRAP = { 'src/app.ts': `import express from 'express';\nimport invoices from './routes/invoices';\nconst app = express();\napp.use('/api', invoices);\n` };

async function verdict(path: string, code: string, endpoint: string, options: AnalyzeSourceOptions = {}) {
  const context = path === EXPRESS ? { ...BOOTSTRAP, ...options.context } : options.context;
  const result = await analyzeSource(path, code, { checks: [check], ...options, context });
  const item = endpointOf(result, endpoint).checklist['authn.identity'];
  return { item, findings: result.findings.filter((f) => f.ruleId === 'missing-authentication'), result };
}

describe('missing-authentication: Next.js App Router', () => {
  it('invalid: a handler that reads the database without any identity check', async () => {
    const { item, findings } = await verdict(ROUTE, `import { db } from '@/db';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const invoice = await db.query.invoices.findFirst({ where: (i, { eq }) => eq(i.id, params.id) });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, severity: 'medium', checklistItem: 'authn.identity', cwe: ['CWE-306'], owasp: ['API2:2023'] });
    expect(findings[0].message).toContain('GET /api/invoices/[id]');
    expect(findings[0].fix).toContain('await auth()');
  });

  it('valid: the same handler after Clerk auth() with a 401', async () => {
    const { item, findings } = await verdict(ROUTE, `import { auth } from '@clerk/nextjs/server';
import { db } from '@/db';
export async function GET(req: Request, { params }: { params: { id: string } }) {
  const { userId } = await auth();
  if (!userId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  const invoice = await db.query.invoices.findFirst({ where: (i, { eq }) => eq(i.id, params.id) });
  return Response.json(invoice);
}
`, 'GET /api/invoices/[id]');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
    expect(item.evidence[0].note).toContain('auth()');
  });

  it('invalid: a state-changing handler without authentication is high severity', async () => {
    const { findings } = await verdict(ROUTE, `export async function DELETE(req: Request, { params }) {
  await prisma.invoice.delete({ where: { id: params.id } });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/invoices/[id]');
    expect(findings[0]).toMatchObject({ severity: 'high', line: 1 });
  });

  it('valid: NextAuth getServerSession before the delete', async () => {
    const { item } = await verdict(ROUTE, `import { getServerSession } from 'next-auth';
export async function DELETE(req: Request, { params }) {
  const session = await getServerSession(authOptions);
  if (!session) return new Response('Unauthorized', { status: 401 });
  await prisma.invoice.delete({ where: { id: params.id } });
  return new Response(null, { status: 204 });
}
`, 'DELETE /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('invalid: the identity check comes after the data was already changed', async () => {
    const { findings } = await verdict(ROUTE, `import { auth } from '@/auth';
export async function PATCH(req: Request, { params }) {
  const updated = await prisma.invoice.update({ where: { id: params.id }, data: { paid: true } });
  const session = await auth();
  if (!session) return new Response('Unauthorized', { status: 401 });
  return Response.json(updated);
}
`, 'PATCH /api/invoices/[id]');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('only after it has already called prisma.invoice.update()');
    expect(findings[0].line).toBe(4);
  });

  it('valid: Supabase auth.getUser() before the query', async () => {
    const { item } = await verdict(ROUTE, `export async function GET() {
  const supabase = createClient();
  const { data: { user } } = await supabase.auth.getUser();
  if (!user) return Response.json({}, { status: 401 });
  const { data } = await supabase.from('invoices').select();
  return Response.json(data);
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('valid: a wrapper named for authentication around the handler', async () => {
    const { item } = await verdict(ROUTE, `import { withAuth } from '@/lib/with-auth';
export const GET = withAuth(async (req, { user }) => Response.json(await db.invoices.list(user.id)));
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toBe('wrapper withAuth (recognised by name; its definition was not read)');
  });

  it('invalid: a wrapper that is not about authentication does not count', async () => {
    const { item } = await verdict(ROUTE, `import { withLogging } from '@/lib/logging';
export const GET = withLogging(async (req) => Response.json(await db.invoices.list()));
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('fail');
  });

  it('valid: the configured auth.functions are identity checks', async () => {
    const code = `export async function POST(req: Request) {
  const member = await requireMember(req);
  await db.invoices.create(await req.json());
  return Response.json({ ok: true });
}
`;
    expect((await verdict('app/api/invoices/route.ts', code, 'POST /api/invoices')).item.status).toBe('fail');
    expect((await verdict('app/api/invoices/route.ts', code, 'POST /api/invoices', { config: { auth: { functions: ['requireMember'] } } })).item.status).toBe('pass');
  });

  it('valid: a helper of the same file that authenticates counts', async () => {
    const { item } = await verdict(ROUTE, `async function currentInvoiceOwner() {
  const { userId } = await auth();
  if (!userId) throw new Error('unauthorized');
  return userId;
}
export async function GET() {
  const owner = await currentInvoiceOwner();
  return Response.json(await db.invoices.byOwner(owner));
}
`, 'GET /api/invoices/[id]');
    expect(item.status).toBe('pass');
  });

  it('n/a: a read handler that touches no data', async () => {
    const { item, findings } = await verdict('app/api/version/route.ts', `export async function GET() {
  return Response.json({ version: '1.2.3' });
}
`, 'GET /api/version');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: a POST that touches no data is still state-changing', async () => {
    const { item } = await verdict('app/api/echo/route.ts', `export async function POST(req: Request) {
  return Response.json(await req.json());
}
`, 'POST /api/echo');
    expect(item.status).toBe('fail');
  });
});

describe('missing-authentication: public routes', () => {
  it('health checks are public by design, listed as such', async () => {
    const { item, result } = await verdict('app/api/health/route.ts', `export async function GET() {
  await db.execute('select 1');
  return Response.json({ ok: true });
}
`, 'GET /api/health');
    expect(item.status).toBe('n/a');
    expect(result.endpoints[0].publicReason).toBe('health / status endpoint');
  });

  it('sign-in endpoints are public by design', async () => {
    const { item } = await verdict('app/api/auth/login/route.ts', `export async function POST(req: Request) {
  const user = await db.users.findByEmail((await req.json()).email);
  return Response.json({ token: sign(user) });
}
`, 'POST /api/auth/login');
    expect(item.status).toBe('n/a');
  });

  it('routes listed in auth.public_routes are public; others are not', async () => {
    const code = `export async function GET() { return Response.json(await db.posts.published()); }\n`;
    const options = { config: { auth: { public_routes: ['/api/public/**'] } } };
    expect((await verdict('app/api/public/posts/route.ts', code, 'GET /api/public/posts', options)).item.status).toBe('n/a');
    expect((await verdict('app/api/posts/route.ts', code, 'GET /api/posts', options)).item.status).toBe('fail');
  });

  it('CORS preflight handlers are public', async () => {
    const { item } = await verdict(ROUTE, `export async function OPTIONS() { return new Response(null, { headers: corsHeaders() }); }\n`, 'OPTIONS /api/invoices/[id]');
    expect(item.status).toBe('n/a');
  });
});

describe('missing-authentication: Next.js middleware.ts', () => {
  const handler = `export async function GET() { return Response.json(await db.invoices.list()); }\n`;

  it('valid: next-auth middleware whose matcher covers the route', async () => {
    const { item } = await verdict(ROUTE, handler, 'GET /api/invoices/[id]', {
      context: { 'middleware.ts': `export { default } from 'next-auth/middleware';\nexport const config = { matcher: ['/api/invoices/:path*'] };\n` },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'middleware.ts', line: 1 });
  });

  it('invalid: the same middleware whose matcher leaves the route out', async () => {
    const { item } = await verdict(ROUTE, handler, 'GET /api/invoices/[id]', {
      context: { 'middleware.ts': `export { default } from 'next-auth/middleware';\nexport const config = { matcher: ['/dashboard/:path*'] };\n` },
    });
    expect(item.status).toBe('fail');
  });

  it('unknown: a middleware that verifies tokens in its own way', async () => {
    const { item, findings } = await verdict(ROUTE, handler, 'GET /api/invoices/[id]', {
      context: { 'src/middleware.ts': 'x', 'middleware.ts': `import { jwtVerify } from 'jose';\nexport async function middleware(req) { await jwtVerify(req.cookies.get('t')?.value, key); }\n` },
    });
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('middleware.ts:2');
  });

  it('unknown, never pass, when middleware.ts cannot be read', async () => {
    const result = await analyzeSource(ROUTE, handler, { checks: [check] });
    // The helper serves no middleware: it is missing, so the handler alone decides (fail).
    expect(endpointOf(result, 'GET /api/invoices/[id]').checklist['authn.identity'].status).toBe('fail');
    const { analyzeFiles } = await import('../../src/review/analyze-files.js');
    const { DEFAULT_CONFIG } = await import('../../src/config/schema.js');
    const unreadable = await analyzeFiles([{ path: ROUTE, text: handler }], {
      config: DEFAULT_CONFIG,
      checks: [check],
      context: { read: async () => { throw new Error('HTTP 502'); } },
    });
    const item = endpointOf(unreadable, 'GET /api/invoices/[id]').checklist['authn.identity'];
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('HTTP 502');
  });
});

describe('missing-authentication: Express', () => {
  const header = `import express from 'express';\nconst router = express.Router();\n`;

  it('invalid: a route without middleware that reads the database', async () => {
    const { findings } = await verdict(EXPRESS, `${header}router.get('/invoices/:id', async (req, res) => {
  res.json(await Invoice.findById(req.params.id));
});
`, 'GET /invoices/:id');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3, severity: 'medium' });
    expect(findings[0].fix).toContain("router.get('/invoices/:id', authenticateToken, ...)");
  });

  it('valid: the same route with an authenticateToken middleware imported from another file', async () => {
    const { item } = await verdict(EXPRESS, `${header}import { authenticateToken } from '../middleware/auth';
router.get('/invoices/:id', authenticateToken, async (req, res) => {
  res.json(await Invoice.findById(req.params.id));
});
`, 'GET /invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: 'middleware authenticateToken (recognised by name; its definition was not read)' });
  });

  it('valid: passport.authenticate as route middleware', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.post('/invoices', passport.authenticate('jwt', { session: false }), async (req, res) => {
  res.json(await Invoice.create(req.body));
});
`, 'POST /invoices');
    expect(item.status).toBe('pass');
  });

  it("invalid: app.use(passport.authenticate('session')) only restores sessions; it rejects nobody", async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';
const app = express();
app.use(passport.authenticate('session'));
app.post('/orders', async (req, res) => res.json(await Order.create({ user: req.user.id })));
`, { checks: [check] });
    expect(endpointOf(result, 'POST /orders').checklist['authn.identity'].status).toBe('fail');
  });

  it("valid: passport.authenticate('jwt') as route middleware rejects anonymous callers", async () => {
    const result = await analyzeSource('src/app.ts', `import express from 'express';
const app = express();
app.post('/orders', passport.authenticate('jwt', { session: false }), async (req, res) => res.json(await Order.create({ user: req.user.id })));
`, { checks: [check] });
    expect(endpointOf(result, 'POST /orders').checklist['authn.identity'].status).toBe('pass');
  });

  it('valid: router.use(auth) before the routes', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.use(requireAuth());
router.delete('/invoices/:id', async (req, res) => { await Invoice.deleteOne({ _id: req.params.id }); res.sendStatus(204); });
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('invalid: router.use(auth) registered after the route does not protect it', async () => {
    const { item, findings } = await verdict(EXPRESS, `${header}router.delete('/invoices/:id', async (req, res) => { await Invoice.deleteOne({ _id: req.params.id }); res.sendStatus(204); });
router.use(requireAuth());
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('fail');
    expect(findings[0].severity).toBe('high');
  });

  it('invalid: router.use(auth) for another path prefix does not protect it', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.use('/admin', requireAuth());
router.get('/invoices', async (req, res) => res.json(await Invoice.find()));
`, 'GET /invoices');
    expect(item.status).toBe('fail');
  });

  it('valid: the middleware of the app.use call that mounts the router', async () => {
    const { item } = await verdict('src/app.ts', `import express from 'express';
const app = express();
const invoices = express.Router();
invoices.get('/:id', async (req, res) => res.json(await Invoice.findById(req.params.id)));
app.use('/invoices', checkJwt, invoices);
`, 'GET /:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('checkJwt');
  });

  it('valid: a same-file middleware that verifies the JWT', async () => {
    const { item } = await verdict(EXPRESS, `${header}import jwt from 'jsonwebtoken';
function guard(req, res, next) {
  const token = req.headers.authorization?.split(' ')[1];
  jwt.verify(token, process.env.JWT_SECRET, (err, user) => { if (err) return res.sendStatus(403); req.user = user; next(); });
}
router.get('/invoices', guard, async (req, res) => res.json(await Invoice.find({ owner: req.user.id })));
`, 'GET /invoices');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('jwt.verify');
  });

  it('invalid: a same-file middleware named "authenticate" that verifies nothing', async () => {
    const { item } = await verdict(EXPRESS, `${header}function authenticate(req, res, next) { next(); }
router.get('/invoices', authenticate, async (req, res) => res.json(await Invoice.find()));
`, 'GET /invoices');
    expect(item.status).toBe('fail');
  });

  it('valid: req.isAuthenticated() checked in the handler (Passport sessions)', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.get('/me/invoices', async (req, res) => {
  if (!req.isAuthenticated()) return res.status(401).end();
  res.json(await Invoice.find({ owner: req.user.id }));
});
`, 'GET /me/invoices');
    expect(item.status).toBe('pass');
  });

  it('unknown: a handler defined in another module with no control around it', async () => {
    const { item, findings } = await verdict(EXPRESS, `${header}import * as controller from '../controllers/invoices';
router.get('/invoices', controller.list);
`, 'GET /invoices');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('controller.list');
  });

  it('valid: a webhook receiver is public (its signature check is a separate item)', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.post('/webhooks/stripe', express.raw({ type: 'application/json' }), async (req, res) => {
  await handleStripeEvent(req.body);
  res.sendStatus(200);
});
`, 'POST /webhooks/stripe');
    expect(item.status).toBe('n/a');
  });

  it('valid: the router is mounted behind requireAuth in the app entry file', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.get('/invoices', async (req, res) => res.json(await Invoice.find()));\nexport default router;\n`, 'GET /invoices', {
      context: { 'src/app.ts': `import express from 'express';\nimport invoices from './routes/invoices';\nimport { requireAuth } from './middleware/auth';\nconst app = express();\napp.use('/api', requireAuth, invoices);\n` },
    });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'src/app.ts', line: 5, note: 'middleware requireAuth (recognised by name; its definition was not read)' });
  });

  it('valid: app.use(auth) before the mount in the entry file', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.get('/invoices', async (req, res) => res.json(await Invoice.find()));\nexport default router;\n`, 'GET /invoices', {
      context: { 'src/app.ts': `import express from 'express';\nimport invoices from './routes/invoices';\nconst app = express();\napp.use(passport.authenticate('jwt', { session: false }));\napp.use('/api', invoices);\n` },
    });
    expect(item.status).toBe('pass');
  });

  it('invalid: the entry file mounts the router without authentication', async () => {
    const { item } = await verdict(EXPRESS, `${header}router.get('/invoices', async (req, res) => res.json(await Invoice.find()));\nexport default router;\n`, 'GET /invoices');
    expect(item.status).toBe('fail');
  });

  it('unknown, not a finding: the file that mounts the router cannot be found', async () => {
    const result = await analyzeSource(EXPRESS, `${header}router.get('/invoices', async (req, res) => res.json(await Invoice.find()));\nexport default router;\n`, { checks: [check] });
    const item = endpointOf(result, 'GET /invoices').checklist['authn.identity'];
    expect(result.findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('mounted by another file');
  });

  describe('a router mounted by a router (routes/index.ts) mounted by the app', () => {
    const route = `${header}router.get('/invoices', async (req, res) => res.json(await Invoice.find()));\nexport default router;\n`;
    const routesIndex = `import { Router } from 'express';\nimport invoices from './invoices';\nconst routes = Router();\nroutes.use('/billing', invoices);\nexport default routes;\n`;
    const run = (app: string | undefined) =>
      analyzeSource(EXPRESS, route, { checks: [check], context: { 'src/routes/index.ts': routesIndex, ...(app === undefined ? {} : { 'src/app.ts': app }) } });

    it('valid: the app mounts the routes behind requireAuth', async () => {
      const result = await run(`import express from 'express';\nimport routes from './routes';\nimport { requireAuth } from './auth';\nconst app = express();\napp.use('/api', requireAuth, routes);\n`);
      const item = endpointOf(result, 'GET /invoices').checklist['authn.identity'];
      expect(item.status).toBe('pass');
      expect(item.evidence[0]).toMatchObject({ file: 'src/app.ts', line: 5 });
    });

    it('invalid: the app mounts the routes without authentication', async () => {
      const result = await run(`import express from 'express';\nimport routes from './routes';\nconst app = express();\napp.use('/api', routes);\n`);
      expect(endpointOf(result, 'GET /invoices').checklist['authn.identity'].status).toBe('fail');
    });

    it('unknown: nothing mounts the routes router', async () => {
      const result = await run(undefined);
      const item = endpointOf(result, 'GET /invoices').checklist['authn.identity'];
      expect(item.status).toBe('unknown');
      expect(item.reason).toContain('src/routes/index.ts:4');
    });
  });
});
