/**
 * Koa endpoints through `@koa/router` (or `koa-router`): `router.get(path,
 * ...middleware, handler)`, named routes `router.get('name', path, ...)`,
 * with the `router.use(...)` registered before the route and the `app.use`
 * middleware registered before `app.use(router.routes())` as controls.
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isCallExpression, isIdentifier, isNewExpression, isNumericLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment, isRegularExpressionLiteral, isStringLiteral } from '../lang/ts/parse.js';
import { compileUntrustedPattern } from '../lang/untrusted-pattern.js';
import { calleeName, expressionPath, functionsByName, importSources, isFunctionNode, namePattern, stringValue, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';
import { mentionsFramework } from './framework-mentions.js';

const ROUTER_MODULES = new Set(['@koa/router', 'koa-router']);
const ROUTE_METHODS: ReadonlyMap<string, string> = new Map([
  ['get', 'GET'],
  ['post', 'POST'],
  ['put', 'PUT'],
  ['patch', 'PATCH'],
  ['delete', 'DELETE'],
  ['del', 'DELETE'],
  ['head', 'HEAD'],
  ['options', 'OPTIONS'],
  ['all', 'ALL'],
]);
/** Router methods that return the router, so that calls chain. */
const CHAINABLE = new Set([...ROUTE_METHODS.keys(), 'use', 'param', 'prefix']);
const ROUTE_CALL = namePattern(ROUTE_METHODS.keys());

function requiredModule(node: ts.Expression): string | undefined {
  const unwrapped = unwrapExpression(node);
  if (!isCallExpression(unwrapped) || !isIdentifier(unwrapped.expression) || unwrapped.expression.text !== 'require') return undefined;
  return stringValue(unwrapped.arguments[0]);
}

/** Local names of the router class: `import Router from '@koa/router'`, `const Router = require('koa-router')`. */
function routerClasses(index: SourceIndex): Set<string> {
  const classes = new Set<string>();
  for (const [local, source] of importSources(index)) if (ROUTER_MODULES.has(source.module)) classes.add(local);
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    if (!isIdentifier(variable.name) || variable.initializer === undefined) continue;
    const initializer = unwrapExpression(variable.initializer);
    const module = requiredModule(isPropertyAccessExpression(initializer) ? initializer.expression : initializer);
    if (module !== undefined && ROUTER_MODULES.has(module)) classes.add(variable.name.text);
  }
  return classes;
}

/** Variables holding a Koa app: `const app = new Koa()` with `Koa` from 'koa' (import or require). */
export function koaAppNames(index: SourceIndex): Set<string> {
  return index.memo('koaAppNames', () => {
    const classes = new Set<string>();
    for (const [local, source] of importSources(index)) if (source.module === 'koa') classes.add(local);
    const names = new Set<string>();
    for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
      if (!isIdentifier(variable.name) || variable.initializer === undefined) continue;
      const initializer = unwrapExpression(variable.initializer);
      if (!isNewExpression(initializer)) continue;
      const constructor = unwrapExpression(initializer.expression);
      if ((isIdentifier(constructor) && classes.has(constructor.text)) || requiredModule(constructor) === 'koa') names.add(variable.name.text);
    }
    return names;
  });
}

/** `new Router({ prefix })`, `Router()`, `require('koa-router')()`: the router's prefix, or undefined when not a router. */
function routerConstruction(node: ts.Expression, classes: ReadonlySet<string>): { prefix: string } | undefined {
  const unwrapped = unwrapExpression(node);
  if (!isNewExpression(unwrapped) && !isCallExpression(unwrapped)) return undefined;
  const constructor = unwrapExpression(unwrapped.expression);
  const module = requiredModule(constructor);
  const isRouter = (isIdentifier(constructor) && classes.has(constructor.text)) || (module !== undefined && ROUTER_MODULES.has(module));
  if (!isRouter) return undefined;
  const options = unwrapped.arguments?.[0] === undefined ? undefined : unwrapExpression(unwrapped.arguments[0]);
  if (options === undefined || !isObjectLiteralExpression(options)) return { prefix: '' };
  for (const property of options.properties) {
    if (isPropertyAssignment(property) && isIdentifier(property.name) && property.name.text === 'prefix') return { prefix: stringValue(property.initializer) ?? '' };
  }
  return { prefix: '' };
}

