/**
 * Where an endpoint's code gets a tenant from: the caller's own session or
 * token (Clerk's `orgId`, `session.user.tenantId`, `req.user.orgId`,
 * `req.tenant`, a `getTenant()` helper), or the request (a route parameter
 * such as `[orgId]`, an `x-tenant-id` header). The first is a tenant the
 * caller acts in; the second is one the caller chose, which is only safe
 * after a membership check.
 */
import { ts, SyntaxKind, isCallExpression, isElementAccessExpression, isIdentifier, isPropertyAccessExpression, isStringLiteral, isVariableDeclaration } from '../lang/ts/parse.js';
import { calleeName, plainCalleePath, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { codeRegions, type Endpoint } from '../frameworks/endpoint.js';
import type { RequestOrigins } from '../frameworks/request-origins.js';
import { recordVariable } from './record-bindings.js';
import { isTenantField, tenantIdField } from './tenant-fields.js';

/** A tenant the caller carries: the one their session, token or middleware says they act in. */
export interface CallerTenant {
  node: ts.Node;
  index: SourceIndex;
  /** The tenant id field the caller carries: `orgId`, `tenantId`. */
  field: string;
  /** The caller's tenant id as the endpoint's code writes it: `orgId`, `session.user.orgId`, `req.tenant.id`. */
  expression: string;
  /** What the evidence shows: "orgId from auth()". */
  note: string;
}

/** A tenant the request names: a route parameter or a header. */
export interface RequestedTenant {
  /** `params.orgId`, `req.headers['x-tenant-id']`. */
  label: string;
  field: string;
}

/** Tenant reads of an endpoint's code, and the names bound to a tenant header. */
export interface TenantSources {
  caller: CallerTenant[];
  requested: RequestedTenant[];
  /** Label of a header read that names a tenant, by the expression node that reads it or the local name bound to it. */
  headerLabel(expression: ts.Expression): string | undefined;
}

/**
 * Receivers whose properties describe the caller: `session.user`, `req.user`,
 * `req.auth`, `auth()`, `ctx.state.user`, `res.locals`, `token`, `claims`;
 * and the request or context object itself (`req.tenant`, `ctx.tenant`),
 * which middleware decorates with the resolved tenant.
 */
const CALLER_RECEIVER = /(?:^|\.)(?:user|session|auth|claims|token|jwt|decoded|principal|identity|caller|actor|currentUser|viewer|me|locals|state)(?:\(\))?$/i;
const DECORATED_REQUEST = /^(?:req|request|ctx|context|c|event\.locals|locals)$/;

/** Calls whose result describes the caller: `auth()`, `getServerSession(...)`, `currentUser()`, `jwt.verify(...)`, `getTenant(req)`. */
const CALLER_CALL = /auth|session|user|token|claims|verify|decode|tenant|org|workspace|team|member|identity|principal/i;

/** Helpers that return the caller's tenant: `getTenant(req)`, `currentOrganization()`, `getActiveWorkspaceId()`, `requireOrg()`. */
const TENANT_HELPER = /^(?:get|current|require|resolve|load|fetch|find|use|with)?(?:Current|Active|Session|Selected)?(?:Tenant|Org|Organi[sz]ation|Workspace|Team)(?:Id)?$/i;

/** Calls that may return the caller's tenant: Hono's `get`, and the helpers above by their name. */
const TENANT_HELPER_CALL = /^(?:get|\w*(?:Tenant|Org|Organi[sz]ation|Workspace|Team)(?:Id)?)$/i;

/** Request data by name in the code: a key the caller fills in. */
const REQUEST_TEXT = /\b(?:params|query|body|searchParams|input|headers|cookies|dto)\b/;

/** Header names that carry a tenant: `x-tenant-id`, `X-Org-Id`, `x-workspace`. */
const TENANT_HEADER = /tenant|org|workspace|team|account/i;

function isCallerReceiver(text: string): boolean {
  return (CALLER_RECEIVER.test(text) || DECORATED_REQUEST.test(text)) && !REQUEST_TEXT.test(text);
}

/** The id expression for a tenant read: `orgId` stays, `req.tenant` becomes `req.tenant.id`. */
function idExpression(text: string, key: string): string {
  return /id$/i.test(key) ? text : `${text}.id`;
}

function pushUnique(list: CallerTenant[], tenant: CallerTenant): void {
  if (!list.some((known) => known.expression === tenant.expression && known.index === tenant.index)) list.push(tenant);
}

/** `const { userId, orgId } = await auth()`, `const { tenantId } = req.user`. */
function destructuredTenants(index: SourceIndex, scopes: readonly Scope[], fromRequest: (expression: ts.Expression) => boolean, found: CallerTenant[]): void {
  for (const element of index.nodesOfKind<ts.BindingElement>(SyntaxKind.BindingElement, scopes)) {
    if (!isIdentifier(element.name)) continue;
    const key = element.propertyName !== undefined && (isIdentifier(element.propertyName) || isStringLiteral(element.propertyName)) ? element.propertyName.text : element.name.text;
    const field = isTenantField(key) ? tenantIdField(key) : undefined;
    if (field === undefined) continue;
    const declaration = element.parent.parent;
    if (!isVariableDeclaration(declaration) || declaration.initializer === undefined) continue;
    const initializer = declaration.initializer;
    const source = unwrapExpression(initializer);
    // Only what describes the caller: `auth()`, `getServerSession()`, `req.user`, `token`; not any object with an `account` key.
    const describesCaller = isCallExpression(source) ? CALLER_CALL.test(plainCalleePath(source)) : isCallerReceiver(index.textOf(source).replace(/\s+/g, ''));
    if (!describesCaller || REQUEST_TEXT.test(index.textOf(initializer)) || fromRequest(initializer)) continue;
    const from = isCallExpression(source) ? `${plainCalleePath(source)}()` : index.textOf(source);
    pushUnique(found, { node: element, index, field, expression: idExpression(element.name.text, key), note: `${key} from ${from}` });
  }
}

/** `session.user.orgId`, `req.user.tenantId`, `req.tenant`, `auth().orgId`. */
function accessedTenants(index: SourceIndex, scopes: readonly Scope[], found: CallerTenant[]): void {
  for (const access of index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, scopes)) {
    const key = access.name.text;
    if (!isTenantField(key)) continue;
    const receiver = index.textOf(access.expression).replace(/\s+/g, '');
    if (!isCallerReceiver(receiver)) continue;
    const text = index.textOf(access).replace(/\s+/g, '');
    pushUnique(found, { node: access, index, field: tenantIdField(key)!, expression: idExpression(text, key), note: `\`${text}\`` });
  }
}

