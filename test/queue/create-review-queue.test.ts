/**
 * Which queue a deployment gets: BullMQ on Redis when REDIS_URL is set
 * (the server then only enqueues), the in-process queue otherwise.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BullmqReviewQueue } from '../../src/queue/bullmq-review-queue.js';
import { createReviewQueue } from '../../src/queue/create-review-queue.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import { DEFAULT_REVIEW_QUEUE_PREFIX, redisQueueSettingsFromEnv } from '../../src/queue/redis-queue-settings.js';
import { TEST_REDIS_URL } from './redis-test-prefix.js';

const silent = pino({ level: 'silent' });

describe('createReviewQueue', () => {
  it('is the in-process queue without REDIS_URL (or with an empty one)', async () => {
    for (const env of [{}, { REDIS_URL: '  ' }]) {
      const queue = createReviewQueue(silent, env);
      expect(queue).toBeInstanceOf(InProcessReviewQueue);
      await queue.close();
    }
  });

  it('is the BullMQ queue on that Redis with REDIS_URL', async () => {
    const queue = createReviewQueue(silent, { REDIS_URL: TEST_REDIS_URL });
    expect(queue).toBeInstanceOf(BullmqReviewQueue);
    await queue.close();
  });
});

describe('redisQueueSettingsFromEnv', () => {
  it("reads REDIS_URL and REVIEW_QUEUE_PREFIX, BullMQ's own prefix by default", () => {
    expect(redisQueueSettingsFromEnv({})).toBeUndefined();
    expect(redisQueueSettingsFromEnv({ REDIS_URL: 'redis://redis:6379/0' })).toEqual({ url: 'redis://redis:6379/0', prefix: DEFAULT_REVIEW_QUEUE_PREFIX });
    expect(redisQueueSettingsFromEnv({ REDIS_URL: 'redis://redis:6379/0', REVIEW_QUEUE_PREFIX: 'staging' })).toEqual({ url: 'redis://redis:6379/0', prefix: 'staging' });
  });
});
