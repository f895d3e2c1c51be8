/**
 * The names that tie a record to the people who may touch it: an owner
 * column in a query's where, or the field compared with the caller after a
 * fetch. Kept in one place so that check options can extend it later.
 */

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

/**
 * Whether a field name says "owner": `ownerId`, `owner_id`, `created_by`,
 * `createdById`, `tenant`, `org_id`, `user`. Table prefixes (`i.owner_id`)
 * are dropped first.
 */
export function isOwnerField(name: string): boolean {
  return answer(ownerAnswers, name, namesOwner);
}

/** Whether a key of a nested filter is a membership relation (`members`, `collaborators`). */
export function isMembershipRelation(name: string): boolean {
  return answer(membershipAnswers, name, namesMembership);
}

/*
 * Answers by name: the owner tests are asked of every property name an owner comparison, a where
 * condition or a SQL statement shows, and the same few names (`id`, `user`, `body`) come back all the
 * time; a lookup costs a third of normalize's two new strings (microbench over the bench corpus's
 * property names). Cleared when large, so a long-running server does not keep every name it saw.
 */
const ANSWERS_KEPT = 5000;
const ownerAnswers = new Map<string, boolean>();
const membershipAnswers = new Map<string, boolean>();

function namesOwner(name: string): boolean {
  return OWNER_KEYS.has(normalize(name.slice(name.lastIndexOf('.') + 1)));
}

function namesMembership(name: string): boolean {
  return MEMBERSHIP_KEYS.has(normalize(name));
}

function answer(answers: Map<string, boolean>, name: string, compute: (name: string) => boolean): boolean {
  let known = answers.get(name);
  if (known === undefined) {
    known = compute(name);
    if (answers.size >= ANSWERS_KEPT) answers.clear();
    answers.set(name, known);
  }
  return known;
}

/** Columns that select one record (or one parent's records) by key: `id`, `_id`, `invoiceId`, `project_id`, `uuid`, `slug`. */
const KEY_COLUMN = /^_?id$|Id$|_id$|ID$|^uuid$|Uuid$|_uuid$|^slug$|^key$/;

export function isKeyColumn(name: string): boolean {
  const bare = name.slice(name.lastIndexOf('.') + 1);
  return KEY_COLUMN.test(bare) || isOwnerField(bare);
}
