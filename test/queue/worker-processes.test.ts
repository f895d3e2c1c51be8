/**
 * Scale-out across processes, against the real Redis: two worker processes
 * (child processes running the real BullmqReviewWorker, see
 * fixtures/counting-worker.ts) share a burst of 40 PR review jobs. Each
 * worker records in Redis every job it starts and completes; the records
 * prove that every job was completed exactly once, also when one worker is
 * killed (SIGKILL, no chance to clean up) in the middle of a job.
 */
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { BullmqReviewQueue } from '../../src/queue/bullmq-review-queue.js';
import { reviewJobId, type ReviewJob } from '../../src/queue/review-queue.js';
import { startNodeProcess, type ChildNodeProcess } from '../e2e/app-process.js';
import { recordKey } from './fixtures/counting-records.js';
import { deleteKeys, TEST_REDIS_URL, uniqueQueuePrefix } from './redis-test-prefix.js';

const BURST = 40;

let prefix: string;
let queue: BullmqReviewQueue;
let redis: Redis;
const workers: ChildNodeProcess[] = [];

beforeEach(() => {
  prefix = uniqueQueuePrefix();
  queue = new BullmqReviewQueue({ url: TEST_REDIS_URL, prefix, idlePollMs: 50 });
  redis = new Redis(TEST_REDIS_URL);
  onTestFailed(() => {
    for (const worker of workers) console.error(`--- worker ${String(worker.pid)} output ---\n${worker.output().slice(-5000)}`);
  });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await queue.close();
  await redis.quit();
  await deleteKeys(`${prefix}:*`);
});

/** A worker process; resolves once it takes jobs. Short locks where the test needs a dead worker's jobs back quickly. */
async function startWorker(name: string, env: Record<string, string> = {}): Promise<ChildNodeProcess> {
  const worker = startNodeProcess('test/queue/fixtures/counting-worker.ts', { REDIS_URL: TEST_REDIS_URL, REVIEW_QUEUE_PREFIX: prefix, WORKER_NAME: name, ...env });
  workers.push(worker);
  const deadline = Date.now() + 30_000;
  while (!worker.output().includes(`${name} ready`)) {
    if (worker.exitCode() !== undefined || Date.now() > deadline) throw new Error(`worker ${name} did not start:\n${worker.output()}`);
    await delay(50);
  }
  return worker;
}

function burst(): ReviewJob[] {
  return Array.from({ length: BURST }, (_, index) => ({
    installationId: 7,
    owner: 'octo-org',
    repo: `service-${index % 5}`,
    pullNumber: 100 + index,
    headSha: `${index}`.padStart(40, 'c'),
    trigger: 'pull_request.opened',
    deliveryId: `delivery-${index}`,
  }));
}

/** `worker job-id` lines recorded by the workers. */
async function records(kind: 'started' | 'completed' | 'given-up'): Promise<{ worker: string; jobId: string }[]> {
  const lines = await redis.lrange(recordKey(prefix, kind), 0, -1);
  return lines.map((line) => {
    const [worker, jobId] = line.split(' ');
    return { worker: worker!, jobId: jobId! };
  });
}

/** Jobs `worker` has started and not completed, once it has at least one. */
async function waitForJobInFlight(worker: string): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const done = new Set((await records('completed')).filter((record) => record.worker === worker).map((record) => record.jobId));
    const inFlight = (await records('started')).filter((record) => record.worker === worker && !done.has(record.jobId)).map((record) => record.jobId);
    if (inFlight.length > 0) return inFlight;
    if (Date.now() > deadline) throw new Error(`${worker} never started a job`);
    await delay(10);
  }
}

async function waitForCompletions(count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await redis.llen(recordKey(prefix, 'completed'))) < count) {
    if (Date.now() > deadline) throw new Error(`only ${await redis.llen(recordKey(prefix, 'completed'))} of ${count} jobs completed`);
    await delay(50);
  }
}

