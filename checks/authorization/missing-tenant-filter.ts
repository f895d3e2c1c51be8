import { ts, SyntaxKind, isIdentifier, isLiteralExpression } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { accessRoot, boundNames, unwrapExpression } from '../lang/ts/queries.js';
import { scopeOf, type Endpoint } from '../frameworks/endpoint.js';
import { traceRequestOrigins, type RequestOrigins } from '../frameworks/request-origins.js';
import { findImportedListHelpers } from './imported-list-helpers.js';
import { findMembershipChecks, resultDecision, type MembershipCheck } from './membership-checks.js';
import { findRecordQueries, type RecordQuery } from './orm-queries.js';
import { isMembershipRelation, isOwnerField, isKeyColumn } from './owner-fields.js';
import { findOwnerComparisons, type OwnerComparison } from './ownership-guards.js';
import { hasHiddenFilterPart } from './query-filters.js';
import { recordVariable } from './record-bindings.js';
import { tenantScopedExample } from './tenant-fix.js';
import { isIdentityModel, isTenantField, isTenantModel, pluralModel, tenantIdField, tenantNoun, tenantSegmentOf } from './tenant-fields.js';
import { findTenantSources, type TenantSources } from './tenant-sources.js';
import { findUnfilteredQueries } from './unfiltered-queries.js';
import type { Condition } from './where-conditions.js';

/** A query the tenant rule looks at, with whether the code shows its filter. */
interface Target {
  query: RecordQuery;
  hidden: boolean;
}

/** A query already confined to the caller's tenant: later queries may be scoped through it. */
interface ScopedRecord {
  query: RecordQuery;
  /** The variable holding its result. */
  record?: string;
  /** Values (as written) of its key conditions: `params.id`. */
  keys: ReadonlySet<string>;
  /** Whether the handler stops when it finds nothing (`if (!project) return 404`, `findFirstOrThrow`). */
  decides: boolean;
}

/** Everything the per-query decision needs to know about the endpoint. */
interface TenantView {
  endpoint: Endpoint;
  sources: TenantSources;
  fromRequest(expression: ts.Expression): boolean;
  requestTenant(expression: ts.Expression): string | undefined;
  memberships: MembershipCheck[];
  comparisons: OwnerComparison[];
  ifs: readonly ts.IfStatement[];
}

type Verdict =
  | { kind: 'skip' }
  | { kind: 'pass'; node: ts.Node; note: string }
  | { kind: 'hidden' }
  | { kind: 'alternative'; field: string }
  | { kind: 'chosen'; label: string; field: string }
  | { kind: 'unscoped'; user?: string };

const EFFECT = { read: 'sees', update: 'changes', delete: 'deletes' } as const;
const REACH = { read: 'returns', update: 'changes', delete: 'deletes' } as const;
const ACTION = { read: 'read', update: 'change', delete: 'delete' } as const;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `orgId: undefined` (or `null`) in a where filters nothing in Prisma, or the opposite of the caller's tenant elsewhere. */
function isEmptyValue(value: ts.Expression | undefined): boolean {
  if (value === undefined) return false;
  const bare = unwrapExpression(value);
  return bare.kind === SyntaxKind.NullKeyword || (isIdentifier(bare) && bare.text === 'undefined');
}

/** The conditions that restrict on their own: not one alternative of an OR, not compared with nothing. */
function active(query: RecordQuery): Condition[] {
  return query.conditions.filter((condition) => !condition.alternative && !isEmptyValue(condition.value));
}

/** The caller's own row in an identity table: `prisma.user.findUnique({ where: { id: userId } })`. */
function isCallersOwnRow(query: RecordQuery, view: TenantView): boolean {
  return isIdentityModel(query.model) && active(query).some((condition) => condition.value !== undefined && isKeyColumn(condition.column) && !view.fromRequest(condition.value) && !isLiteralExpression(unwrapExpression(condition.value)));
}

