/**
 * Fastify endpoints: `fastify.get(path, [options,] handler)`,
 * `fastify.route({ method, url, handler })`, with the route's lifecycle
 * hooks (`onRequest`, `preParsing`, `preValidation`, `preHandler`) and the
 * `addHook` calls of its plugin scope or an enclosing one as controls.
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isCallExpression, isIdentifier, isMethodDeclaration, isNumericLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral, isTemplateExpression } from '../lang/ts/parse.js';
import {
  enclosingFunction,
  expressionPath,
  functionsByName,
  importSources,
  importedModules,
  isFunctionNode,
  stringValue,
  unwrapExpression,
  variablesByName,
  type FunctionNode,
  namePattern,
} from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';
import { mentionsFramework } from './framework-mentions.js';

const SHORTHAND_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'options', 'patch', 'all']);
const ROUTE_CALL = namePattern([...SHORTHAND_METHODS, 'route']);
/** Instance methods that return the instance, so that calls can be chained. */
const CHAINABLE = new Set([...SHORTHAND_METHODS, 'route', 'addHook', 'register', 'decorate', 'decorateRequest', 'decorateReply']);
/** The request lifecycle phases before the handler, in the order they run. */
const HOOK_PHASES = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;
type HookPhase = (typeof HOOK_PHASES)[number];
/** Parameter names that hold the instance by convention when the file uses Fastify. */
const CONVENTIONAL_INSTANCE = /^(?:app|server|instance|api|router)$/;
/** Plugins that add an authenticating `onRequest` hook to the scope that registers them. */
const AUTH_PLUGIN_MODULES = new Set(['@fastify/bearer-auth', 'fastify-bearer-auth']);

function isFastifyModule(name: string): boolean {
  return name === 'fastify' || name === 'fastify-plugin' || name.startsWith('@fastify/');
}

function isRequireOf(node: ts.Expression, modules: ReadonlySet<string>): boolean {
  const unwrapped = unwrapExpression(node);
  if (!isCallExpression(unwrapped)) return false;
  const module = stringValue(unwrapped.arguments[0]);
  if (module === undefined || !modules.has(module)) return false;
  return (isIdentifier(unwrapped.expression) && unwrapped.expression.text === 'require') || unwrapped.expression.kind === SyntaxKind.ImportKeyword;
}

/** `Fastify()`, `fastify({ logger })`, `require('fastify')()`, `Fastify().withTypeProvider<T>()`. */
function isFactoryCall(node: ts.Expression, factories: ReadonlySet<string>): boolean {
  let current = unwrapExpression(node);
  for (let depth = 0; depth < 8 && isCallExpression(current); depth++) {
    const callee = unwrapExpression(current.expression);
    if (isIdentifier(callee)) return factories.has(callee.text);
    if (isRequireOf(callee, new Set(['fastify']))) return true;
    if (!isPropertyAccessExpression(callee)) return false;
    current = unwrapExpression(callee.expression);
  }
  return false;
}

function instanceNames(index: SourceIndex, usesFastify: boolean): Set<string> {
  const factories = new Set(['fastify', 'Fastify']);
  for (const [local, source] of importSources(index)) if (source.module === 'fastify') factories.add(local);
  const names = new Set<string>();
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    if (isIdentifier(variable.name) && variable.initializer !== undefined && isFactoryCall(variable.initializer, factories)) names.add(variable.name.text);
  }
  // Plugins get the instance as a parameter: `export default async function (fastify, opts)`, `fp(async (app) => ...)`.
  for (const parameter of index.nodesOfKind<ts.ParameterDeclaration>(SyntaxKind.Parameter)) {
    if (!isIdentifier(parameter.name)) continue;
    const name = parameter.name.text;
    const type = parameter.type === undefined ? '' : index.textOf(parameter.type);
    if (name === 'fastify' || /\bFastifyInstance\b/.test(type) || (usesFastify && CONVENTIONAL_INSTANCE.test(name))) names.add(name);
  }
  addChildPluginInstances(index, names);
  return names;
}

