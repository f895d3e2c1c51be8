/**
 * missing-tenant-filter for Python (authz.tenant): in code that knows the
 * caller's tenant (`request.user.organization`, `current_user.tenant_id`, a
 * model of the file with an `organization` field, a query filtering on one),
 * a Django / SQLAlchemy / Flask-SQLAlchemy query that filters by the user or
 * by nothing, but not by the tenant; or by a tenant the request chose, with
 * no membership check. A DRF view's `get_queryset` is part of every action's
 * code, so a queryset scoped to the tenant there passes them all.
 */
import tsCheck from '../../authorization/missing-tenant-filter.js';
import { isIdentityModel, isTenantField, isTenantModel, pluralModel, tenantNoun } from '../../authorization/tenant-fields.js';
import {
  calleeName,
  childByField,
  classAttribute,
  definitionName,
  expressionPath,
  functionsByName,
  keywordArguments,
  lastSegment,
  methodsOf,
  namedChild, namedChildren,
  parametersOf,
  plainCalleePath,
  positionalArguments,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex, Scope } from '../../lang/py/source-index.js';
import { ScopedFacts } from '../../lang/py/scoped-facts.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { OWNER_FIELD } from './record-lookups.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const CHAINED_GET_CALL = /^(?:get|get_or_404|get_or_none)$/;
const GET_ONE_CALL = /^(?:get|get_or_404|get_object_or_404|get_list_or_404)$/;

/** The caller as the code names it; its tenant is an attribute of it (`request.user.organization`). */
const CALLER = /^(?:self\.)?(?:request\.user|current_user|g\.user|user|caller|principal|identity|claims|token_data|payload|current_account|g)$/;
/** Where a request carries a value the client chose. */
const REQUEST_READ = /^(?:self\.)?(?:request\.(?:data|GET|POST|query_params|args|form|json|values|view_args|path_params|headers|META)|kwargs|self\.kwargs)(?:\.|$)/;
/** A membership check of the caller in a tenant the request names. */
const MEMBERSHIP_CALL = /(?:^|_)(?:member|membership|members|belongs|access|ensure_\w+|require_\w*(?:org|tenant|workspace|team|member)\w*|check_\w*(?:org|tenant|workspace|team|member)\w*)(?:_|$)|^(?:is_member|has_access|has_perm|has_object_permission|check_object_permissions)$/;
/** Query starts: `Project.objects`, `Project.query`, `select(Project)`, `session.query(Project)`, `update(Project)`, `delete(Project)`. */
const QUERY_START = /^(?:select|query|update|delete)$/;
/** Calls a tenant id is handed to that run no query: answers, conversions, logs. */
const NOT_A_QUERY = /^(?:jsonify|Response|JSONResponse|HTMLResponse|make_response|render\w*|dict|str|int|float|list|print|format|info|debug|warning|error|exception|critical|log|audit|append|get)$/;
const WRITE = /^(?:update|bulk_update|update_or_create)$/;

interface Query {
  /** The outermost call of the chain. */
  chain: PyNode;
  model: string;
  /** Keyword names (split on `__`) and the left side of comparisons: the fields the query filters on. */
  conditions: { field: string; value?: PyNode; node: PyNode; presence?: boolean }[];
  operation: 'read' | 'update' | 'delete';
}

const EFFECT = { read: 'sees', update: 'changes', delete: 'deletes' } as const;
const REACH = { read: 'returns', update: 'changes', delete: 'deletes' } as const;

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

/** The outermost call of a method chain that `node` starts. */
function chainOf(node: PyNode): PyNode {
  let current = node;
  for (let link = 0; link < 16; link++) {
    const parent = current.parent;
    if (parent?.type === 'attribute' && current.field === 'object' && parent.parent?.type === 'call' && parent.field === 'function') current = parent.parent;
    else if (parent?.type === 'call' && current.field === 'function') current = parent;
    else break;
  }
  return current;
}

function conditionsOf(chain: PyNode, index: PySourceIndex): Query['conditions'] {
  const conditions: Query['conditions'] = [];
  for (const call of index.calls([{ pos: chain.pos, end: chain.end }])) {
    for (const { name, value, node } of keywordArguments(call)) {
      // `organization__isnull=False` asks that there be a tenant, not that it be the caller's: it shows the field, it filters on no value.
      const presence = /__isnull$/.test(name);
      for (const field of name.split('__')) conditions.push({ field, value, node, ...(presence ? { presence } : {}) });
    }
  }
  for (const comparison of index.nodesOfType('comparison_operator', [{ pos: chain.pos, end: chain.end }])) {
    const [left, right] = namedChildren(comparison);
    if (left !== undefined) conditions.push({ field: lastSegment(expressionPath(left, false)), value: right, node: comparison });
  }
  // `session.get(Project, id)`, `Project.query.get(id)`: the key.
  for (const call of index.callsNamed(CHAINED_GET_CALL, [{ pos: chain.pos, end: chain.end }])) {
    const positional = positionalArguments(call);
    const key = positional.length >= 2 ? positional[1] : positional[0];
    if (key !== undefined && !(positional.length === 1 && /^[A-Z]/.test(index.textOf(key)))) conditions.push({ field: 'pk', value: key, node: call });
  }
  return conditions;
}

