/**
 * Calls that create or update records, with the object they write: Prisma
 * `data`, Drizzle `.set()` / `.values()`, Mongoose `new Model(x)` and
 * `findByIdAndUpdate(id, x)`, Sequelize `Model.update(x, { where })`,
 * TypeORM `save` / `merge` / `update(criteria, x)`, knex `.insert(x)`, and
 * `Object.assign(entity, x)` before a save.
 */
import { ts, SyntaxKind, isCallExpression, isElementAccessExpression, isIdentifier, isObjectLiteralExpression, isPrivateIdentifier, isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { calleeName, calleeObject, expressionPath, importSources, importedModules, plainCalleePath, unwrapExpression } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { KeySlots } from '../lang/key-slots.js';

export interface OrmWrite {
  node: ts.CallExpression | ts.NewExpression;
  /** The object written. */
  payload: ts.Expression;
  /** The model or table, as the code names it: `user`, `User`, `users`, `userRepository`. */
  model: string;
  /** The call as written, for messages: `prisma.user.update`. */
  callee: string;
}

const WRITE_NAME = /^(?:create|createMany|update|updateMany|upsert|set|values|insert|insertMany|insertOne|save|bulkCreate|build|findByIdAndUpdate|findOneAndUpdate|updateOne|replaceOne|findOneAndReplace|merge|assign)$/;
/** Update calls whose second argument is the update: `findByIdAndUpdate(id, update)`. */
const SECOND_ARGUMENT_UPDATE = new Set(['findByIdAndUpdate', 'findOneAndUpdate', 'updateOne', 'replaceOne', 'findOneAndReplace']);
/** Receivers whose methods of these names are not record writes. */
const NOT_A_STORE = /^(?:res|response|reply|c|ctx|context|req|request|headers|cache|redis|map|Map|Set|Object|Reflect|Promise|crypto|axios|http|url|URL|searchParams|params|cookies|session|formData|form|app|router|fastify|server|jwt|bcrypt|stripe|logger|console|document|window|localStorage|sessionStorage|Date|Array|JSON|z|yup|Joi|schema)$/;
const BUILTIN_CLASS = /^(?:Error|\w+Error|Response|NextResponse|Request|Headers|URL|URLSearchParams|Date|Map|Set|WeakMap|RegExp|Promise|Buffer|FormData|Blob|File|ObjectId|Decimal|Intl\.\w+|AbortController|TextEncoder|TextDecoder)$/;
const MODEL_MODULE = /(?:^|\/)(?:models?|schemas?|entities|entity|db|database)(?:\/|$|\.)|\.(?:model|entity|schema)$/i;
const ORM_MODULE = /^(?:mongoose|sequelize|typeorm|@mikro-orm\/.*|objection)$/;

function propertyValue(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const property of object.properties) {
    if (property.name === undefined || !(isIdentifier(property.name) || isStringLiteral(property.name)) || property.name.text !== name) continue;
    if (isPropertyAssignment(property)) return property.initializer;
    if (isShorthandPropertyAssignment(property)) return property.name;
  }
  return undefined;
}

function objectArgument(call: ts.CallExpression, position: number): ts.ObjectLiteralExpression | undefined {
  const argument = call.arguments[position];
  const unwrapped = argument === undefined ? undefined : unwrapExpression(argument);
  return unwrapped !== undefined && isObjectLiteralExpression(unwrapped) ? unwrapped : undefined;
}

/** `{ $set: body }` writes `body`. */
function updateDocument(expression: ts.Expression): ts.Expression {
  const unwrapped = unwrapExpression(expression);
  if (isObjectLiteralExpression(unwrapped)) return propertyValue(unwrapped, '$set') ?? expression;
  return expression;
}

