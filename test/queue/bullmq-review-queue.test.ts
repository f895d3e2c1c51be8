/**
 * The Redis-backed queue against the real Redis: the in-process queue's
 * promises (duplicates collapse, redeliveries dropped, newest head wins)
 * kept across processes, retries with backoff, the final failure reported,
 * and shutdown finishing or handing back what runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullmqReviewQueue } from '../../src/queue/bullmq-review-queue.js';
import { BullmqReviewWorker, type ReviewJobHandler } from '../../src/queue/bullmq-review-worker.js';
import { REVIEW_QUEUE_NAME, reviewQueueKey } from '../../src/queue/redis-queue-settings.js';
import { reviewJobId, reviewJobKey, type ReviewJob } from '../../src/queue/review-queue.js';
import { deleteKeys, TEST_REDIS_URL, uniqueQueuePrefix } from './redis-test-prefix.js';
import { waitFor } from '../support/fake-github/index.js';

function job(pullNumber: number, headSha: string, deliveryId?: string): ReviewJob {
  return { installationId: 1, owner: 'Codertocat', repo: 'Hello-World', pullNumber, headSha, trigger: 'pull_request.synchronize', deliveryId };
}

/** A handler that records each attempt; `behaviour` decides how an attempt ends. */
function recordingHandler(behaviour: (job: ReviewJob, attempt: number) => Promise<void> = async () => undefined) {
  const runs: string[] = [];
  const gaveUp: { jobId: string; reason: string; attempts: number }[] = [];
  const handler: ReviewJobHandler = {
    async run(current) {
      runs.push(reviewJobId(current));
      await behaviour(current, runs.filter((id) => id === reviewJobId(current)).length);
    },
    async giveUp(current, reason, attempts) {
      gaveUp.push({ jobId: reviewJobId(current), reason, attempts });
    },
  };
  return { handler, runs, gaveUp };
}

