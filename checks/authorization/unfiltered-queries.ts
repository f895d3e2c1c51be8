/**
 * List queries with no filter at all: `prisma.project.findMany()`,
 * `db.select().from(projects)`, `db.query.projects.findMany({ with })`,
 * `Project.find()`, `SELECT * FROM projects`. The record-query recogniser
 * (orm-queries.ts) starts from a filter, since ownership is about one record
 * selected by id; tenant isolation is about every list, filtered or not.
 */
import { ts, SyntaxKind, isCallExpression, isIdentifier, isNoSubstitutionTemplateLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isStringLiteral, isTemplateExpression } from '../lang/ts/parse.js';
import { calleeName, calleePath, expressionPath, plainCalleePath, unwrapExpression } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { RecordQuery } from './orm-queries.js';

/** A list query with no filter, or with one the code builds elsewhere. */
export interface UnfilteredQuery {
  query: RecordQuery;
  /** True when the query has options the code does not show (`findMany(args)`): it may filter after all. */
  hidden: boolean;
}

const LIST_METHODS = /^(?:findMany|findFirst|findFirstOrThrow|find|findAll|from)$/;
/** Capitalised receivers that are not models. */
const NOT_A_MODEL = /^(?:Object|Array|Promise|JSON|Math|Reflect|Response|NextResponse|Request|Date|Map|Set|URL|Buffer|Number|String|Boolean|Error)$/;
const SELECT_WITHOUT_WHERE = /^\s*select\b(?![\s\S]*\bwhere\b)[\s\S]*?\bfrom\s+"?([\w.]+)"?/i;

/** The outermost call of a method chain that `call` starts or continues: `db.select().from(t).orderBy(...)`. */
function chainTop(call: ts.CallExpression): ts.CallExpression {
  let top = call;
  for (let depth = 0; depth < 32; depth++) {
    const access = top.parent;
    if (!isPropertyAccessExpression(access) || access.expression !== top || !isCallExpression(access.parent) || access.parent.expression !== access) break;
    top = access.parent;
  }
  return top;
}

/** Names of the calls from `top` down its chain. */
function chainNames(top: ts.CallExpression): string[] {
  const names: string[] = [];
  let current: ts.Expression = top;
  for (let depth = 0; depth < 32; depth++) {
    current = unwrapExpression(current);
    if (isCallExpression(current)) {
      names.push(calleeName(current));
      current = current.expression;
    } else if (isPropertyAccessExpression(current)) {
      current = current.expression;
    } else {
      break;
    }
  }
  return names;
}

/** Whether options show no `where`: none given, or an object literal without one. Undefined when the options are built elsewhere. */
function showsNoWhere(options: ts.Expression | undefined): boolean | undefined {
  if (options === undefined) return true;
  const object = unwrapExpression(options);
  if (!isObjectLiteralExpression(object)) return undefined;
  return !object.properties.some((property) => property.name !== undefined && isIdentifier(property.name) && property.name.text === 'where');
}

/** What every unfiltered list query shares: it reads, through the whole chain, with no condition. */
function listRead(top: ts.CallExpression): Pick<RecordQuery, 'operation' | 'node' | 'conditions' | 'result'> {
  return { operation: 'read', node: top, conditions: [], result: top };
}

/** `prisma.project.findMany()`, `db.query.projects.findMany({ with })`. */
function modelListQuery(call: ts.CallExpression): UnfilteredQuery | undefined {
  const method = calleeName(call);
  if (method === 'from' || method === 'find' || method === 'findAll') return undefined;
  const callee = unwrapExpression(call.expression);
  if (!isPropertyAccessExpression(callee)) return undefined;
  const model = unwrapExpression(callee.expression);
  if (!isPropertyAccessExpression(model) || !/^[a-z]/.test(model.name.text)) return undefined;
  const noWhere = showsNoWhere(call.arguments[0]);
  if (noWhere === false) return undefined;
  const client = expressionPath(model.expression);
  const drizzle = /(?:^|\.)query$/.test(client);
  const top = chainTop(call);
  return {
    query: {
      ...listRead(top),
      orm: drizzle ? 'drizzle' : 'prisma',
      model: model.name.text,
      callee: calleePath(call),
      method,
      client: drizzle ? client.replace(/\.?query$/, '') || 'db' : client,
      ...(drizzle ? { drizzleStyle: 'query' as const } : {}),
    },
    hidden: noWhere === undefined,
  };
}