function routersOf(index: SourceIndex, classes: ReadonlySet<string>): Map<string, { prefix: string }> {
  const routers = new Map<string, { prefix: string }>();
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    if (!isIdentifier(variable.name) || variable.initializer === undefined) continue;
    const router = routerConstruction(variable.initializer, classes);
    if (router !== undefined) routers.set(variable.name.text, router);
  }
  if (classes.size > 0) {
    // `export default (router: Router) => { router.get(...) }`.
    for (const parameter of index.nodesOfKind<ts.ParameterDeclaration>(SyntaxKind.Parameter)) {
      if (!isIdentifier(parameter.name) || routers.has(parameter.name.text)) continue;
      const type = parameter.type === undefined ? '' : index.textOf(parameter.type);
      if ([...classes].some((name) => type === name || type.startsWith(`${name}<`)) || (type === '' && /^(?:router|api)$/.test(parameter.name.text))) {
        routers.set(parameter.name.text, { prefix: '' });
      }
    }
  }
  return routers;
}

/** The router a call chain starts from: `router` for `router.use(mw).get(...)`. */
function chainRoot(expression: ts.Expression, routers: ReadonlyMap<string, unknown>): string | undefined {
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < 16; depth++) {
    if (isIdentifier(current)) return routers.has(current.text) ? current.text : undefined;
    if (!isCallExpression(current)) return undefined;
    const callee = unwrapExpression(current.expression);
    if (!isPropertyAccessExpression(callee) || !CHAINABLE.has(callee.name.text)) return undefined;
    current = unwrapExpression(callee.expression);
  }
  return undefined;
}

function looksLikePath(value: string): boolean {
  return value.startsWith('/') || value === '*' || value === '(.*)';
}

function pathText(node: ts.Expression | undefined): string | undefined {
  if (node === undefined) return undefined;
  const unwrapped = unwrapExpression(node);
  const text = stringValue(unwrapped);
  if (text !== undefined) return text;
  if (isRegularExpressionLiteral(unwrapped)) return unwrapped.text;
  if (isArrayLiteralExpression(unwrapped)) return unwrapped.elements.map((element) => stringValue(element)).find((value) => value !== undefined);
  return undefined;
}

/** @koa/router's prefixing: `/api` + `/` is `/api`. */
function withPrefix(prefix: string, path: string): string {
  if (prefix === '') return path;
  return path === '/' ? prefix : `${prefix}${path}`;
}

function pathApplies(usePath: string | undefined, route: string): boolean {
  if (usePath === undefined || usePath === '/' || usePath === '*' || usePath === '(.*)') return true;
  const prefix = usePath.endsWith('/') ? usePath.slice(0, -1) : usePath;
  return route === prefix || route.startsWith(`${prefix}/`);
}

/** `router.routes()` / `router.allowedMethods()` mount a router; they are not controls. */
function mountedRouter(expression: ts.Expression, routers: ReadonlyMap<string, unknown>): string | undefined {
  const unwrapped = unwrapExpression(expression);
  if (!isCallExpression(unwrapped) || !['routes', 'middleware', 'allowedMethods'].includes(calleeName(unwrapped))) return undefined;
  const callee = unwrapExpression(unwrapped.expression);
  if (!isPropertyAccessExpression(callee)) return undefined;
  const target = unwrapExpression(callee.expression);
  return isIdentifier(target) && routers.has(target.text) ? target.text : '';
}

/**
 * `jwt({ secret }).unless({ path: [/^\/public/] })` (koa-jwt): the control
 * is the inner middleware, unless the route is one of the excluded paths.
 * Paths that cannot be read leave the control as written (it then counts
 * only by its own name, which `unless` is not).
 */