/** A promise the test settles. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

let prefix: string;
let queue: BullmqReviewQueue;
const workers: BullmqReviewWorker[] = [];

function startWorker(handler: ReviewJobHandler, concurrency = 2): Promise<BullmqReviewWorker> {
  const worker = new BullmqReviewWorker({ url: TEST_REDIS_URL, prefix, handler, concurrency, lockDurationMs: 5_000, stalledIntervalMs: 1_000 });
  workers.push(worker);
  return worker.start().then(() => worker);
}

beforeEach(() => {
  prefix = uniqueQueuePrefix();
  queue = new BullmqReviewQueue({ url: TEST_REDIS_URL, prefix, attempts: 3, backoffMs: 10, idlePollMs: 20 });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close()));
  await queue.close();
  await deleteKeys(`${prefix}:*`);
});

describe('BullmqReviewQueue', () => {
  it('collapses a duplicate of a waiting review into it: one job, one run', async () => {
    expect(await queue.submit(job(2, 'a1'))).toEqual({ kind: 'queued', jobId: 'codertocat/hello-world#2@a1' });
    expect(await queue.submit(job(2, 'a1'))).toEqual({ kind: 'duplicate', jobId: 'codertocat/hello-world#2@a1' });
    const { handler, runs } = recordingHandler();
    await startWorker(handler);
    await queue.onIdle();
    expect(runs).toEqual(['codertocat/hello-world#2@a1']);
  });

  it('drops a redelivered webhook even after its review finished, and runs a new delivery of the same head (a re-run)', async () => {
    const { handler, runs } = recordingHandler();
    await startWorker(handler);
    expect((await queue.submit(job(2, 'a1', 'delivery-1'))).kind).toBe('queued');
    await queue.onIdle();
    expect((await queue.submit(job(2, 'a1', 'delivery-1'))).kind).toBe('redelivery');
    expect((await queue.submit(job(2, 'a1', 'delivery-2'))).kind).toBe('queued');
    await queue.onIdle();
    expect(runs).toEqual(['codertocat/hello-world#2@a1', 'codertocat/hello-world#2@a1']);
  });

  it('a redelivery taken by another replica (another producer on the same Redis) is dropped too', async () => {
    const replica = new BullmqReviewQueue({ url: TEST_REDIS_URL, prefix });
    try {
      expect((await queue.submit(job(2, 'a1', 'delivery-1'))).kind).toBe('queued');
      expect((await replica.submit(job(2, 'a1', 'delivery-1'))).kind).toBe('redelivery');
    } finally {
      await replica.close();
    }
  });

  it('a newer head removes the waiting job of the older head; only the newest is reviewed', async () => {
    await queue.submit(job(2, 'a1'));
    expect(await queue.submit(job(2, 'b2'))).toEqual({ kind: 'queued', jobId: 'codertocat/hello-world#2@b2', supersededJobId: 'codertocat/hello-world#2@a1' });
    // Another PR is not touched.
    await queue.submit(job(3, 'c3'));
    const { handler, runs } = recordingHandler();
    await startWorker(handler);
    await queue.onIdle();
    expect(runs.sort()).toEqual(['codertocat/hello-world#2@b2', 'codertocat/hello-world#3@c3']);
  });

  it('a worker skips a job whose PR got a newer head after it was queued (the producer could not remove it in time)', async () => {
    await queue.submit(job(2, 'a1'));
    // What a replica receiving the push writes first; its removal of the older job has not happened yet.
    const redis = new Redis(TEST_REDIS_URL);
    await redis.set(reviewQueueKey(prefix, 'head', reviewJobKey(job(2, 'a1'))), 'b2');
    await redis.quit();
    const { handler, runs } = recordingHandler();
    await startWorker(handler);
    await queue.onIdle();
    expect(runs).toEqual([]);
  });

  it('retries a failed attempt with backoff and stops at the first success', async () => {
    const { handler, runs, gaveUp } = recordingHandler(async (_job, attempt) => {
      if (attempt < 3) throw new Error(`GitHub answered 502 (attempt ${attempt})`);
    });
    await startWorker(handler);
    await queue.submit(job(2, 'a1'));
    await queue.onIdle();
    expect(runs).toEqual(['codertocat/hello-world#2@a1', 'codertocat/hello-world#2@a1', 'codertocat/hello-world#2@a1']);
    expect(gaveUp).toEqual([]);
  });

  it('a job that fails every attempt is given up once, with the last reason and the number of attempts', async () => {
    const { handler, runs, gaveUp } = recordingHandler(async (_job, attempt) => {
      throw new Error(`cannot create the check run: GitHub answered 503 (attempt ${attempt})`);
    });
    await startWorker(handler);
    await queue.submit(job(2, 'a1'));
    await queue.onIdle();
    expect(runs).toHaveLength(3);
    expect(gaveUp).toEqual([{ jobId: 'codertocat/hello-world#2@a1', reason: 'cannot create the check run: GitHub answered 503 (attempt 3)', attempts: 3 }]);
    // Failed jobs are removed: a later re-run of the same head is accepted.
    expect((await queue.submit(job(2, 'a1', 'rerun'))).kind).toBe('queued');
  });

  it('close() lets a running review finish before it resolves', async () => {
    const release = gate();
    const started = gate();
    const events: string[] = [];
    const { handler } = recordingHandler(async () => {
      started.open();
      await release.opened;
      events.push('review finished');
    });
    const worker = await startWorker(handler);
    await queue.submit(job(2, 'a1'));
    await started.opened;
    const closed = worker.close().then(() => events.push('worker closed'));
    release.open();
    await closed;
    expect(events).toEqual(['review finished', 'worker closed']);
    expect(await bullQueueState(reviewJobId(job(2, 'a1')))).toBe('unknown');
  });

  it('requeueInFlight hands a running job back at once: another worker runs it', async () => {
    const started = gate();
    const never = gate();
    const first = recordingHandler(async () => {
      started.open();
      await never.opened;
    });
    const stopping = await startWorker(first.handler);
    await queue.submit(job(2, 'a1'));
    await started.opened;
    expect(stopping.running).toBe(1);
    // As at a shutdown that ran out of time: the worker is closing (takes no new job) when it hands back.
    const closed = stopping.close();
    expect(await stopping.requeueInFlight()).toBe(1);
    expect(await bullQueueState(reviewJobId(job(2, 'a1')))).toBe('waiting');

    const second = recordingHandler();
    await startWorker(second.handler);
    await waitFor(() => second.runs.length === 1, { description: 'the handed-back job to run in the other worker' });
    expect(second.runs).toEqual(['codertocat/hello-world#2@a1']);
    // The abandoned review ends; its worker's close completes (its late completion is refused: the lock is gone).
    never.open();
    await closed;
    await queue.onIdle();
    expect(first.runs).toEqual(['codertocat/hello-world#2@a1']);
  });
});

async function bullQueueState(jobId: string): Promise<string> {
  const bull = new Queue(REVIEW_QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  try {
    return await bull.getJobState(jobId);
  } finally {
    await bull.close();
  }
}
