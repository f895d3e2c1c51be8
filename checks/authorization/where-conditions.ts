/**
 * The conditions of a query's filter, read from the syntax each ORM uses:
 * object filters (Prisma, TypeORM, Sequelize, Mongoose, Knex), Drizzle's
 * operator calls (`and(eq(t.id, id), eq(t.ownerId, userId))`), Knex's
 * `.where('id', id)`. Only what a reader can see: a filter built in another
 * function yields no conditions.
 */
import { ts, isArrayLiteralExpression, isArrowFunction, isBlock, isCallExpression, isElementAccessExpression, isFunctionExpression, isIdentifier, isNumericLiteral, isObjectLiteralExpression, isPrivateIdentifier, isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteral, isTaggedTemplateExpression, isTemplateExpression } from '../lang/ts/parse.js';
import { calleeName, stringValue, unwrapExpression } from '../lang/ts/queries.js';

export interface Condition {
  /** The field compared, as written at the leaf: `id`, `ownerId`, `owner_id`, `_id`. */
  column: string;
  /** Keys from the filter's root to the leaf: `['project', 'members', 'some', 'userId']`. */
  path: readonly string[];
  /** The value the field is compared with, when the code shows it. */
  value?: ts.Expression;
  /** Where the condition is written (evidence line). */
  node: ts.Node;
  /** Inside an OR: one alternative among others, so it restricts nothing on its own. */
  alternative: boolean;
  /** A policy filter such as CASL's `accessibleBy(ability)`: scoping by rules, not by a field. */
  policy?: boolean;
}

/** Resolves `where: filter` to `const filter = { ... }` of the endpoint's code, one hop. */
export type ObjectResolver = (expression: ts.Expression) => ts.Expression;

const ALL_OF = new Set(['AND', '$and']);
const ANY_OF = new Set(['OR', '$or']);
const NONE_OF = new Set(['NOT', '$nor', '$not']);
/** Operator objects whose value is still "this field equals": `{ id: { equals: id } }`, `{ _id: { $eq: id } }`. */
const EQUALITY_OPERATORS = new Set(['equals', '$eq', 'in', '$in', 'eq']);
const POLICY_FILTER = /^(?:accessibleBy|accessibleRecordsBy|accessibleFieldsBy)$/;

