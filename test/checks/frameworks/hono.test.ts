import { describe, expect, it } from 'vitest';
import missingAuthentication from '../../../checks/authentication/missing-authentication.js';
import { discoverHonoRoutes } from '../../../checks/frameworks/hono.js';
import { parseTypeScript } from '../../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../../checks/lang/ts/source-index.js';
import { ProjectContext } from '../../../checks/project-context.js';
import { runChecks } from '../../../checks/run-checks.js';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';

const FILE = 'src/index.ts';
const HEADER = `import { Hono } from 'hono';\n`;

const discover = (code: string) => discoverHonoRoutes(new SourceIndex(FILE, parseTypeScript(FILE, code).sourceFile));
const names = (code: string) => discover(code).map((e) => `${e.method} ${e.route}:${e.line}`);

function endpointNamed(code: string, name: string) {
  const endpoints = discover(code);
  const endpoint = endpoints.find((e) => `${e.method} ${e.route}` === name);
  if (endpoint === undefined) throw new Error(`no endpoint ${name}; found: ${endpoints.map((e) => `${e.method} ${e.route}`).join(', ') || 'none'}`);
  return endpoint;
}

const controlsOf = (code: string, name: string) => endpointNamed(code, name).controls.map((c) => `${c.kind} ${c.name}:${c.line}`);

/** The missing-authentication verdict, through the real engine loop, for one endpoint of the file. */
function authentication(code: string, name: string) {
  const analysis = runChecks(endpointNamed(code, name), [missingAuthentication], DEFAULT_CONFIG, new ProjectContext(undefined));
  return { item: analysis.checklist['authn.identity'], findings: analysis.findings };
}

describe('Hono discovery', () => {
  it('finds routes by method on new Hono() and new Hono<Env>()', () => {
    const code = `${HEADER}type Env = { Bindings: { DB: D1Database } };
const app = new Hono<Env>();
app.get('/invoices', (c) => c.json([]));
app.post('/invoices', zValidator('json', schema), async (c) => c.json(await create(c.req.valid('json')), 201));
app.put('/invoices/:id', update);
app.delete('/invoices/:id', async (c) => c.body(null, 204));
app.all('/legacy/*', legacy);
async function create(data) { return c.env.DB.prepare('insert').run(); }
function update(c) { return c.json({}); }
`;
    expect(names(code)).toEqual(['GET /invoices:4', 'POST /invoices:5', 'PUT /invoices/:id:6', 'DELETE /invoices/:id:7', 'ALL /legacy/*:8']);
    expect(endpointNamed(code, 'PUT /invoices/:id').handler).toBeDefined();
    expect(endpointNamed(code, 'ALL /legacy/*').handlerReference).toBe('legacy');
    expect(controlsOf(code, 'POST /invoices')).toEqual(['middleware zValidator:5']);
  });

  it('applies the app\'s basePath, on the app and on a derived app', () => {
    const code = `${HEADER}const app = new Hono().basePath('/api');
app.get('/invoices', (c) => c.json([]));
app.get('/', (c) => c.text('api'));
const v2 = app.basePath('/v2');
v2.get('/invoices', (c) => c.json([]));
`;
    expect(names(code)).toEqual(['GET /api/invoices:3', 'GET /api:4', 'GET /api/v2/invoices:6']);
  });

  it('finds app.on() with one or several methods and paths', () => {
    const code = `${HEADER}const app = new Hono();
app.on('PURGE', '/cache', (c) => c.text('purged'));
app.on(['GET', 'post'], ['/a', '/b'], (c) => c.text('ok'));
`;
    expect(names(code)).toEqual(['PURGE /cache:3', 'GET /a:4', 'POST /a:4', 'GET /b:4', 'POST /b:4']);
  });

  it('finds chained routes; a method without a path reuses the previous one', () => {
    const code = `${HEADER}const app = new Hono();
app
  .get('/invoices', (c) => c.json([]))
  .post((c) => c.json({}, 201))
  .delete('/invoices/:id', (c) => c.body(null, 204));
`;
    expect(names(code).sort()).toEqual(['DELETE /invoices/:id:6', 'GET /invoices:4', 'POST /invoices:5']);
  });

  it('finds RPC-style apps built in one chain and routes of a sub-app as registered', () => {
    const code = `${HEADER}const invoices = new Hono()
  .get('/', (c) => c.json([]))
  .get('/:id', (c) => c.json({}));
const app = new Hono();
app.route('/invoices', invoices);
`;
    expect(names(code).sort()).toEqual(['GET /:3', 'GET /:id:4']);
  });

  it('takes the use() before the route whose path covers it, in order', () => {
    const code = `${HEADER}import { jwt } from 'hono/jwt';
const app = new Hono();
app.use(logger());
app.use('/api/*', jwt({ secret: 'x' }));
app.use('/admin/*', requireAdmin);
app.get('/api/invoices', (c) => c.json([]));
app.get('/api', (c) => c.json({}));
app.get('/public', (c) => c.text('hi'));
app.use('/public', late);
`;
    expect(controlsOf(code, 'GET /api/invoices')).toEqual(['router-middleware logger:4', 'router-middleware jwt:5']);
    expect(controlsOf(code, 'GET /api')).toEqual(['router-middleware logger:4', 'router-middleware jwt:5']);
    expect(controlsOf(code, 'GET /public')).toEqual(['router-middleware logger:4']);
  });

  it('takes the parent app\'s use() before the mount for a sub-app\'s routes', () => {
    const code = `${HEADER}const invoices = new Hono();
invoices.use(audit);
invoices.get('/:id', (c) => c.json({}));
const app = new Hono();
app.use('/invoices/*', bearerAuth({ token }));
app.use('/other/*', other);
app.route('/invoices', invoices);
app.use('*', afterMount);
`;
    expect(controlsOf(code, 'GET /:id')).toEqual(['router-middleware bearerAuth:6', 'router-middleware audit:3']);
  });

  it('opens up factory.createHandlers(...) into middleware and handler', () => {
    const code = `${HEADER}const app = new Hono();
const handlers = factory.createHandlers(logger(), (c) => c.json([]));
app.get('/x', ...factory.createHandlers(basicAuth({ username, password }), (c) => c.json([])));
`;
    expect(controlsOf(code, 'GET /x')).toEqual(['middleware basicAuth:4']);
    expect(endpointNamed(code, 'GET /x').handler).toBeDefined();
  });

  it('does not take context reads, clients or maps for routes', () => {
    const code = `${HEADER}import { hc } from 'hono/client';
const app = new Hono();
const cache = new Map();
cache.get('/invoices');
app.get('/invoices/:id', async (c) => {
  const id = c.req.param('id');
  const user = c.get('user');
  c.set('seen', true);
  return c.json(await c.env.KV.get(id));
});
const client = hc('/api');
await client.invoices.$get();
await app.request('/invoices/1');
fetch('/invoices', { method: 'POST' });
`;
    expect(names(code)).toEqual(['GET /invoices/:id:6']);
  });

  it('finds nothing in files without Hono', () => {
    expect(names(`const app = express();\napp.get('/x', (req, res) => res.json([]));\n`)).toEqual([]);
  });
});