/** An owner condition with the caller's id: `userId`, `ownerId: req.user.id`, `members: { some: { userId } }`. */
function callerOwnerField(query: RecordQuery, view: TenantView): string | undefined {
  const owner = active(query).find(
    (condition) =>
      !isTenantField(condition.column) &&
      (isOwnerField(condition.column) || condition.path.some((segment) => isMembershipRelation(segment))) &&
      (condition.value === undefined || !view.fromRequest(condition.value)),
  );
  return owner?.column;
}

/** A decisive comparison of the fetched record's tenant with the caller's, after the read: `project.orgId !== orgId` and an exit. */
function tenantComparisonFor(query: RecordQuery, view: TenantView): OwnerComparison | undefined {
  const own = recordVariable(query.result);
  if (own === undefined || query.operation !== 'read') return undefined;
  return view.comparisons.find((comparison) => comparison.record === own && comparison.pos > query.node.end);
}

/** Whether the query reaches its records through one already confined to the tenant: `projectId: project.id`, or the same `params.id` checked before. */
function scopedThrough(query: RecordQuery, scoped: readonly ScopedRecord[], index: Endpoint['index']): { condition: Condition; through: ScopedRecord } | undefined {
  for (const condition of active(query)) {
    if (condition.value === undefined) continue;
    const root = accessRoot(condition.value);
    const text = oneLine(index.textOf(condition.value));
    const through = scoped.find((earlier) => earlier.query.node.end <= query.node.pos && ((root !== undefined && earlier.record === root) || (earlier.decides && earlier.keys.has(text))));
    if (through !== undefined) return { condition, through };
  }
  return undefined;
}

/**
 * The conditions that name the tenant, with the name to show: `orgId`,
 * `organization.id`; on the tenant table itself (`organization`,
 * `workspaces`), its key: `prisma.organization.findUnique({ where: { id: orgId } })`.
 */
function tenantConditions(query: RecordQuery, conditions: readonly Condition[]): { condition: Condition; segment: string }[] {
  const found: { condition: Condition; segment: string }[] = [];
  const tenantTable = isTenantModel(query.model);
  for (const condition of conditions) {
    const segment = tenantSegmentOf(condition) ?? (tenantTable && condition.path.length === 1 && isKeyColumn(condition.column) ? condition.column : undefined);
    if (segment !== undefined) found.push({ condition, segment });
  }
  return found;
}

function decide(target: Target, scoped: readonly ScopedRecord[], view: TenantView): Verdict {
  const { query } = target;
  const index = view.endpoint.index;
  if (isCallersOwnRow(query, view)) return { kind: 'skip' };
  // The caller's own memberships (`membership.findFirst({ where: { userId, orgId } })`) decide who belongs where; they are not tenant data.
  if (isTenantModel(query.model) && callerOwnerField(query, view) !== undefined) return { kind: 'skip' };
  const conditions = active(query);
  const named = tenantConditions(query, conditions).map((found) => ({ ...found, label: found.condition.value === undefined ? undefined : view.requestTenant(found.condition.value) }));
  const own = named.find((found) => found.label === undefined);
  if (own !== undefined) return { kind: 'pass', node: own.condition.node, note: `\`${query.callee}\` filters on ${own.segment}` };
  const requested = named[0];
  if (requested?.label !== undefined) {
    const { segment, label } = requested;
    const membership = view.memberships.find((check) => check.covers(query.node));
    if (membership !== undefined) return { kind: 'pass', node: membership.node, note: `${membership.note} before \`${query.callee}\` filters on ${segment} from ${label}` };
    const owner = callerOwnerField(query, view);
    // The caller's own records inside a tenant they name are still only theirs.
    if (owner !== undefined) return { kind: 'pass', node: requested.condition.node, note: `\`${query.callee}\` filters on ${owner} as well as ${segment} from ${label}: only the caller's own records` };
    return { kind: 'chosen', label, field: segment };
  }
  const policy = conditions.find((condition) => condition.policy === true);
  if (policy !== undefined) return { kind: 'pass', node: policy.node, note: `\`${query.callee}\` filters through a policy (accessibleBy)` };
  const through = scopedThrough(query, scoped, index);
  if (through !== undefined) {
    const line = index.lineOf(through.through.query.node);
    return { kind: 'pass', node: through.condition.node, note: `\`${query.callee}\` filters on ${through.condition.column} from the ${through.through.query.model} confined to the tenant on line ${line}` };
  }
  const comparison = tenantComparisonFor(query, view);
  if (comparison !== undefined) return { kind: 'pass', node: comparison.node, note: `${comparison.note} checks the ${query.model}'s tenant` };
  if (target.hidden || hasHiddenFilterPart(query)) return { kind: 'hidden' };
  // `OR: [{ orgId }, { public: true }]` may be shared content by design: a human tells.
  const alternative = query.conditions.find((condition) => condition.alternative && tenantSegmentOf(condition) !== undefined);
  if (alternative !== undefined) return { kind: 'alternative', field: tenantSegmentOf(alternative)! };
  return { kind: 'unscoped', user: callerOwnerField(query, view) };
}

