/**
 * `/security-review`: a comment on a pull request asks for the review to run
 * again. Allowed for the PR's author and for anyone who can write to the
 * repository; everyone else (and every bot) gets no answer at all, so the
 * command cannot be used to spend the app's rate limit or to probe it.
 */
import type { Context, Probot } from 'probot';
import { describeGitHubError, type GitHubClient, type RepoRef } from '../github/client.js';
import { getRepositoryPermission } from '../github/collaborators.js';
import { getPullRequest } from '../github/pull-requests.js';
import { addEyesReaction } from '../github/reactions.js';
import type { ReviewQueue } from '../queue/review-queue.js';
import { CHECKS } from '../../checks/index.js';
import { createIssueComment } from '../github/issue-comments.js';
import { SUPPRESSION_RULE_ID } from '../review/analyze-files.js';
import { recordWaiver, todayUtc } from '../review/waiver-store.js';
import { ACCEPT_USAGE, isAcceptCommand, parseAcceptCommand } from '../review/waivers.js';
import type { ReviewJobWithSnapshot, ReviewPostLog } from '../review/run-review.js';
import type { PullRequestSnapshot } from '../github/pull-requests.js';

/** Rule ids a waiver may name. */
const WAIVABLE_RULES: ReadonlySet<string> = new Set([...CHECKS.map((check) => check.id), SUPPRESSION_RULE_ID]);

/** **Contract**: the first line of the comment. */
export const REVIEW_COMMAND = '/security-review';

/** Roles that may re-run a review besides the PR's author (`role_name`; `permission` is the legacy level). */
const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);
const WRITE_PERMISSIONS = new Set(['admin', 'write']);

/**
 * True when the comment's first line is the command, alone or followed by a
 * space and anything. A quote (`> /security-review`), a code fence or an
 * indented code block is not a command: its first line is not the command.
 */
export function isReviewCommand(body: string | null | undefined): boolean {
  if (typeof body !== 'string') return false;
  const firstLine = body.split(/\r?\n/, 1)[0];
  // Four spaces or a tab make an indented code block in markdown: shown as code, not meant as a command.
  if (/^( {4}|\t)/.test(firstLine)) return false;
  const command = firstLine.trim();
  return command === REVIEW_COMMAND || command.startsWith(`${REVIEW_COMMAND} `);
}

export function registerIssueCommentHandler(app: Probot, queue: ReviewQueue, postLog?: ReviewPostLog): void {
  // Only `created`: an edited or deleted comment is not a new request.
  app.on('issue_comment.created', async (context) => handleReviewCommand(context, queue, postLog));
}

/** `postLog`: where a waiver comment written here is noted, so that reviews already queued for the PR read it. */
export async function handleReviewCommand(context: Context<'issue_comment.created'>, queue: ReviewQueue, postLog?: ReviewPostLog): Promise<void> {
  const { issue, comment, sender, repository, installation } = context.payload;
  if (issue.pull_request === undefined || issue.pull_request === null) return;
  if (sender.type === 'Bot') return;
  if (!isReviewCommand(comment.body)) return;
  const log = context.log.child({ repo: repository.full_name, pr: issue.number, sender: sender.login });
  if (installation === undefined) {
    log.warn('issue_comment event without an installation; cannot review');
    return;
  }
  const repo: RepoRef = { owner: repository.owner.login, repo: repository.name };
  const octokit = context.octokit as GitHubClient;
  const isAuthor = issue.user !== null && issue.user.id === sender.id;
  // Accepting a risk is a decision about the repository: write access, even for the PR's author.
  const accept = isAcceptCommand(comment.body.split(/\r?\n/, 1)[0]);
  if ((accept || !isAuthor) && !(await canWrite(octokit, { ...repo, username: sender.login }, log))) {
    log.info(`${REVIEW_COMMAND}${accept ? ' accept' : ''} from a user without write access ignored`);
    return;
  }

  try {
    await addEyesReaction(octokit, { ...repo, commentId: comment.id });
  } catch (error) {
    // The acknowledgement is a courtesy; the review still runs.
    log.warn({ err: error }, `could not react to the command: ${describeGitHubError(error)}`);
  }
  if (accept) {
    const recorded = await recordAcceptedRisk(octokit, { ...repo, pullNumber: issue.number }, comment.body, sender.login, log);
    // Written or not, a comment of ours may now be on the PR.
    postLog?.notePosted({ ...repo, pullNumber: issue.number });
    if (!recorded) return;
  }
  // The comment's payload has no head sha: the PR is read here, after any waiver was written, and the job
  // carries it (its comment counts include that waiver comment), so the review needs no `GET` of its own.
  let pullRequest: PullRequestSnapshot;
  try {
    pullRequest = await getPullRequest(octokit, { ...repo, pullNumber: issue.number });
    if (pullRequest.state === 'closed') {
      log.info(`${REVIEW_COMMAND} on a closed pull request ignored`);
      return;
    }
  } catch (error) {
    log.error({ err: error }, `cannot read the pull request for ${REVIEW_COMMAND}: ${describeGitHubError(error)}`);
    return;
  }
  const job: ReviewJobWithSnapshot = {
    installationId: installation.id,
    owner: repo.owner,
    repo: repo.repo,
    pullNumber: issue.number,
    headSha: pullRequest.headSha,
    trigger: 'issue_comment.created',
    deliveryId: context.id,
    pullRequest,
  };
  queue.enqueue(job);
  log.info({ headSha: pullRequest.headSha }, 'review enqueued by command');
}

/** Write access or more. Fails closed: if GitHub cannot tell us, the answer is no. */
async function canWrite(octokit: GitHubClient, ref: RepoRef & { username: string }, log: Context['log']): Promise<boolean> {
  try {
    const access = await getRepositoryPermission(octokit, ref);
    return (access.roleName !== undefined && WRITE_ROLES.has(access.roleName)) || WRITE_PERMISSIONS.has(access.permission);
  } catch (error) {
    log.warn({ err: error }, `permission lookup failed; ${REVIEW_COMMAND} denied: ${describeGitHubError(error)}`);
    return false;
  }
}

/**
 * Records the waiver of an accept command, or answers why it was not
 * recorded (to someone with write access only, so this cannot be used to
 * make the app spam). True when the review should run again.
 */
async function recordAcceptedRisk(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }, body: string, login: string, log: Context['log']): Promise<boolean> {
  const today = todayUtc();
  const command = parseAcceptCommand(body.split(/\r?\n/, 1)[0], WAIVABLE_RULES, today);
  try {
    if (command.kind === 'invalid') {
      await createIssueComment(octokit, { ...ref, issueNumber: ref.pullNumber, body: `@${login} the waiver was not recorded: ${command.problem}.\n\nUsage: ${ACCEPT_USAGE}` });
      return false;
    }
    await recordWaiver(octokit, ref, { ruleId: command.ruleId, reason: command.reason, by: login, at: new Date().toISOString(), ...(command.until === undefined ? {} : { until: command.until }) }, today);
    log.info({ ruleId: command.ruleId, until: command.until }, 'waiver recorded');
    return true;
  } catch (error) {
    log.error({ err: error }, `cannot record the waiver: ${describeGitHubError(error)}`);
    return false;
  }
}
