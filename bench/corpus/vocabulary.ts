/**
 * The business nouns the generated APIs serve. Each resource has typed
 * fields so that schemas, queries and DTOs agree with each other the way
 * they do in a real codebase.
 */
export interface Field {
  name: string;
  /** Column name in raw SQL (snake_case). */
  column: string;
  tsType: 'string' | 'number' | 'boolean' | 'Date';
  zod: string;
  /** Never returned to clients (password hashes, tokens): what output checks look for. */
  sensitive?: boolean;
}

export interface Resource {
  singular: string;
  plural: string;
  /** PascalCase type name. */
  type: string;
  /** Prisma model accessor (camelCase singular). */
  model: string;
  table: string;
  fields: Field[];
}

function field(name: string, tsType: Field['tsType'], zod: string, sensitive = false): Field {
  return { name, column: name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), tsType, zod, sensitive };
}

const COMMON = [field('createdAt', 'Date', 'z.coerce.date()'), field('updatedAt', 'Date', 'z.coerce.date()')];

function resource(singular: string, plural: string, fields: Field[]): Resource {
  const type = singular
    .split('-')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  const model = type[0].toLowerCase() + type.slice(1);
  return { singular, plural, type, model, table: plural.replace(/-/g, '_'), fields: [...fields, ...COMMON] };
}

export const RESOURCES: readonly Resource[] = [
  resource('invoice', 'invoices', [
    field('number', 'string', 'z.string().min(1).max(32)'),
    field('amountCents', 'number', 'z.number().int().nonnegative()'),
    field('currency', 'string', "z.enum(['USD', 'EUR', 'GBP'])"),
    field('status', 'string', "z.enum(['draft', 'sent', 'paid', 'void'])"),
    field('dueDate', 'Date', 'z.coerce.date()'),
    field('customerId', 'string', 'z.string().uuid()'),
  ]),
  resource('user', 'users', [
    field('email', 'string', 'z.string().email()'),
    field('name', 'string', 'z.string().min(1).max(120)'),
    field('role', 'string', "z.enum(['member', 'admin', 'owner'])"),
    field('passwordHash', 'string', 'z.string()', true),
    field('resetToken', 'string', 'z.string()', true),
  ]),
  resource('project', 'projects', [
    field('name', 'string', 'z.string().min(1).max(80)'),
    field('description', 'string', 'z.string().max(2000).optional()'),
    field('archived', 'boolean', 'z.boolean().default(false)'),
    field('teamId', 'string', 'z.string().uuid()'),
  ]),
  resource('order', 'orders', [
    field('totalCents', 'number', 'z.number().int().positive()'),
    field('status', 'string', "z.enum(['pending', 'shipped', 'delivered', 'cancelled'])"),
    field('shippingAddress', 'string', 'z.string().max(500)'),
    field('customerId', 'string', 'z.string().uuid()'),
  ]),
  resource('document', 'documents', [
    field('title', 'string', 'z.string().min(1).max(200)'),
    field('body', 'string', 'z.string().max(100000)'),
    field('visibility', 'string', "z.enum(['private', 'team', 'public'])"),
    field('folderId', 'string', 'z.string().uuid().nullable()'),
  ]),
  resource('api-key', 'api-keys', [
    field('label', 'string', 'z.string().min(1).max(64)'),
    field('prefix', 'string', 'z.string().length(8)'),
    field('secretHash', 'string', 'z.string()', true),
    field('lastUsedAt', 'Date', 'z.coerce.date().nullable()'),
  ]),
  resource('comment', 'comments', [
    field('body', 'string', 'z.string().min(1).max(5000)'),
    field('postId', 'string', 'z.string().uuid()'),
    field('authorId', 'string', 'z.string().uuid()'),
  ]),
  resource('subscription', 'subscriptions', [
    field('plan', 'string', "z.enum(['free', 'pro', 'enterprise'])"),
    field('seats', 'number', 'z.number().int().min(1).max(1000)'),
    field('renewsAt', 'Date', 'z.coerce.date()'),
    field('stripeCustomerId', 'string', 'z.string()', true),
  ]),
  resource('webhook', 'webhooks', [
    field('url', 'string', 'z.string().url()'),
    field('events', 'string', 'z.string()'),
    field('signingSecret', 'string', 'z.string()', true),
    field('active', 'boolean', 'z.boolean()'),
  ]),
  resource('team', 'teams', [
    field('name', 'string', 'z.string().min(2).max(60)'),
    field('slug', 'string', 'z.string().regex(/^[a-z0-9-]+$/)'),
    field('plan', 'string', "z.enum(['free', 'pro'])"),
  ]),
  resource('payment', 'payments', [
    field('amountCents', 'number', 'z.number().int().positive()'),
    field('method', 'string', "z.enum(['card', 'bank', 'wallet'])"),
    field('cardLast4', 'string', 'z.string().length(4)'),
    field('invoiceId', 'string', 'z.string().uuid()'),
  ]),
  resource('upload', 'uploads', [
    field('fileName', 'string', 'z.string().max(255)'),
    field('contentType', 'string', 'z.string()'),
    field('sizeBytes', 'number', 'z.number().int().max(10485760)'),
    field('storageKey', 'string', 'z.string()'),
  ]),
];

/** Sub-collections a nested route can end in (`/projects/[id]/members`). */
export const SUB_PATHS: readonly string[] = ['members', 'activity', 'export', 'settings', 'attachments', 'history', 'share', 'stats'];

/** The public fields of a resource: what a careful DTO returns. */
export function publicFields(resource: Resource): Field[] {
  return resource.fields.filter((f) => f.sensitive !== true);
}

/** Fields a client may write (timestamps are the server's). */
export function writableFields(resource: Resource): Field[] {
  return resource.fields.filter((f) => f.name !== 'createdAt' && f.name !== 'updatedAt' && f.sensitive !== true);
}
