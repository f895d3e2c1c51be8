/**
 * The producer side of the Redis-backed queue (REDIS_URL set): the webhook
 * server puts review jobs into BullMQ, and `npm run worker` processes, any
 * number of them on any machine, run them (bullmq-review-worker.ts).
 *
 * The in-process queue's promises, kept across processes:
 * - the BullMQ job id is (repo, PR, head sha): a duplicate of a queued or
 *   running review collapses into it (BullMQ ignores an add whose id exists);
 * - a webhook delivery id already taken is dropped (remembered for a day in
 *   Redis, so a redelivery that lands on another replica is dropped too);
 * - a newer head of a PR supersedes the older: the PR's newest head is kept in
 *   Redis, the older job is removed if it is still waiting, and a worker that
 *   picks up a job whose head is no longer the newest skips it. An older review
 *   already running is abandoned by the review's own re-check of the head.
 *
 * Finished jobs are removed, so a deliberate re-run of the same head (Re-run
 * button, `/security-review`: a new delivery) is accepted again.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { reviewJobId, reviewJobKey, type ReviewJob, type ReviewQueue } from './review-queue.js';
import {
  connectRedis,
  DELIVERY_MEMORY_SECONDS,
  HEAD_MEMORY_SECONDS,
  REVIEW_JOB_ATTEMPTS,
  REVIEW_JOB_BACKOFF_MS,
  REVIEW_QUEUE_NAME,
  reviewQueueKey,
  type RedisQueueSettings,
} from './redis-queue-settings.js';

type QueueLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** What became of one submitted job. */
export type SubmitOutcome =
  | { kind: 'queued'; jobId: string; supersededJobId?: string }
  /** The same review (repo, PR, head) is already waiting or running. */
  | { kind: 'duplicate'; jobId: string }
  /** This webhook delivery was taken before (by this or another replica). */
  | { kind: 'redelivery'; jobId: string }
  | { kind: 'refused'; jobId: string };

export interface BullmqReviewQueueOptions extends RedisQueueSettings {
  log?: QueueLog;
  /** Attempts and backoff of each job; the defaults of redis-queue-settings.ts when absent (tests shorten them). */
  attempts?: number;
  backoffMs?: number;
  /** Milliseconds between polls of the job counts in `onIdle`. */
  idlePollMs?: number;
}

export class BullmqReviewQueue implements ReviewQueue {
  private readonly redis: Redis;
  private readonly queue: Queue<ReviewJob>;
  private readonly prefix: string;
  private readonly log: QueueLog | undefined;
  private readonly jobOptions: JobsOptions;
  private readonly idlePollMs: number;
  /** Submissions under way: `enqueue` returns before Redis answers, `onIdle` and `close` wait for them. */
  private readonly submitting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: BullmqReviewQueueOptions) {
    this.prefix = options.prefix;
    this.log = options.log;
    this.idlePollMs = options.idlePollMs ?? 100;
    this.redis = connectRedis(options.url);
    this.redis.on('error', (error) => this.log?.warn({ err: error }, 'review queue: Redis connection error'));
    this.queue = new Queue<ReviewJob>(REVIEW_QUEUE_NAME, { connection: this.redis, prefix: this.prefix });
    this.queue.on('error', (error) => this.log?.warn({ err: error }, 'review queue: BullMQ error'));
    this.jobOptions = {
      attempts: options.attempts ?? REVIEW_JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: options.backoffMs ?? REVIEW_JOB_BACKOFF_MS },
      // Gone once done: a kept job would make BullMQ ignore a deliberate re-run of the same head.
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  /** Jobs run in `npm run worker` processes, not in the webhook server. */
  start(): void {}

  enqueue(job: ReviewJob): void {
    const submission = this.submit(job)
      .catch((error: unknown) => {
        this.log?.error({ err: error, job: reviewJobId(job), deliveryId: job.deliveryId }, 'could not put the review job into Redis; it is lost (Re-run brings it back)');
      })
      .finally(() => this.submitting.delete(submission));
    this.submitting.add(submission);
  }

  /** `enqueue`, awaited: what happened to the job. Throws when Redis fails. */
  async submit(job: ReviewJob): Promise<SubmitOutcome> {
    const key = reviewJobKey(job);
    const jobId = reviewJobId(job);
    const fields = { job: jobId, trigger: job.trigger, deliveryId: job.deliveryId };
    if (this.closed) {
      this.log?.warn(fields, 'review queue is closed; job not accepted');
      return { kind: 'refused', jobId };
    }
    // Per PR: one delivery (a check suite re-requested) may ask for the reviews of several PRs.
    const deliveryKey = job.deliveryId === undefined ? undefined : reviewQueueKey(this.prefix, 'delivery', job.deliveryId, key);
    if (deliveryKey !== undefined && (await this.redis.set(deliveryKey, '1', 'EX', DELIVERY_MEMORY_SECONDS, 'NX')) === null) {
      this.log?.info(fields, 'webhook delivery already taken; job dropped');
      return { kind: 'redelivery', jobId };
    }
    try {
      return await this.add(job, jobId, fields);
    } catch (error) {
      // Not taken after all: GitHub's redelivery of this delivery must get through.
      if (deliveryKey !== undefined) await this.redis.del(deliveryKey).catch(() => undefined);
      throw error;
    }
  }

  private async add(job: ReviewJob, jobId: string, fields: Record<string, unknown>): Promise<SubmitOutcome> {
    const key = reviewJobKey(job);
    const previousHead = await this.redis.set(reviewQueueKey(this.prefix, 'head', key), job.headSha.toLowerCase(), 'EX', HEAD_MEMORY_SECONDS, 'GET');
    // Only to tell a duplicate apart in the log and the outcome; the add below is what collapses it, atomically.
    const existed = (await this.queue.getJobState(jobId)) !== 'unknown';
    await this.queue.add('review', job, { ...this.jobOptions, jobId });
    if (existed) {
      this.log?.debug(fields, 'the same review is already queued or running; job dropped');
      return { kind: 'duplicate', jobId };
    }
    if (previousHead !== null && previousHead !== job.headSha.toLowerCase()) {
      const supersededJobId = reviewJobId({ ...job, headSha: previousHead });
      // 0 when it is running (locked) or already gone; a running one abandons itself at its head re-check.
      const removed = await this.queue.remove(supersededJobId);
      if (removed === 1) {
        this.log?.info({ ...fields, supersededJobId }, 'queued review superseded by a newer head');
        return { kind: 'queued', jobId, supersededJobId };
      }
    }
    this.log?.debug(fields, 'review job queued');
    return { kind: 'queued', jobId };
  }

  /** Resolves when no review job is waiting, delayed (backoff) or running in any worker. */
  async onIdle(): Promise<void> {
    await this.flush();
    for (;;) {
      const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).every((count) => count === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, this.idlePollMs));
    }
  }

  /**
   * Accepts no more jobs, hands over those still being submitted, and
   * disconnects. Jobs already in Redis stay there for the workers: the
   * server has nothing of its own to drain.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.queue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async flush(): Promise<void> {
    while (this.submitting.size > 0) await Promise.allSettled([...this.submitting]);
  }
}