describe('two worker processes on one Redis queue', () => {
  it('share a burst of 40 PR jobs: each job completed exactly once, none lost, both workers busy', async () => {
    await startWorker('alpha', { JOB_MS: '100' });
    await startWorker('beta', { JOB_MS: '100' });
    const jobs = burst();
    const outcomes = await Promise.all(jobs.map((job) => queue.submit(job)));
    expect(outcomes.every((outcome) => outcome.kind === 'queued')).toBe(true);

    await waitForCompletions(BURST);
    await queue.onIdle();
    const completed = await records('completed');
    expect(completed.map((record) => record.jobId).sort()).toEqual(jobs.map(reviewJobId).sort());
    expect(new Set(completed.map((record) => record.jobId)).size).toBe(BURST);
    // A job is started only where it completes: no worker ran a job another one held.
    expect((await records('started')).map((record) => `${record.worker} ${record.jobId}`).sort()).toEqual(completed.map((record) => `${record.worker} ${record.jobId}`).sort());
    expect(new Set(completed.map((record) => record.worker))).toEqual(new Set(['alpha', 'beta']));
    expect(await records('given-up')).toEqual([]);
  }, 90_000);

  it('a worker killed in the middle of a job loses nothing: the other worker completes its jobs, each exactly once', async () => {
    // Short locks so that the dead worker's jobs are found orphaned within seconds (BullMQ's stalled-job check).
    const env = { JOB_MS: '300', LOCK_MS: '3000', STALLED_MS: '1000' };
    // One job at a time in the victim, so that it dies in the middle of that job: a second job could be
    // in the instant between its handler's end and BullMQ's "done", and would rightly run again (at least once).
    const victim = await startWorker('victim', { ...env, CONCURRENCY: '1', JOB_MS: '1000' });
    await startWorker('survivor', env);
    const jobs = burst();
    await Promise.all(jobs.map((job) => queue.submit(job)));

    // Kill the victim while it holds a job it has started and not completed.
    await waitForJobInFlight('victim');
    victim.kill('SIGKILL');
    await victim.exited();
    // What the victim had started and not completed when it died (it may have started one more since the look).
    const interrupted = await waitForJobInFlight('victim');

    await waitForCompletions(BURST);
    await queue.onIdle();
    const completed = await records('completed');
    expect(completed.map((record) => record.jobId).sort()).toEqual(jobs.map(reviewJobId).sort());
    expect(new Set(completed.map((record) => record.jobId)).size).toBe(BURST);
    for (const jobId of interrupted) {
      expect(completed.filter((record) => record.jobId === jobId)).toEqual([{ worker: 'survivor', jobId }]);
    }
    expect(await records('given-up')).toEqual([]);
  }, 120_000);

  it('SIGTERM lets the running jobs finish in the stopping worker; the rest of the burst goes to the other', async () => {
    const stopping = await startWorker('stopping', { JOB_MS: '1000', SHUTDOWN_TIMEOUT_MS: '20000' });
    const jobs = burst();
    await Promise.all(jobs.map((job) => queue.submit(job)));
    const inFlight = await waitForJobInFlight('stopping');
    stopping.kill('SIGTERM');
    await startWorker('other', { JOB_MS: '10' });
    await stopping.exited();
    expect(stopping.exitCode()).toBe(0);

    await waitForCompletions(BURST);
    await queue.onIdle();
    const completed = await records('completed');
    expect(completed.map((record) => record.jobId).sort()).toEqual(jobs.map(reviewJobId).sort());
    for (const jobId of inFlight) expect(completed.filter((record) => record.jobId === jobId)).toEqual([{ worker: 'stopping', jobId }]);
  }, 90_000);

  it('SIGTERM with jobs longer than the shutdown bound hands them back: the other worker completes them, each once', async () => {
    const stopping = await startWorker('stopping', { JOB_MS: '60000', SHUTDOWN_TIMEOUT_MS: '300' });
    const jobs = burst().slice(0, 4);
    await Promise.all(jobs.map((job) => queue.submit(job)));
    const inFlight = await waitForJobInFlight('stopping');
    stopping.kill('SIGTERM');
    await stopping.exited();
    // 1: the bound cut reviews off (they were handed back, not lost).
    expect(stopping.exitCode()).toBe(1);
    // Long locks: only the hand-back, not the stalled-job check, can bring the jobs back within the test.
    await startWorker('other', { JOB_MS: '10', LOCK_MS: '600000', STALLED_MS: '600000' });

    await waitForCompletions(jobs.length);
    await queue.onIdle();
    const completed = await records('completed');
    expect(completed.map((record) => record.jobId).sort()).toEqual(jobs.map(reviewJobId).sort());
    expect(completed.every((record) => record.worker === 'other')).toBe(true);
    for (const jobId of inFlight) expect((await records('started')).filter((record) => record.jobId === jobId).map((record) => record.worker)).toEqual(['stopping', 'other']);
  }, 90_000);
});
