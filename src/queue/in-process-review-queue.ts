/**
 * The default queue: jobs live in this process's memory. Good for one app
 * instance; jobs still queued when the process stops are lost (GitHub's
 * Re-run button and `/security-review` bring them back).
 */
import type { Logger } from 'pino';
import { reviewJobKey, type ReviewJob, type ReviewQueue, type ReviewWorker } from './review-queue.js';

export const DEFAULT_REVIEW_CONCURRENCY = 4;
/** Delivery ids remembered to drop redeliveries; GitHub redelivers within hours, and 10,000 ids cost under 1 MB. */
const REMEMBERED_DELIVERIES = 10_000;
const MAX_REVIEW_CONCURRENCY = 64;

type QueueLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface InProcessReviewQueueOptions {
  /** Reviews running at once; each holds file contents and syntax trees in memory. */
  concurrency?: number;
  log?: QueueLog;
}

/**
 * Reads `REVIEW_CONCURRENCY`: a whole number from 1 to 64, else the default
 * (with the reason, so a typo in the deployment is visible in the log).
 */
export function concurrencyFromEnv(value: string | undefined): { concurrency: number; problem?: string } {
  if (value === undefined || value.trim() === '') return { concurrency: DEFAULT_REVIEW_CONCURRENCY };
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > MAX_REVIEW_CONCURRENCY) {
    return {
      concurrency: DEFAULT_REVIEW_CONCURRENCY,
      problem: `REVIEW_CONCURRENCY=${JSON.stringify(value)} is not a whole number from 1 to ${MAX_REVIEW_CONCURRENCY}; using ${DEFAULT_REVIEW_CONCURRENCY}`,
    };
  }
  return { concurrency: parsed };
}

/**
 * Bounded concurrency, one job per PR key at a time, newest head wins:
 * - a job whose PR already has a queued job replaces it in place (the older
 *   head is superseded: reviewing it would only be overwritten);
 * - a redelivered webhook (a delivery id already taken) is dropped;
 * - a job equal to a queued or running one (same PR and head sha) is dropped,
 *   which absorbs webhook redeliveries and double clicks;
 * - a PR whose review is running gets its next job queued, started when the
 *   running one ends, so two reviews never post on one PR at once.
 */
export class InProcessReviewQueue implements ReviewQueue {
  private readonly concurrency: number;
  private readonly log: QueueLog | undefined;
  private readonly waiting: ReviewJob[] = [];
  private readonly running = new Map<string, ReviewJob>();
  private readonly idleWaiters: (() => void)[] = [];
  private worker: ReviewWorker | undefined;
  private closed = false;
  /** Delivery id + job key of accepted jobs, oldest first (a Set keeps insertion order). */
  private readonly deliveries = new Set<string>();

  constructor(options: InProcessReviewQueueOptions = {}) {
    const requested = options.concurrency ?? DEFAULT_REVIEW_CONCURRENCY;
    this.concurrency = Number.isInteger(requested) && requested >= 1 ? Math.min(requested, MAX_REVIEW_CONCURRENCY) : DEFAULT_REVIEW_CONCURRENCY;
    this.log = options.log;
  }

  start(worker: ReviewWorker): void {
    this.worker = worker;
    this.pump();
  }

  enqueue(job: ReviewJob): void {
    const key = reviewJobKey(job);
    const fields = { job: key, headSha: job.headSha, trigger: job.trigger, deliveryId: job.deliveryId };
    if (this.closed) {
      this.log?.warn(fields, 'review queue is closed; job not accepted');
      return;
    }
    // Per PR: one delivery (a check suite re-requested) may ask for the reviews of several PRs.
    const delivery = job.deliveryId === undefined ? undefined : `${job.deliveryId} ${key}`;
    if (delivery !== undefined && this.deliveries.has(delivery)) {
      // A redelivery (GitHub's automatic one, or "Redeliver" in the app settings) of an event already taken:
      // its review ran or is running. A re-run on purpose comes as a new delivery (`/security-review`, Re-run).
      this.log?.info(fields, 'webhook delivery already taken; job dropped');
      return;
    }
    if (delivery !== undefined) this.remember(delivery);
    if (this.running.get(key)?.headSha === job.headSha) {
      this.log?.debug(fields, 'the same review is already running; job dropped');
      return;
    }
    const queuedAt = this.waiting.findIndex((queued) => reviewJobKey(queued) === key);
    if (queuedAt >= 0) {
      const queued = this.waiting[queuedAt];
      if (queued.headSha === job.headSha) {
        // The later event's description of the PR (its comment counts: a waiver just written) is the fresher one.
        this.waiting[queuedAt] = job;
        this.log?.debug(fields, 'the same review is already queued; the newer event replaces it');
        return;
      }
      this.waiting[queuedAt] = job;
      this.log?.info({ ...fields, supersededSha: queued.headSha }, 'queued review superseded by a newer head');
    } else {
      this.waiting.push(job);
    }
    this.pump();
  }

  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.closed = true;
    return this.onIdle();
  }

  /** Jobs waiting to start, for tests and metrics. */
  get size(): number {
    return this.waiting.length;
  }

  /** Jobs running now. */
  get pending(): number {
    return this.running.size;
  }

  private remember(deliveryId: string): void {
    this.deliveries.add(deliveryId);
    if (this.deliveries.size > REMEMBERED_DELIVERIES) this.deliveries.delete(this.deliveries.values().next().value as string);
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.running.size === 0;
  }

  private pump(): void {
    const worker = this.worker;
    if (worker === undefined) return;
    let index = 0;
    while (this.running.size < this.concurrency && index < this.waiting.length) {
      const job = this.waiting[index];
      const key = reviewJobKey(job);
      if (this.running.has(key)) {
        index++;
        continue;
      }
      this.waiting.splice(index, 1);
      this.run(key, job, worker);
    }
  }

  private run(key: string, job: ReviewJob, worker: ReviewWorker): void {
    this.running.set(key, job);
    // Started on the next turn of the event loop, not in a microtask: the webhook that enqueued the job is
    // answered first. A microtask would run the job's synchronous start (a logger, an Octokit with its
    // plugins and endpoint methods, the token request) before Probot writes the acknowledgement, and a burst
    // of deliveries would pay for each other's. A worker that throws synchronously must not escape either.
    new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => worker(job))
      .catch((error: unknown) => this.log?.error({ err: error, job: key, headSha: job.headSha }, 'review job failed'))
      .finally(() => {
        this.running.delete(key);
        this.pump();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }
}