function unlessControl(call: ts.CallExpression, route: string): { excluded: boolean; inner?: ts.CallExpression } {
  const callee = unwrapExpression(call.expression);
  if (!isPropertyAccessExpression(callee) || callee.name.text !== 'unless') return { excluded: false };
  const inner = unwrapExpression(callee.expression);
  const options = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
  if (!isCallExpression(inner) || options === undefined || !isObjectLiteralExpression(options)) return { excluded: false };
  const pathProperty = options.properties.find((p): p is ts.PropertyAssignment => isPropertyAssignment(p) && isIdentifier(p.name) && p.name.text === 'path');
  if (pathProperty === undefined || options.properties.length !== 1) return { excluded: false };
  const value = unwrapExpression(pathProperty.initializer);
  const entries = isArrayLiteralExpression(value) ? [...value.elements] : [value];
  for (const entry of entries) {
    const text = stringValue(entry);
    if (text !== undefined) {
      if (text === route) return { excluded: true };
      continue;
    }
    if (!isRegularExpressionLiteral(entry)) return { excluded: false };
    const literal = entry.text;
    const slash = literal.lastIndexOf('/');
    // The pattern and the route both come from the PR: compiled and tested only when that cannot backtrack for long.
    const matches = compileUntrustedPattern(literal.slice(1, slash), literal.slice(slash + 1))?.(route);
    if (matches === undefined) return { excluded: false };
    if (matches) return { excluded: true };
  }
  return { excluded: false, inner };
}

function controlFor(index: SourceIndex, expression: ts.Expression, kind: Control['kind'], functions: Map<string, FunctionNode>, route: string): Control | undefined {
  let unwrapped = unwrapExpression(expression);
  const line = index.lineOf(expression);
  if (isFunctionNode(unwrapped)) return { kind, name: '(inline function)', node: expression, line, definition: unwrapped };
  if (isCallExpression(unwrapped)) {
    const unless = unlessControl(unwrapped, route);
    if (unless.excluded) return undefined;
    if (unless.inner !== undefined) unwrapped = unless.inner;
  }
  if (isCallExpression(unwrapped)) {
    const definition = isIdentifier(unwrapped.expression) ? functions.get(unwrapped.expression.text) : undefined;
    return { kind, name: expressionPath(unwrapped.expression), node: expression, line, definition };
  }
  const definition = isIdentifier(unwrapped) ? functions.get(unwrapped.text) : undefined;
  return { kind, name: expressionPath(unwrapped), node: expression, line, definition };
}

interface UseCall {
  /** The router or app `use` is called on. */
  target: string;
  call: ts.CallExpression;
  path?: string;
  middleware: ts.Expression[];
  /** Routers this call mounts (`app.use(router.routes())`). */
  mounts: string[];
}

function collectUses(index: SourceIndex, routers: ReadonlyMap<string, unknown>): UseCall[] {
  const uses: UseCall[] = [];
  for (const call of index.callsNamed(/^use$/)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee) || callee.name.text !== 'use') continue;
    const base = unwrapExpression(callee.expression);
    // Any `x.use(...)`: a Koa app is known by what it mounts, and a chain by its router.
    const target = isIdentifier(base) ? base.text : chainRoot(base, routers);
    if (target === undefined) continue;
    const path = pathText(call.arguments[0]);
    const args = [...call.arguments].slice(path !== undefined ? 1 : 0);
    const mounts: string[] = [];
    const middleware: ts.Expression[] = [];
    for (const argument of args) {
      const mounted = mountedRouter(argument, routers);
      if (mounted === undefined) middleware.push(argument);
      else if (mounted !== '') mounts.push(mounted);
    }
    uses.push({ target, call, path, middleware, mounts });
  }
  return uses;
}

/** The route call's own text: in `router.get(...).post(...)`, the `.post(...)` part only. */
function registrationScope(call: ts.CallExpression): Scope {
  const callee = unwrapExpression(call.expression);
  if (isPropertyAccessExpression(callee) && isCallExpression(unwrapExpression(callee.expression))) return { pos: callee.expression.end, end: call.end };
  return { pos: call.pos, end: call.end };
}

/**
 * Endpoints of Koa routers in this file. The route includes the router's
 * own `prefix` option, not the path of a parent that mounts it.
 */
