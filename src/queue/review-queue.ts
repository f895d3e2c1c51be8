/**
 * What the webhook handlers hand over: one review of one pull request at one
 * head commit. Plain, serialisable data on purpose, so that a Redis-backed
 * queue (BullMQ) can carry it between processes: the worker authenticates
 * again from `installationId` instead of receiving a token.
 */
export interface ReviewJob {
  installationId: number;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  /** What asked for the review, e.g. `pull_request.opened`, `command`, `check_run.rerequested`; for logs. */
  trigger: string;
  /** The webhook delivery that caused the job, for logs. */
  deliveryId?: string;
}

/** Runs one job. It owns its errors: a rejection is logged by the queue and otherwise ignored. */
export type ReviewWorker = (job: ReviewJob) => Promise<void>;

/**
 * The seam between the webhook handlers (producers) and the review job
 * (consumer). The in-process implementation is the default; the BullMQ one
 * (REDIS_URL set) keeps the same semantics across processes: per-PR
 * supersede of queued jobs, drop of duplicates and redeliveries, bounded
 * concurrency per worker.
 */
export interface ReviewQueue {
  /** Registers the function that runs jobs. Jobs enqueued before this wait for it. */
  start(worker: ReviewWorker): void;
  /** Accepts a job and returns at once; never throws. */
  enqueue(job: ReviewJob): void;
  /** Resolves when no job is queued or running (at once when already idle). */
  onIdle(): Promise<void>;
  /** Accepts no more jobs and resolves once every accepted job has finished. */
  close(): Promise<void>;
}

/** One PR is one key: a newer head for the same key replaces a queued older one. */
export function reviewJobKey(job: Pick<ReviewJob, 'owner' | 'repo' | 'pullNumber'>): string {
  // GitHub owner and repository names are case-insensitive.
  return `${job.owner.toLowerCase()}/${job.repo.toLowerCase()}#${job.pullNumber}`;
}

/**
 * One review is one id: (repo, PR, head sha). The Redis queue uses it as the
 * BullMQ job id, so a duplicate of a queued or running review collapses into it.
 */
export function reviewJobId(job: Pick<ReviewJob, 'owner' | 'repo' | 'pullNumber' | 'headSha'>): string {
  return `${reviewJobKey(job)}@${job.headSha.toLowerCase()}`;
}