/** The tenant column a query filters on, as its ORM writes it: `orgId`, `org_id`, `organization` (for `organization.id`). */
function tenantColumnOf(query: RecordQuery): string | undefined {
  for (const condition of active(query)) {
    const segment = tenantSegmentOf(condition);
    if (segment !== undefined) return segment.includes('.') ? tenantIdField(segment.split('.')[0]) : segment;
  }
  return undefined;
}

/**
 * The tenant field to name for `query`: the column another query of the
 * same ORM filters on, else what the caller carries, else what the request
 * names, else any tenant column of the endpoint.
 */
function codeTenantField(query: RecordQuery | undefined, targets: readonly Target[], sources: TenantSources): string {
  let other: string | undefined;
  for (const target of targets) {
    const column = tenantColumnOf(target.query);
    if (column === undefined) continue;
    if (target.query.orm === query?.orm) return column;
    other ??= column;
  }
  return sources.caller[0]?.field ?? sources.requested[0]?.field ?? other ?? 'tenantId';
}

/** The caller's tenant id as the code writes it, for the fix. */
function callerTenantValue(endpoint: Endpoint, targets: readonly Target[], view: TenantView, field: string): string {
  for (const { query } of targets) {
    for (const condition of active(query)) {
      if (tenantSegmentOf(condition) !== undefined && condition.value !== undefined && view.requestTenant(condition.value) === undefined) return oneLine(endpoint.index.textOf(condition.value));
    }
  }
  const own = view.sources.caller.find((tenant) => tenant.index === endpoint.index) ?? view.sources.caller[0];
  if (own !== undefined) return own.expression;
  if (endpoint.framework === 'nextjs-app-router') return 'orgId';
  const first = endpoint.handler?.parameters[0];
  const request = first !== undefined && isIdentifier(first.name) ? first.name.text : 'req';
  return `${request}.user.${field}`;
}

/** The caller's user id as the code writes it, for the membership example. */
function callerUserValue(endpoint: Endpoint): string {
  const declared = new Set(endpoint.index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes).flatMap((declaration) => boundNames(declaration.name)));
  if (declared.has('userId')) return 'userId';
  if (declared.has('session')) return 'session.user.id';
  if (endpoint.framework === 'nextjs-app-router') return 'userId';
  const first = endpoint.handler?.parameters[0];
  return `${first !== undefined && isIdentifier(first.name) ? first.name.text : 'req'}.user.id`;
}

/** A membership lookup in the query's ORM: what to run before trusting a tenant from the request. */
function membershipExample(query: RecordQuery, user: string, field: string, label: string): string {
  const column = field.includes('.') ? `${field.split('.')[0]}Id` : field;
  switch (query.orm) {
    case 'prisma':
      return `const membership = await ${query.client}.membership.findFirst({ where: { userId: ${user}, ${column}: ${label} } })`;
    case 'drizzle':
      return `const membership = await ${query.client}.query.memberships.findFirst({ where: and(eq(memberships.userId, ${user}), eq(memberships.${column}, ${label})) })`;
    case 'mongoose':
      return `const membership = await Membership.exists({ user: ${user}, ${column}: ${label} })`;
    default:
      return `SELECT 1 FROM memberships WHERE user_id = $1 AND ${column.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()} = $2 with [${user}, ${label}]`;
  }
}

