/**
 * How the app's Octokit retries and waits: the settings of Octokit's retry
 * plugin and of Probot's throttling plugin, chosen for a job with a time
 * budget (60 s per pull request by default).
 *
 * Retry (`@octokit/plugin-retry`), for server errors and dropped
 * connections (Octokit reports a reset or refused connection as status 500):
 * - 3 retries, waiting 0.5 s, 2 s and 4.5 s (the plugin waits
 *   `retryCount² × base`). GitHub's 502/503s are blips of a few seconds;
 *   7 s of waiting per call keeps a failing call well inside the review's
 *   budget, so the check run can still be completed with the reason.
 * - Never retried: 400, 401, 403, 404, 409, 410, 422, 451 (the same request
 *   fails the same way), and 403/429 rate limits, which belong to the
 *   throttling plugin below (it honours `retry-after` and the reset time;
 *   retrying them here as well would hammer a limit GitHub asked us to respect).
 * - Writes that create something (a check run, a review) are not retried by
 *   the plugin: a 502 may come after GitHub created it. `src/github/` retries
 *   those itself after looking for what the failed attempt may have created.
 *
 * Throttling (`@octokit/plugin-throttling`, Probot's defaults kept): writes
 * of one installation go one at a time, at least 1 s apart (Probot keys the
 * limiter by installation id), as GitHub asks of integrators. On top:
 * - primary limit exhausted (`x-ratelimit-remaining: 0`, wait until
 *   `x-ratelimit-reset`) and secondary limits (403 or 429 with
 *   `retry-after`, 60 s when absent) are waited out as told, at most
 *   twice per request, and only when the wait is at most 60 s. Probot's own
 *   defaults never retry a secondary limit and would wait out any reset; a
 *   review must neither drop a write nor hold a queue slot for an hour. A
 *   longer wait fails the request: the review ends `neutral` naming the limit.
 */
import { ProbotOctokit } from 'probot';

export const RETRY_OPTIONS = {
  retries: 3,
  retryAfterBaseValue: 500,
  doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
} as const;

/** Waits the throttling plugin may do for one request. */
export const MAX_RATE_LIMIT_RETRIES = 2;
/** Longer waits than this fail the request instead: the review's budget is 60 s. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 60;

/** What Octokit passes to the throttling handlers (only what is read here). */
interface ThrottledRequest {
  method?: string;
  url?: string;
}

interface OctokitWithLog {
  log: { warn(message: string): void; info(message: string): void };
}

/**
 * Decides one rate-limit retry: wait `retryAfter` seconds and retry, or give
 * up. Exported for tests.
 */
export function shouldWaitOutRateLimit(kind: 'primary' | 'secondary', retryAfter: number, request: ThrottledRequest, octokit: OctokitWithLog, retryCount: number, maxWaitSeconds = MAX_RATE_LIMIT_WAIT_SECONDS): boolean {
  const what = `${request.method ?? 'request'} ${request.url ?? ''}`.trim();
  const limit = kind === 'primary' ? 'rate limit exhausted' : 'secondary rate limit';
  if (retryCount >= MAX_RATE_LIMIT_RETRIES) {
    octokit.log.warn(`${limit} on ${what}; gave up after ${retryCount} waits`);
    return false;
  }
  if (retryAfter > maxWaitSeconds) {
    octokit.log.warn(`${limit} on ${what}; GitHub asks to wait ${retryAfter} s, more than the ${maxWaitSeconds} s a review may wait`);
    return false;
  }
  octokit.log.info(`${limit} on ${what}; waiting ${retryAfter} s as GitHub asks, then retrying`);
  return true;
}

export interface AppOctokitTuning {
  /** Milliseconds per unit of the retry plugin's backoff (tests shorten it). */
  retryAfterBaseValue?: number;
  /** Longest rate-limit wait in seconds. */
  maxRateLimitWaitSeconds?: number;
  /** Milliseconds waited per second GitHub asks to wait (1000; tests shorten it). */
  rateLimitWaitUnitMs?: number;
  /** Replaces the throttling plugin's limiter groups (tests pass a write group with shorter spacing). */
  limiterGroups?: Record<string, unknown>;
}

/**
 * The app's Octokit class: Probot's, with the settings above. The function
 * form of `defaults` on purpose: it sees the options Probot computes
 * (including a Redis connection for clustered throttling) and keeps them.
 */
export function createAppOctokit(tuning: AppOctokitTuning = {}): typeof ProbotOctokit {
  const maxWait = tuning.maxRateLimitWaitSeconds ?? MAX_RATE_LIMIT_WAIT_SECONDS;
  return ProbotOctokit.defaults((options: Record<string, any>) => ({
    ...options,
    retry: { ...RETRY_OPTIONS, doNotRetry: [...RETRY_OPTIONS.doNotRetry], ...(tuning.retryAfterBaseValue === undefined ? {} : { retryAfterBaseValue: tuning.retryAfterBaseValue }), ...options.retry },
    throttle: {
      ...options.throttle,
      ...tuning.limiterGroups,
      ...(tuning.rateLimitWaitUnitMs === undefined ? {} : { retryAfterBaseValue: tuning.rateLimitWaitUnitMs }),
      onRateLimit: (retryAfter: number, request: ThrottledRequest, octokit: OctokitWithLog, retryCount: number) =>
        shouldWaitOutRateLimit('primary', retryAfter, request, octokit, retryCount, maxWait),
      onSecondaryRateLimit: (retryAfter: number, request: ThrottledRequest, octokit: OctokitWithLog, retryCount: number) =>
        shouldWaitOutRateLimit('secondary', retryAfter, request, octokit, retryCount, maxWait),
    },
  })) as typeof ProbotOctokit;
}
