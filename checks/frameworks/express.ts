/**
 * Express endpoints: `app.get(path, ...middleware, handler)`,
 * `router.route(path).get(...).post(...)`, `.all`, with the `app.use` /
 * `router.use` middleware registered before the route, and the middleware of
 * the `app.use(path, ...middleware, router)` call that mounts a router.
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isCallExpression, isIdentifier, isNumericLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isRegularExpressionLiteral, isStringLiteral, isTemplateExpression } from '../lang/ts/parse.js';
import {
  calleeName,
  expressionPath,
  functionsByName,
  importedModules,
  isFunctionNode,
  stringValue,
  unwrapExpression,
  namePattern,
  type FunctionNode,
} from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'all', 'options', 'head']);
const ROUTE_METHOD_CALL = namePattern(ROUTE_METHODS);
const USE_CALL = /^use$/;
/** Names that hold an app or router by convention when the file uses Express. */
const CONVENTIONAL_ROUTER_NAME = /^(app|router|api|server|routes?|apiRouter)$|Router$/;

function isExpressModule(name: string): boolean {
  return name === 'express' || name === 'express-promise-router';
}

/**
 * Which names hold an app or router: those bound to `express()`,
 * `express.Router()`, `Router()` in this file, and (when the file uses
 * Express) the conventional names, which covers routers handed in as
 * parameters: `export default (router: Router) => { router.get(...) }`.
 */
interface RouterNames {
  has(name: string): boolean;
  readonly any: boolean;
}

/**
 * The file's `const name = callee(...)` declarations, as the name and the callee's path, in document order: apps
 * and routers are found among them, by discovery and again by the mounts step. Once per file.
 */
function callInitializedVariables(index: SourceIndex): readonly { name: string; callee: string }[] {
  return index.memo('express:callInitializedVariables', () => {
    const found: { name: string; callee: string }[] = [];
    for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
      if (!isIdentifier(variable.name) || variable.initializer === undefined) continue;
      const initializer = unwrapExpression(variable.initializer);
      if (isCallExpression(initializer)) found.push({ name: variable.name.text, callee: expressionPath(initializer.expression) });
    }
    return found;
  });
}

function routerNames(index: SourceIndex, usesExpress: boolean): RouterNames {
  const declared = new Set<string>();
  for (const { name, callee: path } of callInitializedVariables(index)) {
    // A bare Router() is Express's only when the file uses Express (@koa/router exports a Router too).
    if (path === 'express' || path === 'express.Router' || (path === 'Router' && usesExpress) || path === 'express.default' || path === 'PromiseRouter') {
      declared.add(name);
    }
  }
  return {
    has: (name) => declared.has(name) || (usesExpress && CONVENTIONAL_ROUTER_NAME.test(name)),
    any: declared.size > 0 || usesExpress,
  };
}

function routeText(index: SourceIndex, node: ts.Expression | undefined): string | undefined {
  if (node === undefined) return undefined;
  const text = stringValue(node);
  if (text !== undefined) return text;
  if (isRegularExpressionLiteral(node)) return node.text;
  if (isArrayLiteralExpression(node)) {
    const first = node.elements.map((element) => stringValue(element)).find((value) => value !== undefined);
    return first;
  }
  if (isTemplateExpression(node)) return index.textOf(node);
  return undefined;
}

function looksLikePath(value: string): boolean {
  return value.startsWith('/') || value === '*' || value.startsWith('^');
}

/** The router-level `use` calls that precede a route and apply to its path. */
interface UseCall {
  router: string;
  call: ts.CallExpression;
  path?: string;
  handlers: ts.Expression[];
}

function collectUseCalls(index: SourceIndex, routers: RouterNames): UseCall[] {
  const uses: UseCall[] = [];
  for (const call of index.callsNamed(USE_CALL)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee) || callee.name.text !== 'use') continue;
    const target = unwrapExpression(callee.expression);
    if (!isIdentifier(target) || !routers.has(target.text)) continue;
    const first = call.arguments[0];
    const path = first !== undefined ? routeText(index, first) : undefined;
    const handlers = flattenArguments(call.arguments, path !== undefined ? 1 : 0);
    uses.push({ router: target.text, call, path, handlers });
  }
  return uses;
}

/** The arguments from `from` on, unwrapped, with array literals spread (`[auth, audit]` counts as two handlers). */
function flattenArguments(args: readonly ts.Expression[], from: number): ts.Expression[] {
  const flat: ts.Expression[] = [];
  for (let at = from; at < args.length; at++) flattenInto(args[at], flat);
  return flat;
}

function flattenInto(expression: ts.Expression, flat: ts.Expression[]): void {
  const unwrapped = unwrapExpression(expression);
  if (isArrayLiteralExpression(unwrapped)) for (const element of unwrapped.elements) flattenInto(element, flat);
  else flat.push(unwrapped);
}

function pathApplies(usePath: string | undefined, route: string): boolean {
  if (usePath === undefined || usePath === '/' || usePath === '*') return true;
  const prefix = usePath.endsWith('/') ? usePath.slice(0, -1) : usePath;
  return route === prefix || route.startsWith(`${prefix}/`);
}

function controlFor(index: SourceIndex, expression: ts.Expression, kind: Control['kind'], functions: Map<string, FunctionNode>): Control {
  const unwrapped = unwrapExpression(expression);
  let name: string;
  let definition: FunctionNode | undefined;
  if (isCallExpression(unwrapped)) {
    name = expressionPath(unwrapped.expression);
    if (isIdentifier(unwrapped.expression)) definition = functions.get(unwrapped.expression.text);
  } else if (isFunctionNode(unwrapped)) {
    name = '(inline function)';
    definition = unwrapped;
  } else {
    name = expressionPath(unwrapped);
    if (isIdentifier(unwrapped)) definition = functions.get(unwrapped.text);
  }
  return { kind, name, node: expression, line: index.lineOf(expression), definition };
}

