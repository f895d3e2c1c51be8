/**
 * Fault injection: answer matching requests with a chosen status, headers
 * and body (5xx, 401, 403 with rate-limit headers, 404, 422...) a number of
 * times, before any route or auth logic runs.
 */
import { matchPathPattern } from './path-pattern.js';

/** What a fault matcher sees of a request. */
export interface FaultTarget {
  method: string;
  /** API path without prefix or query, e.g. `/repos/o/r/check-runs`; `/graphql` for GraphQL. */
  path: string;
  body: unknown;
}

export type FaultMatcher =
  | {
      method?: string;
      /** A documented template (`/repos/{owner}/{repo}/check-runs/{id}`), an exact path, or a RegExp. */
      path?: string | RegExp;
      /** For GraphQL requests: matched against the query text. */
      graphql?: string | RegExp;
    }
  | ((target: FaultTarget) => boolean);

export interface FaultResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; defaults to GitHub's `{ message, documentation_url }` for the status. */
  body?: unknown;
  /** How many matching requests to fail; defaults to 1. `Infinity` fails all. */
  times?: number;
  /** Wait this long before answering (for timeout tests). */
  delayMs?: number;
  /** Drop the connection without an answer (a connection reset) instead of answering `status`. */
  reset?: boolean;
  /**
   * Let the request take effect first, then answer with the fault: GitHub's
   * 502 after the write was done, which a blind retry would duplicate.
   */
  afterEffect?: boolean;
}

export interface FaultHandle {
  /** How many requests this fault has answered so far. */
  readonly hits: number;
  /** Stops this fault from answering further requests. */
  cancel(): void;
}

interface FaultRule {
  matcher: FaultMatcher;
  response: FaultResponse;
  remaining: number;
  hits: number;
}

export class FaultRegistry {
  private rules: FaultRule[] = [];

  add(matcher: FaultMatcher, response: FaultResponse): FaultHandle {
    const rule: FaultRule = { matcher, response, remaining: response.times ?? 1, hits: 0 };
    this.rules.push(rule);
    return {
      get hits() {
        return rule.hits;
      },
      cancel: () => {
        rule.remaining = 0;
      },
    };
  }

  /** The response of the first armed fault matching `target`, consuming one of its `times`. */
  take(target: FaultTarget): FaultResponse | undefined {
    const rule = this.rules.find((candidate) => candidate.remaining > 0 && matches(candidate.matcher, target));
    if (!rule) return undefined;
    rule.remaining -= 1;
    rule.hits += 1;
    return rule.response;
  }

  clear(): void {
    this.rules = [];
  }
}

function matches(matcher: FaultMatcher, target: FaultTarget): boolean {
  if (typeof matcher === 'function') return matcher(target);
  if (matcher.method !== undefined && matcher.method.toUpperCase() !== target.method) return false;
  if (matcher.path !== undefined) {
    const pathMatches =
      typeof matcher.path === 'string'
        ? matcher.path === target.path || matchPathPattern(matcher.path, target.path) !== undefined
        : matcher.path.test(target.path);
    if (!pathMatches) return false;
  }
  if (matcher.graphql !== undefined) {
    const query = typeof target.body === 'object' && target.body !== null ? (target.body as Record<string, unknown>).query : undefined;
    if (typeof query !== 'string') return false;
    if (typeof matcher.graphql === 'string' ? !query.includes(matcher.graphql) : !matcher.graphql.test(query)) return false;
  }
  return true;
}

/** A primary rate limit hit: 403 with `x-ratelimit-remaining: 0` and a reset time. */
export function rateLimitExceeded(resetInSeconds = 60): FaultResponse {
  const reset = Math.floor(Date.now() / 1000) + resetInSeconds;
  return {
    status: 403,
    headers: {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    },
    body: {
      message: 'API rate limit exceeded for installation.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    },
  };
}

/** A secondary rate limit: 403 with `retry-after`. */
export function secondaryRateLimit(retryAfterSeconds = 1): FaultResponse {
  return {
    status: 403,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
  };
}

export function serverError(status: 500 | 502 | 503 | 504 = 500, times = 1): FaultResponse {
  return { status, times };
}

/** The connection is dropped mid-request (ECONNRESET on the client). */
export function connectionReset(times = 1): FaultResponse {
  return { status: 0, reset: true, times };
}

/** A 429 secondary rate limit with `retry-after`, as GitHub documents it. */
export function tooManyRequests(retryAfterSeconds = 1): FaultResponse {
  return { ...secondaryRateLimit(retryAfterSeconds), status: 429 };
}
