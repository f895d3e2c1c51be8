/**
 * sql-injection (input.sql): request data interpolated or concatenated into
 * raw SQL. How the text is built is in sql-text.ts, which spliced values
 * cannot carry text in fixed-values.ts, what the caller controls in
 * request-data.ts.
 */
import { ts, SyntaxKind, isTaggedTemplateExpression } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { calleeName, expressionPath, importSources, plainCalleePath, unwrapExpression } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { findRecordQueries } from '../authorization/orm-queries.js';
import { isFixedValue } from './fixed-values.js';
import { traceRequestData, type RequestData } from './request-data.js';
import { sqlTextOf, type BuiltText } from './sql-text.js';

/**
 * Raw-SQL entry points by the callee's last name. `always`: the first
 * argument is SQL whatever it looks like (`$queryRawUnsafe`, `knex.raw`,
 * `whereRaw`); `sqlLike`: only when its text looks like SQL (`query`,
 * `execute`, `all`... are also names of unrelated methods).
 */
const ALWAYS_SQL = /^(?:\$queryRawUnsafe|\$executeRawUnsafe|raw|unsafe|whereRaw|orWhereRaw|andWhereRaw|havingRaw|orderByRaw|groupByRaw|joinRaw|selectRaw|fromRaw)$/;
const SQL_LIKE_SINK = /^(?:query|execute|exec|run|all|get|prepare|each|many|one|oneOrNone|manyOrNone|any|none|result|multi)$/;
/** TypeORM query-builder conditions take SQL text too. */
const BUILDER_CONDITION = /^(?:where|andWhere|orWhere|having|andHaving|orHaving|orderBy|addOrderBy)$/;
const SINK_NAME = new RegExp(`${ALWAYS_SQL.source}|${SQL_LIKE_SINK.source}|${BUILDER_CONDITION.source}|^literal$`);
/** Receivers that are database clients by name: `pool.query(text)` is SQL even when the text is built elsewhere. */
const DB_CLIENT = /^(?:(?:this|ctx|context|req)\.)?(?:pool|client|db|database|conn|connection|knex|trx|tx|sequelize|prisma|dataSource|manager|entityManager|sql|pg|mysql|sqlite)\.\w+$/i;

/** Tags whose templates are parameterised queries: sql`...`, Prisma.sql`...`, prisma.$queryRaw`...`. */
const SQL_TAG = /(?:^|\.)(?:sql|\$queryRaw|\$executeRaw|raw)$/;
/** ORM calls the record-query finder does not list (creates, unfiltered reads): still parameterised. */
const ORM_METHOD = /^(?:create|createMany|insert|insertMany|values|upsert|save|bulkCreate|insertOne|findMany|findFirst|findAll|find|count|aggregate|groupBy)$/;
const ORM_CLIENT = /^(?:(?:this|ctx|context)\.)?(?:prisma|db|tx|client|knex|repository|\w+Repository|[A-Z]\w*)(?:\.\w+)*\.\w+$/;

/**
 * Text that is a SQL statement: it starts with a statement keyword, or has
 * the shape of one (SELECT ... FROM, UPDATE ... SET). One keyword alone is
 * not enough: `cache.get(\`from:${id}\`)` is not SQL.
 */
