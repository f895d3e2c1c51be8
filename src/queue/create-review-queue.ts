import type { Logger } from 'pino';
import { InProcessReviewQueue, concurrencyFromEnv } from './in-process-review-queue.js';
import type { ReviewQueue } from './review-queue.js';

/**
 * The queue for this deployment, from the environment. Today the
 * in-process queue with `REVIEW_CONCURRENCY` (default 4); a Redis-backed
 * queue would be chosen here when `REDIS_URL` is set.
 */
export function createReviewQueue(log: Logger, env: NodeJS.ProcessEnv = process.env): ReviewQueue {
  const { concurrency, problem } = concurrencyFromEnv(env.REVIEW_CONCURRENCY);
  const queueLog = log.child({ name: 'review-queue' });
  if (problem !== undefined) queueLog.warn(problem);
  return new InProcessReviewQueue({ concurrency, log: queueLog });
}
