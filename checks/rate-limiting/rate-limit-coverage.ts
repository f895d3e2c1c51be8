/**
 * Where the rate limit of an endpoint can live, looked at in the order a
 * request meets it: a limiter declared upstream of the app, the Next.js
 * middleware, the controls around the handler (app and router `use`, the
 * entry file's mount, route middleware, wrappers, Nest guards), Fastify's
 * `@fastify/rate-limit` plugin and route `config.rateLimit`, Nest's
 * `@Throttle` / `@SkipThrottle`, and limiter calls in the code itself.
 * Every shape CodeQL's `js/missing-rate-limiting` misreads (a plugin, a
 * wrapped middleware, an app-level `use`, the entry file's mount) is covered.
 */
import { ts, SyntaxKind, canHaveDecorators, getDecorators, isCallExpression, isIdentifier, isObjectLiteralExpression, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { calleeName, enclosingFunction, expressionPath, importSources, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { codeRegions, type Endpoint } from '../frameworks/endpoint.js';
import { bootstrapCandidates } from '../frameworks/express-mounts.js';
import { moduleCandidates } from '../frameworks/resolve-imports.js';
import type { ProjectContext } from '../project-context.js';
import type { Config } from '../../src/config/schema.js';
import { controlLimiter, fastifyLimiterRegistrations, ignoredLimitResult, importsLimiter, limiterCallsIn, propertyOf, type LimiterSignal } from './limiter-signals.js';
import { nextMiddlewareFor, wholeFile } from './next-middleware-coverage.js';

export type RateLimitCoverage =
  | { kind: 'limited'; evidence: { node?: ts.Node; line?: number; file?: string; note: string } }
  | { kind: 'disabled'; node: ts.Node; how: string }
  | { kind: 'unenforced'; signal: LimiterSignal }
  | { kind: 'unknown'; reason: string }
  | { kind: 'none' };

export const CONFIG_FILE = '.github/api-security-review.yml';

/** Decides whether something limits the rate of requests to `endpoint`, and where. */
export function rateLimitCoverage(endpoint: Endpoint, config: Config, project: ProjectContext): RateLimitCoverage {
  const configured = config.rate_limit.functions;
  if (config.rate_limit.upstream) {
    return { kind: 'limited', evidence: { file: CONFIG_FILE, line: 1, note: 'rate_limit.upstream: true: the repository declares that limits are enforced upstream (API gateway, CDN or proxy)' } };
  }

  const nest = endpoint.framework === 'nestjs' ? nestThrottleMarkers(endpoint) : {};
  if (nest.skip !== undefined) return { kind: 'disabled', node: nest.skip, how: endpoint.index.textOf(nest.skip) };

  for (const control of endpoint.controls) {
    const signal = controlLimiter(control, endpoint.index, configured);
    if (signal !== undefined) {
      const where = signal.index === endpoint.index ? '' : ` in ${signal.index.path}`;
      return { kind: 'limited', evidence: { node: signal.node, file: signal.index.path, line: signal.index.lineOf(signal.node), note: `${describeControl(control.kind)} ${signal.note}${where}` } };
    }
  }

  if (endpoint.framework === 'fastify') {
    const fastify = fastifyCoverage(endpoint, project);
    if (fastify.kind !== 'none') return fastify;
  }

  for (const { index, scopes } of codeRegions(endpoint)) {
    const signals = limiterCallsIn(index, scopes, configured);
    const ignored = signals.find(ignoredLimitResult);
    if (ignored !== undefined) return { kind: 'unenforced', signal: ignored };
    const first = signals[0];
    if (first !== undefined) return { kind: 'limited', evidence: { node: first.node, file: index.path, line: index.lineOf(first.node), note: first.note } };
  }

  const middleware = nextMiddlewareFor(endpoint, project);
  if (middleware.status === 'unavailable') return { kind: 'unknown', reason: `${middleware.path} ${middleware.reason}; it may rate-limit this route` };
  if (middleware.status === 'found') {
    const signal = limiterCallsIn(middleware.index, wholeFile(middleware.index), configured)[0];
    const module = importsLimiter(middleware.index);
    if (signal !== undefined || module !== undefined) {
      const line = signal !== undefined ? middleware.index.lineOf(signal.node) : 1;
      const what = signal !== undefined ? signal.note : `imports ${module}`;
      if (middleware.covers === true) return { kind: 'limited', evidence: { file: middleware.path, line, note: `${middleware.path}: ${what} (${middleware.coverage})` } };
      if (middleware.covers === 'unknown') return { kind: 'unknown', reason: `${middleware.path}:${line} rate-limits, but ${middleware.coverage}; check that it runs for this route` };
    }
  }

  if (nest.throttle !== undefined) {
    return { kind: 'unknown', reason: `${endpoint.index.textOf(nest.throttle)} sets limits that only ThrottlerGuard enforces, and no ThrottlerGuard was found among the route's guards (it may be an APP_GUARD in a module that was not read)` };
  }
  if (endpoint.mountedElsewhere !== undefined && endpoint.mountedAt === undefined) {
    const where = endpoint.framework === 'nestjs' ? `the controller ${endpoint.mountedElsewhere.router} is registered by a module that was not found` : `the router \`${endpoint.mountedElsewhere.router}\` is mounted by another file, which was not found among the app's entry files`;
    return { kind: 'unknown', reason: `${where}; a limiter may be applied there` };
  }
  if (endpoint.mountedAt !== undefined && !endpoint.mountedAt.complete) {
    return { kind: 'unknown', reason: `the router is mounted at ${endpoint.mountedAt.file}:${endpoint.mountedAt.line} by another router, whose own mount was not found; a limiter may be applied there` };
  }
  return { kind: 'none' };
}

function describeControl(kind: 'middleware' | 'router-middleware' | 'wrapper'): string {
  return kind === 'wrapper' ? 'wrapper' : kind === 'router-middleware' ? 'app/router-level middleware' : 'route middleware';
}

/**
 * Fastify: `@fastify/rate-limit` registered in the route's plugin scope or
 * an enclosing one (global unless `global: false`), or by the entry file
 * that registers this plugin; the route's own `config: { rateLimit }`.
 */
function fastifyCoverage(endpoint: Endpoint, project: ProjectContext): RateLimitCoverage {
  const registration = endpoint.registration as ts.CallExpression;
  const routeConfig = fastifyRouteConfig(endpoint, registration);
  if (routeConfig !== undefined) {
    if (routeConfig.kind === SyntaxKind.FalseKeyword) return { kind: 'disabled', node: routeConfig, how: '`config: { rateLimit: false }`' };
    return { kind: 'limited', evidence: { node: routeConfig, note: `route option config.rateLimit ${endpoint.index.textOf(routeConfig).replace(/\s+/g, ' ').slice(0, 80)}` } };
  }
  for (const registered of fastifyLimiterRegistrations(endpoint.index)) {
    const container = enclosingFunction(registered.call);
    const inScope = container === undefined || (registration.pos >= container.pos && registration.end <= container.end);
    if (inScope && registered.global) {
      return { kind: 'limited', evidence: { node: registered.call, note: `@fastify/rate-limit registered for the plugin scope: ${expressionPath(registered.call.expression)}(${endpoint.index.textOf(registered.call.arguments[0])}...)` } };
    }
  }
  if (!isFastifyPluginRoute(endpoint, registration)) return { kind: 'none' };
  // Routes of a plugin: the entry file that registers the plugin may register the limiter for every route.
  const candidates = bootstrapCandidates(endpoint.file);
  let registeringFile: string | undefined;
  for (const candidate of candidates) {
    const file = project.get(candidate);
    if (file?.status !== 'found') continue;
    const global = fastifyLimiterRegistrations(file.index).find((registered) => registered.global && enclosingFunction(registered.call) === undefined);
    if (global !== undefined) {
      return { kind: 'limited', evidence: { file: candidate, line: file.index.lineOf(global.call), note: `@fastify/rate-limit registered globally in ${candidate}` } };
    }
    if (registeringFile === undefined && importsFile(file.index, endpoint.file)) registeringFile = candidate;
  }
  if (registeringFile !== undefined) return { kind: 'none' };
  return {
    kind: 'unknown',
    reason: `the routes are declared in a Fastify plugin; the file that registers it (e.g. ${candidates.slice(0, 2).join(' or ')}) was not read, and @fastify/rate-limit may be registered there for every route`,
  };
}

/** The route's `config.rateLimit` option: `fastify.post(path, { config: { rateLimit: { max: 5 } } }, handler)`. */
function fastifyRouteConfig(endpoint: Endpoint, registration: ts.CallExpression): ts.Expression | undefined {
  const variables = variablesByName(endpoint.index);
  for (const argument of registration.arguments) {
    let options = unwrapExpression(argument);
    if (isIdentifier(options)) {
      const initializer = variables.get(options.text)?.initializer;
      if (initializer === undefined) continue;
      options = unwrapExpression(initializer);
    }
    if (!isObjectLiteralExpression(options)) continue;
    const routeConfig = propertyOf(options, 'config');
    if (routeConfig === undefined || !isObjectLiteralExpression(routeConfig)) continue;
    const rateLimit = propertyOf(routeConfig, 'rateLimit');
    if (rateLimit !== undefined) return rateLimit;
  }
  return undefined;
}

/** Whether the route's instance comes from outside (a plugin's parameter) rather than `Fastify()` in this file. */
function isFastifyPluginRoute(endpoint: Endpoint, registration: ts.CallExpression): boolean {
  let current: ts.Expression = unwrapExpression(registration.expression);
  for (let depth = 0; depth < 16 && !isIdentifier(current); depth++) {
    if (isPropertyAccessExpression(current) || isCallExpression(current)) current = unwrapExpression(current.expression);
    else return true;
  }
  if (!isIdentifier(current)) return true;
  const initializer = variablesByName(endpoint.index).get(current.text)?.initializer;
  if (initializer === undefined) return true;
  const created = unwrapExpression(initializer);
  return !(isCallExpression(created) && /^(?:fastify|Fastify|default)$/.test(calleeName(created)));
}

function importsFile(index: SourceIndex, file: string): boolean {
  for (const source of importSources(index).values()) if (moduleCandidates(index.path, source.module).includes(file)) return true;
  return false;
}

/**
 * NestJS throttler metadata on the method or its class: `@Throttle(...)`
 * sets limits, `@SkipThrottle()` switches them off (`@SkipThrottle(false)`
 * or `{ default: false }` on the method switches them back on).
 */
function nestThrottleMarkers(endpoint: Endpoint): { throttle?: ts.Node; skip?: ts.Node } {
  const method = endpoint.registration;
  const owner = method.parent;
  const found: { throttle?: ts.Node; skip?: ts.Node } = {};
  // Method decorators last: they override the class's.
  for (const node of [owner, method]) {
    if (node === undefined || !canHaveDecorators(node)) continue;
    for (const decorator of getDecorators(node) ?? []) {
      const expression = unwrapExpression(decorator.expression);
      const name = isCallExpression(expression) ? calleeName(expression) : isIdentifier(expression) ? expression.text : '';
      if (name === 'Throttle') found.throttle = decorator;
      if (name === 'SkipThrottle') {
        const argument = isCallExpression(expression) ? expression.arguments[0] : undefined;
        const off = argument !== undefined && (argument.kind === SyntaxKind.FalseKeyword || /default\s*:\s*false/.test(endpoint.index.textOf(argument)));
        found.skip = off ? undefined : decorator;
      }
    }
  }
  return found;
}
