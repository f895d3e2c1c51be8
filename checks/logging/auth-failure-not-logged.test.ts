/**
 * auth-failure-not-logged (logging.auth-failures): each unlogged failure
 * path next to the same path with a log call.
 */
import { describe, expect, it } from 'vitest';
import check from './auth-failure-not-logged.js';
import { analyzeSource, endpointOf, type AnalyzeSourceOptions } from '../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string, options: AnalyzeSourceOptions = {}) {
  const result = await analyzeSource(path, code, { checks: [check], ...options });
  const item = endpointOf(result, endpoint).checklist['logging.auth-failures'];
  return { item, findings: result.findings.filter((finding) => finding.ruleId === 'auth-failure-not-logged') };
}

const APP = 'src/app.ts';

describe('auth-failure-not-logged: Express', () => {
  it('invalid: a JWT middleware that answers 401 without logging', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
import jwt from 'jsonwebtoken';
const app = express();
function requireAuth(req, res, next) {
  try {
    req.user = jwt.verify(String(req.headers.authorization).slice(7), process.env.JWT_SECRET);
    next();
  } catch {
    return res.status(401).json({ error: 'Unauthorized' });
  }
}
app.get('/me', requireAuth, (req, res) => res.json(req.user));
`, 'GET /me');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9, severity: 'low', checklistItem: 'logging.auth-failures', cwe: ['CWE-778'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('This 401 (line 9) turns an unauthenticated caller away without logging it: failed sign-ins and bad tokens leave no trace.');
  });

  it('valid: the same middleware logs the failure with req.log.warn', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
import jwt from 'jsonwebtoken';
const app = express();
function requireAuth(req, res, next) {
  try {
    req.user = jwt.verify(String(req.headers.authorization).slice(7), process.env.JWT_SECRET);
    next();
  } catch (err) {
    req.log.warn({ event: 'auth_failure', ip: req.ip }, 'invalid token');
    return res.status(401).json({ error: 'Unauthorized' });
  }
}
app.get('/me', requireAuth, (req, res) => res.json(req.user));
`, 'GET /me');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 9 });
    expect(item.evidence[0].note).toBe('the 401 branch logs: req.log.warn(...)');
  });

  it("invalid: the seed's jwt.verify callback answering 403 without logging", async () => {
    const { findings } = await verdict(APP, `import express from 'express';
import jwt from 'jsonwebtoken';
const app = express();
function authenticateToken(req, res, next) {
  const token = req.headers['authorization']?.split(' ')[1];
  if (!token) {
    console.warn('auth failure: no token', { ip: req.ip });
    return res.sendStatus(401);
  }
  jwt.verify(token, process.env.JWT_SECRET, (err, user) => {
    if (err) return res.sendStatus(403);
    req.user = user;
    next();
  });
}
app.get('/profile', authenticateToken, (req, res) => res.json(req.user));
`, 'GET /profile');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(11);
    expect(findings[0].message).toContain('This 403 (line 11)');
  });

  it('valid: both failure branches of that middleware log', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import jwt from 'jsonwebtoken';
const app = express();
function authenticateToken(req, res, next) {
  const token = req.headers['authorization']?.split(' ')[1];
  if (!token) {
    console.warn('auth failure: no token', { ip: req.ip });
    return res.sendStatus(401);
  }
  jwt.verify(token, process.env.JWT_SECRET, (err, user) => {
    if (err) {
      logger.warn({ event: 'auth_failure', reason: err.name, ip: req.ip });
      return res.sendStatus(403);
    }
    req.user = user;
    next();
  });
}
app.get('/profile', authenticateToken, (req, res) => res.json(req.user));
`, 'GET /profile');
    expect(item.status).toBe('pass');
    expect(item.evidence).toHaveLength(2);
  });

  it('valid: a helper of the file that logs and answers 401', async () => {
    const { item } = await verdict(APP, `import express from 'express';
const app = express();
function rejectCaller(req, res, reason) {
  auditLog({ event: 'auth_failure', reason, ip: req.ip });
  return res.status(401).end();
}
app.get('/me', async (req, res) => {
  const session = await getSession(req);
  if (!session) return rejectCaller(req, res, 'no session');
  res.json(session.user);
});
`, 'GET /me');
    expect(item.status).toBe('pass');
  });

  it('valid: a 401 passed to an error handler of the file that logs', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import createError from 'http-errors';
const app = express();
app.get('/me', async (req, res, next) => {
  const session = await getSession(req);
  if (!session) return next(createError(401));
  res.json(session.user);
});
app.use((err, req, res, next) => {
  logger.warn({ err, path: req.path }, 'request failed');
  res.status(err.status ?? 500).json({ error: 'Request failed' });
});
`, 'GET /me');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('thrown to an error handler that logs (src/app.ts:10)');
  });

  it('unknown: the 401 is passed on and no error handler is in view', async () => {
    const { item, findings } = await verdict(APP, `import express from 'express';
import createError from 'http-errors';
const app = express();
app.get('/me', async (req, res, next) => {
  const session = await getSession(req);
  if (!session) return next(createError(401));
  res.json(session.user);
});
`, 'GET /me');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain("thrown to the framework's error handler");
  });

  it('unknown: passport rejects inside the library', async () => {
    const { item } = await verdict(APP, `import express from 'express';
import passport from 'passport';
const app = express();
app.get('/me', passport.authenticate('jwt', { session: false }), (req, res) => res.json(req.user));
`, 'GET /me');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('passport.authenticate');
  });

  it('n/a: a public endpoint without any identity check', async () => {
    const { item } = await verdict(APP, `import express from 'express';\nconst app = express();\napp.get('/health', (req, res) => res.json({ ok: true }));\n`, 'GET /health');
    expect(item.status).toBe('n/a');
  });
});