export default createCheck({
  id: 'missing-tenant-filter',
  items: ['authz.tenant'],
  description: 'In code that knows the caller\'s tenant (organisation, workspace, team), a query reads or changes records without filtering on that tenant, or on a tenant the request chose.',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-639', 'CWE-284'],
  owasp: ['API1:2023'],
  messages: {
    userOnly: '`{{query}}` filters {{records}} by {{userField}} but not by {{tenantField}}: a user who belongs to several {{tenants}} {{effect}} {{records}} of all of them.',
    unscoped: '`{{query}}` {{filtered}}: it {{reaches}} {{records}} of every {{tenant}}, not only of the caller\'s.',
    chosenTenant:
      '`{{query}}` filters on {{tenantField}} taken from the request (`{{label}}`) and the caller\'s membership in that {{tenant}} is never checked: any signed-in user can {{action}} the {{records}} of another {{tenant}} by changing `{{label}}`.',
  },
  why: 'In a multi-tenant application the user id says who the caller is, not which organisation they act in: a query that does not filter on the caller\'s tenant, or trusts a tenant id the request sends, returns or changes another tenant\'s data (OWASP API1:2023, Broken Object Level Authorization).',
  fix: {
    'nextjs-app-router':
      "{{remedy}} Take the tenant from the session (Clerk's `auth()` returns the active `orgId`), never from the URL, body or headers without checking the caller's membership first.",
    express:
      "{{remedy}} Take the tenant from the authenticated user your middleware sets (e.g. `req.user.tenantId`), never from a header, route parameter or body without checking the caller's membership first.",
    default: "{{remedy}} Take the tenant from the caller's session or token, never from the request without checking the caller's membership first.",
  },
  run(context) {
    const { endpoint } = context;
    const item = 'authz.tenant';
    if (endpoint.handler === undefined) {
      const handler = endpoint.handlerReference === undefined ? 'the handler' : `the handler ${endpoint.handlerReference}`;
      context.unknown(item, `${handler} is defined in another file; its queries were not analysed`);
      return;
    }
    const { index, scopes } = endpoint;
    const queries = findRecordQueries(index, scopes);
    let traced: RequestOrigins | undefined;
    const originsOf = () => (traced ??= traceRequestOrigins(endpoint));
    const sources = findTenantSources(endpoint, originsOf);
    // Unfiltered queries have no conditions, so they cannot show a tenant: the concept is decided before looking for them.
    const filtersByTenant = queries.some((query) => active(query).some((condition) => tenantSegmentOf(condition) !== undefined));
    if (sources.caller.length === 0 && sources.requested.length === 0 && !filtersByTenant) {
      context.notApplicable(item, "no tenant concept in this endpoint's code");
      return;
    }
    const unfiltered = findUnfilteredQueries(index, scopes, queries);
    const helpers = findImportedListHelpers(index, scopes, [...queries, ...unfiltered.map((found) => found.query)].map((query) => query.node));
    if (queries.length === 0 && unfiltered.length === 0 && helpers.length === 0) {
      context.notApplicable(item, 'the endpoint reads or changes no record through a recognised query');
      return;
    }
    const targets: Target[] = [...queries.map((query) => ({ query, hidden: false })), ...unfiltered].sort((a, b) => a.query.node.pos - b.query.node.pos);

    const origins = originsOf();
    const requestTenant = (expression: ts.Expression) => origins.dataLabel(expression) ?? sources.headerLabel(expression);
    const fromRequest = (expression: ts.Expression) => requestTenant(expression) !== undefined;
    const view: TenantView = {
      endpoint,
      sources,
      fromRequest,
      requestTenant,
      memberships: findMembershipChecks(endpoint, queries, requestTenant, fromRequest),
      comparisons: findOwnerComparisons(index, scopes, origins).filter((comparison) =>
        index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, [scopeOf(comparison.node)]).some((access) => isTenantField(access.name.text)),
      ),
      ifs: index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, scopes),
    };
    // The noun is the endpoint's, whichever ORM a query uses: "organisations", "workspaces".
    const tenants = tenantNoun(codeTenantField(undefined, targets, sources));
    const tenant = tenants.replace(/s$/, '');
    let tenantValue: string | undefined;
    let userValue: string | undefined;

    const scoped: ScopedRecord[] = [];
    const unseen: string[] = [];
    let passed = false;
    let failed = false;
    for (const target of targets) {
      const { query } = target;
      const verdict = decide(target, scoped, view);
      const records = pluralModel(query.model);
      const field = codeTenantField(query, targets, sources);
      const base = { query: query.callee, records, tenantField: field, tenants, tenant };
      switch (verdict.kind) {
        case 'skip':
          continue;
        case 'pass': {
          passed = true;
          context.pass(item, { node: verdict.node, note: verdict.note });
          const keys = new Set(active(query).filter((condition) => condition.value !== undefined && isKeyColumn(condition.column)).map((condition) => oneLine(index.textOf(condition.value!))));
          scoped.push({ query, record: recordVariable(query.result), keys, decides: resultDecision(index, query, view.ifs) !== undefined });
          continue;
        }
        case 'hidden':
          unseen.push(`\`${query.callee}\` (line ${index.lineOf(query.node)}) takes a filter built elsewhere`);
          continue;
        case 'alternative':
          unseen.push(`\`${query.callee}\` (line ${index.lineOf(query.node)}) filters on ${verdict.field} only as one alternative of an OR, so the other alternatives must admit only records meant to be shared`);
          continue;
        case 'chosen': {
          failed = true;
          userValue ??= callerUserValue(endpoint);
          context.report({
            messageId: 'chosenTenant',
            node: query.node,
            endLine: index.lineOf(query.node),
            severity: 'high',
            data: {
              ...base,
              tenantField: verdict.field,
              label: verdict.label,
              action: ACTION[query.operation],
              remedy: `Check that the caller belongs to that ${tenant} before the query, and answer 404 when not: \`${membershipExample(query, userValue, verdict.field, verdict.label)}\`, or use the caller's own ${field} instead.`,
            },
          });
          continue;
        }
        case 'unscoped': {
          failed = true;
          tenantValue ??= callerTenantValue(endpoint, targets, view, field);
          const remedy = `Filter on the caller's ${tenant} as well: \`${tenantScopedExample(query, index, { field, value: tenantValue })}\`.`;
          const severity = query.operation === 'read' ? 'medium' : 'high';
          if (verdict.user !== undefined) {
            context.report({ messageId: 'userOnly', node: query.node, endLine: index.lineOf(query.node), severity, data: { ...base, userField: verdict.user, effect: EFFECT[query.operation], remedy } });
          } else {
            const columns = [...new Set(active(query).map((condition) => condition.column))];
            const filtered = columns.length > 0 ? `filters by ${columns.join(' and ')} but not by ${field}` : `has no filter, so no ${field} condition`;
            context.report({ messageId: 'unscoped', node: query.node, endLine: index.lineOf(query.node), severity, data: { ...base, filtered, reaches: REACH[query.operation], remedy } });
          }
          continue;
        }
      }
    }
    if (failed) return;

    for (const helper of helpers) unseen.push(`\`${helper.callee}()\` from '${helper.module}' (line ${index.lineOf(helper.call)}) queries in that module`);
    if (unseen.length > 0) {
      const field = codeTenantField(undefined, targets, sources);
      context.unknown(item, `the code knows the caller's ${tenant} (${field}), but ${unseen.join('; ')}: check that those queries filter on the caller's ${field}`);
      return;
    }
    if (!passed) context.notApplicable(item, `the endpoint only queries the ${tenants} and memberships themselves or the caller's own user record`);
  },
});
