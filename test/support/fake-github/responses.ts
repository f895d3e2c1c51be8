/**
 * Response bodies in GitHub's shapes: `{ message, documentation_url, status }`
 * for errors, `errors` arrays for 422s.
 */
import type { ApiReply } from './http-types.js';

export const DOCS_ROOT = 'https://docs.github.com/rest';

export function ok(body: unknown, headers?: Record<string, string>): ApiReply {
  return { status: 200, body, headers };
}

export function created(body: unknown): ApiReply {
  return { status: 201, body };
}

export function noContent(): ApiReply {
  return { status: 204 };
}

export function errorReply(status: number, message: string, documentationUrl = DOCS_ROOT, extra: Record<string, unknown> = {}): ApiReply {
  return { status, body: { message, ...extra, documentation_url: documentationUrl, status: String(status) } };
}

export function notFound(documentationUrl = DOCS_ROOT): ApiReply {
  return errorReply(404, 'Not Found', documentationUrl);
}

export function badCredentials(): ApiReply {
  return errorReply(401, 'Bad credentials');
}

/** A 422 whose `errors` are plain strings, as the reviews API answers. */
export function unprocessable(errors: string[], documentationUrl: string): ApiReply {
  return errorReply(422, 'Unprocessable Entity', documentationUrl, { errors });
}

/** A 422 "Validation Failed" with field errors, as most create/update endpoints answer. */
export function validationFailed(
  errors: Array<{ resource: string; field: string; code: string; message?: string }>,
  documentationUrl: string,
): ApiReply {
  return errorReply(422, 'Validation Failed', documentationUrl, { errors });
}

/** Joins messages the way GitHub's Rails backend does: "a, b, and c". */
export function toSentence(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  if (parts.length === 2) return `${parts[0]} and ${parts[1]}`;
  return `${parts.slice(0, -1).join(', ')}, and ${parts[parts.length - 1]}`;
}