describe('auth-failure-not-logged: Next.js App Router', () => {
  it('invalid: the Clerk 401 branch only returns', async () => {
    const { findings } = await verdict('app/api/invoices/route.ts', `import { auth } from '@clerk/nextjs/server';
export async function GET() {
  const { userId } = await auth();
  if (!userId) return Response.json({ error: 'Unauthorized' }, { status: 401 });
  return Response.json(await db.invoice.findMany({ where: { ownerId: userId } }));
}
`, 'GET /api/invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(4);
  });

  it('valid: the branch logs before returning 401', async () => {
    const { item } = await verdict('app/api/invoices/route.ts', `import { auth } from '@clerk/nextjs/server';
import { logger } from '@/lib/logger';
export async function GET(req: Request) {
  const { userId } = await auth();
  if (!userId) {
    logger.warn({ event: 'auth_failure', path: '/api/invoices', ip: req.headers.get('x-forwarded-for') });
    return Response.json({ error: 'Unauthorized' }, { status: 401 });
  }
  return Response.json(await db.invoice.findMany({ where: { ownerId: userId } }));
}
`, 'GET /api/invoices');
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 6 });
  });

  it('n/a: the identity is read but nothing rejects (authn.invalid-token judges that)', async () => {
    const { item } = await verdict('app/api/invoices/route.ts', `import { getServerSession } from 'next-auth';
export async function POST(req: Request) {
  const session = await getServerSession(authOptions);
  return Response.json(await db.invoice.create({ data: { ownerId: session?.user.id } }));
}
`, 'POST /api/invoices');
    expect(item.status).toBe('n/a');
    expect(item.reason).toContain('has no failure branch');
  });
});

describe('auth-failure-not-logged: Fastify and Hono', () => {
  it('invalid: an authenticate decorator replying 401 in its catch', async () => {
    const { findings } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify({ logger: true });
app.decorate('authenticate', async (request, reply) => {
  try {
    await request.jwtVerify();
  } catch (err) {
    return reply.code(401).send({ error: 'Unauthorized' });
  }
});
app.get('/invoices', { onRequest: [app.authenticate] }, async (request) => db.invoice.findMany());
`, 'GET /invoices');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(7);
  });

  it('valid: the decorator logs through request.log', async () => {
    const { item } = await verdict('src/server.ts', `import Fastify from 'fastify';
const app = Fastify({ logger: true });
app.decorate('authenticate', async (request, reply) => {
  try {
    await request.jwtVerify();
  } catch (err) {
    request.log.warn({ event: 'auth_failure', ip: request.ip }, 'invalid token');
    return reply.code(401).send({ error: 'Unauthorized' });
  }
});
app.get('/invoices', { onRequest: [app.authenticate] }, async (request) => db.invoice.findMany());
`, 'GET /invoices');
    expect(item.status).toBe('pass');
  });

  it('invalid: a Hono middleware answering 401 without logging', async () => {
    const { findings } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.use('/api/*', async (c, next) => {
  const user = await verifyToken(c.req.header('authorization'));
  if (!user) return c.json({ error: 'Unauthorized' }, 401);
  c.set('user', user);
  await next();
});
app.get('/api/notes', async (c) => c.json(await db.note.findMany()));
`, 'GET /api/notes');
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(5);
  });

  it('unknown: hono/jwt rejects inside the library', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
import { jwt } from 'hono/jwt';
const app = new Hono();
app.use('/api/*', (c, next) => jwt({ secret: c.env.JWT_SECRET })(c, next));
app.get('/api/notes', async (c) => c.json(await db.note.findMany()));
`, 'GET /api/notes');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('jwt()');
  });

  it('valid: the Hono middleware logs with console.warn', async () => {
    const { item } = await verdict('src/index.ts', `import { Hono } from 'hono';
const app = new Hono();
app.use('/api/*', async (c, next) => {
  const user = await verifyToken(c.req.header('authorization'));
  if (!user) {
    console.warn(JSON.stringify({ event: 'auth_failure', path: c.req.path }));
    return c.json({ error: 'Unauthorized' }, 401);
  }
  c.set('user', user);
  await next();
});
app.get('/api/notes', async (c) => c.json(await db.note.findMany()));
`, 'GET /api/notes');
    expect(item.status).toBe('pass');
  });
});

// NestJS apps read whole (main.ts, modules): see nest-app-logging.test.ts.
it.todo('valid: a tRPC middleware whose UNAUTHORIZED error is logged by the adapter onError in another file');

describe('auth-failure-not-logged: rejections shared by routes', () => {
  const SHARED = `import express from 'express';
const app = express();
function requireAuth(req, res, next) {
  if (!req.headers.authorization) {
    return res.status(401).json({ error: new UnauthorizedError('missing token'), code: 401 });
  }
  next();
}
app.get('/a', requireAuth, (req, res) => res.json({}));
app.get('/b', requireAuth, (req, res) => res.json({}));
`;

  it('invalid: each route behind the middleware fails on its one unlogged branch, named by the status written first', async () => {
    for (const endpoint of ['GET /a', 'GET /b']) {
      const { item, findings } = await verdict(APP, SHARED, endpoint);
      expect(item.status).toBe('fail');
      expect(findings.map((finding) => finding.message)).toContain('This 401 (line 5) turns an unauthenticated caller away without logging it: failed sign-ins and bad tokens leave no trace.');
      expect(findings.every((finding) => finding.line === 5)).toBe(true);
    }
  });
});
