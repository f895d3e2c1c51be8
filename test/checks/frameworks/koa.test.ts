import { describe, expect, it } from 'vitest';
import missingAuthentication from '../../../checks/authentication/missing-authentication.js';
import { discoverKoaRoutes } from '../../../checks/frameworks/koa.js';
import { parseTypeScript } from '../../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../../checks/lang/ts/source-index.js';
import { ProjectContext } from '../../../checks/project-context.js';
import { runChecks } from '../../../checks/run-checks.js';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';
import authFailureNotLogged from '../../../checks/logging/auth-failure-not-logged.js';
import unboundedRequestCost from '../../../checks/rate-limiting/unbounded-request-cost.js';
import { analyzeSource, endpointOf } from '../../support/analyze-source.js';

const FILE = 'src/routes/invoices.ts';
const HEADER = `import Router from '@koa/router';\nconst router = new Router();\n`;

const discover = (code: string) => discoverKoaRoutes(new SourceIndex(FILE, parseTypeScript(FILE, code).sourceFile));
const names = (code: string) => discover(code).map((e) => `${e.method} ${e.route}:${e.line}`);

function endpointNamed(code: string, name: string) {
  const endpoints = discover(code);
  const endpoint = endpoints.find((e) => `${e.method} ${e.route}` === name);
  if (endpoint === undefined) throw new Error(`no endpoint ${name}; found: ${endpoints.map((e) => `${e.method} ${e.route}`).join(', ') || 'none'}`);
  return endpoint;
}

const controlsOf = (code: string, name: string) => endpointNamed(code, name).controls.map((c) => `${c.kind} ${c.name}:${c.line}`);

/** The missing-authentication verdict, through the real engine loop, for one endpoint of the file. */
/** A router no app of the file serves is mounted by another file: the cases here serve it from a Koa app of their own file. */
const SERVED = `\nimport Koa from 'koa';\nconst app = new Koa();\napp.use(router.routes());\n`;

function authentication(code: string, name: string) {
  const served = code.includes('.routes()') ? code : `${code}${SERVED}`;
  const analysis = runChecks(endpointNamed(served, name), [missingAuthentication], DEFAULT_CONFIG, new ProjectContext(undefined));
  return { item: analysis.checklist['authn.identity'], findings: analysis.findings };
}

describe('Koa router discovery', () => {
  it('finds routes by method, `del` and `all` included', () => {
    const code = `${HEADER}router.get('/invoices', async (ctx) => { ctx.body = await Invoice.find(); });
router.post('/invoices', validate(schema), create);
router.del('/invoices/:id', remove);
router.all('/legacy/(.*)', legacy);
async function create(ctx) { ctx.body = await Invoice.create(ctx.request.body); }
`;
    expect(names(code)).toEqual(['GET /invoices:3', 'POST /invoices:4', 'DELETE /invoices/:id:5', 'ALL /legacy/(.*):6']);
    expect(endpointNamed(code, 'POST /invoices').handler).toBeDefined();
    expect(endpointNamed(code, 'DELETE /invoices/:id').handlerReference).toBe('remove');
    expect(controlsOf(code, 'POST /invoices')).toEqual(['middleware validate:4']);
    expect(endpointNamed(code, 'GET /invoices').framework).toBe('koa');
  });

  it('applies the router\'s prefix option', () => {
    const code = `import Router from '@koa/router';
const router = new Router({ prefix: '/api/invoices' });
router.get('/', list);
router.get('/:id', show);
`;
    expect(names(code)).toEqual(['GET /api/invoices:3', 'GET /api/invoices/:id:4']);
  });

  it('reads named routes: the path is the second argument', () => {
    expect(names(`${HEADER}router.get('invoice', '/invoices/:id', show);\nrouter.get('/plain', show);\n`)).toEqual(['GET /invoices/:id:3', 'GET /plain:4']);
  });

  it('knows koa-router created by require, and chained routes', () => {
    const code = `const router = require('koa-router')();
router
  .get('/a', a)
  .post('/b', b);
`;
    expect(names(code).sort()).toEqual(['GET /a:3', 'POST /b:4']);
  });

  it('knows routers handed in as parameters in a file that uses the router', () => {
    const code = `import type Router from '@koa/router';
export default function register(router: Router) {
  router.get('/invoices', list);
}
`;
    expect(names(code)).toEqual(['GET /invoices:3']);
  });

  it('takes router.use() before the route and for its path, not after', () => {
    const code = `${HEADER}router.use(logger());
router.use('/admin', requireAdmin);
router.use(['/invoices', '/payments'], jwt({ secret }));
router.get('/invoices/:id', show);
router.get('/health', health);
router.use(late);
`;
    expect(controlsOf(code, 'GET /invoices/:id')).toEqual(['router-middleware logger:3', 'router-middleware jwt:5']);
    expect(controlsOf(code, 'GET /health')).toEqual(['router-middleware logger:3']);
  });

  it('takes the app middleware registered before app.use(router.routes())', () => {
    const code = `import Koa from 'koa';
${HEADER}const app = new Koa();
app.use(bodyParser());
app.use(jwt({ secret: process.env.JWT_SECRET }));
app.use(router.routes()).use(router.allowedMethods());
app.use(afterRoutes);
router.get('/invoices', list);
`;
    expect(controlsOf(code, 'GET /invoices')).toEqual(['router-middleware bodyParser:5', 'router-middleware jwt:6']);
  });

  it('does not take context reads, clients or maps for routes', () => {
    const code = `import Koa from 'koa';
import axios from 'axios';
const app = new Koa();
const cache = new Map();
cache.get('/invoices');
await axios.get('/api/invoices');
app.use(async (ctx) => {
  const token = ctx.get('Authorization');
  ctx.cookies.get('sid');
  ctx.set('x-id', '1');
  ctx.body = 'ok';
});
`;
    expect(names(code)).toEqual([]);
  });

  it('leaves Express routers alone', () => {
    expect(names(`import express from 'express';\nconst router = express.Router();\nrouter.get('/koa-migration', (req, res) => res.json([]));\n`)).toEqual([]);
  });
});

