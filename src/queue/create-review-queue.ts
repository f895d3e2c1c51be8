import type { Logger } from 'pino';
import { BullmqReviewQueue } from './bullmq-review-queue.js';
import { InProcessReviewQueue, concurrencyFromEnv } from './in-process-review-queue.js';
import { redisQueueSettingsFromEnv } from './redis-queue-settings.js';
import type { ReviewQueue } from './review-queue.js';

/**
 * The queue for this deployment, from the environment: with `REDIS_URL`,
 * BullMQ on that Redis (reviews run in `npm run worker` processes);
 * otherwise the in-process queue with `REVIEW_CONCURRENCY` (default 4).
 */
export function createReviewQueue(log: Logger, env: NodeJS.ProcessEnv = process.env): ReviewQueue {
  const queueLog = log.child({ name: 'review-queue' });
  const redis = redisQueueSettingsFromEnv(env);
  if (redis !== undefined) {
    queueLog.info({ prefix: redis.prefix }, 'review jobs go to Redis (BullMQ); `npm run worker` processes run them');
    return new BullmqReviewQueue({ ...redis, log: queueLog });
  }
  const { concurrency, problem } = concurrencyFromEnv(env.REVIEW_CONCURRENCY);
  if (problem !== undefined) queueLog.warn(problem);
  return new InProcessReviewQueue({ concurrency, log: queueLog });
}
