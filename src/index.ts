/**
 * The Probot app: wires the event handlers to the review queue, the queue to
 * the review job, and the sweep that completes check runs an interrupted
 * review left in progress. Nothing else happens here. With `REDIS_URL` set
 * the queue is BullMQ's and the reviews run in `npm run worker` processes
 * (src/worker.ts): this process then only takes webhooks and enqueues, with
 * no review worker, analysis threads, open-run ledger or sweep of its own.
 */
import type { ApplicationFunction, Probot } from 'probot';
import type { Check } from '../checks/create-check.js';
import { registerCheckRerunHandlers } from './handlers/check-rerun.js';
import { registerIssueCommentHandler } from './handlers/issue-comment.js';
import { registerPullRequestHandler } from './handlers/pull-request.js';
import type { AppLifecycle } from './lifecycle/app-lifecycle.js';
import { createHealthzHandler } from './lifecycle/healthz.js';
import { startOpenCheckRunSweeps } from './lifecycle/open-check-run-sweeps.js';
import { warmUpAnalysis } from './lifecycle/warm-up-analysis.js';
import { warmUpWebhookPath } from './lifecycle/warm-up-webhook-path.js';
import { BullmqReviewQueue } from './queue/bullmq-review-queue.js';
import { createReviewQueue } from './queue/create-review-queue.js';
import type { ReviewQueue } from './queue/review-queue.js';
import { defaultLedgerDirectory, FileOpenCheckRunLedger, type OpenCheckRunLedger } from './review/open-check-run-ledger.js';
import { analysisServicesFromEnv, type AnalysisServices } from './review/analysis-services.js';
import { budgetFromEnv } from './review/review-budget.js';
import { createReviewWorker, ReviewPostLog } from './review/run-review.js';
import { OrgConfigCache } from './github/config-files.js';
import { InProcessReviewQueue } from './queue/in-process-review-queue.js';

export interface CreateAppOptions {
  /** The queue between handlers and reviews; the deployment's default (in-process) when absent. Tests pass theirs to await `onIdle()`. */
  queue?: ReviewQueue;
  /** The checks to run; the registry by default. */
  checks?: readonly Check[];
  /** Time budget of one review in milliseconds; `REVIEW_BUDGET_MS` or 60 s when absent. */
  timeoutMs?: number;
  /** Time budget of one file's analysis in milliseconds; `REVIEW_FILE_BUDGET_MS` or 2 s when absent. */
  fileTimeoutMs?: number;
  /** Where open check runs are recorded; a directory under `REVIEW_STATE_DIR` (or the temp dir) when absent. */
  ledger?: OpenCheckRunLedger;
  /** Base of the backoff of writes that create something (tests shorten it). */
  retryBaseMs?: number;
  /** Milliseconds between sweeps of left-behind check runs after the one at start-up; 0 turns the periodic sweep off. */
  sweepIntervalMs?: number;
  /** Worker threads and result cache for the analysis; from `ANALYSIS_THREADS` / `ANALYSIS_CACHE_ENTRIES` when absent. */
  analysis?: AnalysisServices;
  /** The server process's lifecycle (server.ts): serves `/healthz` and drains the queue on shutdown. Absent in tests without an HTTP server. */
  lifecycle?: AppLifecycle;
  /**
   * Start the analysis workers before the app is loaded (server.ts: before it listens), so that the first
   * burst of webhooks does not share the cores with workers loading their parsers. Off by default (tests).
   */
  warmUp?: boolean;
}

export function createApp(options: CreateAppOptions = {}): ApplicationFunction {
  return async (app, { addHandler }) => {
    const queue = options.queue ?? createReviewQueue(app.log);
    // With Redis the jobs run in `npm run worker` processes (worker.ts), each with its analysis threads, its
    // ledger in Redis and its sweep: this process only enqueues, and builds none of what a review needs.
    const reviews = queue instanceof BullmqReviewQueue ? undefined : startReviews(app, queue, options);
    registerPullRequestHandler(app, queue);
    registerIssueCommentHandler(app, queue, reviews?.postLog);
    registerCheckRerunHandlers(app, queue);
    if (options.lifecycle !== undefined) {
      options.lifecycle.attach(async () => {
        await queue.close();
        await reviews?.analysis.close();
      }, app.log.child({ name: 'lifecycle' }));
      addHandler(createHealthzHandler(options.lifecycle));
    }
    if (options.warmUp === true) {
      const log = app.log.child({ name: 'warm-up' });
      await Promise.all([reviews === undefined ? undefined : warmUpAnalysis(reviews.analysis, log), warmUpWebhookPath(app, log)]);
    }
  };
}

/** Makes `queue` run its jobs in this process: the review worker, its analysis services, and the sweep of the runs it leaves open. */
function startReviews(app: Probot, queue: ReviewQueue, options: CreateAppOptions): { analysis: AnalysisServices; postLog: ReviewPostLog | undefined } {
  const { settings, problems } = budgetFromEnv();
  for (const problem of problems) app.log.warn(problem);
  const timeoutMs = options.timeoutMs ?? settings.totalMs;
  const ledger = options.ledger ?? new FileOpenCheckRunLedger(defaultLedgerDirectory());
  const analysis = options.analysis ?? analysisServicesFromEnv(app.log);
  // Every comment the app writes on a PR is written here when the in-process queue runs the reviews, so an event's
  // comment counts can be trusted against this log (run-review.ts); any other queue's jobs may run elsewhere.
  const postLog = queue instanceof InProcessReviewQueue ? new ReviewPostLog() : undefined;
  queue.start(
    createReviewWorker(app, {
      checks: options.checks,
      timeoutMs,
      fileTimeoutMs: options.fileTimeoutMs ?? settings.perFileMs,
      ledger,
      retryBaseMs: options.retryBaseMs,
      analysis,
      orgConfigCache: new OrgConfigCache(),
      postLog,
    }),
  );
  startOpenCheckRunSweeps({ app, ledger, timeoutMs, intervalMs: options.sweepIntervalMs });
  return { analysis, postLog };
}

export default createApp();