/** The model a method is called on: `prisma.user.update` -> user, `this.userRepository.save` -> userRepository. */
function modelOf(call: ts.CallExpression): string {
  const receiver = calleeObject(call);
  if (receiver === undefined) return '';
  const unwrapped = unwrapExpression(receiver);
  // db.collection('users').insertOne(x), knex('users').insert(x)
  if (isCallExpression(unwrapped)) {
    const first = unwrapped.arguments[0];
    if (first !== undefined && (isStringLiteral(first) || isIdentifier(first))) return first.text;
  }
  // The last name of the path without call markers, cut from the path rather than split and rewritten whole:
  // asked for every write call of every endpoint. A marker holds no dot, so dropping it after the cut is the same.
  const path = expressionPath(receiver);
  const last = path.slice(path.lastIndexOf('.') + 1);
  return last.includes('()') ? last.replace(/\(\)/g, '') : last;
}

/** The table of a Drizzle chain: `db.update(users).set(x)` -> users. */
function drizzleTable(call: ts.CallExpression, method: 'update' | 'insert'): string | undefined {
  let current = calleeObject(call);
  for (let guard = 0; current !== undefined && guard < 8; guard++) {
    const unwrapped = unwrapExpression(current);
    if (!isCallExpression(unwrapped)) return undefined;
    if (calleeName(unwrapped) === method) return unwrapped.arguments[0] === undefined ? undefined : expressionPath(unwrapped.arguments[0]);
    current = calleeObject(unwrapped);
  }
  return undefined;
}

/** The write of `payload` by `call`, if there is a payload; the model defaults to the call's receiver. */
function writeOf(call: ts.CallExpression, callee: string, payload: ts.Expression | undefined, model?: string): OrmWrite[] {
  return payload === undefined ? [] : [{ node: call, payload, model: model ?? modelOf(call), callee }];
}

/** Prisma's writes, whose payload is `data` (or `create` / `update` of an upsert). */
const PRISMA_WRITE = new Set(['create', 'createMany', 'update', 'updateMany', 'upsert']);

function addWrite(writes: OrmWrite[], call: ts.CallExpression, callee: string, payload: ts.Expression | undefined): void {
  if (payload !== undefined) writes.push({ node: call, payload, model: modelOf(call), callee });
}

function writesOfCall(call: ts.CallExpression): OrmWrite[] {
  const name = calleeName(call);
  const callee = plainCalleePath(call);
  const receiver = calleeObject(call);
  const receiverRoot = receiver === undefined ? '' : pathRoot(receiver);
  if (name === 'assign') {
    // Object.assign(entity, body): the entity is saved with whatever the body holds.
    if (callee !== 'Object.assign' || call.arguments.length < 2) return [];
    const target = unwrapExpression(call.arguments[0]);
    if (isObjectLiteralExpression(target)) return [];
    return call.arguments.slice(1).flatMap((source) => writeOf(call, callee, source, expressionPath(target)));
  }
  if (receiver === undefined || NOT_A_STORE.test(receiverRoot)) return [];
  // Prisma: prisma.user.update({ where, data }), upsert({ create, update }).
  const options = objectArgument(call, 0);
  if (options !== undefined && PRISMA_WRITE.has(name)) {
    // Written out rather than filtered and flat-mapped: this runs for every create/update call of every endpoint.
    const writes: OrmWrite[] = [];
    if (name === 'upsert') {
      addWrite(writes, call, callee, propertyValue(options, 'create'));
      addWrite(writes, call, callee, propertyValue(options, 'update'));
    } else addWrite(writes, call, callee, propertyValue(options, 'data'));
    if (writes.length > 0) return writes;
  }
  switch (name) {
    case 'set': {
      const table = drizzleTable(call, 'update');
      if (table !== undefined) return writeOf(call, callee, call.arguments[0], table);
      // Mongoose / Sequelize documents: doc.set(body).
      return call.arguments.length === 1 && receiver !== undefined && isIdentifier(unwrapExpression(receiver)) ? writeOf(call, callee, call.arguments[0]) : [];
    }
    case 'values': {
      const table = drizzleTable(call, 'insert');
      return table === undefined ? [] : writeOf(call, callee, call.arguments[0], table);
    }
    case 'update':
    case 'updateMany':
      // Sequelize: Model.update(values, { where }); TypeORM: repo.update(criteria, values); knex / instances: x.update(values).
      if (objectArgument(call, 1) !== undefined && propertyValue(objectArgument(call, 1)!, 'where') !== undefined) return writeOf(call, callee, call.arguments[0]);
      if (call.arguments.length >= 2) return writeOf(call, callee, updateDocument(call.arguments[1]));
      return writeOf(call, callee, call.arguments[0]);
    case 'merge':
      return call.arguments.length >= 2 ? call.arguments.slice(1).flatMap((source) => writeOf(call, callee, source)) : [];
    default:
      if (SECOND_ARGUMENT_UPDATE.has(name)) return writeOf(call, callee, call.arguments[1] === undefined ? undefined : updateDocument(call.arguments[1]));
      return writeOf(call, callee, call.arguments[0]);
  }
}

