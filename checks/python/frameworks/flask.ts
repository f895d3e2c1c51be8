/**
 * Flask and blueprints: `@app.route(path, methods=[...])`, `@bp.get(path)`,
 * the view's other decorators (`@login_required`, `@jwt_required()`,
 * `@limiter.limit(...)`), blueprint `url_prefix` (in `Blueprint(...)` or
 * `register_blueprint(..., url_prefix=...)` of the same file) and the
 * `before_request` hooks of the app or blueprint; `add_url_rule` with a
 * MethodView's `as_view()` (one endpoint per method it defines) or a function;
 * a view serving several methods reads, for each, only the `if
 * request.method == ...` branches that method takes.
 */
import {
  calleeName,
  childByField,
  classAttribute,
  classesByName,
  decoratorPath,
  decoratorsOf,
  definitionName,
  definitionStatement,
  expressionPath,
  functionsByName,
  importSources,
  keywordArgument,
  lastSegment,
  methodsOf,
  moduleAssignments,
  positionalArguments,
  sequenceElements,
  stringValue,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex, Scope } from '../../lang/py/source-index.js';
import type { PyDecorator, PyEndpoint } from '../endpoint.js';
import { codeScopes } from './code-scopes.js';
import { joinRoute } from './fastapi.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const REGISTER_BLUEPRINT_CALL = /^register_blueprint$/;
const BEFORE_REQUEST_CALL = /^before_request$/;
const ADD_URL_RULE_CALL = /^add_url_rule$/;

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
  for (const call of index.callsNamed(REGISTER_BLUEPRINT_CALL)) {
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
  for (const call of index.callsNamed(BEFORE_REQUEST_CALL)) {
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
      const scopes = codeScopes(index, [statement, ...beforeRequest]);
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
          // One view for several methods: the branches of `if request.method == ...` that another method takes are not this endpoint's code.
          scopes: route.methods.length > 1 ? withoutOtherMethods(index, fn, method, scopes) : scopes,
          index,
        });
      }
    }
  }
  endpoints.push(...urlRuleEndpoints(index, owners, hooks, appHooks));
  return endpoints;
}

const VIEW_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * `app.add_url_rule("/notes/<int:id>", view_func=NoteAPI.as_view("note"))`:
 * one endpoint per HTTP method the MethodView class defines (its
 * `decorators = [...]` apply to each), or the methods of a plain function
 * view (`view_func=list_notes, methods=["GET", "POST"]`).
 */
function urlRuleEndpoints(index: PySourceIndex, owners: Map<string, FlaskOwner>, hooks: Map<string, PyNode[]>, appHooks: PyNode[]): PyEndpoint[] {
  const endpoints: PyEndpoint[] = [];
  const classes = classesByName(index);
  const functions = functionsByName(index);
  for (const call of index.callsNamed(ADD_URL_RULE_CALL)) {
    const callee = childByField(call, 'function');
    if (callee?.type !== 'attribute') continue;
    const ownerName = expressionPath(childByField(callee, 'object')!, false);
    const [ruleNode, , positionalView] = positionalArguments(call);
    const rule = stringValue(ruleNode ?? keywordArgument(call, 'rule'), index);
    const view = keywordArgument(call, 'view_func') ?? positionalView;
    if (rule === undefined || view === undefined) continue;
    const owner = owners.get(ownerName);
    if (owner === undefined && !rule.startsWith('/')) continue;
    const beforeRequest = [...appHooks, ...(owner?.kind === 'blueprint' ? (hooks.get(ownerName) ?? []) : [])];
    const route = joinRoute(owner?.prefix ?? '', rule);
    const listed = sequenceElements(keywordArgument(call, 'methods'))?.map((m) => stringValue(m, index)?.toUpperCase()).filter((m): m is string => m !== undefined);
    const base = { file: index.path, framework: 'flask' as const, route, registration: call, dependencies: [], beforeRequest, index };
    if (view.type === 'call' && calleeName(view) === 'as_view') {
      const cls = classes.get(lastSegment(expressionPath(childByField(childByField(view, 'function')!, 'object') ?? view, false)));
      if (cls === undefined) continue;
      const decorators = (sequenceElements(classAttribute(cls, 'decorators')?.value) ?? []).map((element) => ({ name: decoratorPath(element), node: element, line: element.line }));
      const methods = methodsOf(cls);
      const helpers = methods.filter((method) => !VIEW_METHODS.includes(definitionName(method)));
      for (const handler of methods.filter((method) => VIEW_METHODS.includes(definitionName(method)))) {
        const method = definitionName(handler).toUpperCase();
        if (listed !== undefined && !listed.includes(method)) continue;
        endpoints.push({ ...base, method, line: handler.line, handler, decorators, scopes: codeScopes(index, [definitionStatement(handler), ...helpers.map(definitionStatement), ...beforeRequest]) });
      }
      continue;
    }
    const fn = view.type === 'identifier' ? functions.get(view.name ?? '') : undefined;
    if (fn === undefined) continue;
    const decorators = decoratorsOf(fn).map((decorator) => ({ name: decoratorPath(decorator), node: decorator, line: decorator.line }));
    const scopes = codeScopes(index, [definitionStatement(fn), ...beforeRequest]);
    const methods = listed !== undefined && listed.length > 0 ? listed : ['GET'];
    for (const method of methods) {
      endpoints.push({ ...base, method, line: call.line, handler: fn, decorators, scopes: methods.length > 1 ? withoutOtherMethods(index, fn, method, scopes) : scopes });
    }
  }
  return endpoints;
}

