/**
 * FastAPI: `@app.get(...)` / `@router.post(...)` / `@router.api_route(...,
 * methods=[...])` handlers, with every dependency that runs for them: the
 * app's `FastAPI(dependencies=...)`, `include_router(..., prefix,
 * dependencies)`, `APIRouter(prefix, dependencies)`, the decorator's
 * `dependencies=[...]`, and parameters (`Depends(...)`, `Security(...)`,
 * `Annotated[T, Depends(...)]`).
 */
import {
  calleeName,
  childByField,
  decoratorsOf,
  definitionStatement,
  expressionPath,
  functionsByName,
  importSources,
  keywordArgument,
  moduleAssignments,

  parametersOf,
  plainCalleePath,
  positionalArguments,
  sequenceElements,
  stringValue,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import type { PyDependency, PyEndpoint } from '../endpoint.js';
import { codeScopes } from './code-scopes.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const INCLUDE_ROUTER_CALL = /^include_router$/;

const METHOD_DECORATORS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace']);

interface RouteOwner {
  kind: 'app' | 'router';
  prefix: string;
  dependencies: PyDependency[];
  /** Where a router is included in this file: the parent's name, the include's prefix and dependencies. */
  includedIn?: { parent: string; prefix: string; dependencies: PyDependency[] };
}

export function usesFastApi(index: PySourceIndex): boolean {
  for (const { module } of importSources(index).values()) if (module === 'fastapi' || module.startsWith('fastapi.')) return true;
  return false;
}

/** `Depends(x)` / `Security(x, scopes=[...])` as a dependency; undefined for other expressions. */
export function dependencyOf(node: PyNode, level: PyDependency['level'], index: PySourceIndex): PyDependency | undefined {
  if (node.type !== 'call') return undefined;
  const name = calleeName(node);
  if (name !== 'Depends' && name !== 'Security') return undefined;
  const target = positionalArguments(node)[0] ?? keywordArgument(node, 'dependency');
  const scopes = (sequenceElements(keywordArgument(node, 'scopes')) ?? []).map((scope) => stringValue(scope, index)).filter((scope): scope is string => scope !== undefined);
  const callable = target === undefined ? '' : expressionPath(target, false);
  const definition = target?.type === 'identifier' ? functionsByName(index).get(callable) : undefined;
  return { callable, kind: name, scopes, level, file: index.path, line: node.line, node, definition };
}

/** The dependencies of a `dependencies=[...]` list. */
export function dependencyList(list: PyNode | undefined, level: PyDependency['level'], index: PySourceIndex): PyDependency[] {
  return (sequenceElements(list) ?? []).map((node) => dependencyOf(node, level, index)).filter((d): d is PyDependency => d !== undefined);
}

/** `Depends(...)` in a parameter's default or inside its `Annotated[...]` annotation. */
function parameterDependencies(fn: PyNode, index: PySourceIndex): PyDependency[] {
  const found: PyDependency[] = [];
  for (const parameter of parametersOf(fn)) {
    const fromDefault = parameter.default === undefined ? undefined : dependencyOf(parameter.default, 'parameter', index);
    if (fromDefault !== undefined) found.push(fromDefault);
    if (parameter.type !== undefined && parameter.type.type === 'generic_type') {
      const head = parameter.type.children.find((child) => child.type === 'identifier');
      if (head?.name !== 'Annotated') continue;
      for (const call of index.calls([{ pos: parameter.type.pos, end: parameter.type.end }])) {
        const dependency = dependencyOf(call, 'parameter', index);
        if (dependency !== undefined) found.push(dependency);
      }
    }
  }
  return found;
}

function routeOwners(index: PySourceIndex): Map<string, RouteOwner> {
  const owners = new Map<string, RouteOwner>();
  for (const [name, { value }] of moduleAssignments(index)) {
    if (value.type !== 'call') continue;
    const callee = calleeName(value);
    if (callee !== 'FastAPI' && callee !== 'APIRouter') continue;
    owners.set(name, {
      kind: callee === 'FastAPI' ? 'app' : 'router',
      prefix: stringValue(keywordArgument(value, 'prefix'), index) ?? '',
      dependencies: dependencyList(keywordArgument(value, 'dependencies'), callee === 'FastAPI' ? 'app' : 'router', index),
    });
  }
  for (const call of index.callsNamed(INCLUDE_ROUTER_CALL)) {
    const parent = expressionPath(childByField(childByField(call, 'function')!, 'object') ?? call, false);
    const routerNode = positionalArguments(call)[0] ?? keywordArgument(call, 'router');
    const router = routerNode === undefined ? undefined : owners.get(expressionPath(routerNode, false));
    if (router === undefined) continue;
    router.includedIn = {
      parent,
      prefix: stringValue(keywordArgument(call, 'prefix'), index) ?? '',
      dependencies: dependencyList(keywordArgument(call, 'dependencies'), 'include', index),
    };
  }
  return owners;
}

export function discoverFastApiRoutes(index: PySourceIndex): PyEndpoint[] {
  if (!usesFastApi(index)) return [];
  const owners = routeOwners(index);
  const endpoints: PyEndpoint[] = [];
  for (const fn of index.nodesOfType('function_definition')) {
    for (const decorator of decoratorsOf(fn)) {
      if (decorator.type !== 'call') continue;
      const callee = childByField(decorator, 'function');
      if (callee?.type !== 'attribute') continue;
      const ownerName = expressionPath(childByField(callee, 'object')!, false);
      const verb = calleeName(decorator);
      const owner = owners.get(ownerName);
      const methods =
        verb === 'api_route'
          ? (sequenceElements(keywordArgument(decorator, 'methods')) ?? []).map((m) => stringValue(m, index)?.toUpperCase()).filter((m): m is string => m !== undefined)
          : METHOD_DECORATORS.has(verb)
            ? [verb.toUpperCase()]
            : [];
      if (methods.length === 0 && verb === 'api_route') methods.push('GET');
      const path = stringValue(positionalArguments(decorator)[0] ?? keywordArgument(decorator, 'path'), index);
      // An unknown object needs a path literal to count as a route (`cache.get(...)` is not one).
      if (methods.length === 0 || path === undefined || (owner === undefined && !path.startsWith('/') && path !== '')) continue;

      const chain = ownerChain(ownerName, owners);
      const dependencies: PyDependency[] = [...chain.dependencies, ...dependencyList(keywordArgument(decorator, 'dependencies'), 'route', index), ...parameterDependencies(fn, index)];
      const definitions = dependencies.map((d) => d.definition).filter((d): d is PyNode => d !== undefined);
      const statement = definitionStatement(fn);
      for (const method of methods) {
        endpoints.push({
          file: index.path,
          framework: 'fastapi',
          method,
          route: joinRoute(chain.prefix, path),
          line: decorator.line,
          registration: decorator,
          handler: fn,
          dependencies,
          decorators: [],
          beforeRequest: [],
          mountUnknown: chain.mountedElsewhere === undefined ? undefined : chain.mountedElsewhere,
          mountRouter: chain.mountedElsewhere === undefined ? undefined : chain.top,
          scopes: codeScopes(index, [statement, ...definitions]),
          index,
        });
      }
    }
  }
  return endpoints;
}

/** Prefixes and dependencies from the route's router up to the app, as far as this file shows. */
function ownerChain(name: string, owners: Map<string, RouteOwner>): { prefix: string; dependencies: PyDependency[]; mountedElsewhere?: string; top: string } {
  let prefix = '';
  let dependencies: PyDependency[] = [];
  let current = name;
  for (let hop = 0; hop < 8; hop++) {
    const owner = owners.get(current);
    if (owner === undefined) return { prefix, dependencies, top: current };
    prefix = owner.prefix + prefix;
    dependencies = [...owner.dependencies, ...dependencies];
    if (owner.kind === 'app') return { prefix, dependencies, top: current };
    if (owner.includedIn === undefined) {
      return {
        prefix,
        dependencies,
        top: current,
        mountedElsewhere: `the router \`${current}\` is included by another file (\`include_router\`), which was not found; its prefix and dependencies apply there`,
      };
    }
    prefix = owner.includedIn.prefix + prefix;
    dependencies = [...owner.includedIn.dependencies, ...dependencies];
    current = owner.includedIn.parent;
  }
  return { prefix, dependencies, top: current };
}

export function joinRoute(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}${path === '' ? '' : path.startsWith('/') ? path : `/${path}`}`;
  return joined === '' ? '/' : joined;
}

