/**
 * sql-injection for Python (input.sql): the TypeScript check's idea and id.
 * SQL text built with an f-string, `%`, `+` or `.format()` from request data
 * and run by `cursor.execute`, Django `raw()` / `extra()` / `RawSQL`,
 * SQLAlchemy `text()` / `exec_driver_sql`, asyncpg `fetch*`, pandas
 * `read_sql`. Values passed as parameters stay silent; SQL built from the
 * caller's data is a finding, from data the analysis cannot trace unknown.
 */
import tsCheck from '../../input-validation/sql-injection.js';
import { assignmentsTo, calleeName, childByField, keywordArgument, lastSegment, moduleAssignments, namedChild, namedChildren, plainCalleePath, positionalArguments, stringValue, unwrapExpression } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { callerValueIn, requestDataOf, type RequestValue } from './request-data.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const EXTRA_CALL = /^extra$/;

/** Calls that run SQL text given as their first argument (or `sql=` / `query=`). */
const RAW_SQL = /^(?:execute|executemany|executescript|exec_driver_sql|raw|text|RawSQL|fetch|fetchrow|fetchval|read_sql|read_sql_query|from_statement)$/;
/** ORM query APIs: values go as parameters. */
const ORM_CALL = /^(?:filter|filter_by|exclude|get|get_or_404|first_or_404|all|first|one|scalars|scalar|query|select|where|order_by|values|values_list|create|update|delete|add|save|paginate)$/;
const NUMBER = /^(?:int|float|len|abs|round|bool)$/;

type Part = { kind: 'caller'; value: RequestValue } | { kind: 'fixed' } | { kind: 'untraced'; node: PyNode };

export default createPyCheck({
  id: 'sql-injection',
  items: ['input.sql'],
  ...siblingMetadata(tsCheck),
  messages: tsCheck.messages,
  fix: {
    fastapi: 'Pass values as bound parameters: `db.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})`, or query through the ORM (`select(User).where(User.name == name)`); for a sort column, pick it from an allow-list.',
    'django-rest-framework': 'Pass values as parameters: `cursor.execute("SELECT * FROM app_user WHERE name = %s", [name])`, `User.objects.raw("... WHERE name = %s", [name])`, or use the ORM (`User.objects.filter(name=name)`); never an f-string or `%` formatting of the SQL text.',
    flask: 'Pass values as bound parameters: `db.session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})` or `cursor.execute("... WHERE name = %s", (name,))`, or query through the ORM (`User.query.filter_by(name=name)`).',
    default: 'Pass values as parameters (`cursor.execute(sql, params)`, SQLAlchemy `text()` with bound `:name` parameters) instead of formatting them into the SQL text.',
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const data = requestDataOf(endpoint);
    let parameterised: PyNode | undefined;
    let fixedOnly: PyNode | undefined;
    let untraced: string | undefined;

    for (const call of index.callsNamed(RAW_SQL, endpoint.scopes)) {
      const name = calleeName(call);
      if (/^fetch/.test(name) && !/(?:conn|connection|db|pool|database)$/i.test(plainCalleePath(call).split('.').slice(-2, -1)[0] ?? '')) continue;
      // `extra(where=[...])` takes SQL fragments in keywords.
      const sql = name === 'extra' ? keywordArgument(call, 'where') : (positionalArguments(call)[0] ?? keywordArgument(call, 'sql') ?? keywordArgument(call, 'query'));
      if (sql === undefined) continue;
      // `execute(text(...))` is judged at the `text()` call; `execute(select(...))` is the ORM.
      const inner = unwrapExpression(sql);
      if (inner.type === 'call' && calleeName(inner) !== 'format') continue;
      const parts = sqlParts(endpoint, sql, call, 0);
      if (parts === undefined) continue;
      const caller = parts.find((part): part is Extract<Part, { kind: 'caller' }> => part.kind === 'caller');
      if (caller !== undefined) {
        context.report({ messageId: 'injection', node: call, data: { call: `\`${plainCalleePath(call)}()\``, data: caller.value.label } });
        return;
      }
      const unknownPart = parts.find((part): part is Extract<Part, { kind: 'untraced' }> => part.kind === 'untraced');
      if (unknownPart !== undefined) untraced ??= `${plainCalleePath(call)}() at line ${call.line} runs SQL built from \`${index.textOf(unknownPart.node)}\`, whose origin could not be traced; check that it is not request data`;
      else if (parts.length === 0 && (positionalArguments(call).length > 1 || keywordArgument(call, 'params') !== undefined || /^(?:text|RawSQL)$/.test(name))) parameterised ??= call;
      else fixedOnly ??= call;
    }
    for (const call of index.callsNamed(EXTRA_CALL, endpoint.scopes)) {
      const where = keywordArgument(call, 'where');
      if (where === undefined) continue;
      const value = callerValueIn(endpoint, data, where);
      if (value !== undefined) {
        context.report({ messageId: 'injection', node: call, data: { call: `\`${plainCalleePath(call)}()\``, data: value.label } });
        return;
      }
    }
    if (untraced !== undefined) {
      context.unknown('input.sql', untraced);
      return;
    }
    if (parameterised !== undefined) {
      context.pass('input.sql', { node: parameterised, note: `${plainCalleePath(parameterised)}() passes values as parameters, not in the SQL text` });
      return;
    }
    if (fixedOnly !== undefined) {
      context.pass('input.sql', { node: fixedOnly, note: `${plainCalleePath(fixedOnly)}() splices only numbers and fixed text into its SQL` });
      return;
    }
    const orm = index.callsNamed(ORM_CALL, endpoint.scopes).find((call) => /\.objects\b|^(?:db\.)?session\b|\.query\b|^select$|^db\.|^\w+\.query\./.test(plainCalleePath(call)) || /^[A-Z]\w*\.(?:filter|get|all|create|get_or_none)$/.test(plainCalleePath(call)));
    if (orm !== undefined) {
      context.pass('input.sql', { node: orm, note: `queries through the ORM (${plainCalleePath(orm)}), which parameterises values` });
      return;
    }
    context.notApplicable('input.sql', 'no database query in the endpoint’s code');
  },
});