/** `fastify.register(async (child) => { ... })`: the inline plugin's first parameter is a (child) instance, nested any depth. */
function addChildPluginInstances(index: SourceIndex, names: Set<string>): void {
  const registrations = index.callsNamed(/^register$/).filter((call) => {
    const callee = unwrapExpression(call.expression);
    return isPropertyAccessExpression(callee) && callee.name.text === 'register';
  });
  for (let round = 0; round < 8; round++) {
    const before = names.size;
    for (const call of registrations) {
      const callee = call.expression as ts.PropertyAccessExpression;
      const plugin = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
      if (plugin === undefined || !isFunctionNode(plugin) || chainRoot(callee.expression, names) === undefined) continue;
      const first = plugin.parameters[0];
      if (first !== undefined && isIdentifier(first.name)) names.add(first.name.text);
    }
    if (names.size === before) return;
  }
}

/** The instance a call chain starts from: `fastify` for `fastify.addHook(...).get(...)`. */
function chainRoot(expression: ts.Expression, instances: ReadonlySet<string>): string | undefined {
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < 16; depth++) {
    if (isIdentifier(current)) return instances.has(current.text) ? current.text : undefined;
    if (!isCallExpression(current)) return undefined;
    const callee = unwrapExpression(current.expression);
    if (!isPropertyAccessExpression(callee) || !CHAINABLE.has(callee.name.text)) return undefined;
    current = unwrapExpression(callee.expression);
  }
  return undefined;
}

function routeText(index: SourceIndex, node: ts.Expression | undefined): string | undefined {
  if (node === undefined) return undefined;
  const unwrapped = unwrapExpression(node);
  const text = stringValue(unwrapped);
  if (text !== undefined) return text;
  if (isTemplateExpression(unwrapped)) return index.textOf(unwrapped);
  return undefined;
}

function looksLikePath(value: string): boolean {
  return value.startsWith('/') || value === '*' || value === '';
}

function flattenArray(expression: ts.Expression): ts.Expression[] {
  const unwrapped = unwrapExpression(expression);
  if (isArrayLiteralExpression(unwrapped)) return unwrapped.elements.flatMap(flattenArray);
  return [unwrapped];
}

/** A route options object, literal or through a `const opts = { ... }` of this file. */
function objectOf(node: ts.Expression | undefined, variables: Map<string, ts.VariableDeclaration>): ts.ObjectLiteralExpression | undefined {
  if (node === undefined) return undefined;
  let current = unwrapExpression(node);
  if (isIdentifier(current)) {
    const initializer = variables.get(current.text)?.initializer;
    if (initializer === undefined) return undefined;
    current = unwrapExpression(initializer);
  }
  return isObjectLiteralExpression(current) ? current : undefined;
}

/** The value of `name` in an object literal: `{ name: x }`, `{ name }` or `{ name() {} }`. */
function propertyValue(object: ts.ObjectLiteralExpression, name: string): ts.Expression | FunctionNode | undefined {
  for (const property of object.properties) {
    const key = property.name !== undefined && (isIdentifier(property.name) || isStringLiteral(property.name)) ? property.name.text : undefined;
    if (key !== name) continue;
    if (isPropertyAssignment(property)) return property.initializer;
    if (isShorthandPropertyAssignment(property)) return property.name;
    if (isMethodDeclaration(property)) return property;
  }
  return undefined;
}

interface Hook {
  phase: HookPhase;
  instance: string;
  call: ts.CallExpression;
  /** The plugin function the hook is added in; undefined at the top level of the file. */
  container: FunctionNode | undefined;
  controls: Control[];
}

interface Resolver {
  index: SourceIndex;
  functions: Map<string, FunctionNode>;
  /** `fastify.decorate('authenticate', fn)`: decorator name to its function. */
  decorators: Map<string, FunctionNode>;
  instances: ReadonlySet<string>;
}

function controlFor(resolver: Resolver, expression: ts.Expression | FunctionNode, kind: Control['kind']): Control {
  const { index, functions, decorators, instances } = resolver;
  const line = index.lineOf(expression);
  if (isFunctionNode(expression)) return { kind, name: '(inline function)', node: expression, line, definition: expression };
  const unwrapped = unwrapExpression(expression);
  if (isFunctionNode(unwrapped)) return { kind, name: '(inline function)', node: expression, line, definition: unwrapped };
  if (isCallExpression(unwrapped)) {
    const definition = isIdentifier(unwrapped.expression) ? functions.get(unwrapped.expression.text) : undefined;
    return { kind, name: expressionPath(unwrapped.expression), node: expression, line, definition };
  }
  let definition: FunctionNode | undefined;
  if (isIdentifier(unwrapped)) definition = functions.get(unwrapped.text);
  else if (isPropertyAccessExpression(unwrapped) && chainRoot(unwrapped.expression, instances) !== undefined) definition = decorators.get(unwrapped.name.text);
  return { kind, name: expressionPath(unwrapped), node: expression, line, definition };
}