const QUERIES = new ScopedFacts<readonly Query[]>('py:tenantQueries');
const CALLER_TENANT = new ScopedFacts<{ node: PyNode; text: string } | undefined>('py:callerTenant');

/** The ORM queries of the endpoint's code, each chain once; they depend on the index and scopes only. */
function queriesOf(endpoint: PyEndpoint): readonly Query[] {
  return QUERIES.get(endpoint.index, endpoint.scopes, () => findQueries(endpoint.index, endpoint.scopes));
}

function findQueries(index: PySourceIndex, scopes: readonly Scope[]): Query[] {
  const starts: { node: PyNode; model: string }[] = [];
  for (const attribute of index.nodesOfType('attribute', scopes)) {
    const name = childByField(attribute, 'attribute')?.name;
    const object = childByField(attribute, 'object');
    // `Project.objects` (Django), `Project.query` (Flask-SQLAlchemy): a model is a capitalised name.
    if ((name === 'objects' || name === 'query') && object?.type === 'identifier' && /^[A-Z]/.test(object.name ?? '')) starts.push({ node: attribute, model: object.name ?? '' });
  }
  for (const call of index.callsNamed(QUERY_START, scopes)) {
    const model = positionalArguments(call)[0];
    if (model === undefined || !/^[A-Z]/.test(lastSegment(expressionPath(model, false)))) continue;
    starts.push({ node: call, model: lastSegment(expressionPath(model, false)).split('.')[0] });
  }
  // `session.get(Project, id)`, `db.get_or_404(Project, id)`, `get_object_or_404(Project, pk=pk)`.
  for (const call of index.callsNamed(GET_ONE_CALL, scopes)) {
    const model = positionalArguments(call)[0];
    const direct = calleeName(call) === 'get_object_or_404' || calleeName(call) === 'get_list_or_404' || positionalArguments(call).length >= 2;
    if (model?.type === 'identifier' && /^[A-Z]/.test(model.name ?? '') && direct) starts.push({ node: call, model: model.name ?? '' });
  }
  const seen = new Set<PyNode>();
  const queries: Query[] = [];
  for (const start of starts.sort((a, b) => a.node.pos - b.node.pos)) {
    const chain = chainOf(start.node);
    if (seen.has(chain) || chain.type !== 'call') continue;
    seen.add(chain);
    const names = index.calls([{ pos: chain.pos, end: chain.end }]).map(calleeName);
    const operation = names.some((name) => /^delete$/.test(name)) ? 'delete' : names.some((name) => WRITE.test(name)) ? 'update' : 'read';
    queries.push({ chain, model: start.model, conditions: conditionsOf(chain, index), operation });
  }
  return queries;
}

/** The caller's tenant as the code reads it: `request.user.organization`, `current_user.tenant_id`, `claims["org_id"]`. */
function callerTenantOf(endpoint: PyEndpoint): { node: PyNode; text: string } | undefined {
  return CALLER_TENANT.get(endpoint.index, endpoint.scopes, () => findCallerTenant(endpoint.index, endpoint.scopes));
}

