import type { Resource } from './vocabulary.js';

/** `api-keys` -> `apiKeys`: the name a Drizzle table or a JS variable gets. */
export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** `api-keys` -> `ApiKeys`. */
export function pascalCase(kebab: string): string {
  const camel = camelCase(kebab);
  return camel[0].toUpperCase() + camel.slice(1);
}

/** The column list of a `SELECT` that names its columns instead of `*`. */
export function columnList(resource: Resource, includeSensitive: boolean): string {
  const columns = resource.fields.filter((f) => includeSensitive || f.sensitive !== true).map((f) => f.column);
  return ['id', 'owner_id', ...columns].join(', ');
}