describe('missing-authentication on Koa routes', () => {
  const show = `router.get('/invoices/:id', async (ctx) => { ctx.body = await Invoice.findById(ctx.params.id); });\n`;

  it('valid: router.use(jwt({ secret })) above the routes (koa-jwt)', () => {
    const { item, findings } = authentication(`import jwt from 'koa-jwt';\n${HEADER}router.use(jwt({ secret: process.env.JWT_SECRET }));\n${show}`, 'GET /invoices/:id');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: 'middleware jwt (recognised by name; its definition was not read)' });
  });

  it('invalid: the same route without it', () => {
    const { item, findings } = authentication(`${HEADER}${show}`, 'GET /invoices/:id');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 3, severity: 'medium' });
    expect(findings[0].fix).toContain('router.use(jwt({ secret: process.env.JWT_SECRET }))');
  });

  it('invalid / valid: jwt().unless({ path }) protects only the routes it does not exclude', () => {
    const code = `import jwt from 'koa-jwt';
${HEADER}router.use(jwt({ secret }).unless({ path: [/^\\/public/, '/login'] }));
router.get('/public/invoices', async (ctx) => { ctx.body = await Invoice.find({ public: true }); });
${show}`;
    expect(authentication(code, 'GET /public/invoices').item.status).toBe('fail');
    expect(authentication(code, 'GET /invoices/:id').item.status).toBe('pass');
  });

  it('valid: passport.authenticate(\'jwt\') route middleware (koa-passport)', () => {
    const { item } = authentication(`import passport from 'koa-passport';
${HEADER}router.delete('/invoices/:id', passport.authenticate('jwt', { session: false }), async (ctx) => { await Invoice.deleteOne({ _id: ctx.params.id }); ctx.status = 204; });
`, 'DELETE /invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('valid: ctx.isAuthenticated() checked in the handler', () => {
    const { item } = authentication(`${HEADER}router.get('/me/invoices', async (ctx) => {
  if (!ctx.isAuthenticated()) ctx.throw(401);
  ctx.body = await Invoice.find({ owner: ctx.state.user.id });
});
`, 'GET /me/invoices');
    expect(item.status).toBe('pass');
  });

  it('valid / invalid: app.use(jwt) counts before app.use(router.routes()), not after', () => {
    const before = `import Koa from 'koa';
import jwt from 'koa-jwt';
${HEADER}const app = new Koa();
app.use(jwt({ secret }));
app.use(router.routes());
${show}`;
    expect(authentication(before, 'GET /invoices/:id').item.status).toBe('pass');
    const after = `import Koa from 'koa';
import jwt from 'koa-jwt';
${HEADER}const app = new Koa();
app.use(router.routes());
app.use(jwt({ secret }));
${show}`;
    expect(authentication(after, 'GET /invoices/:id').item.status).toBe('fail');
  });

  it('valid: a same-file middleware that throws 401 without a user', () => {
    const { item } = authentication(`${HEADER}async function requireUser(ctx, next) {
  if (!ctx.state.user) ctx.throw(401, 'Unauthorized');
  await next();
}
router.get('/invoices', requireUser, async (ctx) => { ctx.body = await Invoice.find(); });
`, 'GET /invoices');
    expect(item.status).toBe('pass');
  });

  it.todo('applies the prefix of parent.use(\'/prefix\', child.routes()) and router.prefix(\'/x\')');
  it.todo('follows an imported auth middleware (../middleware/auth) one hop to check that it really authenticates');
});