function findCallerTenant(index: PySourceIndex, scopes: readonly Scope[]): { node: PyNode; text: string } | undefined {
  for (const attribute of index.nodesOfType('attribute', scopes)) {
    const field = childByField(attribute, 'attribute')?.name ?? '';
    const object = childByField(attribute, 'object');
    if (object !== undefined && isTenantField(field) && CALLER.test(expressionPath(object, false))) return { node: attribute, text: index.textOf(attribute) };
  }
  for (const subscript of index.nodesOfType('subscript', scopes)) {
    const value = childByField(subscript, 'value');
    const key = childByField(subscript, 'subscript');
    const keyText = key === undefined ? '' : index.textOf(key).replace(/^["']|["']$/g, '');
    if (value !== undefined && isTenantField(keyText) && (CALLER.test(expressionPath(value, false)) || /^get_jwt$/.test(value.type === 'call' ? calleeName(value) : ''))) return { node: subscript, text: index.textOf(subscript) };
  }
  return undefined;
}

/** A model class of the file with a tenant field: `organization = models.ForeignKey(...)`, `org_id = Column(...)`. */
function tenantModelField(index: PySourceIndex): { model: string; field: string } | undefined {
  return index.memo('py:tenantModelField', () => findTenantModelField(index));
}

function findTenantModelField(index: PySourceIndex): { model: string; field: string } | undefined {
  for (const cls of index.nodesOfType('class_definition')) {
    const body = childByField(cls, 'body');
    for (const statement of body === undefined ? [] : namedChildren(body)) {
      const assignment = statement.type === 'expression_statement' ? namedChild(statement, 0) : undefined;
      const left = assignment?.type === 'assignment' ? childByField(assignment, 'left') : undefined;
      const right = assignment === undefined ? undefined : childByField(assignment, 'right');
      if (left?.type === 'identifier' && isTenantField(left.name ?? '') && right?.type === 'call' && /^(?:ForeignKey|OneToOneField|Column|mapped_column|Field|ForeignKeyField|IntegerField|UUIDField|CharField|relationship)$/.test(calleeName(right))) {
        return { model: definitionName(cls), field: left.name ?? '' };
      }
    }
  }
  return undefined;
}

/** Handler parameters (path or query values the client chose). */
function requestNames(endpoint: PyEndpoint): Set<string> {
  const names = new Set<string>();
  for (const parameter of endpoint.handler === undefined ? [] : parametersOf(endpoint.handler)) if (!/^(?:self|request|cls)$/.test(parameter.name) && parameter.default === undefined) names.add(parameter.name);
  for (const parameter of endpoint.handler === undefined ? [] : parametersOf(endpoint.handler)) if (isTenantField(parameter.name)) names.add(parameter.name);
  return names;
}

/** The request value a tenant condition takes (`org_id`, `request.headers["X-Org-Id"]`), when it is one. */
function requestTenantLabel(value: PyNode | undefined, index: PySourceIndex, names: Set<string>): string | undefined {
  if (value === undefined) return undefined;
  if (value.type === 'identifier' && names.has(value.name ?? '')) return value.name;
  const path = expressionPath(value, false);
  if (REQUEST_READ.test(path)) return clip(index.textOf(value));
  for (const node of [value, ...index.nodesOfType('attribute', [{ pos: value.pos, end: value.end }]), ...index.nodesOfType('subscript', [{ pos: value.pos, end: value.end }]), ...index.calls([{ pos: value.pos, end: value.end }])]) {
    if (REQUEST_READ.test(expressionPath(node.type === 'subscript' ? (childByField(node, 'value') ?? node) : node, false))) return clip(index.textOf(value));
  }
  return undefined;
}

export default createPyCheck({
  id: 'missing-tenant-filter',
  items: ['authz.tenant'],
  ...siblingMetadata(tsCheck),
  messages: {
    userOnly: tsCheck.messages.userOnly,
    unscoped: tsCheck.messages.unscoped,
    chosenTenant: tsCheck.messages.chosenTenant,
  },
  fix: {
    'django-rest-framework': "{{remedy}} In a view class, scope `get_queryset()` once (`return super().get_queryset().filter(organization=self.request.user.organization)`) so every action, lookups by pk included, stays in the caller's tenant; take the tenant from `request.user`, never from the URL, body or headers without checking membership first.",
    fastapi: "{{remedy}} Take the tenant from the authenticated user your dependency returns (e.g. `current_user.tenant_id`), never from a path parameter, body or header without checking the caller's membership first.",
    flask: "{{remedy}} Take the tenant from the signed-in user (`current_user.tenant_id`, or the JWT claims), never from the URL, body or headers without checking the caller's membership first.",
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const item = 'authz.tenant';
    const { index } = endpoint;
    let queries = queriesOf(endpoint);
    const queryset = endpoint.viewClass === undefined ? undefined : classAttribute(endpoint.viewClass, 'queryset');
    const hasQuerysetHook = endpoint.viewClass !== undefined && methodsOf(endpoint.viewClass).some((method) => definitionName(method) === 'get_queryset');
    // The class attribute serves the generic actions only, and only without a get_queryset() that replaces it.
    if (queryset !== undefined && (hasQuerysetHook || endpoint.handler !== undefined)) queries = queries.filter((query) => !(query.chain.pos >= queryset.node.pos && query.chain.end <= queryset.node.end));

    const caller = callerTenantOf(endpoint);
    const modelField = tenantModelField(index);
    const tenantQuery = queries.find((query) => query.conditions.some((condition) => isTenantField(condition.field)));
    if (caller === undefined && modelField === undefined && tenantQuery === undefined) {
      context.notApplicable(item, "no tenant concept in this endpoint's code");
      return;
    }
    const field = tenantQuery?.conditions.find((condition) => isTenantField(condition.field))?.field ?? modelField?.field ?? (caller === undefined ? 'organization' : lastSegment(caller.text.replace(/\[["'](\w+)["']\]$/, '.$1')));
    const tenants = tenantNoun(field);
    const tenant = tenants.replace(/s$/, '');
    const names = requestNames(endpoint);
    const membership = index.calls(endpoint.scopes).find((call) => MEMBERSHIP_CALL.test(calleeName(call)));
    const callerText = caller?.text ?? (endpoint.framework === 'django-rest-framework' ? `request.user.${field}` : `current_user.${field}`);

    let passed: { node: PyNode; note: string } | undefined;
    let failed = false;
    for (const query of queries) {
      if (isTenantModel(query.model)) continue;
      const text = clip(index.textOf(query.chain));
      const tenantCondition = query.conditions.find((condition) => isTenantField(condition.field) && condition.presence !== true);
      // The caller's own user row (`User.objects.get(pk=request.user.pk)`) lives above the tenants.
      if (isIdentityModel(query.model) && query.conditions.some((condition) => condition.value !== undefined && CALLER.test(expressionPath(condition.value, false).replace(/\.(?:id|pk)$/, '')))) continue;
      const records = pluralModel(query.model);
      const base = { query: text, records, tenantField: tenantCondition?.field ?? field, tenants, tenant };
      if (tenantCondition !== undefined) {
        const label = requestTenantLabel(tenantCondition.value, index, names);
        if (label === undefined) {
          passed ??= { node: tenantCondition.node, note: `\`${text}\` filters on ${tenantCondition.field}` };
          continue;
        }
        if (membership !== undefined) {
          passed ??= { node: membership, note: `${plainCalleePath(membership)}() checks the caller's membership before \`${text}\` filters on ${tenantCondition.field} from ${label}` };
          continue;
        }
        failed = true;
        context.report({
          messageId: 'chosenTenant',
          node: query.chain,
          severity: 'high',
          data: {
            ...base,
            label,
            action: query.operation === 'read' ? 'read' : query.operation === 'delete' ? 'delete' : 'change',
            remedy: `Check that the caller belongs to that ${tenant} before the query and answer 404 when not (\`Membership.objects.filter(user=request.user, ${tenantCondition.field}=${label}).exists()\`), or use the caller's own ${tenant} (\`${callerText}\`) instead.`,
          },
        });
        continue;
      }
      failed = true;
      const owner = query.conditions.find((condition) => OWNER_FIELD.test(condition.field));
      const remedy = `Filter on the caller's ${tenant} as well: \`${field}=${callerText}\` in \`${text}\`.`;
      const severity = query.operation === 'read' ? 'medium' : 'high';
      if (owner !== undefined) {
        context.report({ messageId: 'userOnly', node: query.chain, severity, data: { ...base, tenantField: field, userField: owner.field, effect: EFFECT[query.operation], remedy } });
      } else {
        const columns = [...new Set(query.conditions.map((condition) => condition.field))];
        const filtered = columns.length > 0 ? `filters by ${columns.join(' and ')} but not by ${field}` : `has no filter, so no ${field} condition`;
        context.report({ messageId: 'unscoped', node: query.chain, severity, data: { ...base, tenantField: field, filtered, reaches: REACH[query.operation], remedy } });
      }
    }
    if (failed) return;
    if (passed !== undefined) {
      context.pass(item, passed);
      return;
    }
    if (endpoint.viewClass !== undefined && endpoint.handler === undefined && queryset === undefined && !hasQuerysetHook) {
      context.unknown(item, `the view's queryset is set in a base class or elsewhere; check that it filters on the caller's ${tenant}`);
      return;
    }
    // The tenant handed to a function of another module (`build_reports(session, claims["org"])`): its queries are there.
    const handedOn = caller === undefined ? undefined : index.calls(endpoint.scopes).find((call) => call !== caller.node && call.pos <= caller.node.pos && caller.node.end <= call.end && childByField(call, 'arguments')!.pos <= caller.node.pos && !functionsByName(index).has(plainCalleePath(call)) && !NOT_A_QUERY.test(calleeName(call)));
    if (handedOn !== undefined) {
      context.unknown(item, `the caller's ${tenant} (\`${caller!.text}\`) is passed to ${plainCalleePath(handedOn)}(), defined in another module; check that its queries filter on it`);
      return;
    }
    context.notApplicable(item, `the endpoint reads or changes no record through a recognised query`);
  },
});
