/**
 * Recognising the queries that read, update or delete records, with their
 * filter conditions, across the ORMs the checklist's users write: Prisma,
 * Drizzle (builder and relational API), TypeORM, Sequelize, Mongoose (and the
 * MongoDB driver), Knex, and raw SQL with parameters. Syntax only: a call is
 * recognised by its method name, its receiver and the shape of its arguments.
 */
import { ts, SyntaxKind, isCallExpression, isElementAccessExpression, isIdentifier, isNonNullExpression, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { calleeName, expressionPath, importedModules, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { isStatement, sqlCallQuery, sqlTemplateQuery } from './sql-queries.js';
import { drizzleConditions, knexConditions, objectConditions, type Condition, type ObjectResolver } from './where-conditions.js';
import { KeySlots } from '../lang/key-slots.js';

export type Orm = 'prisma' | 'drizzle' | 'typeorm' | 'sequelize' | 'mongoose' | 'knex' | 'sql';
export type Operation = 'read' | 'update' | 'delete';

/** One query that reads, updates or deletes records through a filter. */
export interface RecordQuery {
  orm: Orm;
  operation: Operation;
  /** The model, table or collection as the code names it: `invoice`, `invoices`, `Invoice`. */
  model: string;
  /** Where to report: the whole query expression. */
  node: ts.Node;
  /** The call as written, shortened: `prisma.invoice.findUnique`, `db.select().from(invoices).where`. */
  callee: string;
  /** The ORM method: `findUnique`, `where`, `findById`, `SELECT`. */
  method: string;
  /** The object the query starts from: `prisma`, `db`, `Invoice`, `invoiceRepository`, `knex`. */
  client: string;
  conditions: Condition[];
  /** The expression whose value is the record(s): bind it to a variable to follow the record. */
  result: ts.Expression;
  /** Drizzle builder chains: `select`, `update` or `delete`; relational queries say `query`. */
  drizzleStyle?: 'builder' | 'query';
  /** Raw SQL: the statement as written (values as `$n`); collapse its whitespace to show it (`sqlOneLine`). */
  sqlStatement?: string;
}

/** The calls of a method chain, innermost first: `db.select().from(t).where(c)` gives select, from, where. */
function chainCalls(top: ts.CallExpression): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  let current: ts.Expression = top;
  for (let depth = 0; depth < 32; depth++) {
    current = unwrapExpression(current);
    if (isCallExpression(current)) {
      calls.push(current);
      current = current.expression;
    } else if (isPropertyAccessExpression(current) || isElementAccessExpression(current)) {
      current = current.expression;
    } else {
      break;
    }
  }
  return calls.reverse();
}

/** A call that no further `.method()` continues: the value the chain produces. */
/*
 * Kinds read once, compared directly in the tests every call of an endpoint goes through (isChainTop,
 * chainNamesQueryMethod): a ts.isX call there is not inlined and its load sees every kind of node.
 */
const CALL = SyntaxKind.CallExpression;
const PROPERTY_ACCESS = SyntaxKind.PropertyAccessExpression;
const ELEMENT_ACCESS = SyntaxKind.ElementAccessExpression;
const NON_NULL = SyntaxKind.NonNullExpression;

function isChainTop(call: ts.CallExpression): boolean {
  const parent = call.parent;
  const kind = parent.kind;
  if (kind !== PROPERTY_ACCESS && kind !== ELEMENT_ACCESS && kind !== NON_NULL) return true;
  const access = isNonNullExpression(parent) ? parent.parent : parent;
  return !(isPropertyAccessExpression(access) || isElementAccessExpression(access)) || !isCallExpression(access.parent) || access.parent.expression !== access;
}

function receiverOf(call: ts.CallExpression): ts.Expression | undefined {
  const callee = unwrapExpression(call.expression);
  return isPropertyAccessExpression(callee) || isElementAccessExpression(callee) ? callee.expression : undefined;
}

/** The `key:` property of an object literal argument. */
function propertyOf(expression: ts.Expression | undefined, key: string, resolve: ObjectResolver): ts.Expression | undefined {
  if (expression === undefined) return undefined;
  const object = unwrapExpression(resolve(expression));
  if (!isObjectLiteralExpression(object)) return undefined;
  for (const property of object.properties) {
    if (isPropertyAssignment(property) && (isIdentifier(property.name) || isStringLiteral(property.name)) && property.name.text === key) return property.initializer;
    if (isShorthandPropertyAssignment(property) && property.name.text === key) return property.name;
  }
  return undefined;
}

function operationOf(method: string): Operation {
  if (/^(?:delete|destroy|remove|softDelete|del)|AndDelete$|AndRemove$/.test(method)) return 'delete';
  if (/^(?:update|upsert|replace|save)|AndUpdate$|AndReplace$/.test(method)) return 'update';
  return 'read';
}

// ---------- Prisma ----------

const PRISMA_METHODS = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'update', 'updateMany', 'delete', 'deleteMany', 'upsert']);

