/**
 * The in-process queue's promises: newest head wins, duplicates are dropped,
 * at most N reviews at once and one per PR, onIdle means idle.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REVIEW_CONCURRENCY, InProcessReviewQueue, concurrencyFromEnv } from '../../src/queue/in-process-review-queue.js';
import { reviewJobKey, type ReviewJob } from '../../src/queue/review-queue.js';

function job(pullNumber: number, headSha: string, repo = 'Hello-World'): ReviewJob {
  return { installationId: 1, owner: 'Codertocat', repo, pullNumber, headSha, trigger: 'pull_request.synchronize' };
}

/** A worker whose jobs finish when the test says so. */
function controlledWorker() {
  const started: ReviewJob[] = [];
  const finishers = new Map<string, () => void>();
  let running = 0;
  let maxRunning = 0;
  const worker = (current: ReviewJob) =>
    new Promise<void>((resolve) => {
      started.push(current);
      running++;
      maxRunning = Math.max(maxRunning, running);
      finishers.set(`${reviewJobKey(current)}@${current.headSha}`, () => {
        running--;
        resolve();
      });
    });
  return {
    worker,
    started,
    get maxRunning() {
      return maxRunning;
    },
    finish(finished: ReviewJob) {
      const finisher = finishers.get(`${reviewJobKey(finished)}@${finished.headSha}`);
      if (finisher === undefined) throw new Error(`job ${reviewJobKey(finished)}@${finished.headSha} is not running`);
      finisher();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('InProcessReviewQueue', () => {
  it('a newer head replaces the queued job of the same PR (superseded)', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 1 });
    const control = controlledWorker();
    queue.start(control.worker);
    queue.enqueue(job(1, 'a1')); // starts at once
    queue.enqueue(job(2, 'b1')); // waits
    queue.enqueue(job(2, 'b2')); // supersedes b1
    await tick();
    expect(queue.size).toBe(1);

    control.finish(job(1, 'a1'));
    await tick();
    control.finish(job(2, 'b2'));
    await queue.onIdle();

    expect(control.started.map((started) => started.headSha)).toEqual(['a1', 'b2']);
  });

  it('drops a job equal to a queued or a running one (redeliveries)', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 1 });
    const control = controlledWorker();
    queue.start(control.worker);
    queue.enqueue(job(1, 'a1'));
    await tick();
    queue.enqueue(job(1, 'a1')); // running: dropped
    queue.enqueue(job(2, 'b1'));
    queue.enqueue(job(2, 'b1')); // queued: dropped
    expect(queue.size).toBe(1);

    control.finish(job(1, 'a1'));
    await tick();
    control.finish(job(2, 'b1'));
    await queue.onIdle();

    expect(control.started.map((started) => `${started.pullNumber}@${started.headSha}`)).toEqual(['1@a1', '2@b1']);
  });

  it('drops a redelivered webhook even after its review finished; a new delivery for the same head runs', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 2 });
    const control = controlledWorker();
    queue.start(control.worker);
    const first = { ...job(1, 'a1'), deliveryId: 'd-1' };
    queue.enqueue(first);
    await tick();
    control.finish(first);
    await queue.onIdle();

    queue.enqueue({ ...job(1, 'a1'), deliveryId: 'd-1' }); // GitHub's redelivery: dropped
    expect(queue.size + queue.pending).toBe(0);
    const rerun = { ...job(1, 'a1'), deliveryId: 'd-2', trigger: 'issue_comment.created' };
    queue.enqueue(rerun); // `/security-review`: a new delivery, reviewed again
    await tick();
    control.finish(rerun);
    await queue.onIdle();
    expect(control.started.map((started) => started.deliveryId)).toEqual(['d-1', 'd-2']);
  });

  it('one delivery may ask for the reviews of several PRs (a re-requested check suite): each runs', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 2 });
    const control = controlledWorker();
    queue.start(control.worker);
    queue.enqueue({ ...job(1, 'a1'), deliveryId: 'suite' });
    queue.enqueue({ ...job(2, 'a1'), deliveryId: 'suite' });
    await tick();
    expect(queue.pending).toBe(2);
    control.finish(job(1, 'a1'));
    control.finish(job(2, 'a1'));
    await queue.onIdle();
  });

  it('runs a newer head of a PR after the running review of that PR, never beside it', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 4 });
    const control = controlledWorker();
    queue.start(control.worker);
    queue.enqueue(job(1, 'a1'));
    await tick();
    queue.enqueue(job(1, 'a2'));
    await tick();
    expect(control.started.map((started) => started.headSha)).toEqual(['a1']);

    control.finish(job(1, 'a1'));
    await tick();
    expect(control.started.map((started) => started.headSha)).toEqual(['a1', 'a2']);
    control.finish(job(1, 'a2'));
    await queue.onIdle();
  });

  it('never runs more than `concurrency` reviews at once, and runs them all', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 3 });
    const control = controlledWorker();
    queue.start(control.worker);
    const jobs = Array.from({ length: 10 }, (_, i) => job(i + 1, `sha${i}`));
    for (const queued of jobs) queue.enqueue(queued);
    await tick();
    expect(queue.pending).toBe(3);

    for (const queued of jobs) {
      await tick();
      control.finish(queued);
    }
    await queue.onIdle();

    expect(control.started).toHaveLength(10);
    expect(control.maxRunning).toBe(3);
  });

  it('onIdle resolves at once when idle, and only once every job has finished otherwise', async () => {
    const queue = new InProcessReviewQueue();
    await expect(queue.onIdle()).resolves.toBeUndefined();

    const control = controlledWorker();
    queue.start(control.worker);
    queue.enqueue(job(1, 'a1'));
    let idle = false;
    const waiting = queue.onIdle().then(() => {
      idle = true;
    });
    await tick();
    expect(idle).toBe(false);
    control.finish(job(1, 'a1'));
    await waiting;
    expect(idle).toBe(true);
  });

  it('jobs enqueued before the worker is registered wait for it', async () => {
    const queue = new InProcessReviewQueue();
    const seen: string[] = [];
    queue.enqueue(job(1, 'a1'));
    await tick();
    queue.start(async (started) => {
      seen.push(started.headSha);
    });
    await queue.onIdle();
    expect(seen).toEqual(['a1']);
  });

  it('a worker that throws or rejects does not stop the queue', async () => {
    const errors: unknown[] = [];
    const queue = new InProcessReviewQueue({ concurrency: 1, log: { debug() {}, info() {}, warn() {}, error: (fields: unknown) => errors.push(fields) } as never });
    const seen: number[] = [];
    queue.start((started) => {
      seen.push(started.pullNumber);
      if (started.pullNumber === 1) throw new Error('sync crash');
      if (started.pullNumber === 2) return Promise.reject(new Error('async crash'));
      return Promise.resolve();
    });
    queue.enqueue(job(1, 'a'));
    queue.enqueue(job(2, 'b'));
    queue.enqueue(job(3, 'c'));
    await queue.onIdle();
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toHaveLength(2);
  });

  it('close lets accepted jobs finish and refuses new ones', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 1 });
    const seen: string[] = [];
    queue.start(async (started) => {
      seen.push(started.headSha);
    });
    queue.enqueue(job(1, 'a1'));
    queue.enqueue(job(2, 'b1'));
    const closed = queue.close();
    queue.enqueue(job(3, 'c1'));
    await closed;
    expect(seen).toEqual(['a1', 'b1']);
  });

  it('keys a PR case-insensitively: GitHub names are', () => {
    expect(reviewJobKey(job(5, 'x', 'Hello-World'))).toBe(reviewJobKey({ owner: 'codertocat', repo: 'hello-world', pullNumber: 5 }));
  });
});

describe('concurrencyFromEnv', () => {
  it.each([
    [undefined, DEFAULT_REVIEW_CONCURRENCY, false],
    ['', DEFAULT_REVIEW_CONCURRENCY, false],
    ['8', 8, false],
    ['0', DEFAULT_REVIEW_CONCURRENCY, true],
    ['2.5', DEFAULT_REVIEW_CONCURRENCY, true],
    ['lots', DEFAULT_REVIEW_CONCURRENCY, true],
    ['1000', DEFAULT_REVIEW_CONCURRENCY, true],
  ])('REVIEW_CONCURRENCY=%j gives %i', (value, expected, hasProblem) => {
    const parsed = concurrencyFromEnv(value);
    expect(parsed.concurrency).toBe(expected);
    expect(parsed.problem !== undefined).toBe(hasProblem);
  });
});
