/**
 * The Re-run buttons: `check_run.rerequested` (our run) and
 * `check_suite.rerequested` (re-run all). Each pull request of the commit
 * gets a review of that commit.
 */
import type { Context, Probot } from 'probot';
import { CHECK_RUN_NAME } from '../github/check-runs.js';
import { describeGitHubError, type GitHubClient } from '../github/client.js';
import { listOpenPullRequestsForCommit } from '../github/pull-requests.js';
import type { ReviewQueue } from '../queue/review-queue.js';

export function registerCheckRerunHandlers(app: Probot, queue: ReviewQueue): void {
  app.on('check_run.rerequested', async (context) => {
    const checkRun = context.payload.check_run;
    // GitHub sends the event to the app that owns the run; the name guards against other runs of ours, should there ever be some.
    if (checkRun.name !== CHECK_RUN_NAME) return;
    await enqueueRerun(context, queue, checkRun.head_sha, checkRun.pull_requests);
  });
  app.on('check_suite.rerequested', async (context) => {
    const suite = context.payload.check_suite;
    await enqueueRerun(context, queue, suite.head_sha, suite.pull_requests);
  });
}

interface PullRequestRef {
  number: number;
  base: { repo: { id: number } };
}

async function enqueueRerun(
  context: Context<'check_run.rerequested' | 'check_suite.rerequested'>,
  queue: ReviewQueue,
  headSha: string,
  listed: readonly PullRequestRef[],
): Promise<void> {
  const { repository, installation } = context.payload;
  const log = context.log.child({ repo: repository.full_name, headSha });
  if (installation === undefined) {
    log.warn(`${context.name} event without an installation; cannot review`);
    return;
  }
  const owner = repository.owner.login;
  const repo = repository.name;
  let numbers = listed.filter((pull) => pull.base.repo.id === repository.id).map((pull) => pull.number);
  if (numbers.length === 0) {
    // Fork PRs are left out of the event's list: ask which open PRs have this head.
    try {
      const pulls = await listOpenPullRequestsForCommit(context.octokit as GitHubClient, { owner, repo, sha: headSha });
      numbers = pulls.filter((pull) => pull.headSha === headSha).map((pull) => pull.number);
    } catch (error) {
      log.error({ err: error }, `cannot find the pull requests of ${headSha.slice(0, 7)}: ${describeGitHubError(error)}`);
      return;
    }
  }
  if (numbers.length === 0) {
    log.info('re-run requested for a commit that heads no open pull request; nothing to review');
    return;
  }
  for (const pullNumber of numbers) {
    queue.enqueue({
      installationId: installation.id,
      owner,
      repo,
      pullNumber,
      headSha,
      trigger: `${context.name}.${context.payload.action}`,
      deliveryId: context.id,
    });
  }
  log.info({ pulls: numbers }, 're-run enqueued');
}
