/**
 * Where the Redis-backed review queue lives and how its jobs are retried:
 * shared by the producer (`npm start`, bullmq-review-queue.ts) and the
 * consumers (`npm run worker`, bullmq-review-worker.ts), which must agree on
 * every name here.
 */
import { Redis } from 'ioredis';

/** The BullMQ queue's name (its Redis keys are `<prefix>:api-security-review:*`). */
export const REVIEW_QUEUE_NAME = 'api-security-review';
/** BullMQ's own default prefix; `REVIEW_QUEUE_PREFIX` separates apps (or test runs) sharing one Redis. */
export const DEFAULT_REVIEW_QUEUE_PREFIX = 'bull';

/**
 * Attempts of one review job. The review completes its check run itself on
 * GitHub errors; what reaches the queue as a failure is what kept it from
 * opening or completing a run at all (GitHub down, auth failing), worth two
 * more tries after 10 s and 20 s (exponential backoff).
 */
export const REVIEW_JOB_ATTEMPTS = 3;
export const REVIEW_JOB_BACKOFF_MS = 10_000;

/**
 * A worker holds a job's lock this long and renews it at half the time. Longer
 * than BullMQ's 30 s default: a review's analysis is CPU-bound, and a worker
 * whose event loop stalls past its lock would see its job taken over (run twice).
 */
export const REVIEW_JOB_LOCK_MS = 60_000;
/** Times a job may be found orphaned (its worker died) and put back before it fails for good. */
export const REVIEW_JOB_MAX_STALLED = 2;

/** How long a webhook delivery id is remembered to drop redeliveries: GitHub redelivers within hours. */
export const DELIVERY_MEMORY_SECONDS = 24 * 60 * 60;
/** How long the newest head of a PR is remembered to supersede older jobs. */
export const HEAD_MEMORY_SECONDS = 7 * 24 * 60 * 60;

export interface RedisQueueSettings {
  url: string;
  prefix: string;
}

/** The Redis queue of this deployment: set when `REDIS_URL` is. */
export function redisQueueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RedisQueueSettings | undefined {
  const url = env.REDIS_URL?.trim();
  if (url === undefined || url === '') return undefined;
  const prefix = env.REVIEW_QUEUE_PREFIX?.trim();
  return { url, prefix: prefix === undefined || prefix === '' ? DEFAULT_REVIEW_QUEUE_PREFIX : prefix };
}

/** A key of ours next to BullMQ's, under the same prefix, so one `<prefix>:*` holds everything of the queue. */
export function reviewQueueKey(prefix: string, ...parts: string[]): string {
  return [prefix, REVIEW_QUEUE_NAME, ...parts].join(':');
}

/**
 * An ioredis connection as BullMQ wants it: commands wait for a reconnect
 * instead of failing after 20 retries (BullMQ requires this of workers; a
 * producer gets the same so that a Redis restart delays a job, not drops it).
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}