/** The methods an `if` on `request.method` tests (`== "POST"`, `in ("PUT", "PATCH")`, `!= "GET"` as its complement); undefined for other conditions. */
function testedMethods(condition: PyNode, index: PySourceIndex): { methods: string[]; negated: boolean } | undefined {
  const text = index.textOf(condition).replace(/\s+/g, ' ').trim();
  const match = /^(?:flask\.)?request\.method (==|!=|in|not in) (.+)$/.exec(text);
  if (match === null || !/^(?:(["'])[A-Za-z]+\1|[([{]\s*(["'])[A-Za-z]+\2(?:\s*,\s*(["'])[A-Za-z]+\3)*\s*,?\s*[)\]}])$/.test(match[2])) return undefined;
  const methods = [...match[2].matchAll(/["']([A-Za-z]+)["']/g)].map((found) => found[1].toUpperCase());
  if (methods.length === 0) return undefined;
  return { methods, negated: match[1] === '!=' || match[1] === 'not in' };
}

/** `scopes` without the branches of the handler's `if request.method ...` chains that `method` does not take. */
function withoutOtherMethods(index: PySourceIndex, fn: PyNode, method: string, scopes: readonly Scope[]): Scope[] {
  const excluded: Scope[] = [];
  for (const statement of index.nodesOfType('if_statement', [{ pos: fn.pos, end: fn.end }])) {
    // Each clause of the chain in order: the first one whose test takes `method` runs; the else only when none did.
    const clauses = [statement, ...statement.children.filter((child) => child.type === 'elif_clause')];
    const skipped: Scope[] = [];
    let taken = false;
    let understood = true;
    for (const clause of clauses) {
      const tested = testedMethods(childByField(clause, 'condition')!, index);
      const block = childByField(clause, 'consequence');
      if (tested === undefined) {
        understood = false;
        break;
      }
      const takes: boolean = !taken && tested.methods.includes(method) !== tested.negated;
      if (!takes && block !== undefined) skipped.push({ pos: block.pos, end: block.end });
      taken ||= takes;
    }
    if (!understood) continue;
    const otherwise = statement.children.find((child) => child.type === 'else_clause');
    if (taken && otherwise !== undefined) skipped.push({ pos: otherwise.pos, end: otherwise.end });
    excluded.push(...skipped);
  }
  if (excluded.length === 0) return [...scopes];
  const result: Scope[] = [];
  for (const scope of scopes) {
    let start = scope.pos;
    for (const cut of excluded.filter((range) => range.pos >= scope.pos && range.end <= scope.end).sort((a, b) => a.pos - b.pos)) {
      if (cut.pos < start) continue;
      if (cut.pos > start) result.push({ pos: start, end: cut.pos });
      start = cut.end;
    }
    if (start < scope.end) result.push({ pos: start, end: scope.end });
  }
  return result;
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

