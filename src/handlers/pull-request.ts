/**
 * `pull_request`: a new or updated head gets a review. The handler only
 * enqueues; GitHub gives a webhook 10 seconds and a review takes longer.
 */
import type { Context, Probot } from 'probot';
import { snapshotOfPullRequest, type PullRequestObject } from '../github/pull-requests.js';
import type { ReviewQueue } from '../queue/review-queue.js';
import type { ReviewJobWithSnapshot } from '../review/run-review.js';

/** The actions that put new code in front of reviewers. `closed` and the rest change no code. */
export const REVIEWED_PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.reopened',
  'pull_request.ready_for_review',
  'pull_request.synchronize',
] as const;

export function registerPullRequestHandler(app: Probot, queue: ReviewQueue): void {
  app.on([...REVIEWED_PULL_REQUEST_EVENTS], async (context) => enqueuePullRequestReview(context, queue));
}

/**
 * Drafts are enqueued like any PR: whether `skip_drafts` applies is decided
 * by the job, from the default branch's configuration.
 */
export function enqueuePullRequestReview(context: Context<(typeof REVIEWED_PULL_REQUEST_EVENTS)[number]>, queue: ReviewQueue): void {
  const { pull_request: pullRequest, repository, installation } = context.payload;
  const log = context.log.child({ repo: repository.full_name, pr: pullRequest.number });
  if (installation === undefined) {
    log.warn('pull_request event without an installation; cannot review');
    return;
  }
  if (pullRequest.state === 'closed') return;
  const job: ReviewJobWithSnapshot = {
    installationId: installation.id,
    owner: repository.owner.login,
    repo: repository.name,
    pullNumber: pullRequest.number,
    headSha: pullRequest.head.sha,
    trigger: `pull_request.${context.payload.action}`,
    deliveryId: context.id,
    // The payload has what the review needs to start (base, head repository, draft, comment counts): no `GET` of the PR.
    pullRequest: snapshotOfPullRequest(pullRequest as PullRequestObject),
  };
  queue.enqueue(job);
  log.info({ headSha: pullRequest.head.sha }, 'review enqueued');
}