/** `prisma.invoice.findUnique({ where })`, `ctx.db.invoice.update({ where, data })`, `tx.invoice.delete(...)`. */
function prismaQuery(call: ts.CallExpression, resolve: ObjectResolver): RecordQuery | undefined {
  const method = calleeName(call);
  const receiver = receiverOf(call);
  if (!PRISMA_METHODS.has(method) || receiver === undefined) return undefined;
  const model = unwrapExpression(receiver);
  if (!isPropertyAccessExpression(model) || !/^[a-z]/.test(model.name.text)) return undefined;
  const client = expressionPath(model.expression);
  if (/(?:^|\.)query$/.test(client)) return undefined; // Drizzle's relational API: db.query.invoices.findFirst
  const where = propertyOf(call.arguments[0], 'where', resolve);
  if (where === undefined) return undefined;
  return {
    orm: 'prisma',
    operation: operationOf(method),
    model: model.name.text,
    node: call,
    callee: expressionPath(call.expression),
    method,
    client,
    conditions: objectConditions(where, resolve),
    result: call,
  };
}

// ---------- Drizzle ----------

/** `db.query.invoices.findFirst({ where: ... })`. */
function drizzleRelationalQuery(call: ts.CallExpression, resolve: ObjectResolver): RecordQuery | undefined {
  const method = calleeName(call);
  if (method !== 'findFirst' && method !== 'findMany') return undefined;
  const receiver = receiverOf(call);
  if (receiver === undefined) return undefined;
  const table = unwrapExpression(receiver);
  if (!isPropertyAccessExpression(table)) return undefined;
  const query = expressionPath(table.expression);
  if (!/(?:^|\.)query$/.test(query)) return undefined;
  const where = propertyOf(call.arguments[0], 'where', resolve);
  if (where === undefined) return undefined;
  return {
    orm: 'drizzle',
    operation: 'read',
    model: table.name.text,
    node: call,
    callee: expressionPath(call.expression),
    method,
    client: query.replace(/\.?query$/, '') || 'db',
    conditions: drizzleConditions(where, resolve),
    result: call,
    drizzleStyle: 'query',
  };
}

const DRIZZLE_STARTS = new Set(['select', 'selectDistinct', 'selectDistinctOn', 'update', 'delete']);

/** A table object, not a string: `invoices`, `schema.invoices` (a string means Knex). */
function isTableObject(expression: ts.Expression | undefined): expression is ts.Expression {
  if (expression === undefined) return false;
  const table = unwrapExpression(expression);
  return isIdentifier(table) || isPropertyAccessExpression(table);
}

/** `db.select().from(invoices).where(...)`, `db.update(invoices).set(...).where(...)`, `db.delete(invoices).where(...)`. */
function drizzleBuilderQuery(calls: ts.CallExpression[], resolve: ObjectResolver): RecordQuery | undefined {
  const [start] = calls;
  const startName = calleeName(start);
  if (!DRIZZLE_STARTS.has(startName)) return undefined;
  const receiver = receiverOf(start);
  if (receiver === undefined) return undefined;
  const tableArgument = startName === 'update' || startName === 'delete' ? start.arguments[0] : calls.find((call) => calleeName(call) === 'from')?.arguments[0];
  if (!isTableObject(tableArgument)) return undefined;
  const wheres = calls.filter((call) => calleeName(call) === 'where' && call.arguments[0] !== undefined);
  if (wheres.length === 0) return undefined;
  const top = calls[calls.length - 1];
  const client = expressionPath(receiver);
  const table = expressionPath(tableArgument);
  return {
    orm: 'drizzle',
    operation: startName === 'update' ? 'update' : startName === 'delete' ? 'delete' : 'read',
    model: table.slice(table.lastIndexOf('.') + 1),
    node: top,
    callee: startName.startsWith('select') ? `${client}.${startName}().from(${table}).where` : `${client}.${startName}(${table}).where`,
    method: 'where',
    client,
    conditions: wheres.flatMap((where) => drizzleConditions(where.arguments[0], resolve)),
    result: top,
    drizzleStyle: 'builder',
  };
}