/** For `x.route('/p').get(...).post(...)`: the router name and the path. */
function routeChainOrigin(expression: ts.Expression): { router: string; pathNode: ts.Expression | undefined } | undefined {
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < 16 && isCallExpression(current); depth++) {
    const callee = unwrapExpression(current.expression);
    if (!isPropertyAccessExpression(callee)) return undefined;
    if (callee.name.text === 'route') {
      const target = unwrapExpression(callee.expression);
      return isIdentifier(target) ? { router: target.text, pathNode: current.arguments[0] } : undefined;
    }
    current = unwrapExpression(callee.expression);
  }
  return undefined;
}

export function discoverExpressRoutes(index: SourceIndex): Endpoint[] {
  const modules = importedModules(index);
  const usesExpress = [...modules].some(isExpressModule);
  const routers = routerNames(index, usesExpress);
  if (!routers.any) return [];
  const functions = functionsByName(index);
  const uses = collectUseCalls(index, routers);
  const appNames = expressAppNames(index);
  const endpoints: Endpoint[] = [];

  for (const call of index.callsNamed(ROUTE_METHOD_CALL)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee)) continue;
    const method = callee.name.text;
    if (!ROUTE_METHODS.has(method)) continue;
    const target = unwrapExpression(callee.expression);

    let router: string;
    let route: string | undefined;
    let handlerArguments: ts.Expression[];
    if (isIdentifier(target) && routers.has(target.text)) {
      router = target.text;
      route = routeText(index, call.arguments[0]);
      handlerArguments = flattenArguments(call.arguments, 1);
    } else {
      const origin = routeChainOrigin(target);
      if (origin === undefined || !routers.has(origin.router)) continue;
      router = origin.router;
      route = routeText(index, origin.pathNode);
      handlerArguments = flattenArguments(call.arguments, 0);
    }
    if (route === undefined || !looksLikePath(route) || handlerArguments.length === 0) continue;
    const last = handlerArguments[handlerArguments.length - 1];
    // A route needs a handler: a function, or a name of one. `app.get('/x', { ... })` is something else.
    if (isObjectLiteralExpression(last) || isStringLiteral(last) || isNumericLiteral(last)) continue;

    const controls: Control[] = [];
    const registrationEnd = call.pos;
    let mountedHere = false;
    // Middleware of the call that mounts this router, and the app-level middleware before that mount.
    for (const mount of uses) {
      if (!mount.handlers.some((h) => isIdentifier(h) && h.text === router)) continue;
      mountedHere = true;
      for (const earlier of uses) {
        if (earlier.router === mount.router && earlier.call.pos < mount.call.pos && earlier !== mount) {
          for (const handler of earlier.handlers) {
            if (isIdentifier(handler) && routers.has(handler.text)) continue;
            controls.push(controlFor(index, handler, 'router-middleware', functions));
          }
        }
      }
      for (const handler of mount.handlers) {
        if (isIdentifier(handler) && routers.has(handler.text)) continue;
        controls.push(controlFor(index, handler, 'router-middleware', functions));
      }
    }
    for (const use of uses) {
      if (use.router !== router || use.call.pos >= registrationEnd || !pathApplies(use.path, route)) continue;
      for (const handler of use.handlers) {
        if (isIdentifier(handler) && routers.has(handler.text)) continue; // mounting another router
        controls.push(controlFor(index, handler, 'router-middleware', functions));
      }
    }
    for (const middleware of handlerArguments.slice(0, -1)) controls.push(controlFor(index, middleware, 'middleware', functions));

    const handlerNode = unwrapExpression(last);
    let handler: FunctionNode | undefined;
    let handlerReference: string | undefined;
    if (isFunctionNode(handlerNode)) handler = handlerNode;
    else if (isIdentifier(handlerNode) && functions.has(handlerNode.text)) handler = functions.get(handlerNode.text);
    else if (isCallExpression(handlerNode) && handlerNode.arguments.length > 0) {
      // asyncHandler(async (req, res) => ...) and friends.
      const inner = handlerNode.arguments.map((argument) => unwrapExpression(argument) as ts.Node).find(isFunctionNode);
      if (inner !== undefined) {
        handler = inner;
        controls.push({ kind: 'wrapper', name: calleeName(handlerNode) || expressionPath(handlerNode.expression), node: handlerNode, line: index.lineOf(handlerNode) });
      } else handlerReference = index.textOf(handlerNode);
    } else handlerReference = index.textOf(handlerNode);

    const roots: ts.Node[] = [];
    if (handler !== undefined) roots.push(handler);
    for (const control of controls) if (control.definition !== undefined) roots.push(control.definition);
    endpoints.push({
      file: index.path,
      framework: 'express',
      method: method.toUpperCase(),
      route,
      line: index.lineOf(call),
      registration: call,
      handler,
      handlerReference,
      controls,
      scopes: [{ pos: call.pos, end: call.end }, ...reachableScopes(index, roots, functions)],
      index,
      mountedElsewhere: !mountedHere && !appNames.has(router) ? { router } : undefined,
    });
  }
  return endpoints;
}

/** Names bound to `express()` itself: an app, which nothing else mounts. */
export function expressAppNames(index: SourceIndex): ReadonlySet<string> {
  return index.memo('expressAppNames', () => {
    const names = new Set<string>();
    for (const { name, callee } of callInitializedVariables(index)) if (callee === 'express' || callee === 'express.default') names.add(name);
    return names;
  });
}