const SQL_STATEMENT = /^[\s(]*(?:select|insert|update|delete|with|replace|merge|upsert|create|drop|alter|truncate|call|exec|pragma|show|describe|explain|grant|revoke)\s+\S|\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bupdate\b[\s\S]*\bset\b|\bdelete\s+from\b/i;
const SQL_CONDITION = /[=<>]|\b(?:like|in|is|between)\b/i;

interface SqlCall {
  call: ts.CallExpression;
  text: BuiltText;
}

/** Sequelize's `literal()` / `sequelize.literal()`: SQL text dropped into a generated query. */
function isSequelizeLiteral(call: ts.CallExpression, endpoint: Endpoint): boolean {
  const path = plainCalleePath(call);
  if (/(?:^|\.)(?:sequelize|Sequelize)\.literal$/.test(path)) return true;
  return path === 'literal' && importSources(endpoint.index).get('literal')?.module === 'sequelize';
}

/** Whether the callee is a raw-SQL entry point for text that looks like `literal`. */
function isSqlSink(endpoint: Endpoint, call: ts.CallExpression, literal: string | undefined): boolean {
  const name = calleeName(call);
  const path = plainCalleePath(call);
  if (name === 'literal') return isSequelizeLiteral(call, endpoint);
  if (ALWAYS_SQL.test(name)) return name !== 'raw' || !/^(?:String|res|reply|req|request|c|ctx)\.raw$/.test(path);
  if (literal === undefined) return SQL_LIKE_SINK.test(name) && DB_CLIENT.test(path);
  if (SQL_LIKE_SINK.test(name)) return SQL_STATEMENT.test(literal);
  // The literal first: most `where('id', ...)` texts are no condition, and then no path is built.
  return BUILDER_CONDITION.test(name) && SQL_CONDITION.test(literal) && /createQueryBuilder|getRepository|\.(?:select|from|update|delete)\b/.test(path + expressionPath(call.expression));
}

/** Raw SQL calls of the endpoint: built from spliced values, with text from elsewhere, or fixed text. */
function sqlCalls(endpoint: Endpoint): { dynamic: SqlCall[]; opaque: { call: ts.CallExpression; source: ts.Expression }[]; safe: ts.CallExpression[] } {
  const dynamic: SqlCall[] = [];
  const opaque: { call: ts.CallExpression; source: ts.Expression }[] = [];
  const safe: ts.CallExpression[] = [];
  for (const call of endpoint.index.callsNamed(SINK_NAME, endpoint.scopes)) {
    const first = call.arguments[0];
    if (first === undefined) continue;
    const unwrapped = unwrapExpression(first);
    // Tagged templates (sql`...`, Prisma.sql`...`) are parameterised by construction.
    if (isTaggedTemplateExpression(unwrapped)) {
      if (SQL_TAG.test(expressionPath(unwrapped.tag))) safe.push(call);
      continue;
    }
    const text = sqlTextOf(endpoint, first);
    if (text === undefined) continue;
    if (text.kind === 'opaque') {
      if (isSqlSink(endpoint, call, undefined)) opaque.push({ call, source: text.source });
      continue;
    }
    if (!isSqlSink(endpoint, call, text.literal)) continue;
    if (text.pieces.length === 0) safe.push(call);
    else dynamic.push({ call, text });
  }
  return { dynamic, opaque, safe };
}

export default createCheck({
  id: 'sql-injection',
  items: ['input.sql'],
  description: 'Request data is interpolated or concatenated into raw SQL.',
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-89'],
  owasp: ['API8:2023'],
  messages: {
    injection: '{{call}} runs SQL built from {{data}}, which comes from the request: the caller can change the query.',
  },
  why: "Spliced into SQL text, the caller's input becomes SQL: it can read or change any table the database user can reach (SQL injection).",
  fix: {
    default:
      "Pass values as parameters, never in the SQL text: `pool.query('SELECT * FROM users WHERE name = $1', [name])` (mysql2/knex: `?` placeholders with an array; Prisma: the tagged `prisma.$queryRaw`...${name}...` instead of `$queryRawUnsafe`; drizzle: sql`... ${name}`). For identifiers such as a sort column, pick from an allow-list.",
  },
  run(context) {
    const { endpoint } = context;
    const index = endpoint.index;
    const { dynamic, opaque, safe } = sqlCalls(endpoint);
    let requestData: RequestData | undefined;
    const fixedOnly: ts.CallExpression[] = [];
    const untraced: string[] = [];
    let reported = false;
    for (const { call, text } of dynamic) {
      requestData ??= traceRequestData(endpoint);
      // A number, a literal or a constant cannot carry SQL, wherever its input came from.
      const open = text.pieces.filter((piece) => !isFixedValue(endpoint, piece));
      const tainted = open.map((piece) => requestData!.label(piece)).find((label) => label !== undefined);
      if (tainted !== undefined) {
        context.report({ messageId: 'injection', node: call, data: { call: `\`${plainCalleePath(call)}()\``, data: `\`${tainted}\`` } });
        reported = true;
      } else if (open.length > 0) {
        untraced.push(`${plainCalleePath(call)}() at line ${index.lineOf(call)} splices ${index.textOf(open[0])} into its SQL text; where that value comes from was not traced`);
      } else {
        fixedOnly.push(call);
      }
    }
    if (reported) return;
    for (const { call, source } of opaque) {
      untraced.push(`${plainCalleePath(call)}() at line ${index.lineOf(call)} runs SQL text from ${index.textOf(source)}, which this file does not show; check that it uses parameters`);
    }
    if (untraced.length > 0) {
      context.unknown('input.sql', untraced[0]);
      return;
    }
    if (safe.length > 0) {
      const first = safe.sort((a, b) => a.pos - b.pos)[0];
      context.pass('input.sql', { node: first, note: `${plainCalleePath(first)}() passes values as parameters, not in the SQL text` });
      return;
    }
    if (fixedOnly.length > 0) {
      context.pass('input.sql', { node: fixedOnly[0], note: `${plainCalleePath(fixedOnly[0])}() splices only numbers and fixed text into its SQL` });
      return;
    }
    const tagged = index
      .nodesOfKind<ts.TaggedTemplateExpression>(SyntaxKind.TaggedTemplateExpression, endpoint.scopes)
      .find((template) => SQL_TAG.test(expressionPath(template.tag)));
    if (tagged !== undefined) {
      context.pass('input.sql', { node: tagged, note: `${expressionPath(tagged.tag)}\`...\` parameterises the values it interpolates` });
      return;
    }
    const orm = findRecordQueries(index, endpoint.scopes).find((query) => query.orm !== 'sql');
    if (orm !== undefined) {
      context.pass('input.sql', { node: orm.node, note: `queries through ${orm.orm} (${orm.callee}), which parameterises values` });
      return;
    }
    const write = index.callsNamed(ORM_METHOD, endpoint.scopes).find((call) => ORM_CLIENT.test(plainCalleePath(call)));
    if (write !== undefined) {
      context.pass('input.sql', { node: write, note: `queries through the ORM (${plainCalleePath(write)}), which parameterises values` });
      return;
    }
    context.notApplicable('input.sql', 'no database query in the endpoint’s code');
  },
});
