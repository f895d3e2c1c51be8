/**
 * The names that say "tenant": the columns that tie a record to an
 * organisation, tenant, workspace, team or account, the relations that lead
 * to one, and the models that are the tenant (or its memberships) itself.
 * Kept apart from owner-fields.ts because a user id is an owner but not a
 * tenant: that difference is the whole point of authz.tenant.
 */
import { isMembershipRelation } from './owner-fields.js';
import type { Condition } from './where-conditions.js';
import { answerOnce } from '../lang/answer-once.js';

/** The tenant entities, each with the noun a message uses for several of them. */
const TENANT_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['tenant', 'tenants'],
  ['org', 'organisations'],
  ['organization', 'organisations'],
  ['organisation', 'organisations'],
  ['workspace', 'workspaces'],
  ['team', 'teams'],
  ['account', 'accounts'],
]);

function normalize(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1).replace(/[_\-\s]/g, '').toLowerCase();
}

/**
 * `orgId` gives `org`, `tenant_id` gives `tenant`, `organization` gives `organization`; others undefined.
 * Checks ask about every property name of an endpoint: each distinct name is answered once.
 */
const tenantEntity = answerOnce((name: string): string | undefined => {
  const key = normalize(name);
  const bare = key.endsWith('id') ? key.slice(0, -2) : key;
  return TENANT_ENTITIES.has(bare) ? bare : undefined;
}, 10_000);

/**
 * Whether a field (column, Mongoose path, Prisma relation) names the tenant:
 * `tenantId`, `org_id`, `organizationId`, `workspaceId`, `teamId`,
 * `accountId`, or the relation itself (`organization`, `tenant`).
 */
export function isTenantField(name: string): boolean {
  return tenantEntity(name) !== undefined;
}

/** How a message names several tenants of the kind `field` points to: `orgId` gives `organisations`. */
export function tenantNoun(field: string): string {
  const entity = tenantEntity(field);
  return entity === undefined ? 'tenants' : TENANT_ENTITIES.get(entity)!;
}

/** The id field of a tenant entity named by a variable or helper: `org` gives `orgId`, `tenant` gives `tenantId`. */
export function tenantIdField(name: string): string | undefined {
  const entity = tenantEntity(name);
  if (entity === undefined) return undefined;
  return normalize(name).endsWith('id') ? name.slice(name.lastIndexOf('.') + 1) : `${entity}Id`;
}

/**
 * The tenant segment of a condition's path, when the condition restricts by
 * tenant: `orgId`, `organization` in `organization: { id }`, `orgId` in
 * `project: { orgId }`. A tenant reached through a membership relation
 * (`organization: { members: { some: { userId } } }`) is not one: it admits
 * every tenant the user belongs to, not the one the caller acts in.
 */
export function tenantSegmentOf(condition: Condition): string | undefined {
  const at = condition.path.findIndex((segment) => isTenantField(segment));
  if (at < 0) return isTenantField(condition.column) ? condition.column : undefined;
  if (condition.path.slice(at + 1).some((segment) => isMembershipRelation(segment))) return undefined;
  return condition.path.slice(at).join('.');
}

/** `Project`, `projects`, `ProjectModel` and `project_table` as a bare lower-case singular. */
function bareModel(model: string): string {
  const bare = model.replace(/(?:Model|Repository|Repo|Table|Collection|Schema)$/, '').replace(/[_\-\s]/g, '').toLowerCase();
  if (bare.endsWith('ies')) return `${bare.slice(0, -3)}y`;
  return bare.endsWith('s') && !bare.endsWith('ss') ? bare.slice(0, -1) : bare;
}

const TENANT_MODEL = /^(?:tenant|org|organi[sz]ation|workspace|team|account|company)(?:member|membership|user|role|invite|invitation)?$|^(?:member|membership)$/;

/**
 * Whether a model is the tenant or its membership table (`organization`,
 * `memberships`, `OrgMember`): queries on it decide who belongs where, they
 * are not tenant data to be filtered.
 */
export function isTenantModel(model: string): boolean {
  return TENANT_MODEL.test(bareModel(model));
}

/** Whether a model holds the caller's own identity (`user`, `profile`), which lives above the tenants. */
export function isIdentityModel(model: string): boolean {
  return /^(?:user|profile|session)$/.test(bareModel(model));
}

/** `project` gives `projects`, `Category` gives `categories`, `projects` stays. */
export function pluralModel(model: string): string {
  const bare = model.replace(/(?:Model|Repository|Repo|Table|Collection|Schema)$/, '') || model;
  const lower = bare.charAt(0).toLowerCase() + bare.slice(1);
  if (/s$/.test(lower)) return lower;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
