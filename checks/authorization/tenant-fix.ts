/**
 * The tenant-scoped version of a query, in its ORM's own idiom and with the
 * code's own filter kept: what a finding tells the author to write. The
 * sibling of ownership-fix.ts, which adds the owner instead.
 */
import { ts } from '../lang/ts/parse.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { RecordQuery } from './orm-queries.js';
import { objectFilterOf } from './query-filters.js';
import { sqlOneLine } from './sql-queries.js';

/** The tenant to add: the field the code uses and the caller's tenant id as the code writes it. */
export interface TenantScope {
  field: string;
  value: string;
}

const WHERE_END = /\b(?:order\s+by|group\s+by|limit|offset|returning|for\s+update|having)\b/i;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The query's filter with the tenant added: `{ userId, orgId }`. */
function filterWithTenant(query: RecordQuery, index: SourceIndex, field: string, value: string): string {
  const tenant = field === value ? field : `${field}: ${value}`;
  const filter = objectFilterOf(query);
  let kept: string[];
  if (filter !== undefined) kept = filter.properties.map((property) => oneLine(index.textOf(property)));
  else kept = query.conditions.filter((condition) => !condition.alternative && condition.path.length === 1 && condition.value !== undefined).map((condition) => keyValue(condition.column, oneLine(index.textOf(condition.value!))));
  // findById(id) keeps its id as `_id`.
  if (kept.length === 0 && query.method.startsWith('findById') && query.conditions[0]?.value !== undefined) kept = [keyValue('_id', oneLine(index.textOf(query.conditions[0].value)))];
  return `{ ${[...kept, tenant].join(', ')} }`;
}

function keyValue(key: string, value: string): string {
  return key === value ? key : `${key}: ${value}`;
}

function drizzleCondition(query: RecordQuery, index: SourceIndex, field: string, value: string): string {
  const equalities = query.conditions
    .filter((condition) => !condition.alternative && condition.path.length === 1 && condition.value !== undefined)
    .map((condition) => `eq(${query.model}.${condition.column}, ${oneLine(index.textOf(condition.value!))})`);
  equalities.push(`eq(${query.model}.${field}, ${value})`);
  return equalities.length === 1 ? equalities[0] : `and(${equalities.join(', ')})`;
}

/** `... WHERE user_id = $1` gives `... WHERE user_id = $1 AND org_id = $2`; no WHERE gets one. */
function sqlWithTenant(text: string, column: string): string {
  const positional = /\$\d+/.test(text) || !text.includes('?');
  const count = positional ? Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]))) : text.split('?').length - 1;
  const placeholder = positional ? `$${count + 1}` : '?';
  const whereAt = text.search(/\bwhere\b/i);
  const searchFrom = whereAt < 0 ? text.search(/\bfrom\b/i) : whereAt + 5;
  const endAt = text.slice(searchFrom).search(WHERE_END);
  const insertAt = endAt < 0 ? text.length : searchFrom + endAt;
  const clause = whereAt < 0 ? `WHERE ${column} = ${placeholder}` : `AND ${column} = ${placeholder}`;
  return `${text.slice(0, insertAt).trimEnd()} ${clause}${insertAt < text.length ? ` ${text.slice(insertAt)}` : ''}`;
}

const MONGOOSE_BY_FILTER: Readonly<Record<string, string>> = {
  findById: 'findOne',
  findByIdAndUpdate: 'findOneAndUpdate',
  findByIdAndDelete: 'findOneAndDelete',
  findByIdAndRemove: 'findOneAndDelete',
};

/** A one-line example of `query` filtered on the caller's tenant as well as what it already filters on. */
export function tenantScopedExample(query: RecordQuery, index: SourceIndex, tenant: TenantScope): string {
  const relational = query.orm === 'knex' || query.orm === 'sql';
  const field = relational && !tenant.field.includes('_') ? snakeCase(tenant.field) : tenant.field;
  switch (query.orm) {
    case 'prisma': {
      const method = query.method.replace(/^findUnique/, 'findFirst');
      return `${query.client}.${query.model}.${method}({ where: ${filterWithTenant(query, index, field, tenant.value)}${query.operation === 'update' ? ', data' : ''} })`;
    }
    case 'drizzle': {
      const condition = drizzleCondition(query, index, field, tenant.value);
      if (query.drizzleStyle === 'query') return `${query.client}.query.${query.model}.${query.method}({ where: ${condition} })`;
      return query.operation === 'read' ? `${query.client}.select().from(${query.model}).where(${condition})` : `.where(${condition})`;
    }
    case 'mongoose':
      return `${query.client}.${MONGOOSE_BY_FILTER[query.method] ?? query.method}(${filterWithTenant(query, index, field, tenant.value)}${query.operation === 'update' ? ', update' : ''})`;
    case 'typeorm': {
      const filter = filterWithTenant(query, index, field, tenant.value);
      if (query.operation === 'update') return `${query.client}.update(${filter}, changes)`;
      if (query.operation === 'delete') return `${query.client}.delete(${filter})`;
      return /By/.test(query.method) ? `${query.client}.${query.method}(${filter})` : `${query.client}.${query.method}({ where: ${filter} })`;
    }
    case 'sequelize': {
      const filter = filterWithTenant(query, index, field, tenant.value);
      if (query.operation === 'update') return `${query.client}.update(values, { where: ${filter} })`;
      if (query.operation === 'delete') return `${query.client}.destroy({ where: ${filter} })`;
      return `${query.client}.${query.method === 'findByPk' ? 'findOne' : query.method}({ where: ${filter} })`;
    }
    case 'knex':
      return `${query.client}('${query.model}').where(${filterWithTenant(query, index, field, tenant.value)})`;
    case 'sql':
      return `${sqlWithTenant(query.sqlStatement === undefined ? `SELECT ... FROM ${query.model}` : sqlOneLine(query.sqlStatement), field)} with ${tenant.value} as the new parameter`;
  }
}