describe('Koa routers served by the app in another file', () => {
  const ROUTES = 'src/routes/api.ts';
  const routes = `import Router from '@koa/router';
import jwt from 'koa-jwt';
export const router = new Router({ prefix: '/api' });
router.use(jwt({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] }));
router.post('/orders', async (ctx) => {
  const { productId } = ctx.request.body as { productId: string };
  ctx.body = await db.order.create({ data: { productId: String(productId), userId: ctx.state.user.sub } });
});
`;
  const appFile = (listener: string, parser = "app.use(bodyParser({ jsonLimit: '100kb' }));") => `import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { router } from './routes/api';
const app = new Koa();
${parser}
app.use(router.routes());
${listener}
app.listen(3000);
`;
  const LOGGING_LISTENER = "app.on('error', (err) => { console.error('request failed', err); });";

  async function items(context: Record<string, string>) {
    const result = await analyzeSource(ROUTES, routes, { checks: [authFailureNotLogged, unboundedRequestCost, missingAuthentication], context });
    return endpointOf(result, 'POST /api/orders');
  }

  it('finds the mount in src/app.ts and reads the body parser registered before it', async () => {
    const endpoint = await items({ 'src/app.ts': appFile(LOGGING_LISTENER) });
    expect(endpoint.checklist['ratelimit.ddos'].status).toBe('pass');
    expect(endpoint.checklist['ratelimit.ddos'].evidence[0]).toMatchObject({ file: 'src/app.ts', line: 5 });
  });

  it('valid: koa-jwt throws its 401 to Koa, and the app listens on error and logs', async () => {
    const endpoint = await items({ 'src/app.ts': appFile(LOGGING_LISTENER) });
    expect(endpoint.checklist['logging.auth-failures'].status).toBe('pass');
  });

  it('invalid: the same app with no error listener: Koa skips client errors, nothing logs the 401', async () => {
    const result = await analyzeSource(ROUTES, routes, { checks: [authFailureNotLogged], context: { 'src/app.ts': appFile('') } });
    expect(endpointOf(result, 'POST /api/orders').checklist['logging.auth-failures'].status).toBe('fail');
    expect(result.findings[0]).toMatchObject({ ruleId: 'auth-failure-not-logged', file: ROUTES, line: 4 });
    expect(result.findings[0].message).toContain("no `app.on('error')` listener that logs");
  });

  it('invalid: a body parser registered after the mount does not bound the route', async () => {
    const endpoint = await items({ 'src/app.ts': appFile(LOGGING_LISTENER, '').replace("app.use(router.routes());", "app.use(router.routes());\napp.use(bodyParser({ jsonLimit: '100kb' }));") });
    expect(endpoint.checklist['ratelimit.ddos'].status).toBe('unknown');
  });

  it('unknown (fail closed): the app that serves the router is not found', async () => {
    const endpoint = await items({});
    expect(endpoint.checklist['logging.auth-failures'].status).toBe('unknown');
    expect(endpoint.checklist['ratelimit.ddos'].status).toBe('unknown');
  });
});