// ---------- Knex ----------

const KNEX_WHERE = new Set(['where', 'andWhere', 'orWhere', 'whereIn', 'orWhereIn']);

/** `knex('invoices').where({ id }).first()`, `db('invoices').where('id', id).del()`, `knex.select().from('invoices').where(...)`. */
function knexQuery(calls: ts.CallExpression[], resolve: ObjectResolver): RecordQuery | undefined {
  const [start] = calls;
  let table: string | undefined;
  let client: string | undefined;
  if (isIdentifier(unwrapExpression(start.expression)) && stringValue(start.arguments[0]) !== undefined) {
    table = stringValue(start.arguments[0]);
    client = expressionPath(start.expression);
  } else {
    const from = calls.find((call) => ['from', 'table', 'into'].includes(calleeName(call)) && stringValue(call.arguments[0]) !== undefined);
    if (from === undefined) return undefined;
    table = stringValue(from.arguments[0]);
    const receiver = receiverOf(start);
    client = receiver === undefined ? undefined : expressionPath(receiver);
  }
  if (table === undefined || client === undefined) return undefined;
  const wheres = calls.filter((call) => KNEX_WHERE.has(calleeName(call)));
  if (wheres.length === 0) return undefined;
  const names = calls.map((call) => calleeName(call));
  const top = calls[calls.length - 1];
  return {
    orm: 'knex',
    operation: names.some((name) => name === 'del' || name === 'delete') ? 'delete' : names.includes('update') ? 'update' : 'read',
    model: table.slice(table.lastIndexOf('.') + 1).split(/\s+/)[0],
    node: top,
    callee: `${client}('${table}').where`,
    method: 'where',
    client,
    conditions: wheres.flatMap((where) => knexConditions(where, resolve)),
    result: top,
  };
}

// ---------- Model-style ORMs: Mongoose, Sequelize, TypeORM ----------