/** `db.select().from(projects)` with no `.where` anywhere in the chain. */
function drizzleSelect(call: ts.CallExpression): UnfilteredQuery | undefined {
  if (calleeName(call) !== 'from') return undefined;
  const table = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
  if (table === undefined || !(isIdentifier(table) || isPropertyAccessExpression(table))) return undefined;
  const top = chainTop(call);
  const names = chainNames(top);
  if (names.includes('where') || names.includes('$dynamic') || !names.some((name) => name.startsWith('select'))) return undefined;
  const path = calleePath(call);
  const client = path.slice(0, path.indexOf('.select'));
  if (client === '' || path.indexOf('.select') < 0) return undefined;
  const tableName = expressionPath(table);
  return {
    query: { ...listRead(top), orm: 'drizzle', model: tableName.slice(tableName.lastIndexOf('.') + 1), callee: `${client}.select().from(${tableName})`, method: 'from', client, drizzleStyle: 'builder' },
    hidden: false,
  };
}

/** `Project.find()`, `Project.findAll()`, `projectRepository.find()`: no filter argument at all. */
function modelFind(call: ts.CallExpression): UnfilteredQuery | undefined {
  const method = calleeName(call);
  if ((method !== 'find' && method !== 'findAll') || call.arguments.length > 0) return undefined;
  const callee = unwrapExpression(call.expression);
  if (!isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrapExpression(callee.expression);
  const name = isIdentifier(receiver) ? receiver.text : isPropertyAccessExpression(receiver) ? receiver.name.text : undefined;
  if (name === undefined) return undefined;
  const repository = /(?:Repository|Repo)$/.test(name);
  if (!repository && (!/^[A-Z]/.test(name) || NOT_A_MODEL.test(name))) return undefined;
  const top = chainTop(call);
  return {
    query: {
      ...listRead(top),
      orm: repository ? 'typeorm' : method === 'findAll' ? 'sequelize' : 'mongoose',
      model: name.replace(/(?:Repository|Repo|Model)$/, '') || name,
      callee: plainCalleePath(call),
      method,
      client: expressionPath(receiver),
    },
    hidden: false,
  };
}

function sqlText(node: ts.Node): string | undefined {
  if (isStringLiteral(node) || isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => `$x${span.literal.text}`).join('');
  return undefined;
}

function sqlQuery(node: ts.Node, text: string | undefined, callee: string): UnfilteredQuery | undefined {
  if (text === undefined) return undefined;
  const table = SELECT_WITHOUT_WHERE.exec(text)?.[1];
  if (table === undefined) return undefined;
  const client = callee.includes('.') ? callee.slice(0, callee.lastIndexOf('.')) : callee;
  return {
    query: { operation: 'read', node, conditions: [], result: node as ts.Expression, orm: 'sql', model: table.slice(table.lastIndexOf('.') + 1), callee, method: 'SELECT', client, sqlStatement: text },
    hidden: false,
  };
}

/**
 * The unfiltered list queries in the given scopes of a file, in document
 * order, leaving out those the record-query recogniser already returned
 * (`known`).
 */
export function findUnfilteredQueries(index: SourceIndex, scopes: readonly Scope[], known: readonly RecordQuery[]): UnfilteredQuery[] {
  const knownNodes = new Set<ts.Node>(known.map((query) => query.node));
  const found: UnfilteredQuery[] = [];
  const add = (candidate: UnfilteredQuery | undefined) => {
    if (candidate !== undefined && !knownNodes.has(candidate.query.node)) {
      knownNodes.add(candidate.query.node);
      found.push(candidate);
    }
  };
  for (const call of index.callsNamed(LIST_METHODS, scopes)) add(modelListQuery(call) ?? drizzleSelect(call) ?? modelFind(call));
  // Most files hold no SQL: one look at the text spares a pass over their calls.
  if (!index.memo('quotesSelect', () => /['"`]\s*select\s/i.test(index.text))) return found.sort((a, b) => a.query.node.pos - b.query.node.pos);
  for (const call of index.calls(scopes)) {
    const first = call.arguments[0];
    // Cheap test first: most calls do not start with a SQL string.
    if (first === undefined || !(isStringLiteral(first) || isNoSubstitutionTemplateLiteral(first) || isTemplateExpression(first))) continue;
    add(sqlQuery(call, sqlText(first), plainCalleePath(call)));
  }
  for (const tagged of index.nodesOfKind<ts.TaggedTemplateExpression>(SyntaxKind.TaggedTemplateExpression, scopes)) {
    add(sqlQuery(tagged, sqlText(tagged.template), expressionPath(tagged.tag)));
  }
  return found.sort((a, b) => a.query.node.pos - b.query.node.pos);
}
