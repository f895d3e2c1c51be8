/**
 * The scoped version of a query, in its ORM's own idiom, with the code's
 * own names filled in: what a finding tells the author to write.
 */
import type { RecordQuery } from './orm-queries.js';

export interface ScopedQueryParts {
  /** The key column of the filter as written: `id`, `_id`, `slug`. */
  column: string;
  /** The request value as written in the query: `params.id`, `id`. */
  idText: string;
  /** The caller's id in the endpoint's idiom: `userId`, `req.user.id`, `session.user.id`. */
  caller: string;
}

/** `ownerId` for camelCase schemas, `owner_id` for snake_case tables. */
function ownerColumn(query: RecordQuery, column: string): string {
  if (query.orm === 'mongoose') return 'owner';
  if (query.orm === 'knex' || query.orm === 'sql' || column.includes('_')) return 'owner_id';
  return 'ownerId';
}

function keyValue(column: string, idText: string): string {
  return column === idText ? column : `${column}: ${idText}`;
}

/** A one-line example of `query` filtered on both the id and its owner. */
export function scopedQueryExample(query: RecordQuery, parts: ScopedQueryParts): string {
  const owner = ownerColumn(query, parts.column);
  const key = keyValue(parts.column, parts.idText);
  const filter = `{ ${key}, ${owner}: ${parts.caller} }`;
  switch (query.orm) {
    case 'prisma': {
      const target = `${query.client}.${query.model}`;
      if (query.operation === 'read') return `${target}.findFirst({ where: ${filter} })`;
      // Prisma 5+ accepts non-unique fields next to the id in the where of update/delete.
      return `${target}.${query.method}({ where: ${filter}${query.operation === 'update' ? ', data' : ''} })`;
    }
    case 'drizzle': {
      const condition = `and(eq(${query.model}.${parts.column}, ${parts.idText}), eq(${query.model}.${owner}, ${parts.caller}))`;
      if (query.drizzleStyle === 'query') return `${query.client}.query.${query.model}.${query.method}({ where: ${condition} })`;
      return `.where(${condition})`;
    }
    case 'typeorm':
      if (query.operation === 'read') return `${query.client}.findOneBy(${filter})`;
      if (query.operation === 'update') return `${query.client}.update(${filter}, changes)`;
      return `${query.client}.delete(${filter})`;
    case 'sequelize':
      if (query.operation === 'read') return `${query.client}.findOne({ where: ${filter} })`;
      if (query.operation === 'update') return `${query.client}.update(values, { where: ${filter} })`;
      return `${query.client}.destroy({ where: ${filter} })`;
    case 'mongoose':
      if (query.operation === 'read') return `${query.client}.findOne(${filter})`;
      if (query.operation === 'update') return `${query.client}.findOneAndUpdate(${filter}, update)`;
      return `${query.client}.findOneAndDelete(${filter})`;
    case 'knex':
      return `${query.client}('${query.model}').where(${filter})`;
    case 'sql': {
      const verb = query.operation === 'read' ? `SELECT ... FROM ${query.model}` : query.operation === 'update' ? `UPDATE ${query.model} SET ...` : `DELETE FROM ${query.model}`;
      return `${verb} WHERE ${parts.column} = $1 AND ${owner} = $2 with [${parts.idText}, ${parts.caller}]`;
    }
  }
}