const MONGOOSE_BY_ID = new Set(['findById', 'findByIdAndUpdate', 'findByIdAndDelete', 'findByIdAndRemove']);
const MONGOOSE_FILTER = new Set(['findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'replaceOne']);
const TYPEORM_BY = new Set(['findOneBy', 'findOneByOrFail', 'findBy', 'existsBy', 'countBy']);
const SHARED_FIND = new Set(['findOne', 'findOneOrFail', 'find', 'findAll', 'count']);
const TYPEORM_KEYED = new Set(['delete', 'softDelete', 'restore']);
/** Capitalised names that are not models. */
const NOT_A_MODEL = /^(?:Object|Array|Promise|JSON|Math|Reflect|Response|NextResponse|Request|Date|Map|Set|WeakMap|URL|URLSearchParams|Buffer|Number|String|Boolean|Error|Intl)$|(?:Service|Services|Controller|Helper|Helpers|Utils?|Api|Client|Cache)$/;

interface ModelReceiver {
  /** Model name for messages. */
  model: string;
  client: string;
  /** A TypeORM repository or entity manager by name. */
  repository: boolean;
}

/** `Invoice`, `models.Invoice`, `InvoiceModel`, `invoiceRepository`, `this.invoiceRepo`, `dataSource.getRepository(Invoice)`, `db.collection('invoices')`. */
function modelReceiver(receiver: ts.Expression): ModelReceiver | undefined {
  const target = unwrapExpression(receiver);
  const client = expressionPath(target);
  if (isCallExpression(target)) {
    const name = calleeName(target);
    const argument = target.arguments[0];
    if (name === 'getRepository' && argument !== undefined) return { model: expressionPath(argument), client, repository: true };
    if ((name === 'collection' || name === 'model') && stringValue(argument) !== undefined) return { model: stringValue(argument)!, client, repository: false };
    return undefined;
  }
  const last = isPropertyAccessExpression(target) ? target.name.text : isIdentifier(target) ? target.text : undefined;
  if (last === undefined) return undefined;
  if (/(?:Repository|Repo)$/i.test(last) || last === 'manager' || last === 'entityManager') {
    return { model: last.replace(/(?:Repository|Repo)$/i, '') || last, client, repository: true };
  }
  if (/^[A-Z]/.test(last) && !NOT_A_MODEL.test(last)) return { model: last.replace(/Model$/, '') || last, client, repository: false };
  return undefined;
}

interface OrmHints {
  typeorm: boolean;
  sequelize: boolean;
}

/** Per file: every endpoint with a query of the file asks. */
function ormHints(index: SourceIndex): OrmHints {
  return index.memo('authz:ormHints', () => {
    const modules = [...importedModules(index)];
    return {
      typeorm: modules.some((name) => name === 'typeorm' || name.startsWith('@nestjs/typeorm')),
      sequelize: modules.some((name) => name === 'sequelize' || name === 'sequelize-typescript'),
    };
  });
}

function idCondition(column: string, value: ts.Expression, node: ts.Node): Condition[] {
  return [{ column, path: [column], value, node, alternative: false }];
}

/** Object filter, or TypeORM/Sequelize options whose `where` is the filter. */
function filterOrWhere(argument: ts.Expression | undefined, resolve: ObjectResolver): { conditions: Condition[]; hasWhere: boolean } | undefined {
  if (argument === undefined) return undefined;
  const where = propertyOf(argument, 'where', resolve);
  if (where !== undefined) return { conditions: objectConditions(where, resolve), hasWhere: true };
  const object = unwrapExpression(resolve(argument));
  if (!isObjectLiteralExpression(object)) return undefined;
  return { conditions: objectConditions(object, resolve), hasWhere: false };
}

function modelQuery(calls: ts.CallExpression[], hints: OrmHints, resolve: ObjectResolver): RecordQuery | undefined {
  for (const call of calls) {
    const method = calleeName(call);
    const receiverNode = receiverOf(call);
    if (receiverNode === undefined) continue;
    const receiver = modelReceiver(receiverNode);
    if (receiver === undefined) continue;
    const [first, second] = call.arguments;
    const base = { operation: operationOf(method), model: receiver.model, node: calls[calls.length - 1], callee: expressionPath(call.expression), method, client: receiver.client, result: calls[calls.length - 1] };
    const typeorm = receiver.repository || hints.typeorm;
    if (MONGOOSE_BY_ID.has(method) && first !== undefined) return { ...base, orm: 'mongoose', conditions: idCondition('_id', first, call) };
    if (method === 'findByPk' && first !== undefined) return { ...base, orm: 'sequelize', conditions: idCondition('id', first, call) };
    if (MONGOOSE_FILTER.has(method)) {
      const filter = filterOrWhere(first, resolve);
      if (filter !== undefined) return { ...base, orm: typeorm && filter.hasWhere ? 'typeorm' : 'mongoose', conditions: filter.conditions };
    }
    if (TYPEORM_BY.has(method)) {
      const filter = filterOrWhere(first, resolve);
      if (filter !== undefined) return { ...base, orm: 'typeorm', conditions: filter.conditions };
    }
    if (SHARED_FIND.has(method)) {
      const filter = filterOrWhere(first, resolve);
      if (filter === undefined) continue;
      const orm: Orm = filter.hasWhere ? (typeorm ? 'typeorm' : 'sequelize') : hints.sequelize || typeorm ? (typeorm ? 'typeorm' : 'sequelize') : 'mongoose';
      return { ...base, orm, conditions: filter.conditions };
    }
    if (method === 'destroy') {
      const filter = filterOrWhere(first, resolve);
      if (filter !== undefined) return { ...base, orm: 'sequelize', conditions: filter.conditions };
    }
    if (method === 'update' && first !== undefined) {
      // Sequelize: update(values, { where }); TypeORM: update(criteria, values); Mongoose (legacy): update(filter, values).
      const where = propertyOf(second, 'where', resolve);
      if (where !== undefined) return { ...base, orm: 'sequelize', conditions: objectConditions(where, resolve) };
      const filter = unwrapExpression(resolve(first));
      if (typeorm) return { ...base, orm: 'typeorm', conditions: isObjectLiteralExpression(filter) ? objectConditions(filter, resolve) : idCondition('id', first, call) };
      if (isObjectLiteralExpression(filter)) return { ...base, orm: 'mongoose', conditions: objectConditions(filter, resolve) };
    }
    if (TYPEORM_KEYED.has(method) && typeorm && first !== undefined) {
      const filter = unwrapExpression(resolve(first));
      return { ...base, orm: 'typeorm', conditions: isObjectLiteralExpression(filter) ? objectConditions(filter, resolve) : idCondition('id', first, call) };
    }
  }
  return undefined;
}

// ---------- Entry point ----------

/** Every method name a recognised query needs somewhere in its chain: a cheap filter before the real matching. */
const QUERY_METHODS: ReadonlySet<string> = new Set([
  ...PRISMA_METHODS,
  ...KNEX_WHERE,
  ...MONGOOSE_BY_ID,
  ...MONGOOSE_FILTER,
  ...TYPEORM_BY,
  ...SHARED_FIND,
  ...TYPEORM_KEYED,
  'findByPk',
  'destroy',
  'update',
]);

/** QUERY_METHODS and '', the index's group of calls it cannot name (see queryCandidates). */
const QUERY_METHOD_GROUPS: readonly string[] = [...QUERY_METHODS, ''];

/** Whether a call of the chain ending at `top` has a query method's name (the links chainCalls would list). */
function chainNamesQueryMethod(top: ts.CallExpression): boolean {
  let current: ts.Expression = top;
  for (let depth = 0; depth < 32; depth++) {
    current = unwrapExpression(current);
    const kind = current.kind;
    if (kind === CALL) {
      if (QUERY_METHODS.has(calleeName(current as ts.CallExpression))) return true;
      current = (current as ts.CallExpression).expression;
    } else if (kind === PROPERTY_ACCESS || kind === ELEMENT_ACCESS) {
      current = (current as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
    } else {
      return false;
    }
  }
  return false;
}

/** The first link, in chain order, that is a Prisma or Drizzle relational query by itself. */
function firstLinkQuery(calls: readonly ts.CallExpression[], resolve: ObjectResolver): RecordQuery | undefined {
  for (const link of calls) {
    const query = prismaQuery(link, resolve) ?? drizzleRelationalQuery(link, resolve);
    if (query !== undefined) return query;
  }
  return undefined;
}

/** `where: filter` with `const filter = { ... }` in the same code: follow the name one hop. */
function localObjectResolver(index: SourceIndex, scopes: readonly Scope[]): ObjectResolver {
  // Most filters are written in place: the endpoint's declarations are read at the first filter given by name.
  let initializers: Map<string, ts.Expression> | undefined;
  return (expression) => {
    const unwrapped = unwrapExpression(expression);
    if (!isIdentifier(unwrapped)) return unwrapped;
    initializers ??= objectInitializers(index, scopes);
    return initializers.get(unwrapped.text) ?? unwrapped;
  };
}

/** The object literals the code's variables are declared with, by name (the first declaration of a name). */
function objectInitializers(index: SourceIndex, scopes: readonly Scope[]): Map<string, ts.Expression> {
  const initializers = new Map<string, ts.Expression>();
  for (const declaration of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, scopes)) {
    if (!isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
    const initializer = unwrapExpression(declaration.initializer);
    if (isObjectLiteralExpression(initializer) && !initializers.has(declaration.name.text)) initializers.set(declaration.name.text, initializer);
  }
  return initializers;
}

/**
 * The record queries in the given scopes of a file, in document order. A
 * query whose filter the code does not show (built elsewhere) is still
 * returned, with no conditions.
 */
const queriesByScopes = new KeySlots<readonly Scope[], RecordQuery[]>('recordQueries');

/**
 * Memoized per scopes array: the ownership, tenant and SQL checks all ask for
 * the same endpoint's queries.
 */
export function findRecordQueries(index: SourceIndex, scopes: readonly Scope[]): RecordQuery[] {
  let queries = queriesByScopes.get(scopes);
  if (queries === undefined) {
    queries = computeRecordQueries(index, scopes);
    queriesByScopes.set(scopes, queries);
  }
  return queries;
}

const WRAPPERS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.ParenthesizedExpression,
  SyntaxKind.AsExpression,
  SyntaxKind.NonNullExpression,
  SyntaxKind.AwaitExpression,
  SyntaxKind.SatisfiesExpression,
  SyntaxKind.TypeAssertionExpression,
]);

/** `node` is the `.expression` of its parent, a wrapper that unwrapExpression strips. */
function isWrapped(node: ts.Node): boolean {
  const parent = node.parent as ts.Node & { expression?: ts.Node };
  return WRAPPERS.has(parent.kind) && parent.expression === node;
}

/** The call whose first argument, unwrapped, is `value`: `pool.query(('SELECT ...'))`. */
function callOfFirstArgument(value: ts.Node): ts.CallExpression | undefined {
  let argument = value;
  while (isWrapped(argument)) argument = argument.parent;
  const call = argument.parent;
  return call.kind === CALL && (call as ts.CallExpression).arguments[0] === argument ? (call as ts.CallExpression) : undefined;
}

/** `link` and every call of the chains it is a link of: the calls whose chain (chainNamesQueryMethod) reaches it. */
function addChainCalls(link: ts.CallExpression, found: Set<ts.CallExpression>): void {
  found.add(link);
  for (let current: ts.Node = link; ; ) {
    const parent = current.parent as ts.Node & { expression?: ts.Node };
    const kind = parent.kind;
    if (parent.expression !== current || (kind !== CALL && kind !== PROPERTY_ACCESS && kind !== ELEMENT_ACCESS && !WRAPPERS.has(kind))) return;
    if (kind === CALL) found.add(parent as ts.CallExpression);
    current = parent;
  }
}

/**
 * The calls of the file that may be record queries, found once per file
 * (document order): those whose first argument is a string that starts like
 * a SQL statement, and those whose chain has a call of a query method's name.
 * A superset: each endpoint's calls among them still go through sqlCallQuery
 * and the chain tests, so the answer is the one a look at every call of the
 * endpoint gives, for a look at far fewer calls (every call of every endpoint
 * was most of the cost of the record queries).
 */
function queryCandidates(index: SourceIndex): readonly ts.CallExpression[] {
  return index.memo('authz:queryCandidates', () => {
    const found = new Set<ts.CallExpression>();
    for (const kind of [SyntaxKind.StringLiteral, SyntaxKind.NoSubstitutionTemplateLiteral]) {
      for (const literal of index.nodesOfKind<ts.StringLiteral | ts.NoSubstitutionTemplateLiteral>(kind)) {
        const call = isStatement(literal.text) ? callOfFirstArgument(literal) : undefined;
        if (call !== undefined) found.add(call);
      }
    }
    for (const template of index.nodesOfKind<ts.TemplateExpression>(SyntaxKind.TemplateExpression)) {
      const call = isStatement(template.head.text) ? callOfFirstArgument(template) : undefined;
      if (call !== undefined) found.add(call);
    }
    // calleeName looks through `await`, `satisfies` and `<T>` around a callee; the index's grouping leaves those in ''.
    for (const call of index.callsNamedIn(QUERY_METHOD_GROUPS)) addChainCalls(call, found);
    return [...found].sort((a, b) => a.pos - b.pos || b.end - a.end);
  });
}

function computeRecordQueries(index: SourceIndex, scopes: readonly Scope[]): RecordQuery[] {
  // The resolver (a map of the endpoint's object literals) and the ORM hints are built at the first chain
  // that names a query method: most endpoints have none, and SQL strings need neither.
  let resolve: ObjectResolver | undefined;
  let hints: OrmHints | undefined;
  const queries: RecordQuery[] = [];
  for (const call of index.nodesInScopes(queryCandidates(index), scopes)) {
    const sql = sqlCallQuery(call);
    if (sql !== undefined) {
      queries.push(sql);
      continue;
    }
    // Most chains name no query method: decide that before building the chain's list of calls.
    if (!isChainTop(call) || !chainNamesQueryMethod(call)) continue;
    resolve ??= localObjectResolver(index, scopes);
    hints ??= ormHints(index);
    const calls = chainCalls(call);
    const query = firstLinkQuery(calls, resolve) ?? drizzleBuilderQuery(calls, resolve) ?? knexQuery(calls, resolve) ?? modelQuery(calls, hints, resolve);
    if (query !== undefined) queries.push(query);
  }
  for (const tagged of index.nodesOfKind<ts.TaggedTemplateExpression>(SyntaxKind.TaggedTemplateExpression, scopes)) {
    const sql = sqlTemplateQuery(tagged);
    if (sql !== undefined) queries.push(sql);
  }
  return queries.sort((a, b) => a.node.pos - b.node.pos);
}
