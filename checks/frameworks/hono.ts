/**
 * Hono endpoints: `app.get(path, ...middleware, handler)`, `app.on(method,
 * path, ...)`, chained `app.get(...).post(...)`, with the `app.use(path?,
 * ...middleware)` registered before the route as controls, and those of a
 * parent app before the `parent.route(prefix, subApp)` that mounts it.
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isCallExpression, isIdentifier, isNewExpression, isNumericLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isSpreadElement, isStringLiteral } from '../lang/ts/parse.js';
import { compileUntrustedPattern } from '../lang/untrusted-pattern.js';
import { calleeName, expressionPath, functionsByName, isFunctionNode, namePattern, stringValue, unwrapExpression, variablesByName, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';
import { mentionsFramework } from './framework-mentions.js';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'options', 'all']);
/** Methods that return the app, so that calls chain. */
const CHAINABLE = new Set([...ROUTE_METHODS, 'on', 'use', 'route', 'basePath']);
const CHAINABLE_CALL = namePattern(CHAINABLE);
const APP_CLASSES = new Set(['Hono', 'OpenAPIHono']);

/** An app: `root` identifies the router it writes to (a `basePath` clone shares it), `base` is its base path. */
interface App {
  root: string;
  base: string;
}

/** Hono's own path joining: `/api` + `/` is `/api`, `/api` + `*` is `/api/*`. */
function joinPath(base: string, path: string): string {
  if (base === '') return path;
  const trimmed = base.endsWith('/') ? base.slice(0, -1) : base;
  if (path === '/' || path === '') return trimmed === '' ? '/' : trimmed;
  return path.startsWith('/') ? `${trimmed}${path}` : `${trimmed}/${path}`;
}

function isAppConstruction(node: ts.Expression): boolean {
  if (isNewExpression(node)) return isIdentifier(node.expression) && APP_CLASSES.has(node.expression.text);
  // `createFactory().createApp()` from 'hono/factory'.
  return isCallExpression(node) && calleeName(node) === 'createApp';
}

/**
 * The app a call chain writes to: `app` for `app.use(mw).get(...)`,
 * the new app itself for `new Hono().basePath('/api').get(...)`.
 */
function appOf(expression: ts.Expression, apps: ReadonlyMap<string, App>): App | undefined {
  const current = unwrapExpression(expression);
  if (isIdentifier(current)) return apps.get(current.text);
  if (isAppConstruction(current)) return { root: `new@${current.pos}`, base: '' };
  if (!isCallExpression(current)) return undefined;
  const callee = unwrapExpression(current.expression);
  if (!isPropertyAccessExpression(callee) || !CHAINABLE.has(callee.name.text)) return undefined;
  const inner = appOf(callee.expression, apps);
  if (inner === undefined || callee.name.text !== 'basePath') return inner;
  const base = stringValue(current.arguments[0]);
  return base === undefined ? undefined : { root: inner.root, base: joinPath(inner.base, base) };
}

function appsOf(index: SourceIndex): Map<string, App> {
  const apps = new Map<string, App>();
  for (const parameter of index.nodesOfKind<ts.ParameterDeclaration>(SyntaxKind.Parameter)) {
    // `export function registerUsers(app: Hono<Env>)`.
    if (isIdentifier(parameter.name) && parameter.type !== undefined && /^(?:Hono|OpenAPIHono)\b/.test(index.textOf(parameter.type))) {
      apps.set(parameter.name.text, { root: parameter.name.text, base: '' });
    }
  }
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    if (!isIdentifier(variable.name) || variable.initializer === undefined) continue;
    const app = appOf(variable.initializer, apps);
    if (app !== undefined) apps.set(variable.name.text, app);
  }
  return apps;
}

/** The path Hono keeps after a chained call: a method without a path reuses the previous one. */
function currentPath(call: ts.CallExpression): string {
  const callee = unwrapExpression(call.expression);
  if (!isPropertyAccessExpression(callee)) return '/';
  const name = callee.name.text;
  if (name === 'on') return pathValues(call.arguments[1])[0] ?? '/';
  const first = stringValue(call.arguments[0]);
  if (name === 'use') return first ?? '*';
  if (ROUTE_METHODS.has(name) && first !== undefined) return first;
  const inner = unwrapExpression(callee.expression);
  return isCallExpression(inner) ? currentPath(inner) : '/';
}

