/**
 * Django REST Framework: `@api_view([...])` functions with
 * `@permission_classes` / `@authentication_classes` / `@throttle_classes`,
 * and `APIView` / generic views / ViewSets with their class attributes and
 * hooks (`get_queryset`, `get_object`, `perform_create`...). One endpoint
 * per method or action. Routes come from urls.py later (drf-routes.ts); until
 * then a view is named by itself (`ItemViewSet`, `ItemViewSet/{pk}`).
 */
import {
  baseClassNames,
  classAttribute,
  classesByName,
  decoratorPath,
  decoratorsOf,
  definitionName,
  definitionStatement,
  expressionPath,
  importSources,
  keywordArgument,
  lastSegment,
  methodsOf,
  positionalArguments,
  sequenceElements,
  stringValue,
  booleanValue,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex, Scope } from '../../lang/py/source-index.js';
import type { DrfPolicy, PyDecorator, PyEndpoint } from '../endpoint.js';
import { codeScopes } from './code-scopes.js';

export function usesDrf(index: PySourceIndex): boolean {
  for (const { module } of importSources(index).values()) if (module === 'rest_framework' || module.startsWith('rest_framework.')) return true;
  return false;
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** ViewSet actions: method, and whether they address one object (`/{pk}`). */
const ACTIONS: Record<string, { method: string; detail: boolean }> = {
  list: { method: 'GET', detail: false },
  create: { method: 'POST', detail: false },
  retrieve: { method: 'GET', detail: true },
  update: { method: 'PUT', detail: true },
  partial_update: { method: 'PATCH', detail: true },
  destroy: { method: 'DELETE', detail: true },
};

/** Generic views and what they serve. */
const GENERIC_VIEWS: Record<string, string[]> = {
  ListAPIView: ['GET'],
  CreateAPIView: ['POST'],
  RetrieveAPIView: ['GET'],
  DestroyAPIView: ['DELETE'],
  UpdateAPIView: ['PUT', 'PATCH'],
  ListCreateAPIView: ['GET', 'POST'],
  RetrieveUpdateAPIView: ['GET', 'PUT', 'PATCH'],
  RetrieveDestroyAPIView: ['GET', 'DELETE'],
  RetrieveUpdateDestroyAPIView: ['GET', 'PUT', 'PATCH', 'DELETE'],
};

const VIEWSET_ACTIONS: Record<string, string[]> = {
  ModelViewSet: ['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy'],
  ReadOnlyModelViewSet: ['list', 'retrieve'],
  ListModelMixin: ['list'],
  CreateModelMixin: ['create'],
  RetrieveModelMixin: ['retrieve'],
  UpdateModelMixin: ['update', 'partial_update'],
  DestroyModelMixin: ['destroy'],
};

const POLICY_ATTRIBUTES = { permissionClasses: 'permission_classes', authenticationClasses: 'authentication_classes', throttleClasses: 'throttle_classes' } as const;
type PolicyKey = keyof typeof POLICY_ATTRIBUTES;
const POLICY_KEYS = Object.keys(POLICY_ATTRIBUTES) as PolicyKey[];
const ACTION_KEYS = Object.keys(ACTIONS);
/** ViewSet actions and APIView verbs: a method of another name is a hook every action runs. */
const ACTION_NAMES: ReadonlySet<string> = new Set([...ACTION_KEYS, ...HTTP_METHODS]);

/** Class names of a policy list: `[IsAuthenticated, permissions.IsAdminUser]`, `(A & B)`, `[A | B]` read as their names. */
export function policyNames(node: PyNode | undefined, index: PySourceIndex): string[] | undefined {
  const elements = sequenceElements(node);
  if (elements === undefined) return undefined;
  return elements.flatMap((element) => index.nodesOfType('identifier', [{ pos: element.pos, end: element.end }]).filter((id) => id.parent?.type !== 'attribute' || id.field === 'attribute').map((id) => id.name ?? ''));
}

export function discoverDrfViews(index: PySourceIndex): PyEndpoint[] {
  if (!usesDrf(index)) return [];
  return [...functionViews(index), ...classViews(index)];
}

function functionViews(index: PySourceIndex): PyEndpoint[] {
  const endpoints: PyEndpoint[] = [];
  for (const fn of index.nodesOfType('function_definition')) {
    const decorators = decoratorsOf(fn);
    const apiView = decorators.find((decorator) => lastSegment(decoratorPath(decorator)) === 'api_view');
    if (apiView === undefined) continue;
    const listed = apiView.type === 'call' ? sequenceElements(positionalArguments(apiView)[0] ?? keywordArgument(apiView, 'http_method_names')) : undefined;
    const methods = (listed ?? []).map((m) => stringValue(m, index)?.toUpperCase()).filter((m): m is string => m !== undefined);
    const policies: Partial<Record<PolicyKey, DrfPolicy>> = {};
    const others: PyDecorator[] = [];
    for (const decorator of decorators) {
      if (decorator === apiView) continue;
      const name = lastSegment(decoratorPath(decorator));
      const key = POLICY_KEYS.find((k) => POLICY_ATTRIBUTES[k] === name);
      if (key !== undefined && decorator.type === 'call') {
        policies[key] = { names: policyNames(positionalArguments(decorator)[0], index) ?? [], source: 'decorator', file: index.path, line: decorator.line, node: decorator };
      } else {
        others.push({ name: decoratorPath(decorator), node: decorator, line: decorator.line });
      }
    }
    for (const method of methods.length > 0 ? methods : ['GET']) {
      endpoints.push({
        file: index.path,
        framework: 'django-rest-framework',
        method,
        route: definitionName(fn),
        line: apiView.line,
        registration: apiView,
        handler: fn,
        dependencies: [],
        decorators: others,
        beforeRequest: [],
        ...policies,
        scopes: codeScopes(index, [definitionStatement(fn)]),
        index,
      });
    }
  }
  return endpoints;
}

/** The DRF view base names of a class, following base classes defined in the same file (a few hops). */
function drfBases(cls: PyNode, classes: Map<string, PyNode>): { bases: string[]; lineage: PyNode[] } {
  const bases: string[] = [];
  const lineage: PyNode[] = [cls];
  let frontier = [cls];
  for (let hop = 0; hop < 4 && frontier.length > 0; hop++) {
    const next: PyNode[] = [];
    for (const current of frontier) {
      for (const base of baseClassNames(current)) {
        const local = classes.get(lastSegment(base));
        if (local !== undefined && !lineage.includes(local)) {
          lineage.push(local);
          next.push(local);
        } else bases.push(lastSegment(base));
      }
    }
    frontier = next;
  }
  return { bases, lineage };
}

/** The mixin action a generic view runs for a method: `retrieve` for GET on a RetrieveAPIView, `list` on a ListAPIView. */
function genericAction(method: string, detail: boolean): string {
  if (method === 'GET') return detail ? 'retrieve' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'partial_update';
  return 'destroy';
}

function isDrfView(bases: string[]): boolean {
  return bases.some((base) => base === 'APIView' || base === 'GenericAPIView' || base.endsWith('ViewSet') || base in GENERIC_VIEWS || base in VIEWSET_ACTIONS);
}

function classViews(index: PySourceIndex): PyEndpoint[] {
  const classes = classesByName(index);
  const endpoints: PyEndpoint[] = [];
  for (const cls of index.nodesOfType('class_definition')) {
    const { bases, lineage } = drfBases(cls, classes);
    if (!isDrfView(bases)) continue;
    const name = definitionName(cls);
    const methods = lineage.flatMap((c) => methodsOf(c));
    // The first method of each name (the class's own before its bases'), named once: each action and verb asks.
    const byName = new Map<string, PyNode>();
    for (const method of methods) {
      const methodName = definitionName(method);
      if (!byName.has(methodName)) byName.set(methodName, method);
    }
    const own = (action: string) => byName.get(action);
    const isViewSet = bases.some((base) => base.endsWith('ViewSet') || base in VIEWSET_ACTIONS);
    const routes: { method: string; route: string; action: string; handler?: PyNode; detail: boolean }[] = [];
    if (isViewSet) {
      const actions = new Set(bases.flatMap((base) => VIEWSET_ACTIONS[base] ?? []));
      for (const action of ACTION_KEYS) if (own(action) !== undefined) actions.add(action);
      for (const action of actions) {
        const { method, detail } = ACTIONS[action];
        routes.push({ method, route: detail ? `${name}/{pk}` : name, action, handler: own(action), detail });
      }
      for (const method of methods) {
        const decorator = decoratorsOf(method).find((d) => lastSegment(decoratorPath(d)) === 'action');
        if (decorator === undefined) continue;
        const detail = decorator.type === 'call' && booleanValue(keywordArgument(decorator, 'detail')) === true;
        const path = (decorator.type === 'call' ? stringValue(keywordArgument(decorator, 'url_path'), index) : undefined) ?? definitionName(method);
        const listed = decorator.type === 'call' ? sequenceElements(keywordArgument(decorator, 'methods')) : undefined;
        const verbs = (listed ?? []).map((m) => stringValue(m, index)?.toUpperCase()).filter((m): m is string => m !== undefined);
        for (const verb of verbs.length > 0 ? verbs : ['GET']) {
          routes.push({ method: verb, route: detail ? `${name}/{pk}/${path}` : `${name}/${path}`, action: definitionName(method), handler: method, detail });
        }
      }
    } else {
      const generic = bases.flatMap((base) => GENERIC_VIEWS[base] ?? []);
      const served = new Set(generic);
      for (const verb of HTTP_METHODS) if (own(verb) !== undefined) served.add(verb.toUpperCase());
      // Generic views name their actions like ViewSets: a Retrieve/Update/Destroy view serves one object (get_object()).
      const detail = bases.some((base) => base in GENERIC_VIEWS && /Retrieve|Update|Destroy/.test(base) && !base.startsWith('List'));
      for (const method of served) {
        const handler = own(method.toLowerCase());
        const action = handler === undefined && generic.includes(method) ? genericAction(method, detail) : method.toLowerCase();
        routes.push({ method, route: name, action, handler, detail });
      }
    }
    // Hooks every action runs: queryset, object lookup, perform_*, permission methods, helpers.
    const hooks = methods.filter((method) => !ACTION_NAMES.has(definitionName(method)) && !decoratorsOf(method).some((d) => lastSegment(decoratorPath(d)) === 'action'));
    const policies: Partial<Record<PolicyKey, DrfPolicy>> = {};
    for (const key of POLICY_KEYS) {
      for (const c of lineage) {
        const attribute = classAttribute(c, POLICY_ATTRIBUTES[key]);
        if (attribute === undefined) continue;
        policies[key] = { names: policyNames(attribute.value, index) ?? [expressionPath(attribute.value, false)], source: 'class', file: index.path, line: attribute.node.line, node: attribute.node };
        break;
      }
    }
    // What every action runs: its hooks and the class statements; the inherited actions share one scopes array.
    const shared = [...hooks.map(definitionStatement), ...classLevelStatements(lineage)];
    let inherited: Scope[] | undefined;
    for (const route of routes) {
      endpoints.push({
        file: index.path,
        framework: 'django-rest-framework',
        method: route.method,
        route: route.route,
        line: route.handler?.line ?? cls.line,
        registration: cls,
        handler: route.handler,
        viewClass: cls,
        action: route.action,
        dependencies: [],
        decorators: [],
        beforeRequest: [],
        ...policies,
        scopes: route.handler === undefined ? (inherited ??= codeScopes(index, shared)) : codeScopes(index, [definitionStatement(route.handler), ...shared]),
        index,
      });
    }
  }
  return endpoints;
}

/** Class attributes (queryset, permission_classes...) as scopes: they configure every action. */
function classLevelStatements(lineage: PyNode[]): PyNode[] {
  return lineage.flatMap((cls) => {
    const body = cls.children.find((child) => child.field === 'body');
    return (body?.children ?? []).filter((statement) => statement.type === 'expression_statement');
  });
}

