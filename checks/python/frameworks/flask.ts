/**
 * Flask and blueprints: `@app.route(path, methods=[...])`, `@bp.get(path)`,
 * the view's other decorators (`@login_required`, `@jwt_required()`,
 * `@limiter.limit(...)`), blueprint `url_prefix` (in `Blueprint(...)` or
 * `register_blueprint(..., url_prefix=...)` of the same file) and the
 * `before_request` hooks of the app or blueprint.
 */
import {
  calleeName,
  childByField,
  decoratorPath,
  decoratorsOf,
  definitionStatement,
  expressionPath,
  functionsByName,
  importSources,
  keywordArgument,
  moduleAssignments,
  positionalArguments,
  sequenceElements,
  stringValue,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import type { PyDecorator, PyEndpoint } from '../endpoint.js';
import { codeScopes } from './code-scopes.js';
import { joinRoute } from './fastapi.js';

const METHOD_DECORATORS = new Set(['get', 'post', 'put', 'patch', 'delete']);

interface FlaskOwner {
  kind: 'app' | 'blueprint';
  prefix: string;
}

export function usesFlask(index: PySourceIndex): boolean {
  for (const { module } of importSources(index).values()) if (module === 'flask' || module.startsWith('flask.') || module.startsWith('flask_')) return true;
  return false;
}

function flaskOwners(index: PySourceIndex): Map<string, FlaskOwner> {
  const owners = new Map<string, FlaskOwner>();
  for (const [name, { value }] of moduleAssignments(index)) {
    if (value.type !== 'call') continue;
    const callee = calleeName(value);
    if (callee === 'Flask') owners.set(name, { kind: 'app', prefix: '' });
    if (callee === 'Blueprint') owners.set(name, { kind: 'blueprint', prefix: stringValue(keywordArgument(value, 'url_prefix'), index) ?? '' });
  }
  for (const call of index.callsNamed(/^register_blueprint$/)) {
    const blueprint = owners.get(expressionPath(positionalArguments(call)[0] ?? call, false));
    const prefix = stringValue(keywordArgument(call, 'url_prefix'), index);
    if (blueprint !== undefined && prefix !== undefined) blueprint.prefix = prefix;
  }
  return owners;
}

/** `before_request` hooks per owner name: `@bp.before_request` functions and `bp.before_request(fn)` calls. */
function beforeRequestHooks(index: PySourceIndex): Map<string, PyNode[]> {
  const hooks = new Map<string, PyNode[]>();
  const add = (owner: string, fn: PyNode | undefined) => {
    if (fn === undefined) return;
    const list = hooks.get(owner);
    if (list === undefined) hooks.set(owner, [fn]);
    else list.push(fn);
  };
  for (const fn of index.nodesOfType('function_definition')) {
    for (const decorator of decoratorsOf(fn)) {
      if (decorator.type === 'attribute' && childByField(decorator, 'attribute')?.name === 'before_request') add(expressionPath(childByField(decorator, 'object')!, false), fn);
    }
  }
  for (const call of index.callsNamed(/^before_request$/)) {
    const target = positionalArguments(call)[0];
    const owner = childByField(call, 'function');
    if (target?.type === 'identifier' && owner?.type === 'attribute') add(expressionPath(childByField(owner, 'object')!, false), functionsByName(index).get(target.name ?? ''));
  }
  return hooks;
}

export function discoverFlaskRoutes(index: PySourceIndex): PyEndpoint[] {
  if (!usesFlask(index)) return [];
  const owners = flaskOwners(index);
  const hooks = beforeRequestHooks(index);
  const appHooks = [...owners].filter(([, owner]) => owner.kind === 'app').flatMap(([name]) => hooks.get(name) ?? []);
  const endpoints: PyEndpoint[] = [];
  for (const fn of index.nodesOfType('function_definition')) {
    const decorators = decoratorsOf(fn);
    const routes: { decorator: PyNode; owner: string; path: string; methods: string[] }[] = [];
    const others: PyDecorator[] = [];
    for (const decorator of decorators) {
      const route = routeOf(decorator, owners, index);
      if (route !== undefined) routes.push({ decorator, ...route });
      else others.push({ name: decoratorPath(decorator), node: decorator, line: decorator.line });
    }
    if (routes.length === 0) continue;
    const statement = definitionStatement(fn);
    for (const route of routes) {
      const owner = owners.get(route.owner);
      const ownHooks = owner?.kind === 'blueprint' ? (hooks.get(route.owner) ?? []) : [];
      const beforeRequest = [...appHooks, ...ownHooks];
      for (const method of route.methods) {
        endpoints.push({
          file: index.path,
          framework: 'flask',
          method,
          route: joinRoute(owner?.prefix ?? '', route.path),
          line: route.decorator.line,
          registration: route.decorator,
          handler: fn,
          dependencies: [],
          decorators: others,
          beforeRequest,
          scopes: codeScopes(index, [statement, ...beforeRequest]),
          index,
        });
      }
    }
  }
  return endpoints;
}

function routeOf(decorator: PyNode, owners: Map<string, FlaskOwner>, index: PySourceIndex): { owner: string; path: string; methods: string[] } | undefined {
  if (decorator.type !== 'call') return undefined;
  const callee = childByField(decorator, 'function');
  if (callee?.type !== 'attribute') return undefined;
  const owner = expressionPath(childByField(callee, 'object')!, false);
  const verb = calleeName(decorator);
  const path = stringValue(positionalArguments(decorator)[0] ?? keywordArgument(decorator, 'rule'), index);
  if (path === undefined) return undefined;
  // Objects of the file, or any `x.route("/...")` in a Flask module (an app imported from elsewhere).
  if (!owners.has(owner) && !path.startsWith('/')) return undefined;
  if (verb === 'route') {
    const listed = sequenceElements(keywordArgument(decorator, 'methods'));
    const methods = listed === undefined ? ['GET'] : listed.map((m) => stringValue(m, index)?.toUpperCase()).filter((m): m is string => m !== undefined);
    return { owner, path, methods: methods.length > 0 ? methods : ['GET'] };
  }
  if (METHOD_DECORATORS.has(verb)) return { owner, path, methods: [verb.toUpperCase()] };
  return undefined;
}