/**
 * The dynamic parts of the SQL text: [] for a plain literal. A name is
 * followed to its assignments before the call (two hops). Undefined when the
 * argument is not SQL text the check can read.
 */
function sqlParts(endpoint: PyEndpoint, node: PyNode, call: PyNode, depth: number): Part[] | undefined {
  const { index } = endpoint;
  const target = unwrapExpression(node);
  if (target.type === 'string') {
    const interpolations = namedChildren(target).filter((child) => child.type === 'interpolation');
    return interpolations.map((interpolation) => partOf(endpoint, namedChild(interpolation, 0) ?? interpolation, call, depth));
  }
  if (target.type === 'concatenated_string') return namedChildren(target).flatMap((part) => sqlParts(endpoint, part, call, depth) ?? []);
  if (target.type === 'binary_operator') {
    const operator = target.children.find((child) => !child.named)?.type;
    const left = childByField(target, 'left')!;
    const right = childByField(target, 'right')!;
    if (operator === '%') {
      const values = unwrapExpression(right);
      const list = values.type === 'tuple' || values.type === 'list' ? namedChildren(values) : values.type === 'dictionary' ? namedChildren(values).map((pair) => childByField(pair, 'value') ?? pair) : [values];
      return [...(sqlParts(endpoint, left, call, depth) ?? []), ...list.map((value) => partOf(endpoint, value, call, depth))];
    }
    if (operator === '+') return [left, right].flatMap((side) => sqlParts(endpoint, side, call, depth) ?? [partOf(endpoint, side, call, depth)]);
    return undefined;
  }
  if (target.type === 'call' && calleeName(target) === 'format') {
    const object = childByField(childByField(target, 'function')!, 'object');
    const args = childByField(target, 'arguments');
    const values = args === undefined ? [] : namedChildren(args).map((arg) => (arg.type === 'keyword_argument' ? childByField(arg, 'value') ?? arg : arg));
    return [...(object === undefined ? [] : (sqlParts(endpoint, object, call, depth) ?? [])), ...values.map((value) => partOf(endpoint, value, call, depth))];
  }
  if (target.type === 'identifier' && depth < 2) {
    const assigned = assignmentsTo(index, target.name ?? '', endpoint.scopes).filter((assignment) => assignment.pos < call.pos);
    if (assigned.length === 0) {
      const constant = moduleAssignments(index).get(target.name ?? '');
      return constant === undefined ? undefined : (sqlParts(endpoint, constant.value, call, depth + 1) ?? []);
    }
    const parts: Part[] = [];
    for (const assignment of assigned) {
      const right = childByField(assignment, 'right');
      if (right === undefined) continue;
      const own = sqlParts(endpoint, right, call, depth + 1);
      if (own === undefined) return undefined;
      parts.push(...own);
    }
    return parts;
  }
  return undefined;
}

function partOf(endpoint: PyEndpoint, node: PyNode, call: PyNode, depth: number): Part {
  const data = requestDataOf(endpoint);
  const target = unwrapExpression(node);
  if (target.type === 'call' && NUMBER.test(lastSegment(plainCalleePath(target)))) return { kind: 'fixed' };
  const value = callerValueIn(endpoint, data, target);
  if (value !== undefined) return { kind: 'caller', value };
  if (target.type === 'integer' || target.type === 'float' || (target.type === 'string' && stringValue(target, endpoint.index) !== undefined)) return { kind: 'fixed' };
  if (target.type === 'identifier') {
    if (/^[A-Z][A-Z0-9_]*$/.test(target.name ?? '')) return { kind: 'fixed' };
    const nested = sqlParts(endpoint, target, call, depth + 1);
    if (nested !== undefined && nested.length === 0) return { kind: 'fixed' };
    if (nested !== undefined) return nested.find((part) => part.kind !== 'fixed') ?? { kind: 'fixed' };
  }
  if (target.type === 'string' || target.type === 'binary_operator') {
    const nested = sqlParts(endpoint, target, call, depth + 1);
    if (nested !== undefined) return nested.find((part) => part.kind !== 'fixed') ?? { kind: 'fixed' };
  }
  return { kind: 'untraced', node: target };
}
