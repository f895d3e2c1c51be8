/**
 * The review job as a queue worker process runs it: the same review as the
 * in-process queue's (run-review.ts), but what kept it from reaching its
 * check run at all is thrown, so that BullMQ retries it with backoff, and
 * the last failure is reported on the commit as a `neutral` run.
 */
import type { Probot } from 'probot';
import { completeCheckRun, createCheckRun } from '../github/check-runs.js';
import { describeGitHubError, isInstallationGone, type GitHubClient } from '../github/client.js';
import { renderFailureOutput } from '../render/check-run-output.js';
import { reviewJobLog, runReview, type ReviewOptions } from '../review/run-review.js';
import type { ReviewJobHandler } from './bullmq-review-worker.js';
import type { ReviewJob } from './review-queue.js';

export function createReviewJobHandler(app: Pick<Probot, 'auth' | 'log'>, options: ReviewOptions = {}): ReviewJobHandler {
  const authenticate = async (job: ReviewJob) => (await app.auth(job.installationId)) as GitHubClient;
  return {
    async run(job) {
      const log = reviewJobLog(app.log, job);
      let octokit: GitHubClient;
      try {
        octokit = await authenticate(job);
      } catch (error) {
        // Uninstalled or revoked: no attempt can do better. Anything else (GitHub down) is worth a retry.
        if (isInstallationGone(error)) {
          log.warn(`installation ${job.installationId} can no longer act (${describeGitHubError(error)}); job dropped`);
          return;
        }
        throw new Error(`cannot authenticate as installation ${job.installationId}: ${describeGitHubError(error)}`, { cause: error });
      }
      const outcome = await runReview(job, { ...options, octokit, log });
      log.info({ outcome }, 'review job finished');
      // The run could not be opened, or not completed (the open-run record keeps it for the sweep): try again later.
      if (outcome.kind === 'check-run-failed') throw new Error(outcome.reason);
    },

    async giveUp(job, reason, attempts) {
      const log = reviewJobLog(app.log, job);
      try {
        const octokit = await authenticate(job);
        const checkRunId = await createCheckRun(octokit, { owner: job.owner, repo: job.repo, headSha: job.headSha, summary: 'The API security review of this commit could not run.', retryBaseMs: options.retryBaseMs });
        const output = renderFailureOutput(`the review failed ${attempts} ${attempts === 1 ? 'time' : 'times'}; the last time: ${reason}`);
        await completeCheckRun(octokit, { owner: job.owner, repo: job.repo, checkRunId, conclusion: 'neutral', output });
        log.info({ checkRunId }, 'review job given up; check run completed neutral with the reason');
      } catch (error) {
        log.error({ err: error }, `review job given up, and its check run could not be completed: ${describeGitHubError(error)}`);
      }
    },
  };
}
