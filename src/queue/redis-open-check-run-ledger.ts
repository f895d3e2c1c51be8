/**
 * The record of open check runs (see review/open-check-run-ledger.ts) kept
 * in Redis, for queue workers: a worker that dies mid-review leaves its run
 * "in progress", and its job runs again on another worker, which opens a new
 * run. The dead worker's machine may never come back (a replaced container),
 * so its record must be where every worker's sweep can find it. The sweep
 * touches a run only when it is older than twice the review budget, which
 * no live review on any worker reaches, so workers never complete each
 * other's live runs.
 *
 * One hash under the queue's prefix: run id -> the record as JSON.
 */
import type { Redis } from 'ioredis';
import { parseRecord, type OpenCheckRun, type OpenCheckRunLedger } from '../review/open-check-run-ledger.js';
import { reviewQueueKey } from './redis-queue-settings.js';

export class RedisOpenCheckRunLedger implements OpenCheckRunLedger {
  private readonly live = new Set<number>();
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = reviewQueueKey(prefix, 'open-check-runs');
  }

  async opened(run: OpenCheckRun): Promise<void> {
    this.live.add(run.checkRunId);
    // Recovery after a crash is best effort; the review itself must not fail for it.
    await this.redis.hset(this.key, String(run.checkRunId), JSON.stringify(run)).catch(() => undefined);
  }

  async closed(checkRunId: number): Promise<void> {
    this.live.delete(checkRunId);
    await this.redis.hdel(this.key, String(checkRunId)).catch(() => undefined);
  }

  async list(limit: number): Promise<OpenCheckRun[]> {
    let records: Record<string, string>;
    try {
      records = await this.redis.hgetall(this.key);
    } catch {
      return [];
    }
    const runs: OpenCheckRun[] = [];
    for (const [field, text] of Object.entries(records)) {
      const run = parseRecord(text);
      if (run === undefined || String(run.checkRunId) !== field) {
        await this.redis.hdel(this.key, field).catch(() => undefined);
        continue;
      }
      runs.push(run);
    }
    return runs.sort((a, b) => a.openedAt.localeCompare(b.openedAt)).slice(0, limit);
  }

  isLive(checkRunId: number): boolean {
    return this.live.has(checkRunId);
  }
}
