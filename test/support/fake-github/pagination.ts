/**
 * GitHub's page-based pagination: `per_page` (default 30, max 100) and
 * `page`, with a `link` header naming the first/prev/next/last pages.
 */
import type { ApiRequest } from './http-types.js';

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function paginate<T>(items: readonly T[], request: Pick<ApiRequest, 'query' | 'path' | 'apiBaseUrl'>): Page<T> {
  const perPage = clamp(positiveInteger(request.query.get('per_page')) ?? 30, 1, 100);
  const page = positiveInteger(request.query.get('page')) ?? 1;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const pageItems = items.slice((page - 1) * perPage, page * perPage);

  const urlFor = (target: number): string => {
    const query = new URLSearchParams(request.query);
    query.set('per_page', String(perPage));
    query.set('page', String(target));
    return `${request.apiBaseUrl}${request.path}?${query.toString()}`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${urlFor(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${urlFor(page + 1)}>; rel="next"`);
  if (page < lastPage) links.push(`<${urlFor(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${urlFor(1)}>; rel="first"`);
  return { items: pageItems, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

function positiveInteger(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= 1 ? number : undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