describe('missing-authentication on Hono routes', () => {
  const routes = `app.get('/api/invoices/:id', async (c) => c.json(await c.env.DB.prepare('select * from invoices where id = ?').bind(c.req.param('id')).first()));\n`;

  it('valid: app.use(\'/api/*\', jwt({ secret })) before the route', () => {
    const { item, findings } = authentication(`${HEADER}import { jwt } from 'hono/jwt';
const app = new Hono();
app.use('/api/*', jwt({ secret: 'it-is-very-secret' }));
${routes}`, 'GET /api/invoices/:id');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4, note: 'middleware jwt (recognised by name; its definition was not read)' });
  });

  it('invalid: the same route without any middleware', () => {
    const { item, findings } = authentication(`${HEADER}const app = new Hono();\n${routes}`, 'GET /api/invoices/:id');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 3 });
    expect(findings[0].fix).toContain("jwt({ secret: env.JWT_SECRET })");
  });

  it('invalid: jwt() registered for another prefix', () => {
    const { item } = authentication(`${HEADER}import { jwt } from 'hono/jwt';
const app = new Hono();
app.use('/admin/*', jwt({ secret: 'x' }));
${routes}`, 'GET /api/invoices/:id');
    expect(item.status).toBe('fail');
  });

  it('valid: bearerAuth({ token }) as route middleware', () => {
    const { item } = authentication(`${HEADER}import { bearerAuth } from 'hono/bearer-auth';
const app = new Hono();
app.delete('/api/invoices/:id', bearerAuth({ token }), async (c) => { await c.env.DB.prepare('delete').run(); return c.body(null, 204); });
`, 'DELETE /api/invoices/:id');
    expect(item.status).toBe('pass');
  });

  it('valid: the Cloudflare idiom that builds jwt() per request from c.env', () => {
    const { item } = authentication(`${HEADER}import { jwt } from 'hono/jwt';
const app = new Hono();
app.use('/api/*', (c, next) => jwt({ secret: c.env.JWT_SECRET })(c, next));
${routes}`, 'GET /api/invoices/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('(inline function) authenticates');
  });

  it('valid / invalid: a createMiddleware() auth middleware is judged by its body', () => {
    const verifying = `${HEADER}import { verify } from 'hono/jwt';
import { createMiddleware } from 'hono/factory';
const authMiddleware = createMiddleware(async (c, next) => {
  const payload = await verify(c.req.header('Authorization')?.slice(7) ?? '', c.env.JWT_SECRET);
  c.set('user', payload);
  await next();
});
const app = new Hono();
app.use('/api/*', authMiddleware);
${routes}`;
    expect(authentication(verifying, 'GET /api/invoices/:id').item.status).toBe('pass');
    const hollow = `${HEADER}import { createMiddleware } from 'hono/factory';
const authMiddleware = createMiddleware(async (c, next) => { await next(); });
const app = new Hono();
app.use('/api/*', authMiddleware);
${routes}`;
    expect(authentication(hollow, 'GET /api/invoices/:id').item.status).toBe('fail');
  });

  it.todo('judges clerkMiddleware() from @hono/clerk-auth (it only makes getAuth(c) available; the handler must check userId)');
  it.todo('applies the prefix of app.route(prefix, subApp) when the sub-app is imported from another file');
});