export function discoverKoaRoutes(index: SourceIndex): Endpoint[] {
  if (!mentionsFramework(index, 'koa')) return [];
  const routers = routersOf(index, routerClasses(index));
  if (routers.size === 0) return [];
  const functions = functionsByName(index);
  const uses = collectUses(index, routers);
  const endpoints: Endpoint[] = [];
  const apps = koaAppNames(index);

  /** Whether a Koa app of this file serves `router` (directly or through parent routers); else another file mounts it. */
  const servedHere = (router: string, depth: number): boolean =>
    depth <= 4 && uses.some((use) => use.mounts.includes(router) && use.target !== router && (apps.has(use.target) || servedHere(use.target, depth + 1)));

  /** Middleware of whatever mounts `router` (an app or a parent router), registered before the mount. */
  const mountControls = (router: string, route: string, depth: number): Control[] => {
    if (depth > 4) return [];
    const controls: Control[] = [];
    for (const mount of uses) {
      if (!mount.mounts.includes(router) || mount.target === router) continue;
      controls.push(...mountControls(mount.target, route, depth + 1));
      for (const earlier of uses) {
        if (earlier.target !== mount.target || earlier.call.end >= mount.call.end || earlier === mount) continue;
        if (!pathApplies(earlier.path, mount.path ?? '/')) continue;
        for (const middleware of earlier.middleware) {
          const control = controlFor(index, middleware, 'router-middleware', functions, route);
          if (control !== undefined) controls.push(control);
        }
      }
      for (const middleware of mount.middleware) {
        const control = controlFor(index, middleware, 'router-middleware', functions, route);
        if (control !== undefined) controls.push(control);
      }
    }
    return controls;
  };

  for (const call of index.callsNamed(ROUTE_CALL)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee)) continue;
    const method = ROUTE_METHODS.get(callee.name.text);
    if (method === undefined) continue;
    const router = chainRoot(callee.expression, routers);
    if (router === undefined) continue;
    let path = pathText(call.arguments[0]);
    let handlerArguments = [...call.arguments].slice(1);
    // Named route: `router.get('user', '/users/:id', handler)`.
    const second = pathText(call.arguments[1]);
    if (path !== undefined && !looksLikePath(path) && second !== undefined && looksLikePath(second)) {
      path = second;
      handlerArguments = [...call.arguments].slice(2);
    }
    if (path === undefined || !looksLikePath(path) || handlerArguments.length === 0) continue;
    const last = unwrapExpression(handlerArguments[handlerArguments.length - 1]);
    if (isObjectLiteralExpression(last) || isStringLiteral(last) || isNumericLiteral(last)) continue;

    const prefix = routers.get(router)?.prefix ?? '';
    const route = withPrefix(prefix, path);
    const controls: Control[] = mountControls(router, route, 0);
    for (const use of uses) {
      if (use.target !== router || use.call.end >= call.end || !pathApplies(use.path, path)) continue;
      for (const middleware of use.middleware) {
        const control = controlFor(index, middleware, 'router-middleware', functions, route);
        if (control !== undefined) controls.push(control);
      }
    }
    for (const middleware of handlerArguments.slice(0, -1)) {
      const control = controlFor(index, middleware, 'middleware', functions, route);
      if (control !== undefined) controls.push(control);
    }

    let handler: FunctionNode | undefined;
    let handlerReference: string | undefined;
    if (isFunctionNode(last)) handler = last;
    else if (isIdentifier(last) && functions.has(last.text)) handler = functions.get(last.text);
    else handlerReference = index.textOf(last);

    const roots: ts.Node[] = handler === undefined ? [] : [handler];
    for (const control of controls) if (control.definition !== undefined) roots.push(control.definition);
    endpoints.push({
      file: index.path,
      framework: 'koa',
      method,
      route,
      line: index.lineOf(callee.name),
      registration: call,
      handler,
      handlerReference,
      controls,
      scopes: [registrationScope(call), ...reachableScopes(index, roots, functions)],
      index,
      mountedElsewhere: servedHere(router, 0) ? undefined : { router },
    });
  }
  return endpoints;
}