function pathValues(node: ts.Expression | undefined): string[] {
  if (node === undefined) return [];
  const unwrapped = unwrapExpression(node);
  if (isArrayLiteralExpression(unwrapped)) return unwrapped.elements.map((element) => stringValue(element)).filter((value): value is string => value !== undefined);
  const value = stringValue(unwrapped);
  return value === undefined ? [] : [value];
}

/** A `use` / route path pattern as a test on a route: `*` is anything, `:id` one segment, `/api/*` includes `/api`. */
function patternMatcher(pattern: string): (route: string) => boolean {
  if (pattern === '*' || pattern === '/*') return () => true;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const rest = pattern.slice(i);
    if (rest === '/*') {
      source += '(?:/.*)?';
      break;
    }
    const param = /^:\w+(?:\{[^}]*\})?\??/.exec(rest);
    if (param !== null) {
      source += '[^/]+';
      i += param[0].length - 1;
    } else if (pattern[i] === '*') source += '.*';
    else source += pattern[i].replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  // A PR-written pattern (a dozen `*` make a dozen `.*`): one that could backtrack for long covers nothing (fail closed).
  const matcher = compileUntrustedPattern(`^${source}/?$`);
  return (route) => matcher?.(route) === true;
}

/** Handler arguments, with `...factory.createHandlers(a, b)` opened up. */
function handlerArguments(args: readonly ts.Expression[]): ts.Expression[] {
  return args.flatMap((argument) => {
    if (isSpreadElement(argument)) {
      const spread = unwrapExpression(argument.expression);
      if (isCallExpression(spread) && calleeName(spread) === 'createHandlers') return [...spread.arguments];
    }
    return [argument];
  });
}

/** A middleware's function in this file: `function auth(c, next)`, or `const auth = createMiddleware(async (c, next) => ...)`. */
function definitionOf(name: string, functions: Map<string, FunctionNode>, variables: Map<string, ts.VariableDeclaration>): FunctionNode | undefined {
  const local = functions.get(name);
  if (local !== undefined) return local;
  const initializer = variables.get(name)?.initializer;
  if (initializer === undefined) return undefined;
  const call = unwrapExpression(initializer);
  if (!isCallExpression(call) || calleeName(call) !== 'createMiddleware') return undefined;
  const argument = call.arguments.map((a) => unwrapExpression(a)).find(isFunctionNode);
  return argument !== undefined && isFunctionNode(argument) ? argument : undefined;
}

function controlFor(index: SourceIndex, expression: ts.Expression, kind: Control['kind'], functions: Map<string, FunctionNode>, variables: Map<string, ts.VariableDeclaration>): Control {
  const unwrapped = unwrapExpression(expression);
  const line = index.lineOf(expression);
  if (isFunctionNode(unwrapped)) return { kind, name: '(inline function)', node: expression, line, definition: unwrapped };
  if (isCallExpression(unwrapped)) {
    const definition = isIdentifier(unwrapped.expression) ? definitionOf(unwrapped.expression.text, functions, variables) : undefined;
    return { kind, name: expressionPath(unwrapped.expression), node: expression, line, definition };
  }
  const definition = isIdentifier(unwrapped) ? definitionOf(unwrapped.text, functions, variables) : undefined;
  return { kind, name: expressionPath(unwrapped), node: expression, line, definition };
}

interface Use {
  app: App;
  call: ts.CallExpression;
  matches: (route: string) => boolean;
  handlers: ts.Expression[];
}

interface Mount {
  parent: App;
  call: ts.CallExpression;
  prefix: string;
  child: App;
}

/** The route call's own text: in `app.get(...).post(...)`, the `.post(...)` part only. */
function registrationScope(call: ts.CallExpression): Scope {
  const callee = unwrapExpression(call.expression);
  if (isPropertyAccessExpression(callee) && isCallExpression(unwrapExpression(callee.expression))) return { pos: callee.expression.end, end: call.end };
  return { pos: call.pos, end: call.end };
}