function functionValue(node: ts.Expression | undefined, functions: Map<string, FunctionNode>): FunctionNode | undefined {
  if (node === undefined) return undefined;
  const unwrapped = unwrapExpression(node);
  if (isFunctionNode(unwrapped)) return unwrapped;
  return isIdentifier(unwrapped) ? functions.get(unwrapped.text) : undefined;
}

function collectDecorators(index: SourceIndex, instances: ReadonlySet<string>, functions: Map<string, FunctionNode>): Map<string, FunctionNode> {
  const decorators = new Map<string, FunctionNode>();
  for (const call of index.callsNamed(/^decorate$/)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee) || callee.name.text !== 'decorate' || chainRoot(callee.expression, instances) === undefined) continue;
    const name = stringValue(call.arguments[0]);
    const value = functionValue(call.arguments[1], functions);
    if (name !== undefined && value !== undefined && !decorators.has(name)) decorators.set(name, value);
  }
  return decorators;
}

function collectHooks(resolver: Resolver, authPlugins: ReadonlySet<string>): Hook[] {
  const hooks: Hook[] = [];
  for (const call of resolver.index.callsNamed(/^(?:addHook|register)$/)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee)) continue;
    const instance = chainRoot(callee.expression, resolver.instances);
    if (instance === undefined) continue;
    const container = enclosingFunction(call);
    if (callee.name.text === 'addHook') {
      const phase = stringValue(call.arguments[0]);
      if (!(HOOK_PHASES as readonly string[]).includes(phase ?? '') || call.arguments[1] === undefined) continue;
      const controls = flattenArray(call.arguments[1]).map((handler) => controlFor(resolver, handler, 'router-middleware'));
      hooks.push({ phase: phase as HookPhase, instance, call, container, controls });
    } else if (callee.name.text === 'register' && call.arguments[0] !== undefined) {
      // `fastify.register(bearerAuth, { keys })` adds an onRequest hook that answers 401 without a valid key.
      const plugin = unwrapExpression(call.arguments[0]);
      const named = isIdentifier(plugin) && authPlugins.has(plugin.text);
      if (!named && !isRequireOf(plugin, AUTH_PLUGIN_MODULES)) continue;
      const name = named ? (plugin as ts.Identifier).text : 'bearerAuth';
      hooks.push({ phase: 'onRequest', instance, call, container, controls: [{ kind: 'router-middleware', name, node: call, line: resolver.index.lineOf(call) }] });
    }
  }
  return hooks;
}

/** Whether `inner` lies inside `outer` (a function), or `outer` is the top level of the file. */
function within(inner: ts.Node, outer: FunctionNode | undefined): boolean {
  return outer === undefined || (inner.pos >= outer.pos && inner.end <= outer.end);
}

/**
 * The hooks that run for a route: those of its own plugin scope, and those
 * of an enclosing scope (child plugins inherit their parent's hooks). Order
 * does not matter within a scope: Fastify binds a route's hooks when the
 * server gets ready, so a hook added after the route still runs for it.
 */
function hooksFor(route: ts.CallExpression, instance: string, hooks: readonly Hook[]): Hook[] {
  const container = enclosingFunction(route);
  return hooks.filter((hook) => {
    if (!within(route, hook.container)) return false;
    if (hook.instance === instance) return true;
    // A parent scope's instance under another name: the route sits in a plugin nested inside the hook's scope.
    return hook.container !== container && container !== undefined && within(container, hook.container);
  });
}

/** The route call's own text: in `fastify.get(...).post(...)`, the `.post(...)` part only. */
function registrationScope(call: ts.CallExpression): Scope {
  const callee = unwrapExpression(call.expression);
  if (isPropertyAccessExpression(callee) && isCallExpression(unwrapExpression(callee.expression))) return { pos: callee.expression.end, end: call.end };
  return { pos: call.pos, end: call.end };
}

function resolveHandler(resolver: Resolver, node: ts.Expression | FunctionNode): { handler?: FunctionNode; handlerReference?: string } {
  if (isFunctionNode(node)) return { handler: node };
  const unwrapped = unwrapExpression(node);
  if (isFunctionNode(unwrapped)) return { handler: unwrapped };
  if (isIdentifier(unwrapped)) {
    const local = resolver.functions.get(unwrapped.text);
    if (local !== undefined) return { handler: local };
  }
  return { handlerReference: resolver.index.textOf(unwrapped) };
}