/**
 * The first name of `expressionPath(expression)` with the call markers dropped: `prisma` for `prisma.user`,
 * `getDb` for `getDb().users`, `this` for `this.repo`. Walked to the root without building the path.
 */
function pathRoot(expression: ts.Expression): string {
  let current = expression;
  // The same 64 links expressionPath follows; a longer chain is left to it.
  for (let guard = 0; guard < 64; guard++) {
    current = unwrapExpression(current);
    if (isIdentifier(current) || isPrivateIdentifier(current)) return current.text;
    if (current.kind === SyntaxKind.ThisKeyword) return 'this';
    if (!isPropertyAccessExpression(current) && !isElementAccessExpression(current) && !isCallExpression(current)) return '?';
    current = current.expression;
  }
  return expressionPath(expression).replace(/\(\)/g, '').split('.')[0];
}

/** `new User(req.body)` for a model class of an ORM or of the project's models. */
function isModelClass(index: SourceIndex, expression: ts.NewExpression): boolean {
  const callee = unwrapExpression(expression.expression);
  if (!isIdentifier(callee) || !/^[A-Z]/.test(callee.text) || BUILTIN_CLASS.test(callee.text)) return false;
  const source = importSources(index).get(callee.text)?.module;
  if (source !== undefined && (MODEL_MODULE.test(source) || ORM_MODULE.test(source))) return true;
  return importsOrm(index);
}

/** Whether the file imports an ORM (asked for every `new X(...)` of every endpoint: answered once per file). */
function importsOrm(index: SourceIndex): boolean {
  return index.memo('ormWrites:importsOrm', () => [...importedModules(index)].some((module) => ORM_MODULE.test(module)));
}

const writesByEndpoint = new KeySlots<Endpoint, OrmWrite[]>('ormWrites');

/** The record writes in the endpoint's code, in document order (found once per endpoint). */
export function ormWrites(endpoint: Endpoint): OrmWrite[] {
  let writes = writesByEndpoint.get(endpoint);
  if (writes === undefined) {
    writes = findOrmWrites(endpoint);
    writesByEndpoint.set(endpoint, writes);
  }
  return writes;
}

function findOrmWrites(endpoint: Endpoint): OrmWrite[] {
  const index = endpoint.index;
  const writes: OrmWrite[] = [];
  for (const call of index.callsNamed(WRITE_NAME, endpoint.scopes)) {
    // Pushed one by one, not spread: a spread goes through the iterator protocol, per write call.
    const found = writesOfCall(call);
    for (let position = 0; position < found.length; position++) writes.push(found[position]);
  }
  for (const expression of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, endpoint.scopes)) {
    const first = expression.arguments?.[0];
    if (first !== undefined && isModelClass(index, expression)) writes.push({ node: expression, payload: first, model: (expression.expression as ts.Identifier).text, callee: `new ${(expression.expression as ts.Identifier).text}` });
  }
  // The calls come in document order; only a model constructor can come out of it. The sort is stable: skipping it on
  // a sorted list changes nothing.
  return sortedByPos(writes) ? writes : writes.sort((a, b) => a.node.pos - b.node.pos);
}

function sortedByPos(writes: readonly OrmWrite[]): boolean {
  for (let position = 1; position < writes.length; position++) if (writes[position - 1].node.pos > writes[position].node.pos) return false;
  return true;
}
