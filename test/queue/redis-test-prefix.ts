/**
 * The queue tests use the machine's real Redis (127.0.0.1:6379; `.ci/run`
 * starts one if it does not answer). Each test run keeps its keys under a
 * prefix of its own and deletes them afterwards, so runs never see each
 * other's jobs.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueQueuePrefix(): string {
  return `asr-test-${randomUUID()}`;
}

/** Deletes every key under `prefix:` (BullMQ's and ours). */
export async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
