/**
 * The object filter of a query as the code writes it, for the checks that
 * rewrite a filter or need to know whether all of it is in view.
 */
import { ts, isCallExpression, isIdentifier, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment, isSpreadAssignment } from '../lang/ts/parse.js';
import { calleeName, unwrapExpression } from '../lang/ts/queries.js';
import type { RecordQuery } from './orm-queries.js';

/** The call of the chain that carries the query's method: the query node itself for Prisma. */
function methodCall(query: RecordQuery): ts.CallExpression | undefined {
  let current: ts.Expression = query.node as ts.Expression;
  for (let depth = 0; depth < 32; depth++) {
    current = unwrapExpression(current);
    if (isCallExpression(current)) {
      if (calleeName(current) === query.method) return current;
      current = current.expression;
    } else if (isPropertyAccessExpression(current)) {
      current = current.expression;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function whereOf(options: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (options === undefined) return undefined;
  const object = unwrapExpression(options);
  if (!isObjectLiteralExpression(object)) return undefined;
  for (const property of object.properties) {
    if (isPropertyAssignment(property) && isIdentifier(property.name) && property.name.text === 'where') {
      const where = unwrapExpression(property.initializer);
      return isObjectLiteralExpression(where) ? where : undefined;
    }
  }
  return undefined;
}

/** The object filter as written: `where: { ... }`, or the filter argument of Mongoose and TypeORM's `findBy`. */
export function objectFilterOf(query: RecordQuery): ts.ObjectLiteralExpression | undefined {
  const call = methodCall(query);
  if (call === undefined) return undefined;
  const [first, second] = call.arguments;
  const where = whereOf(first) ?? whereOf(second);
  if (where !== undefined) return where;
  const object = first === undefined ? undefined : unwrapExpression(first);
  return object !== undefined && isObjectLiteralExpression(object) && (query.orm === 'mongoose' || /By/.test(query.method)) ? object : undefined;
}

/**
 * Whether part of the query's object filter is built elsewhere: a spread of
 * something that is not an object literal (`{ ...filters, userId }`).
 */
export function hasHiddenFilterPart(query: RecordQuery): boolean {
  const filter = objectFilterOf(query);
  return filter !== undefined && filter.properties.some((property) => isSpreadAssignment(property) && !isObjectLiteralExpression(unwrapExpression(property.expression)));
}
