/**
 * Which queue a deployment gets: BullMQ on Redis when REDIS_URL is set
 * (the server then only enqueues), the in-process queue otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Queue } from 'bullmq';
import pino from 'pino';
import { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/index.js';
import { BullmqReviewQueue } from '../../src/queue/bullmq-review-queue.js';
import { createReviewQueue } from '../../src/queue/create-review-queue.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import { DEFAULT_REVIEW_QUEUE_PREFIX, REVIEW_QUEUE_NAME, redisQueueSettingsFromEnv } from '../../src/queue/redis-queue-settings.js';
import type { AnalysisPool } from '../../src/review/analysis-pool.js';
import type { OpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import { pullRequestPayload } from '../app/pull-request-fixtures.js';
import { deleteKeys, TEST_REDIS_URL, uniqueQueuePrefix } from './redis-test-prefix.js';

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

describe('the app with the BullMQ queue (REDIS_URL)', () => {
  it('only enqueues: no review worker, no analysis warm-up, no sweep of its own; the job waits in Redis for a worker', async () => {
    const prefix = uniqueQueuePrefix();
    const queue = new BullmqReviewQueue({ url: TEST_REDIS_URL, prefix });
    const used: string[] = [];
    const ledger: OpenCheckRunLedger = {
      opened: async () => void used.push('ledger.opened'),
      closed: async () => void used.push('ledger.closed'),
      list: async () => (used.push('ledger.list'), []),
      isLive: () => (used.push('ledger.isLive'), false),
    };
    const pool = {
      size: 1,
      analyze: () => (used.push('pool.analyze'), Promise.reject(new Error('no analysis in the server'))),
    } as unknown as AnalysisPool;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const probot = new Probot({ appId: 1, privateKey, log: silent });
    const bull = new Queue(REVIEW_QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      await probot.load(createApp({ queue, ledger, analysis: { pool, close: async () => void used.push('analysis.close') }, warmUp: true }));
      const payload = pullRequestPayload('opened', { owner: 'octo-org', repo: 'api', number: 7, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), installationId: 70 });
      await probot.receive({ id: 'delivery-redis', name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
      await queue.close();
      expect(await bull.getWaitingCount()).toBe(1);
      expect(used).toEqual([]);
    } finally {
      await bull.close();
      await deleteKeys(`${prefix}:*`);
    }
  });
});