/** `const tenant = await getTenant(req)`, `currentOrganization()`, Hono's `c.get('tenant')`. */
function helperTenants(index: SourceIndex, scopes: readonly Scope[], fromRequest: (expression: ts.Expression) => boolean, found: CallerTenant[]): void {
  for (const call of index.callsNamed(TENANT_HELPER_CALL, scopes)) {
    const name = calleeName(call);
    const key = name === 'get' ? stringValue(call.arguments[0]) : TENANT_HELPER.test(name) ? name.replace(/^(?:get|current|require|resolve|load|fetch|find|use|with)?(?:Current|Active|Session|Selected)?/i, '') : undefined;
    if (key === undefined || !isTenantField(key)) continue;
    // `searchParams.get('orgId')` is the caller's choice, not their tenant.
    if (REQUEST_TEXT.test(plainCalleePath(call)) || fromRequest(call)) continue;
    const field = tenantIdField(key)!;
    const variable = recordVariable(call);
    const path = plainCalleePath(call);
    const expression = variable === undefined ? `${index.textOf(call)}${/id$/i.test(key) ? '' : '.id'}` : idExpression(variable, /id$/i.test(key) ? key : variable);
    pushUnique(found, { node: call, index, field, expression, note: `${path}()` });
  }
}

/** `[orgId]`, `:tenantId`, `{workspaceId}` in the route. */
function routeTenants(endpoint: Endpoint): RequestedTenant[] {
  const requested: RequestedTenant[] = [];
  if (!TENANT_HEADER.test(endpoint.route)) return requested;
  for (const match of endpoint.route.matchAll(/\[(?:\.\.\.)?(\w+)\]|:(\w+)|\{(\w+)\}/g)) {
    const name = match[1] ?? match[2] ?? match[3];
    if (isTenantField(name)) requested.push({ label: `params.${name}`, field: tenantIdField(name)! });
  }
  return requested;
}

