/**
 * The consumer side of the Redis-backed queue: what `npm run worker` runs.
 * Any number of these processes share the jobs; BullMQ gives each job to one
 * worker at a time (a lock it renews while the job runs).
 *
 * - A worker that dies mid-job (crash, SIGKILL, lost machine) stops renewing
 *   the lock; another worker's stalled-job check puts the job back in the
 *   queue and it runs again (at most `maxStalledCount` times).
 * - A job whose PR has a newer head by the time it starts is skipped.
 * - A failed attempt is retried with exponential backoff; the last failed
 *   attempt hands the job to `giveUp`, which completes its check run
 *   `neutral` with the reason.
 * - `close` (SIGTERM) takes no new job and lets the running ones finish;
 *   `requeueInFlight` puts the ones that did not finish in time back into the
 *   queue at once, for another worker.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { reviewJobId, reviewJobKey, type ReviewJob } from './review-queue.js';
import {
  connectRedis,
  REVIEW_JOB_LOCK_MS,
  REVIEW_JOB_MAX_STALLED,
  REVIEW_QUEUE_NAME,
  reviewQueueKey,
  type RedisQueueSettings,
} from './redis-queue-settings.js';

type WorkerLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** What a worker does with one job. */
export interface ReviewJobHandler {
  /** One attempt. A rejection is a failed attempt: retried while attempts remain. */
  run(job: ReviewJob): Promise<void>;
  /** The last attempt failed: report it where the PR's author sees it. Never throws. */
  giveUp(job: ReviewJob, reason: string, attempts: number): Promise<void>;
}

export interface BullmqReviewWorkerOptions extends RedisQueueSettings {
  handler: ReviewJobHandler;
  /** Jobs this process runs at once. */
  concurrency: number;
  log?: WorkerLog;
  /** BullMQ's lock and stalled-job check; tests shorten them to see a killed worker's job recovered quickly. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
}

/** How a job ended in this worker, for the log and tests. */
export type JobResult = 'reviewed' | 'superseded';

export class BullmqReviewWorker {
  private readonly redis: Redis;
  private readonly worker: Worker<ReviewJob, JobResult>;
  private readonly handler: ReviewJobHandler;
  private readonly prefix: string;
  private readonly log: WorkerLog | undefined;
  /** Jobs running now, with the lock token that lets this worker hand them back. */
  private readonly inFlight = new Map<string, { job: Job<ReviewJob, JobResult>; token: string | undefined }>();

  constructor(options: BullmqReviewWorkerOptions) {
    this.handler = options.handler;
    this.prefix = options.prefix;
    this.log = options.log;
    this.redis = connectRedis(options.url);
    this.redis.on('error', (error) => this.log?.warn({ err: error }, 'review worker: Redis connection error'));
    const lockDuration = options.lockDurationMs ?? REVIEW_JOB_LOCK_MS;
    this.worker = new Worker<ReviewJob, JobResult>(REVIEW_QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.redis,
      prefix: this.prefix,
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? lockDuration / 2,
      maxStalledCount: options.maxStalledCount ?? REVIEW_JOB_MAX_STALLED,
      autorun: false,
    });
    this.worker.on('error', (error) => this.log?.warn({ err: error }, 'review worker: BullMQ error'));
    this.worker.on('stalled', (jobId) => this.log?.warn({ job: jobId }, 'a review job was orphaned by a worker that stopped; it is queued again'));
  }

  /** Starts taking jobs; resolves once connected to Redis. */
  async start(): Promise<void> {
    void this.worker.run().catch((error: unknown) => this.log?.error({ err: error }, 'review worker stopped'));
    await this.worker.waitUntilReady();
  }

  /** Takes no new job, waits for the running ones, disconnects. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /**
   * Puts every job still running here back into the queue (shutdown ran out
   * of time): another worker starts it at once instead of after the lock
   * expires. Their reviews here are abandoned with the process.
   */
  async requeueInFlight(): Promise<number> {
    let requeued = 0;
    for (const { job, token } of this.inFlight.values()) {
      try {
        await job.moveToWait(token);
        requeued++;
        this.log?.info({ job: job.id }, 'review job handed back to the queue at shutdown');
      } catch (error) {
        this.log?.warn({ err: error, job: job.id }, 'could not hand a review job back; it is picked up once its lock expires');
      }
    }
    return requeued;
  }

  /** Jobs running in this worker now. */
  get running(): number {
    return this.inFlight.size;
  }

  private async process(job: Job<ReviewJob, JobResult>, token: string | undefined): Promise<JobResult> {
    const review = job.data;
    const newestHead = await this.redis.get(reviewQueueKey(this.prefix, 'head', reviewJobKey(review)));
    if (newestHead !== null && newestHead !== review.headSha.toLowerCase()) {
      this.log?.info({ job: job.id, newestHead }, 'review job superseded by a newer head before it started; skipped');
      return 'superseded';
    }
    const id = job.id ?? reviewJobId(review);
    this.inFlight.set(id, { job, token });
    try {
      await this.handler.run(review);
      return 'reviewed';
    } catch (error) {
      const attempts = job.attemptsMade + 1;
      const last = error instanceof UnrecoverableError || attempts >= (job.opts.attempts ?? 1);
      if (last) {
        this.log?.error({ err: error, job: id, attempt: attempts }, 'review job failed for good');
        await this.handler.giveUp(review, errorMessage(error), attempts);
      } else this.log?.warn({ err: error, job: id, attempt: attempts }, 'review job attempt failed; retrying after a backoff');
      throw error;
    } finally {
      this.inFlight.delete(id);
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
