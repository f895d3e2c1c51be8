import { ts } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { calleeName, expressionPath, plainCalleePath, unwrapExpression } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { traceRequestOrigins, type RequestOrigins } from '../frameworks/request-origins.js';
import { findRecordQueries } from '../authorization/orm-queries.js';

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
const SINK_NAME = new RegExp(`${ALWAYS_SQL.source}|${SQL_LIKE_SINK.source}|${BUILDER_CONDITION.source}`);

/** Tags whose templates are parameterised queries: sql`...`, Prisma.sql`...`, prisma.$queryRaw`...`. */
const SQL_TAG = /(?:^|\.)(?:sql|\$queryRaw|\$executeRaw|raw)$/;
/** ORM calls the record-query finder does not list (creates, unfiltered reads): still parameterised. */
const ORM_METHOD = /^(?:create|createMany|insert|insertMany|values|upsert|save|bulkCreate|insertOne|findMany|findFirst|findAll|find|count|aggregate|groupBy)$/;
const ORM_CLIENT = /^(?:prisma|db|tx|client|knex|repository|\w+Repository|[A-Z]\w*)(?:\.\w+)*\.\w+$/;

const SQL_TEXT = /\b(?:select|insert\s+into|update|delete\s+from|from|where|values|order\s+by|group\s+by|union|create\s+table|drop\s+table|alter\s+table)\b/i;
const SQL_CONDITION = /[=<>]|\b(?:like|in|is|between)\b/i;

/** What the SQL text is made of: its literal parts and the values spliced into it. */
interface BuiltText {
  literal: string;
  pieces: ts.Expression[];
}

/** Literal parts and spliced values of a template literal or a `+` chain, following local variables one level. */
function builtText(index: SourceIndex, node: ts.Expression, endpoint: Endpoint, depth = 0): BuiltText | undefined {
  const expression = unwrapExpression(node);
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return { literal: expression.text, pieces: [] };
  if (ts.isTemplateExpression(expression)) {
    let literal = expression.head.text;
    const pieces: ts.Expression[] = [];
    for (const span of expression.templateSpans) {
      pieces.push(span.expression);
      literal += ` ? ${span.literal.text}`;
    }
    return { literal, pieces };
  }
  if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = builtText(index, expression.left, endpoint, depth);
    const right = builtText(index, expression.right, endpoint, depth);
    return {
      literal: `${left?.literal ?? ' ? '}${right?.literal ?? ' ? '}`,
      pieces: [...(left?.pieces ?? [expression.left]), ...(right?.pieces ?? [expression.right])],
    };
  }
  if (ts.isCallExpression(expression) && ts.isPropertyAccessExpression(expression.expression) && expression.expression.name.text === 'concat') {
    const base = builtText(index, expression.expression.expression, endpoint, depth);
    return { literal: `${base?.literal ?? ''} ?`, pieces: [...(base?.pieces ?? []), ...expression.arguments] };
  }
  if (ts.isIdentifier(expression) && depth < 2) {
    // `const q = 'SELECT ... ' + id; db.query(q)`, plus any `q += ...` in the endpoint's code.
    const declaration = endpoint.index
      .nodesOfKind<ts.VariableDeclaration>(ts.SyntaxKind.VariableDeclaration, endpoint.scopes)
      .find((candidate) => ts.isIdentifier(candidate.name) && candidate.name.text === expression.text && candidate.pos < expression.pos);
    if (declaration?.initializer === undefined) return undefined;
    const initial = builtText(index, declaration.initializer, endpoint, depth + 1);
    if (initial === undefined) return undefined;
    for (const assignment of endpoint.index.nodesOfKind<ts.BinaryExpression>(ts.SyntaxKind.BinaryExpression, endpoint.scopes)) {
      if (assignment.operatorToken.kind !== ts.SyntaxKind.PlusEqualsToken || !ts.isIdentifier(assignment.left) || assignment.left.text !== expression.text) continue;
      if (assignment.pos > expression.pos) continue;
      const added = builtText(index, assignment.right, endpoint, depth + 1);
      initial.literal += added?.literal ?? ' ? ';
      initial.pieces.push(...(added?.pieces ?? [assignment.right]));
    }
    return initial;
  }
  return undefined;
}

