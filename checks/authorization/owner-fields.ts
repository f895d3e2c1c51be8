/**
 * The names that tie a record to the people who may touch it: an owner
 * column in a query's where, or the field compared with the caller after a
 * fetch. Kept in one place so that check options can extend it later.
 */

import { answerOnce } from '../lang/answer-once.js';

/** Fields (columns, Mongoose paths, Prisma relations) that hold a record's owner, tenant or membership. */
export const OWNER_FIELDS: readonly string[] = [
  'ownerId',
  'userId',
  'authorId',
  'tenantId',
  'orgId',
  'organizationId',
  'teamId',
  'workspaceId',
  'accountId',
  'createdBy',
  'owner',
  'user',
];

/** Relation names that express membership in a nested filter: `project: { members: { some: { userId } } }`. */
export const MEMBERSHIP_RELATIONS: readonly string[] = ['members', 'memberships', 'member', 'collaborators', 'participants', 'owners'];

function normalize(name: string): string {
  return name.replace(/[_\-\s]/g, '').toLowerCase();
}

/** Owner field names normalized, each with and without its trailing `id`: `ownerId` gives `ownerid` and `owner`. */
const OWNER_KEYS: ReadonlySet<string> = new Set(
  OWNER_FIELDS.flatMap((field) => {
    const key = normalize(field);
    return key.endsWith('id') ? [key, key.slice(0, -2)] : [key, `${key}id`];
  }),
);

const MEMBERSHIP_KEYS: ReadonlySet<string> = new Set(MEMBERSHIP_RELATIONS.map(normalize));

/*
 * Answers by name: the owner tests are asked of every property name an owner comparison, a where
 * condition or a SQL statement shows, and the same few names (`id`, `user`, `body`) come back all the
 * time; a lookup costs a third of normalize's two new strings (microbench over the bench corpus's
 * property names).
 */
const ANSWERS_KEPT = 5000;

/**
 * Whether a field name says "owner": `ownerId`, `owner_id`, `created_by`,
 * `createdById`, `tenant`, `org_id`, `user`. Table prefixes (`i.owner_id`)
 * are dropped first.
 */
export const isOwnerField = answerOnce((name: string) => OWNER_KEYS.has(normalize(name.slice(name.lastIndexOf('.') + 1))), ANSWERS_KEPT);

/** Whether a key of a nested filter is a membership relation (`members`, `collaborators`). */
export const isMembershipRelation = answerOnce((name: string) => MEMBERSHIP_KEYS.has(normalize(name)), ANSWERS_KEPT);

/** Columns that select one record (or one parent's records) by key: `id`, `_id`, `invoiceId`, `project_id`, `uuid`, `slug`. */
const KEY_COLUMN = /^_?id$|Id$|_id$|ID$|^uuid$|Uuid$|_uuid$|^slug$|^key$/;

export function isKeyColumn(name: string): boolean {
  const bare = name.slice(name.lastIndexOf('.') + 1);
  return KEY_COLUMN.test(bare) || isOwnerField(bare);
}
