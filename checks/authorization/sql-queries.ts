/**
 * Raw SQL with parameters: `pool.query('SELECT * FROM invoices WHERE id = $1', [id])`,
 * `conn.execute('DELETE FROM invoices WHERE id = ?', [id])`, and tagged
 * templates such as `` prisma.$queryRaw`SELECT ... WHERE id = ${id}` ``.
 * The WHERE text is read for its columns; each placeholder is matched to the
 * value the code passes for it.
 */
import { ts, SyntaxKind, isNoSubstitutionTemplateLiteral } from '../lang/ts/parse.js';
import { calleePath, expressionPath, unwrapExpression } from '../lang/ts/queries.js';
import type { RecordQuery } from './orm-queries.js';
import { isOwnerField } from './owner-fields.js';
import type { Condition } from './where-conditions.js';
import { answerOnce } from '../lang/answer-once.js';

const STATEMENT = /^\s*(select|update|delete)\b/i;

/**
 * STATEMENT.test, after a look at the first character: the first argument of
 * nearly every call is asked, and most (a path, a message) start with a
 * character no statement starts with. Only white space (which STATEMENT
 * skips) or s, u, d in either case can start a match.
 */
export function isStatement(text: string): boolean {
  const first = text.charCodeAt(0);
  if (first > 32 && first < 127) {
    const lower = first | 0x20;
    if (lower !== 0x73 && lower !== 0x75 && lower !== 0x64) return false;
  }
  return STATEMENT.test(text);
}
const WHERE = /\bwhere\b/i;
const WHERE_END = /\b(?:order\s+by|group\s+by|limit|offset|returning|for\s+update|having)\b/i;
/** `col = $1`, `t.col = ?`, `col IN ($2)`, `col = ANY($1)`. */
const COMPARISON = /([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:=\s*any\s*\(|=|\bin\b\s*\(?)\s*(\$\d+|\?)/gi;

interface SqlText {
  /** The statement with every value as `$n` (1-based) or `?`. */
  text: string;
  values: readonly ts.Expression[];
}

function tableOf(statement: string, text: string): string | undefined {
  const pattern = statement === 'select' ? /\bfrom\s+"?([\w.]+)"?/i : statement === 'update' ? /^\s*update\s+"?([\w.]+)"?/i : /\bdelete\s+from\s+"?([\w.]+)"?/i;
  return pattern.exec(text)?.[1];
}

/** A value compared in the WHERE: `col = $2` is the second value; the n-th `?` of the statement the n-th. */
interface SqlComparison {
  column: string;
  /** Index into the values passed with the statement. */
  valueAt: number;
}

/** What a statement's text says, whatever values are passed with it. */
interface ParsedSql {
  operation: RecordQuery['operation'];
  method: string;
  model: string;
  /** An OR somewhere in the WHERE. */
  alternative: boolean;
  comparisons: readonly SqlComparison[];
  /** Owner columns compared with something other than a parameter. */
  ownerColumns: readonly string[];
}

/** The index into the values of the placeholder at `offset` of the statement: `$2` is 1; a `?` counts the `?` before it. */
function valueIndex(placeholder: string, offset: number, text: string): number {
  if (placeholder.startsWith('$')) return Number(placeholder.slice(1)) - 1;
  return text.slice(0, offset).split('?').length - 1;
}

/*
 * Statements by text: the same SQL comes back in several handlers and files (a lookup by id, a
 * delete by id), and reading one costs half a dozen regexes.
 */
const parsedSql = answerOnce(readSql, 2000);

function readSql(text: string): ParsedSql | undefined {
  const statement = STATEMENT.exec(text)?.[1]?.toLowerCase();
  if (statement === undefined) return undefined;
  const whereAt = text.search(WHERE);
  if (whereAt < 0) return undefined;
  const rest = text.slice(whereAt);
  const endAt = rest.slice(5).search(WHERE_END);
  const where = endAt < 0 ? rest : rest.slice(0, endAt + 5);
  // An OR anywhere in the WHERE may make any one condition optional: fail closed, count none as a restriction.
  const alternative = /\bor\b/i.test(where);
  const comparisons: SqlComparison[] = [];
  const ownerColumns: string[] = [];
  const seen = new Set<string>();
  // An exec loop, not matchAll: matchAll copies the regex through its species constructor on every statement.
  COMPARISON.lastIndex = 0;
  for (let match = COMPARISON.exec(where); match !== null; match = COMPARISON.exec(where)) {
    const column = match[1].slice(match[1].lastIndexOf('.') + 1);
    seen.add(column.toLowerCase());
    comparisons.push({ column, valueAt: valueIndex(match[2], whereAt + (match.index ?? 0) + match[0].length - match[2].length, text) });
  }
  // Owner columns compared with something other than a parameter (`owner_id = current_user_id()`).
  for (const token of where.match(/[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)?/g) ?? []) {
    const column = token.slice(token.lastIndexOf('.') + 1);
    if (isOwnerField(column) && !seen.has(column.toLowerCase())) {
      seen.add(column.toLowerCase());
      ownerColumns.push(column);
    }
  }
  return {
    operation: statement === 'select' ? 'read' : statement === 'update' ? 'update' : 'delete',
    method: statement.toUpperCase(),
    model: tableOf(statement, text) ?? 'record',
    alternative,
    comparisons,
    ownerColumns,
  };
}

function parseSql(sql: SqlText, node: ts.Node, callee: string, client: string): RecordQuery | undefined {
  const parsed = parsedSql(sql.text);
  if (parsed === undefined) return undefined;
  const { alternative } = parsed;
  // Conditions are the query's own (their node and values): built for each query from the shared reading.
  const conditions: Condition[] = [];
  for (const { column, valueAt } of parsed.comparisons) conditions.push({ column, path: [column], value: sql.values[valueAt], node, alternative });
  for (const column of parsed.ownerColumns) conditions.push({ column, path: [column], node, alternative });
  return {
    orm: 'sql',
    operation: parsed.operation,
    model: parsed.model,
    node,
    callee,
    method: parsed.method,
    client,
    conditions,
    result: node as ts.Expression,
    sqlStatement: sql.text,
  };
}

function templateText(template: ts.TemplateExpression): SqlText {
  let text = template.head.text;
  const values: ts.Expression[] = [];
  for (const span of template.templateSpans) {
    values.push(span.expression);
    text += `$${values.length}${span.literal.text}`;
  }
  return { text, values };
}

/*
 * Kinds read once, compared directly: sqlCallQuery runs for every call of every endpoint, and a
 * ts.isX call there (not inlined, with a load that sees every kind of node) cost more than the rest of the test.
 */
const STRING_LITERAL = SyntaxKind.StringLiteral;
const PLAIN_TEMPLATE = SyntaxKind.NoSubstitutionTemplateLiteral;
const TEMPLATE = SyntaxKind.TemplateExpression;

/** A call whose first argument is a SQL statement with a WHERE, and the values passed with it. */
export function sqlCallQuery(call: ts.CallExpression): RecordQuery | undefined {
  const first = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
  if (first === undefined) return undefined;
  const kind = first.kind;
  if (kind !== STRING_LITERAL && kind !== PLAIN_TEMPLATE && kind !== TEMPLATE) return undefined;
  let sql: SqlText;
  if (kind !== TEMPLATE && isStatement((first as ts.StringLiteral | ts.NoSubstitutionTemplateLiteral).text)) {
    const second = call.arguments[1] === undefined ? undefined : unwrapExpression(call.arguments[1]);
    const values = second !== undefined && second.kind === SyntaxKind.ArrayLiteralExpression ? (second as ts.ArrayLiteralExpression).elements : call.arguments.slice(1);
    sql = { text: (first as ts.StringLiteral | ts.NoSubstitutionTemplateLiteral).text, values };
  } else if (kind === TEMPLATE && isStatement((first as ts.TemplateExpression).head.text)) {
    sql = templateText(first as ts.TemplateExpression);
  } else {
    return undefined;
  }
  const callee = calleePath(call);
  const client = callee.includes('.') ? callee.slice(0, callee.lastIndexOf('.')) : callee;
  return parseSql(sql, call, callee, client);
}

/** A statement on one line, as a fix shows it; only for reports, so not collapsed for every query found. */
export function sqlOneLine(statement: string): string {
  return statement.trim().replace(/\s+/g, ' ');
}

/** `` sql`SELECT ... WHERE id = ${id}` ``, `` prisma.$queryRaw`...` ``. */
export function sqlTemplateQuery(tagged: ts.TaggedTemplateExpression): RecordQuery | undefined {
  const template = tagged.template;
  if (!isStatement(isNoSubstitutionTemplateLiteral(template) ? template.text : template.head.text)) return undefined;
  const sql: SqlText = isNoSubstitutionTemplateLiteral(template) ? { text: template.text, values: [] } : templateText(template);
  const callee = expressionPath(tagged.tag);
  const client = callee.includes('.') ? callee.slice(0, callee.lastIndexOf('.')) : callee;
  return parseSql(sql, tagged, callee, client);
}