/**
 * Endpoints of Hono apps in this file. The route includes the app's own
 * `basePath`, but not the prefix of an `app.route(prefix, subApp)` mount
 * (the route as registered on the sub-app).
 */
export function discoverHonoRoutes(index: SourceIndex): Endpoint[] {
  if (!mentionsFramework(index, 'hono')) return [];
  const apps = appsOf(index);
  const functions = functionsByName(index);
  const variables = variablesByName(index);
  const uses: Use[] = [];
  const mounts: Mount[] = [];
  const routes: { call: ts.CallExpression; app: App; methods: string[]; paths: string[]; args: ts.Expression[]; line: number }[] = [];

  for (const call of index.callsNamed(CHAINABLE_CALL)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee)) continue;
    const name = callee.name.text;
    if (!CHAINABLE.has(name) || name === 'basePath') continue;
    const app = appOf(callee.expression, apps);
    if (app === undefined) continue;
    const chained = isCallExpression(unwrapExpression(callee.expression));
    const line = index.lineOf(callee.name);
    const args = [...call.arguments];
    if (name === 'use') {
      const path = stringValue(args[0]);
      uses.push({ app, call, matches: patternMatcher(joinPath(app.base, path ?? '*')), handlers: handlerArguments(path === undefined ? args : args.slice(1)) });
    } else if (name === 'route') {
      const prefix = stringValue(args[0]);
      const child = args[1] === undefined ? undefined : appOf(args[1], apps);
      if (prefix !== undefined && child !== undefined) mounts.push({ parent: app, call, prefix: joinPath(app.base, prefix), child });
    } else if (name === 'on') {
      const methods = pathValues(args[0]).map((method) => method.toUpperCase());
      routes.push({ call, app, methods, paths: pathValues(args[1]), args: handlerArguments(args.slice(2)), line });
    } else {
      const path = stringValue(args[0]);
      // Without a path the method reuses the chain's current one: `app.get('/x', h).post(h2)`.
      if (path === undefined && !chained) continue;
      const paths = path !== undefined ? [path] : [currentPath(unwrapExpression(callee.expression) as ts.CallExpression)];
      routes.push({ call, app, methods: [name.toUpperCase()], paths, args: handlerArguments(path !== undefined ? args.slice(1) : args), line });
    }
  }

  const endpoints: Endpoint[] = [];
  for (const route of routes) {
    if (route.args.length === 0 || route.methods.length === 0) continue;
    const last = unwrapExpression(route.args[route.args.length - 1]);
    // A route needs a handler: `c.get('user')`-like calls with a literal last argument are something else.
    if (isObjectLiteralExpression(last) || isStringLiteral(last) || isNumericLiteral(last)) continue;
    let handler: FunctionNode | undefined;
    let handlerReference: string | undefined;
    if (isFunctionNode(last)) handler = last;
    else if (isIdentifier(last) && functions.has(last.text)) handler = functions.get(last.text);
    else handlerReference = index.textOf(last);

    for (const path of route.paths) {
      if (!path.startsWith('/') && path !== '*') continue;
      const fullPath = joinPath(route.app.base, path);
      const controls: Control[] = [];
      const addUses = (app: App, before: number, routePath: string) => {
        for (const use of uses) {
          if (use.app.root !== app.root || use.call.end >= before || !use.matches(routePath)) continue;
          for (const middleware of use.handlers) controls.push(controlFor(index, middleware, 'router-middleware', functions, variables));
        }
      };
      for (const mount of mounts) if (mount.child.root === route.app.root) addUses(mount.parent, mount.call.end, joinPath(mount.prefix, fullPath));
      addUses(route.app, route.call.end, fullPath);
      for (const middleware of route.args.slice(0, -1)) controls.push(controlFor(index, middleware, 'middleware', functions, variables));

      const roots: ts.Node[] = handler === undefined ? [] : [handler];
      for (const control of controls) if (control.definition !== undefined) roots.push(control.definition);
      const scopes = [registrationScope(route.call), ...reachableScopes(index, roots, functions)];
      for (const method of route.methods) {
        endpoints.push({ file: index.path, framework: 'hono', method, route: fullPath, line: route.line, registration: route.call, handler, handlerReference, controls, scopes, index });
      }
    }
  }
  return endpoints;
}
