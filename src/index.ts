/**
 * The Probot app: wires the event handlers to the review queue and the
 * queue to the review job. Nothing else happens here.
 */
import type { ApplicationFunction } from 'probot';
import type { Check } from '../checks/create-check.js';
import { registerCheckRerunHandlers } from './handlers/check-rerun.js';
import { registerIssueCommentHandler } from './handlers/issue-comment.js';
import { registerPullRequestHandler } from './handlers/pull-request.js';
import { createReviewQueue } from './queue/create-review-queue.js';
import type { ReviewQueue } from './queue/review-queue.js';
import { createReviewWorker } from './review/run-review.js';

export interface CreateAppOptions {
  /** The queue between handlers and reviews; the deployment's default (in-process) when absent. Tests pass theirs to await `onIdle()`. */
  queue?: ReviewQueue;
  /** The checks to run; the registry by default. */
  checks?: readonly Check[];
  /** Deadline of one review in milliseconds. */
  timeoutMs?: number;
}

export function createApp(options: CreateAppOptions = {}): ApplicationFunction {
  return (app) => {
    const queue = options.queue ?? createReviewQueue(app.log);
    queue.start(createReviewWorker(app, { checks: options.checks, timeoutMs: options.timeoutMs }));
    registerPullRequestHandler(app, queue);
    registerIssueCommentHandler(app, queue);
    registerCheckRerunHandlers(app, queue);
  };
}

export default createApp();
