import { ts, SyntaxKind, isCallExpression, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { calleePath, plainCalleePath } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { isDataAccessCall, isInertCall, isRequestRead, isResponseCall } from '../frameworks/http-idioms.js';
import { nextMiddlewareOutcome } from './next-middleware-outcome.js';
import { definitionAuthenticates, delegatedCall, frameworkRejection, identityCallsIn, isAuthControlName, restoresSessionOnly } from './identity-signals.js';
import { publicRouteReason } from './public-routes.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'ALL', 'MUTATION']);

/** The first call in the handler that reaches data or has an effect: what must come after authentication. */
function firstDataAccess(endpoint: Endpoint): ts.CallExpression | undefined {
  const handler = endpoint.handler;
  if (handler === undefined) return undefined;
  // Within the endpoint's scopes: a Pages API handler's other method branches are not this endpoint's work.
  return endpoint.index
    .calls(endpoint.scopes)
    .find((call) => call.pos >= handler.pos && call.end <= handler.end && isDataAccessCall(plainCalleePath(call)));
}

/** Whether the endpoint's code calls anything beyond reading the request and writing the response. */
function doesWork(endpoint: Endpoint): boolean {
  return endpoint.index.calls(endpoint.scopes).some((call) => {
    const path = plainCalleePath(call);
    return !isResponseCall(path) && !isRequestRead(path) && !isInertCall(path);
  });
}

/** `router.post('/users', authenticateToken, handler)`, in the file's own names. */
function expressExample(endpoint: Endpoint): string {
  const registration = endpoint.registration;
  if (isCallExpression(registration) && isPropertyAccessExpression(registration.expression)) {
    const target = endpoint.index.textOf(registration.expression.expression);
    const path = isCallExpression(registration.expression.expression) ? '' : `'${endpoint.route}', `;
    return `${target}.${registration.expression.name.text}(${path}authenticateToken, ...)`;
  }
  return `app.${endpoint.method.toLowerCase()}('${endpoint.route}', authenticateToken, ...)`;
}

export default createCheck({
  id: 'missing-authentication',
  items: ['authn.identity'],
  description: 'An endpoint reaches data or changes state without first verifying who the caller is.',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-306'],
  owasp: ['API2:2023'],
  messages: {
    missing: '{{endpoint}} does its work without verifying the caller: no authentication middleware, wrapper or identity check was found.',
    late: '{{endpoint}} checks the caller only after it has already called {{work}}.',
  },
  why: 'Anyone who can reach the URL can call this endpoint: missing authentication exposes its data and actions to anonymous users (Broken Authentication).',
  fix: {
    'nextjs-app-router':
      "Verify the caller before any work and answer 401 without one, e.g. with Clerk: `const { userId } = await auth(); if (!userId) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });` (NextAuth: `const session = await getServerSession(authOptions)`), or protect the route in `middleware.ts`. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    express:
      "Put an authentication middleware before the handler, e.g. `{{example}}` with `authenticateToken` calling `jwt.verify(token, process.env.JWT_SECRET)` and answering 401, or `passport.authenticate('jwt', { session: false })`; or `router.use(authenticateToken)` above the routes. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    'nextjs-pages':
      "Verify the caller at the top of the handler (or of its `{{method}}` branch) and answer 401 without one, e.g. with NextAuth: `const session = await getServerSession(req, res, authOptions); if (!session) return res.status(401).json({ error: 'Unauthorized' });` (Clerk: `const { userId } = getAuth(req)`), or wrap the export: `export default withApiAuthRequired(handler)` (Auth0). If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    fastify:
      "Authenticate in a hook that runs before the handler: with `@fastify/jwt`, `fastify.decorate('authenticate', async (request, reply) => { try { await request.jwtVerify() } catch { return reply.code(401).send({ error: 'Unauthorized' }) } })`, then add `onRequest: [fastify.authenticate]` to the route's options, or `fastify.addHook('onRequest', fastify.authenticate)` in the plugin that registers it. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    hono:
      "Register an authentication middleware before the route, e.g. `app.use('/api/*', jwt({ secret: env.JWT_SECRET }))` from `hono/jwt` (or `bearerAuth({ token })` from `hono/bearer-auth`), or pass it as the route's first middleware: `app.on('{{method}}', path, jwt({ secret }), handler)`. Both answer 401 without valid credentials. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    koa:
      "Put an authentication middleware in front of the route: `router.use(jwt({ secret: process.env.JWT_SECRET }))` from `koa-jwt` above the routes (it answers 401 without a valid token), or as the route's first middleware (`router.get(path, jwt({ secret }), handler)`); with koa-passport, `passport.authenticate('jwt', { session: false })`. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    nestjs:
      "Guard the route: `@UseGuards(AuthGuard('jwt'))` (from `@nestjs/passport`) or your `JwtAuthGuard` on the method or the controller class, or register the guard for the whole app with `{ provide: APP_GUARD, useClass: JwtAuthGuard }` in a module (`app.useGlobalGuards(...)` in `main.ts`). Both answer 401 without valid credentials. Only routes that must be anonymous get `@Public()`, and then also belong under `auth.public_routes` in `.github/api-security-review.yml`.",
    trpc:
      "Build the procedure on an authenticated one: `protectedProcedure.query(...)` / `protectedProcedure.mutation(...)`, where `export const protectedProcedure = t.procedure.use(({ ctx, next }) => { if (!ctx.session?.user) throw new TRPCError({ code: 'UNAUTHORIZED' }); return next({ ctx: { session: ctx.session } }); })`, instead of `publicProcedure`. If the procedure is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.",
    default: 'Verify the caller before any work and answer 401 when the credentials are missing or invalid.',
  },
  run(context) {
    const { endpoint, config } = context;
    const configured = config.auth.functions;
    const name = `${endpoint.method} ${endpoint.route}`;

    const publicReason = publicRouteReason(endpoint.method, endpoint.route, config.auth.public_routes);
    if (publicReason !== undefined) {
      context.markPublic(publicReason);
      context.notApplicable('authn.identity', `public by design: ${publicReason}`);
      return;
    }

    // 1. A control around the handler: middleware, router-level `use`, wrapper.
    for (const control of endpoint.controls) {
      if (restoresSessionOnly(control.node)) continue;
      if (control.definition !== undefined) {
        const index = control.definitionIndex ?? endpoint.index;
        const where = index === endpoint.index ? 'line ' : `${index.path}:`;
        const signal = definitionAuthenticates(index, control.definition, configured);
        if (signal !== undefined) {
          context.pass('authn.identity', { node: control.node, note: `${control.name} authenticates: ${signal.note} (${where}${index.lineOf(signal.node)})` });
          return;
        }
        // Its body is in view and verifies nothing itself. The name still counts when the body hands
        // the work to another function (a verifier one more import away); a body that only calls
        // next() is a stub, whatever its name.
        const delegate = isAuthControlName(control.name, configured, control.kind) ? delegatedCall(index, control.definition) : undefined;
        if (delegate !== undefined) {
          context.pass('authn.identity', { node: control.node, note: `${control.name} (calls ${delegate}() at ${where}${index.lineOf(control.definition)}; not followed further)` });
          return;
        }
        continue;
      }
      if (isAuthControlName(control.name, configured, control.kind)) {
        context.pass('authn.identity', { node: control.node, note: `${control.kind === 'wrapper' ? 'wrapper' : 'middleware'} ${control.name} (recognised by name; its definition was not read)` });
        return;
      }
    }

    // 2. An identity check inside the handler (or the same-file helpers it calls), before the work.
    const signals = identityCallsIn(endpoint.index, endpoint.scopes, configured);
    if (signals.length > 0) {
      // Order is only meaningful inside the handler; a helper of the file that authenticates is taken as is.
      const handler = endpoint.handler;
      const inHandler = handler === undefined ? [] : signals.filter((s) => s.node.pos >= handler.pos && s.node.end <= handler.end);
      const first = inHandler[0] ?? signals[0];
      const work = firstDataAccess(endpoint);
      if (inHandler.length === signals.length && work !== undefined && work.pos < first.node.pos) {
        context.report({
          messageId: 'late',
          node: first.node,
          data: { endpoint: name, work: `${calleePath(work)}()` },
          severity: STATE_CHANGING.has(endpoint.method) ? 'high' : 'medium',
        });
        return;
      }
      context.pass('authn.identity', { node: first.node, note: first.note });
      return;
    }

    // 2b. A tRPC resolver or Nest handler that checks the context's session itself and throws the framework's 401.
    if ((endpoint.framework === 'trpc' || endpoint.framework === 'nestjs') && endpoint.handler !== undefined) {
      const rejection = frameworkRejection(endpoint.index, endpoint.handler);
      if (rejection !== undefined) {
        context.pass('authn.identity', { node: rejection.node, note: rejection.note.replace(/^(?:guard|middleware)/, 'the handler') });
        return;
      }
    }

    // 3. The project's middleware.ts (Next.js).
    const middleware = nextMiddlewareOutcome(endpoint, context.project);
    if (middleware.kind === 'pass') {
      context.pass('authn.identity', { file: middleware.file, line: middleware.line, note: middleware.note });
      return;
    }
    if (middleware.kind === 'unknown') {
      context.unknown('authn.identity', middleware.reason);
      return;
    }

    if (endpoint.mountedElsewhere !== undefined && endpoint.mountedAt === undefined) {
      context.unknown(
        'authn.identity',
        `the router \`${endpoint.mountedElsewhere.router}\` is mounted by another file, which was not found among the app's entry files; authentication may be applied there`,
      );
      return;
    }
    if (endpoint.mountedAt !== undefined && !endpoint.mountedAt.complete) {
      context.unknown(
        'authn.identity',
        `the router is mounted at ${endpoint.mountedAt.file}:${endpoint.mountedAt.line} by another router, whose own mount was not found; authentication may be applied there`,
      );
      return;
    }
    if (endpoint.handler === undefined) {
      context.unknown('authn.identity', `the handler ${endpoint.handlerReference ?? ''} is defined in another file and no authentication control was found around it`);
      return;
    }
    if (!doesWork(endpoint) && !STATE_CHANGING.has(endpoint.method)) {
      context.notApplicable('authn.identity', 'the handler reads no data and changes nothing');
      return;
    }
    context.report({
      messageId: 'missing',
      node: endpoint.registration.kind === SyntaxKind.CallExpression ? (endpoint.registration as ts.CallExpression).expression : endpoint.handler,
      line: endpoint.line,
      endLine: endpoint.line,
      data: { endpoint: name, example: expressExample(endpoint) },
      severity: STATE_CHANGING.has(endpoint.method) ? 'high' : 'medium',
    });
  },
});
