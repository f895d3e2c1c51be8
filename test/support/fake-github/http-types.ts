/**
 * The shapes passed between the fake's server loop and its route modules.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeGitHubStore } from './store.js';

/** Who made a request, as the fake understood its `authorization` header. */
export type Caller =
  | { kind: 'none' }
  | { kind: 'app'; appId: string }
  | { kind: 'installation'; installationId: number; token: string }
  | { kind: 'invalid'; message: string };

export interface ApiRequest {
  method: string;
  /** API path without the `/api/v3` prefix or query, `/repositories/{id}` rewritten to `/repos/{owner}/{repo}`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
  /** Path parameters of the matched route, percent-decoded. */
  params: Record<string, string>;
  caller: Caller;
  /** `http://127.0.0.1:<port>/api/v3`, for URLs in responses and `link` headers. */
  apiBaseUrl: string;
  store: FakeGitHubStore;
}

/** A raw (non-JSON) response body, e.g. file contents for `Accept: application/vnd.github.raw`. */
export interface RawBody {
  raw: string;
  contentType: string;
}

export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Fault injection: drop the connection instead of answering. */
  reset?: boolean;
}

/** Which credential a route wants, as on GitHub: app JWT, installation token, or none. */
export type RouteAuth = 'app' | 'installation' | 'none';

export interface Route {
  method: string;
  /** `/repos/{owner}/{repo}/contents/{path+}`: `{x}` is one segment, `{x+}` the rest of the path. */
  pattern: string;
  auth: RouteAuth;
  handle(request: ApiRequest): ApiReply | Promise<ApiReply>;
}

export function isRawBody(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && 'raw' in body && 'contentType' in body;
}