/**
 * Endpoints of Fastify routes in this file. The route is as registered (a
 * `register(plugin, { prefix })` elsewhere is not applied); controls run in
 * lifecycle order: per phase, the scope's `addHook` hooks, then the route's.
 */
export function discoverFastifyRoutes(index: SourceIndex): Endpoint[] {
  if (!mentionsFramework(index, 'fastify')) return [];
  const modules = importedModules(index);
  const usesFastify = [...modules].some(isFastifyModule);
  const instances = instanceNames(index, usesFastify);
  if (instances.size === 0) return [];
  const functions = functionsByName(index);
  const variables = variablesByName(index);
  const resolver: Resolver = { index, functions, decorators: collectDecorators(index, instances, functions), instances };
  const authPlugins = new Set([...importSources(index)].filter(([, source]) => AUTH_PLUGIN_MODULES.has(source.module)).map(([local]) => local));
  for (const variable of variables.values()) {
    if (isIdentifier(variable.name) && variable.initializer !== undefined && isRequireOf(variable.initializer, AUTH_PLUGIN_MODULES)) authPlugins.add(variable.name.text);
  }
  const hooks = collectHooks(resolver, authPlugins);
  const endpoints: Endpoint[] = [];

  for (const call of index.callsNamed(ROUTE_CALL)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee)) continue;
    const name = callee.name.text;
    if (!SHORTHAND_METHODS.has(name) && name !== 'route') continue;
    const instance = chainRoot(callee.expression, instances);
    if (instance === undefined) continue;

    let methods: string[];
    let route: string | undefined;
    let options: ts.ObjectLiteralExpression | undefined;
    let handlerNode: ts.Expression | FunctionNode | undefined;
    if (name === 'route') {
      options = objectOf(call.arguments[0], variables);
      if (options === undefined) continue;
      const method = propertyValue(options, 'method');
      methods = method === undefined || isFunctionNode(method) ? [] : flattenArray(method).map((m) => stringValue(m)?.toUpperCase()).filter((m): m is string => m !== undefined);
      const url = propertyValue(options, 'url') ?? propertyValue(options, 'path');
      route = url === undefined || isFunctionNode(url) ? undefined : routeText(index, url);
      handlerNode = propertyValue(options, 'handler');
    } else {
      methods = [name.toUpperCase()];
      route = routeText(index, call.arguments[0]);
      if (call.arguments.length >= 3) {
        options = objectOf(call.arguments[1], variables);
        handlerNode = call.arguments[2];
      } else if (call.arguments.length === 2) {
        // `fastify.get(path, { handler, preHandler })` or `fastify.get(path, handler)`.
        options = objectOf(call.arguments[1], variables);
        handlerNode = options !== undefined ? propertyValue(options, 'handler') : call.arguments[1];
      }
    }
    if (route === undefined || !looksLikePath(route) || handlerNode === undefined || methods.length === 0) continue;
    if (!isFunctionNode(handlerNode)) {
      const unwrapped = unwrapExpression(handlerNode);
      if (isObjectLiteralExpression(unwrapped) || isStringLiteral(unwrapped) || isNumericLiteral(unwrapped)) continue;
    }

    const scopeHooks = hooksFor(call, instance, hooks);
    const controls: Control[] = [];
    for (const phase of HOOK_PHASES) {
      for (const hook of scopeHooks) if (hook.phase === phase) controls.push(...hook.controls);
      const routeHook = options === undefined ? undefined : propertyValue(options, phase);
      if (routeHook === undefined) continue;
      const handlers = isFunctionNode(routeHook) ? [routeHook] : flattenArray(routeHook);
      for (const handler of handlers) controls.push(controlFor(resolver, handler, 'middleware'));
    }
    const { handler, handlerReference } = resolveHandler(resolver, handlerNode);
    const roots: ts.Node[] = [];
    if (handler !== undefined) roots.push(handler);
    for (const control of controls) if (control.definition !== undefined) roots.push(control.definition);
    const scopes = [registrationScope(call), ...reachableScopes(index, roots, functions)];
    const line = index.lineOf(callee.name);
    for (const method of methods) {
      endpoints.push({ file: index.path, framework: 'fastify', method, route, line, registration: call, handler, handlerReference, controls, scopes, index });
    }
  }
  return endpoints;
}