/** A header read whose name says tenant: `req.headers['x-tenant-id']`, `request.headers.get('x-org-id')`, `req.get('X-Tenant')`, `req.header(...)`. */
function tenantHeaderName(expression: ts.Expression): string | undefined {
  const node = unwrapExpression(expression);
  if (isElementAccessExpression(node)) {
    const name = stringValue(node.argumentExpression);
    const receiver = unwrapExpression(node.expression);
    const onHeaders = isPropertyAccessExpression(receiver) && receiver.name.text === 'headers';
    return onHeaders && name !== undefined && TENANT_HEADER.test(name) ? name : undefined;
  }
  if (isPropertyAccessExpression(node)) {
    // `req.headers.tenant`
    const receiver = unwrapExpression(node.expression);
    return isPropertyAccessExpression(receiver) && receiver.name.text === 'headers' && TENANT_HEADER.test(node.name.text) ? node.name.text : undefined;
  }
  if (!isCallExpression(node)) return undefined;
  const name = stringValue(node.arguments[0]);
  if (name === undefined || !TENANT_HEADER.test(name) || !/^x-|tenant/i.test(name)) return undefined;
  const method = calleeName(node);
  const path = plainCalleePath(node);
  if (method === 'get' && /headers(?:\(\))?$/.test(path.slice(0, -'.get'.length))) return name;
  if ((method === 'header' || method === 'get') && /^(?:req|request|c\.req|ctx|ctx\.request)\.(?:header|get)$/.test(path)) return name;
  return undefined;
}

/** Most files never name a tenant: one look at the text, once per file, spares the walk over their nodes. */
function mentionsTenant(index: SourceIndex): boolean {
  return index.memo('mentionsTenant', () => TENANT_HEADER.test(index.text));
}

/**
 * The tenant sources of one endpoint: caller tenants in its own code and in
 * the imported middleware that runs for it (`codeRegions`), requested ones
 * from its route and the headers its code reads. `origins` is called only
 * when a tenant name needs telling apart from request data.
 */
export function findTenantSources(endpoint: Endpoint, origins: () => RequestOrigins): TenantSources {
  const caller: CallerTenant[] = [];
  if (!codeRegions(endpoint).some((region) => mentionsTenant(region.index))) return { caller, requested: [], headerLabel: () => undefined };
  // Tracing request data costs a pass over the endpoint: asked only about names that say tenant.
  const fromRequest = (expression: ts.Expression) => origins().of(expression) !== undefined;
  for (const region of codeRegions(endpoint)) {
    // Imported middleware has no request tracer of its own: its request reads are caught by name.
    const isOwn = region.index === endpoint.index;
    destructuredTenants(region.index, region.scopes, isOwn ? fromRequest : () => false, caller);
    accessedTenants(region.index, region.scopes, caller);
    helperTenants(region.index, region.scopes, isOwn ? fromRequest : () => false, caller);
  }

  const index = endpoint.index;
  const requested = routeTenants(endpoint);
  const headerNodes = new Map<ts.Node, string>();
  const headerNames = new Map<string, string>();
  const candidates = [
    ...index.nodesOfKind<ts.ElementAccessExpression>(SyntaxKind.ElementAccessExpression, endpoint.scopes),
    ...index.callsNamed(/^(?:get|header)$/, endpoint.scopes),
  ];
  for (const node of candidates) {
    const name = tenantHeaderName(node);
    if (name === undefined) continue;
    const label = index.textOf(node).replace(/\s+/g, '');
    headerNodes.set(node, label);
    const variable = recordVariable(node);
    if (variable !== undefined) headerNames.set(variable, label);
    if (!requested.some((known) => known.label === label)) requested.push({ label, field: tenantIdField(name.replace(/^x-/i, '').replace(/-id$/i, 'Id').replace(/-/g, '')) ?? 'tenantId' });
  }
  const headerLabel = (expression: ts.Expression): string | undefined => {
    const node = unwrapExpression(expression);
    if (isIdentifier(node)) return headerNames.get(node.text);
    return headerNodes.get(node) ?? (tenantHeaderName(node) === undefined ? undefined : index.textOf(node).replace(/\s+/g, ''));
  };
  return { caller, requested, headerLabel };
}