/** A spliced value that cannot carry an attacker's text: a literal, a number, a constant of the file. */
function isConstant(index: SourceIndex, piece: ts.Expression): boolean {
  const expression = unwrapExpression(piece);
  if (ts.isStringLiteral(expression) || ts.isNumericLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return true;
  if (ts.isConditionalExpression(expression)) return isConstant(index, expression.whenTrue) && isConstant(index, expression.whenFalse);
  if (ts.isCallExpression(expression) && /^(?:Number|parseInt|parseFloat|Math\.\w+)$/.test(expressionPath(expression.expression))) return true;
  if (ts.isIdentifier(expression)) {
    if (/^[A-Z][A-Z0-9_]*$/.test(expression.text)) return true;
    const declaration = index
      .nodesOfKind<ts.VariableDeclaration>(ts.SyntaxKind.VariableDeclaration)
      .find((candidate) => ts.isIdentifier(candidate.name) && candidate.name.text === expression.text);
    const initializer = declaration?.initializer === undefined ? undefined : unwrapExpression(declaration.initializer);
    return initializer !== undefined && (ts.isStringLiteral(initializer) || ts.isNumericLiteral(initializer) || ts.isNoSubstitutionTemplateLiteral(initializer));
  }
  // A property of a constant map: `COLUMNS[sort]`, `TABLES.users`.
  if ((ts.isElementAccessExpression(expression) || ts.isPropertyAccessExpression(expression)) && ts.isIdentifier(expression.expression)) {
    return /^[A-Z][A-Z0-9_]*$/.test(expression.expression.text);
  }
  return false;
}

interface SqlCall {
  call: ts.CallExpression;
  text: BuiltText;
}

/** Raw SQL calls of the endpoint whose first argument is built at run time, with what was spliced in. */
function dynamicSqlCalls(endpoint: Endpoint): { dynamic: SqlCall[]; safe: ts.CallExpression[] } {
  const index = endpoint.index;
  const dynamic: SqlCall[] = [];
  const safe: ts.CallExpression[] = [];
  for (const call of index.callsNamed(SINK_NAME, endpoint.scopes)) {
    const first = call.arguments[0];
    if (first === undefined) continue;
    const name = calleeName(call);
    const unwrapped = unwrapExpression(first);
    // Tagged templates (sql`...`, Prisma.sql`...`) are parameterised by construction.
    if (ts.isTaggedTemplateExpression(unwrapped)) {
      safe.push(call);
      continue;
    }
    const text = builtText(index, first, endpoint);
    if (text === undefined) continue;
    const always = ALWAYS_SQL.test(name) || (name === 'raw' && /(?:^|\.)sql$/.test(plainCalleePath(call).replace(/\.raw$/, '')));
    const builder = BUILDER_CONDITION.test(name) && /createQueryBuilder|getRepository|\.(?:select|from|update|delete)\b/.test(plainCalleePath(call) + expressionPath(call.expression));
    const sqlLike = SQL_LIKE_SINK.test(name) && SQL_TEXT.test(text.literal);
    if (!always && !sqlLike && !(builder && SQL_CONDITION.test(text.literal))) continue;
    if (text.pieces.length === 0) safe.push(call);
    else dynamic.push({ call, text });
  }
  return { dynamic, safe };
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
    const { dynamic, safe } = dynamicSqlCalls(endpoint);
    let origins: RequestOrigins | undefined;
    const untraced: string[] = [];
    let reported = false;
    for (const { call, text } of dynamic) {
      origins ??= traceRequestOrigins(endpoint);
      // A number conversion or a constant cannot carry SQL, wherever its input came from.
      const tainted = text.pieces
        .filter((piece) => !isConstant(index, piece))
        .map((piece) => origins!.dataLabel(piece))
        .find((label) => label !== undefined);
      if (tainted !== undefined) {
        context.report({ messageId: 'injection', node: call, data: { call: `\`${plainCalleePath(call)}()\``, data: `\`${tainted}\`` } });
        reported = true;
        continue;
      }
      const unknownPieces = text.pieces.filter((piece) => !isConstant(index, piece));
      if (unknownPieces.length > 0) untraced.push(`${plainCalleePath(call)}() at line ${index.lineOf(call)} splices ${index.textOf(unknownPieces[0])}`);
      else safe.push(call);
    }
    if (reported) return;
    if (untraced.length > 0) {
      context.unknown('input.sql', `${untraced[0]} into its SQL text; where that value comes from was not traced`);
      return;
    }
    if (safe.length > 0) {
      const first = safe.sort((a, b) => a.pos - b.pos)[0];
      context.pass('input.sql', { node: first, note: `${plainCalleePath(first)}() passes values as parameters, not in the SQL text` });
      return;
    }
    const tagged = index
      .nodesOfKind<ts.TaggedTemplateExpression>(ts.SyntaxKind.TaggedTemplateExpression, endpoint.scopes)
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
    context.notApplicable('input.sql', 'no SQL query in the endpoint’s code');
  },
});