function propertyKey(name: ts.PropertyName): string | undefined {
  if (isIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name) || isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** Whether an expression calls a policy filter, e.g. `accessibleBy(ability).Invoice`. */
function isPolicyFilter(expression: ts.Expression): boolean {
  let current: ts.Expression = unwrapExpression(expression);
  for (let depth = 0; depth < 8; depth++) {
    if (isCallExpression(current)) {
      if (POLICY_FILTER.test(calleeName(current))) return true;
      current = unwrapExpression(current.expression);
    } else if (isPropertyAccessExpression(current) || isElementAccessExpression(current)) {
      current = unwrapExpression(current.expression);
    } else {
      return false;
    }
  }
  return false;
}

/** Conditions of an object filter: `{ id, ownerId: userId }`, `{ AND: [...] }`, `{ project: { members: { some: { userId } } } }`. */
export function objectConditions(expression: ts.Expression, resolve: ObjectResolver, path: readonly string[] = [], alternative = false, depth = 0): Condition[] {
  if (depth > 12) return [];
  const filter = unwrapExpression(resolve(expression));
  if (isArrayLiteralExpression(filter)) {
    // TypeORM: `where: [{ id }, { slug }]` means either.
    return filter.elements.flatMap((element) => objectConditions(element, resolve, path, true, depth + 1));
  }
  if (!isObjectLiteralExpression(filter)) {
    return isPolicyFilter(filter) ? [{ column: 'accessibleBy', path, node: filter, alternative, policy: true }] : [];
  }
  const conditions: Condition[] = [];
  for (const property of filter.properties) {
    if (isShorthandPropertyAssignment(property)) {
      conditions.push({ column: property.name.text, path: [...path, property.name.text], value: property.name, node: property, alternative });
      continue;
    }
    if (isSpreadAssignment(property)) {
      if (isPolicyFilter(property.expression)) conditions.push({ column: 'accessibleBy', path, node: property, alternative, policy: true });
      else conditions.push(...objectConditions(property.expression, resolve, path, alternative, depth + 1));
      continue;
    }
    if (!isPropertyAssignment(property)) continue;
    const key = propertyKey(property.name);
    if (key === undefined) continue;
    const value = unwrapExpression(property.initializer);
    if (ALL_OF.has(key)) {
      const parts = isArrayLiteralExpression(value) ? [...value.elements] : [value];
      for (const part of parts) conditions.push(...objectConditions(part, resolve, path, alternative, depth + 1));
      continue;
    }
    if (ANY_OF.has(key)) {
      const parts = isArrayLiteralExpression(value) ? [...value.elements] : [value];
      for (const part of parts) conditions.push(...objectConditions(part, resolve, path, true, depth + 1));
      continue;
    }
    if (NONE_OF.has(key)) continue;
    if (isObjectLiteralExpression(value)) {
      const operator = value.properties.find(
        (inner): inner is ts.PropertyAssignment => isPropertyAssignment(inner) && EQUALITY_OPERATORS.has(propertyKey(inner.name) ?? ''),
      );
      if (operator !== undefined) conditions.push({ column: key, path: [...path, key], value: operator.initializer, node: property, alternative });
      else conditions.push(...objectConditions(value, resolve, [...path, key], alternative, depth + 1));
      continue;
    }
    conditions.push({ column: key, path: [...path, key], value: property.initializer, node: property, alternative });
  }
  return conditions;
}

/** The column a Drizzle operand names: `invoices.ownerId` gives `ownerId`, `i.id` gives `id`. */
function columnName(expression: ts.Expression | undefined): string | undefined {
  if (expression === undefined) return undefined;
  const column = unwrapExpression(expression);
  if (isPropertyAccessExpression(column)) return column.name.text;
  if (isElementAccessExpression(column)) return stringValue(column.argumentExpression);
  if (isIdentifier(column)) return column.text;
  return undefined;
}

const DRIZZLE_EQUALITY = new Set(['eq', 'inArray']);

/**
 * Conditions of a Drizzle filter: `eq(t.id, id)`, `and(...)`, `or(...)`, a
 * relational-query callback `(t, { eq }) => eq(t.id, id)`, the object form of
 * the v2 relational API, or a `sql` fragment naming owner columns.
 */
export function drizzleConditions(expression: ts.Expression, resolve: ObjectResolver, alternative = false, depth = 0): Condition[] {
  if (depth > 12) return [];
  const filter = unwrapExpression(resolve(expression));
  if (isArrowFunction(filter) || isFunctionExpression(filter)) {
    const body = filter.body;
    if (isBlock(body)) {
      const returned = body.statements.find((statement): statement is ts.ReturnStatement => isReturnStatement(statement));
      return returned?.expression === undefined ? [] : drizzleConditions(returned.expression, resolve, alternative, depth + 1);
    }
    return drizzleConditions(body, resolve, alternative, depth + 1);
  }
  if (isObjectLiteralExpression(filter)) return objectConditions(filter, resolve, [], alternative, depth + 1);
  if (isTaggedTemplateExpression(filter)) return sqlFragmentConditions(filter, alternative);
  if (!isCallExpression(filter)) return [];
  const name = calleeName(filter);
  if (name === 'and') return filter.arguments.flatMap((argument) => drizzleConditions(argument, resolve, alternative, depth + 1));
  if (name === 'or') return filter.arguments.flatMap((argument) => drizzleConditions(argument, resolve, true, depth + 1));
  if (DRIZZLE_EQUALITY.has(name)) {
    const column = columnName(filter.arguments[0]);
    if (column === undefined) return [];
    return [{ column, path: [column], value: filter.arguments[1], node: filter, alternative }];
  }
  return [];
}

/** `sql\`${invoices.ownerId} = ${userId}\``: each column span followed by a value span. */
function sqlFragmentConditions(template: ts.TaggedTemplateExpression, alternative: boolean): Condition[] {
  if (!isTemplateExpression(template.template)) return [];
  const spans = template.template.templateSpans;
  const conditions: Condition[] = [];
  spans.forEach((span, position) => {
    const column = isPropertyAccessExpression(span.expression) ? span.expression.name.text : undefined;
    if (column === undefined) return;
    conditions.push({ column, path: [column], value: spans[position + 1]?.expression, node: template, alternative });
  });
  return conditions;
}

/**
 * Conditions of one Knex `where`-family call: `.where({ id })`,
 * `.where('id', id)`, `.where('id', '=', id)`, `.whereIn('id', ids)`;
 * `orWhere` gives alternatives.
 */
export function knexConditions(call: ts.CallExpression, resolve: ObjectResolver): Condition[] {
  const name = calleeName(call);
  const alternative = name.startsWith('or');
  const [first, second, third] = call.arguments;
  if (first === undefined) return [];
  const column = stringValue(first);
  if (column === undefined) return objectConditions(first, resolve, [], alternative);
  const bare = column.slice(column.lastIndexOf('.') + 1);
  const value = third !== undefined && stringValue(second) === '=' ? third : third === undefined ? second : undefined;
  return [{ column: bare, path: [bare], value, node: call, alternative }];
}
