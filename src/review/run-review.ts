/**
 * The review job: one pull request at one head commit, from the check run
 * "in progress" to the posted review and the completed check run. The order
 * of the steps is the design's data flow; every GitHub call goes through
 * `src/github/`, every text through `src/render/`.
 *
 * Whatever happens after the check run is opened, it is completed: with the
 * review's conclusion, `failure` for an invalid configuration, or `neutral`
 * with the reason when the review could not run (GitHub error, crash,
 * timeout). A run left "in progress" would block a required check forever.
 * That is also why the run is opened before the configuration is loaded:
 * a GitHub error while loading it must have a run to be reported on.
 */
import type { Logger } from 'pino';
import type { Probot } from 'probot';
import type { Check } from '../../checks/create-check.js';
import { type AnalysisResult, type Finding, type SkippedFile } from '../../checks/model.js';
import { CONFIG_PATH, loadRepoConfig } from '../config/load-config.js';
import { parsePatchSafely, type FileChanges } from '../diff/changed-lines.js';
import { completeCheckRun, createCheckRun, reviseCheckRun, type CheckRunConclusion, type CheckRunOutputFields, type CheckRunPullRequest } from '../github/check-runs.js';
import type { OrgConfigCache } from '../github/config-files.js';
import { describeGitHubError, httpStatusOf, isInstallationGone, isNotFound, type GitHubClient, type RepoRef } from '../github/client.js';
import { readFilesAtRef, type FileFetch } from '../github/file-contents.js';
import { listPullRequestDiff, listPullRequestFiles, type PullRequestFile } from '../github/pull-request-files.js';
import { getPullRequest, type PullRequestSnapshot } from '../github/pull-requests.js';
import { listReviewThreads, replyToReviewComment, resolveReviewThread, type ReviewThread } from '../github/review-threads.js';
import { createReview, listReviewComments } from '../github/reviews.js';
import { renderCheckRunOutput, renderConfigErrorOutput, renderFailureOutput, renderNoApiChangesOutput, renderReviewBody } from '../render/check-run-output.js';
import { clip, escapeText } from '../render/markdown.js';
import { fingerprintFromComment } from '../render/review-comment.js';
import { reviewJobKey, type ReviewJob, type ReviewWorker } from '../queue/review-queue.js';
import { analyzeFiles, type AnalyzeOptions, type SourceInput } from './analyze-files.js';
import { decodeSource } from './decode-source.js';
import { planReview, type ReviewPlan } from './plan-review.js';
import { createPathFilter } from './select-files.js';
import { loadWaivers, todayUtc } from './waiver-store.js';
import { createRefReader } from './ref-reader.js';
import { mergePostureInto, type PostureInput, type PostureReview } from './review-posture.js';
import { CHECKLIST } from '../../checks/checklist.js';
import { applyWaivers } from './waivers.js';
import type { OpenCheckRunLedger } from './open-check-run-ledger.js';
import { DEFAULT_FILE_BUDGET_MS, DEFAULT_REVIEW_BUDGET_MS, formatDuration, hardDeadlineMs, type AnalysisBudget } from './review-budget.js';
import { renderAbandonedOutput, renderRefusedComments } from '../render/reliability-output.js';

/**
 * Time to read and analyse a pull request (see review-budget.ts): files not
 * analysed by then are reported skipped; at 1.5 times this every request is
 * aborted and the run completed `neutral`.
 */
export const DEFAULT_REVIEW_TIMEOUT_MS = DEFAULT_REVIEW_BUDGET_MS;

export interface ReviewOptions {
  /** The checks to run; the registry by default (tests inject a throwing one). */
  checks?: readonly Check[];
  /** Budget for reading and analysing the pull request, in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Budget for analysing one file, in milliseconds (default 2 s). */
  fileTimeoutMs?: number;
  /** Where opened check runs are recorded until completed, so a restart can complete those a crash left behind. */
  ledger?: OpenCheckRunLedger;
  /** Base of the backoff between attempts of a write that creates something (tests shorten it). */
  retryBaseMs?: number;
  /** Worker threads and the result cache for the analysis; the calling thread and no reuse when absent. */
  analysis?: Pick<AnalyzeOptions, 'pool' | 'cache'>;
  /** The owner's `.github` configuration, reused across reviews for a few minutes; read every time when absent. */
  orgConfigCache?: OrgConfigCache;
  /**
   * The reviews this process posted, by PR. When given, the comment counts
   * of the job's pull request snapshot are trusted (see `trustedDiscussion`)
   * and the comment lists are skipped when both are zero; when absent (a
   * worker among several, which cannot know what the others posted) the
   * lists are always read.
   */
  postLog?: ReviewPostLog;
}

/**
 * A job may carry the pull request as its webhook described it (state,
 * draft, base, head repository, comment counts): then the review needs no
 * `GET` of the pull request to start. Jobs without it (re-runs from the
 * Checks tab, the Action) read it from GitHub.
 */
export interface ReviewJobWithSnapshot extends ReviewJob {
  pullRequest?: PullRequestSnapshot;
}

/** How old a comment count may be to be trusted: a redelivered or long-queued event's counts are not. */
export const DISCUSSION_COUNT_MAX_AGE_MS = 10 * 60_000;
/** GitHub's clock (`updated_at`) against ours. */
const CLOCK_SKEW_MS = 2 * 60_000;
const MAX_LOGGED_PULL_REQUESTS = 10_000;

/**
 * When this process last wrote a comment on each pull request (a review, a
 * waiver comment). An event's comment counts were taken when GitHub sent it;
 * a comment this process wrote after that is not in them, so the counts of a
 * job for that PR are not trusted.
 */
export class ReviewPostLog {
  private readonly postedAt = new Map<string, number>();

  notePosted(pull: Pick<ReviewJob, 'owner' | 'repo' | 'pullNumber'>, at = Date.now()): void {
    const key = reviewJobKey(pull);
    this.postedAt.delete(key);
    this.postedAt.set(key, at);
    if (this.postedAt.size > MAX_LOGGED_PULL_REQUESTS) this.postedAt.delete(this.postedAt.keys().next().value as string);
  }

  /** Whether this process wrote on the PR at or after `since` (epoch ms). */
  postedSince(pull: Pick<ReviewJob, 'owner' | 'repo' | 'pullNumber'>, since: number): boolean {
    const at = this.postedAt.get(reviewJobKey(pull));
    return at !== undefined && at >= since;
  }
}

export interface ReviewDependencies extends ReviewOptions {
  octokit: GitHubClient;
  log: Logger;
}

/** How a job ended, for the log line that closes it (and for tests). */
export type ReviewOutcome =
  | { kind: 'not-run'; reason: string }
  /** The installation can no longer act (uninstalled, token revoked): nothing more was attempted. */
  | { kind: 'dropped'; reason: string }
  | { kind: 'completed'; conclusion: CheckRunConclusion; title: string }
  | { kind: 'check-run-failed'; reason: string };

/**
 * The queue's worker: authenticates as the job's installation (jobs carry
 * ids, never tokens) and runs the review with a logger bound to the repo,
 * the PR, the head and the webhook delivery.
 */
export function createReviewWorker(app: Probot, options: ReviewOptions = {}): ReviewWorker {
  return async (job) => {
    const log = reviewJobLog(app.log, job);
    let octokit: GitHubClient;
    try {
      octokit = (await app.auth(job.installationId)) as GitHubClient;
    } catch (error) {
      log.error({ err: error }, `cannot authenticate as installation ${job.installationId}: ${describeGitHubError(error)}; job dropped`);
      return;
    }
    const outcome = await runReview(job, { ...options, octokit, log });
    log.info({ outcome }, 'review job finished');
  };
}

/** The job's logger: every line of a review carries the repo, the PR, the head and the webhook delivery. */
export function reviewJobLog(log: Logger, job: ReviewJob): Logger {
  return log.child({ repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, headSha: job.headSha, trigger: job.trigger, deliveryId: job.deliveryId });
}

/** Runs one review. Never throws: every failure ends in the check run or, failing that, in the log. */
export async function runReview(job: ReviewJobWithSnapshot, deps: ReviewDependencies): Promise<ReviewOutcome> {
  const { octokit, log } = deps;
  const repo: RepoRef = { owner: job.owner, repo: job.repo };

  // The webhook's description of the PR is enough to start: whether the head is still this commit is
  // told by the files listing (its contents URLs name the head) and checked again before anything is
  // posted. Without one (re-runs, the Action), the PR as it is now.
  let pullRequest: PullRequestSnapshot | undefined = job.pullRequest;
  let pullRequestError: unknown;
  if (pullRequest === undefined) {
    try {
      pullRequest = await getPullRequest(octokit, { ...repo, pullNumber: job.pullNumber });
    } catch (error) {
      if (isInstallationGone(error)) return dropped(log, job, error);
      // Deleted with its repository, or the repository left the installation: there is nothing to review or report on.
      if (isNotFound(error)) return notRun(log, 'the pull request no longer exists');
      pullRequestError = error;
    }
  }
  if (pullRequest?.state === 'closed') return notRun(log, 'the pull request is closed');
  if (pullRequest !== undefined && pullRequest.headSha !== job.headSha) {
    // A newer push has (or will get) its own job; lines of this commit no longer match the PR's diff.
    return notRun(log, `the pull request's head moved to ${pullRequest.headSha.slice(0, 7)}`);
  }

  let checkRunId: number;
  try {
    checkRunId = await createCheckRun(octokit, { ...repo, headSha: job.headSha, summary: 'The API security review of this commit is running.', retryBaseMs: deps.retryBaseMs });
  } catch (error) {
    if (isInstallationGone(error)) return dropped(log, job, error);
    const reason = describeGitHubError(error);
    log.error({ err: error }, `cannot create the check run: ${reason}`);
    return { kind: 'check-run-failed', reason };
  }
  await deps.ledger?.opened({ installationId: job.installationId, owner: job.owner, repo: job.repo, pullNumber: job.pullNumber, headSha: job.headSha, checkRunId, openedAt: new Date().toISOString() });

  const deadline = startDeadline(octokit, deps.timeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS);
  let completed: { conclusion: CheckRunConclusion; output: CheckRunOutputFields; result?: ReviewedChange };
  try {
    if (pullRequest === undefined) throw pullRequestError;
    completed = await reviewPullRequest(job, pullRequest, checkRunId, deps, deadline);
  } catch (error) {
    deadline.release();
    if (isInstallationGone(error)) {
      // The run cannot be completed with this installation's token, now or later.
      await deps.ledger?.closed(checkRunId);
      return dropped(log, job, error);
    }
    const abandoned = error instanceof ReviewAbandoned;
    const stopped = deadline.hardSignal.aborted || (deadline.budgetSignal.aborted && isAbort(error));
    const reason = abandoned ? error.message : stopped ? `the review did not finish within ${formatDuration(deadline.timeoutMs)} and was stopped` : failureReason(error);
    if (abandoned) log.info(`review abandoned: ${reason}`);
    else log.error({ err: error }, `review failed: ${reason}`);
    const output = abandoned ? renderAbandonedOutput(reason) : renderFailureOutput(reason);
    try {
      await completeCheckRun(octokit, { ...repo, checkRunId, conclusion: 'neutral', output });
      await deps.ledger?.closed(checkRunId);
      return { kind: 'completed', conclusion: 'neutral', title: output.title };
    } catch (completionError) {
      if (isInstallationGone(completionError)) {
        await deps.ledger?.closed(checkRunId);
        return dropped(log, job, completionError);
      }
      // The ledger keeps the run: the next sweep completes it.
      log.error({ err: completionError }, `cannot complete the check run ${checkRunId}: ${describeGitHubError(completionError)}`);
      return { kind: 'check-run-failed', reason };
    }
  }
  deadline.release();
  await deps.ledger?.closed(checkRunId);

  // Without an earlier comment of ours there is no thread of ours to resolve: skip the GraphQL call.
  if (completed.result !== undefined && completed.result.postedFingerprints.size > 0) {
    // Housekeeping after the verdict is out: a failure here must not change the check run.
    try {
      await resolveFixedThreads(octokit, { ...repo, pullNumber: job.pullNumber, headSha: job.headSha }, completed.result, log);
    } catch (error) {
      log.warn({ err: error }, `could not resolve fixed review threads: ${describeGitHubError(error)}`);
    }
  }
  return { kind: 'completed', conclusion: completed.conclusion, title: completed.output.title };
}

/** What one review saw, for resolving the threads of findings that are gone. */
export interface ReviewedChange {
  result: AnalysisResult;
  /** Files analysed completely this time: the only ones whose silence means "fixed". */
  analysedFiles: ReadonlySet<string>;
  /** Fingerprints of the findings our earlier reviews commented on. */
  postedFingerprints: ReadonlySet<string>;
}

async function reviewPullRequest(
  job: ReviewJobWithSnapshot,
  pullRequest: PullRequestSnapshot,
  checkRunId: number,
  deps: ReviewDependencies,
  deadline: ReviewDeadline,
): Promise<{ conclusion: CheckRunConclusion; output: CheckRunOutputFields; result?: ReviewedChange }> {
  const { octokit, log } = deps;
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const signal = deadline.hardSignal;
  const complete = async (conclusion: CheckRunConclusion, output: CheckRunOutputFields, result?: ReviewedChange) => {
    signal.throwIfAborted();
    await completeCheckRun(octokit, { ...repo, checkRunId, conclusion, output });
    return { conclusion, output, result };
  };

  deps.orgConfigCache?.attach(octokit, { ...repo, path: CONFIG_PATH });
  const loaded = await loadRepoConfig(octokit, repo);
  if (!loaded.ok) {
    log.info({ issues: loaded.issues.length }, 'invalid configuration; review not run');
    return complete('failure', renderConfigErrorOutput(loaded.path, loaded.issues));
  }
  const config = loaded.config;
  if (pullRequest.draft && config.skip_drafts) return complete('success', skippedDraftOutput());

  const files = await listFilesOfHead(octokit, { ...repo, pullNumber: job.pullNumber, headSha: job.headSha });
  const inScope = createPathFilter(config);
  const selected = files.filter((file) => file.status !== 'removed' && inScope(file.path));
  const changes = new Map<string, FileChanges | undefined>(selected.map((file) => [file.path, parsePatchSafely(file.patch)]));

  // Fork PRs: the head commit's files live in the fork.
  const source: RepoRef = pullRequest.headRepo ?? repo;
  const fetched = await readFilesAtRef(octokit, { ...source, sha: job.headSha, paths: [...changes.keys()] });
  signal.throwIfAborted();
  if (fetched.some((entry) => 'file' in entry && entry.file.status === 'missing')) {
    // A file the PR changes is not at the head commit: most likely a force-push since the event.
    await ensureHeadUnchanged(octokit, { ...repo, pullNumber: job.pullNumber, headSha: job.headSha });
  }
  const { inputs, skipped, fetchErrors } = toSourceInputs(fetched, changes, deadline.budgetSignal.aborted);
  if (inputs.length === 0 && fetchErrors > 0) {
    throw new ReviewCannotRun(`none of the ${fetchErrors} changed source files could be fetched (${skipped[0]?.reason ?? 'unknown error'})`);
  }

  const reader = createRefReader(octokit, { ...source, sha: job.headSha });
  const budget: AnalysisBudget = { deadline: deadline.budgetEndsAt, perFileMs: deps.fileTimeoutMs ?? DEFAULT_FILE_BUDGET_MS };
  const analysis = await analyzeIsolated(inputs, { config, context: reader, checks: deps.checks, budget, ...deps.analysis }, log);
  signal.throwIfAborted();
  const reviewed0: AnalysisResult = { ...analysis, skipped: [...skipped, ...analysis.skipped] };

  // The posture diff: the same files at the base commit, so that a control this PR removes is a finding
  // even where the endpoint's own lines did not change. Skipped when the budget is spent: the head's review comes first.
  const removedInScope = files.filter((file) => file.status === 'removed' && inScope(file.path));
  const posture = deadline.budgetSignal.aborted
    ? skipPosture(reviewed0)
    : await postureOfPullRequest(
        { octokit, repo, baseSha: pullRequest.baseSha, files: [...selected, ...removedInScope], changes, headInputs: inputs, headReader: reader, config, checks: deps.checks, analysis: deps.analysis, log },
        reviewed0,
      );
  signal.throwIfAborted();
  // From here on only the verdict is written, within the hard deadline rather than the reading budget.
  deadline.finish();

  // Risks accepted with `/security-review accept` (kept in the app's comment on the PR) turn their findings into accepted risks.
  const today = todayUtc();
  // No conversation comment: no waiver comment of ours either. No review comment: nothing posted to de-duplicate against.
  const counts = trustedDiscussion(job, pullRequest, deps.postLog);
  const { waivers } = counts?.comments === 0 ? { waivers: [] } : await loadWaivers(octokit, { ...repo, pullNumber: job.pullNumber });
  const result: AnalysisResult = applyWaivers(reviewed0, waivers, today);

  const comments = counts?.reviewComments === 0 ? [] : await listReviewComments(octokit, { ...repo, pullNumber: job.pullNumber });
  // Only an app's comment counts: a human who pastes our marker must not silence a finding.
  const posted = new Set(comments.filter((comment) => comment.authorType === 'Bot').map((comment) => fingerprintFromComment(comment.body)).filter(isString));
  const commentable = new Map<string, ReadonlySet<number>>();
  for (const input of inputs) {
    const lines = changes.get(input.path)?.commentable;
    if (lines !== undefined) commentable.set(input.path, lines);
  }
  const removedControls = posture === undefined ? [] : removedControlComments(posture, result);
  const planInput = { result, commentable, postedFingerprints: posted, maxComments: config.max_comments, failOn: config.fail_on, inlineMinSeverity: config.inline_min_severity, removedControls };
  const plan = planReview(planInput);
  const linkBase = pullRequest.headHtmlUrl === undefined ? undefined : `${pullRequest.headHtmlUrl}/blob/${job.headSha}/`;

  const reviewed: ReviewedChange = { result, analysedFiles: analysedFilesOf(inputs, result), postedFingerprints: posted };
  if (result.endpoints.length === 0 && result.findings.length === 0 && result.errors.length === 0) {
    return complete('success', renderNoApiChangesOutput({ reviewedFiles: inputs.length, skipped: result.skipped }), reviewed);
  }
  const accepted = { waivers, today, newSuppressions: result.suppressed.filter((entry) => entry.waiver === undefined && changes.get(entry.finding.file)?.added.has(entry.line) === true) };
  const outputOf = (final: ReviewPlan) => renderCheckRunOutput({ result, plan: final, failOn: config.fail_on, headSha: job.headSha, linkBase, reviewedFiles: inputs.length, accepted, posture: posture?.diff });
  if (plan.inline.length === 0 && plan.overBudget.length === 0) return complete(plan.conclusion, outputOf(plan), reviewed);

  // A review to post. The run is completed first: the completing response lists the PR with its head as it is
  // now, which is the check that the reviewed commit is still the head, at no request of its own.
  const output = outputOf(plan);
  signal.throwIfAborted();
  const listed = await completeCheckRun(octokit, { ...repo, checkRunId, conclusion: plan.conclusion, output });
  // Never a review on a commit that is no longer the PR's head: its lines would land on the wrong code.
  const moved = await headMovedReason(octokit, { ...repo, pullNumber: job.pullNumber, headSha: job.headSha }, listed);
  if (moved !== undefined) {
    log.info(`review abandoned: ${moved}`);
    const abandoned = renderAbandonedOutput(moved);
    await reviseCheckRun(octokit, { ...repo, checkRunId, conclusion: 'neutral', output: abandoned });
    return { conclusion: 'neutral', output: abandoned };
  }
  signal.throwIfAborted();
  const postedPlan = await postReview(
    octokit,
    { ...repo, pullNumber: job.pullNumber, headSha: job.headSha, linkBase, retryBaseMs: deps.retryBaseMs },
    plan,
    {
      withCommentable: (fresh) => planReview({ ...planInput, commentable: fresh, removedControls: [] }),
      withoutInline: () => planReview({ ...planInput, commentable: new Map(), removedControls: [] }),
      freshCommentable: () => commentableLines(octokit, { ...repo, pullNumber: job.pullNumber }, inputs),
    },
    log,
  );
  deps.postLog?.notePosted(job);
  if (postedPlan === plan) return { conclusion: plan.conclusion, output, result: reviewed };
  // GitHub refused some inline comments (422): the run's text says where those findings went instead.
  const revised = outputOf(postedPlan);
  await reviseCheckRun(octokit, { ...repo, checkRunId, output: revised });
  return { conclusion: postedPlan.conclusion, output: revised, result: reviewed };
}

/**
 * The PR's files, after checking that GitHub listed them for the commit
 * under review (their contents URLs name the head they were computed for):
 * a list for another head would put comments on the wrong lines.
 */
async function listFilesOfHead(octokit: GitHubClient, ref: RepoRef & { pullNumber: number; headSha: string }): Promise<PullRequestFile[]> {
  let diff;
  try {
    diff = await listPullRequestDiff(octokit, ref);
  } catch (error) {
    if (isNotFound(error)) throw new ReviewAbandoned('the pull request no longer exists (deleted, or the repository is no longer reachable)');
    throw error;
  }
  if (diff.headSha !== undefined && diff.headSha !== ref.headSha.toLowerCase()) {
    throw new ReviewAbandoned(`the pull request's head moved to ${diff.headSha.slice(0, 7)} before the review began; that commit gets its own review`);
  }
  return diff.files;
}

/**
 * Why the reviewed commit is no longer the PR's head, or undefined when it
 * still is. The completed run's response lists the open PRs of its branch
 * with their heads; a PR it leaves out (a fork's, which GitHub never lists,
 * or one that was closed) is read with a `GET`.
 */
async function headMovedReason(
  octokit: GitHubClient,
  ref: RepoRef & { pullNumber: number; headSha: string },
  listed: readonly CheckRunPullRequest[],
): Promise<string | undefined> {
  const entry = listed.find((pull) => pull.number === ref.pullNumber);
  if (entry !== undefined) {
    return entry.headSha.toLowerCase() === ref.headSha.toLowerCase()
      ? undefined
      : `the pull request's head moved to ${entry.headSha.slice(0, 7)} during the review (a push or force-push); that commit gets its own review`;
  }
  try {
    await ensureHeadUnchanged(octokit, ref);
    return undefined;
  } catch (error) {
    if (error instanceof ReviewAbandoned) return error.message;
    throw error;
  }
}

/**
 * The snapshot's comment counts, when they can be trusted to say "no comment
 * yet": taken recently (a redelivered or long-queued event's are not), and
 * with no comment written by this process on the PR since (a review of an
 * older head that finished after this event was sent). Undefined means: read
 * the lists.
 */
function trustedDiscussion(job: ReviewJob, pullRequest: PullRequestSnapshot, postLog: ReviewPostLog | undefined): { comments: number; reviewComments: number } | undefined {
  const discussion = pullRequest.discussion;
  if (postLog === undefined || discussion === undefined) return undefined;
  const asOf = Date.parse(discussion.asOf);
  if (!Number.isFinite(asOf) || Date.now() - asOf > DISCUSSION_COUNT_MAX_AGE_MS) return undefined;
  if (postLog.postedSince(job, asOf - CLOCK_SKEW_MS)) return undefined;
  return discussion;
}

interface Replanning {
  /** The plan against the diff as GitHub has it now. */
  withCommentable(commentable: ReadonlyMap<string, ReadonlySet<number>>): ReviewPlan;
  withoutInline(): ReviewPlan;
  /** The commentable lines from the PR's files fetched again. */
  freshCommentable(): Promise<Map<string, ReadonlySet<number>>>;
}

/**
 * Posts the review. GitHub refuses a whole review (422) for one comment off
 * the diff and does not say which, despite the hunk check (the diff changed
 * under us, or a line we misjudged). Then it is retried once, without the
 * comments whose lines are not in the diff as GitHub lists it now (all
 * inline comments when that tells nothing); those findings move to the
 * review's body and stay in the check run. A second refusal leaves the
 * review out: the check run still has every finding.
 */
async function postReview(
  octokit: GitHubClient,
  ref: RepoRef & { pullNumber: number; headSha: string; linkBase?: string; retryBaseMs?: number },
  plan: ReviewPlan,
  replan: Replanning,
  log: Logger,
): Promise<ReviewPlan> {
  const post = (posted: ReviewPlan, refused: readonly Finding[]) =>
    createReview(octokit, {
      owner: ref.owner,
      repo: ref.repo,
      pullNumber: ref.pullNumber,
      commitId: ref.headSha,
      body: renderReviewBody(posted, { linkBase: ref.linkBase }) + renderRefusedComments(refused, ref.linkBase),
      comments: posted.inline.map((comment) => ({ path: comment.path, line: comment.line, startLine: comment.startLine, body: comment.body, ...(comment.side === 'LEFT' ? { side: 'LEFT' as const } : {}) })),
      retryBaseMs: ref.retryBaseMs,
    });
  try {
    await post(plan, []);
    log.info({ comments: plan.inline.length, overBudget: plan.overBudget.length }, 'review posted');
    return plan;
  } catch (error) {
    if (httpStatusOf(error) !== 422) throw error;
    log.warn({ err: error }, `GitHub refused the review's inline comments; retrying once without the refused ones: ${describeGitHubError(error)}`);
  }
  let retry: ReviewPlan;
  try {
    retry = replan.withCommentable(await replan.freshCommentable());
  } catch (error) {
    log.warn({ err: error }, `could not list the pull request's files again: ${describeGitHubError(error)}`);
    retry = replan.withoutInline();
  }
  const kept = new Set(retry.inline.map((comment) => comment.finding.fingerprint));
  let refused = plan.inline.filter((comment) => !kept.has(comment.finding.fingerprint)).map((comment) => comment.finding);
  if (refused.length === 0) {
    // Every line is still in the diff, so the diff cannot tell which one GitHub refused: none goes inline.
    retry = replan.withoutInline();
    refused = plan.inline.map((comment) => comment.finding);
  }
  try {
    await post(retry, refused);
    log.info({ comments: retry.inline.length, refused: refused.length }, 'review posted without the refused comments');
    return retry;
  } catch (error) {
    if (httpStatusOf(error) !== 422) throw error;
    log.warn({ err: error }, `GitHub refused the review again; findings stay in the check run: ${describeGitHubError(error)}`);
    return replan.withoutInline();
  }
}

/** Path -> RIGHT-side commentable lines of the PR's diff as GitHub lists it now, for the reviewed files. */
async function commentableLines(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }, inputs: readonly SourceInput[]): Promise<Map<string, ReadonlySet<number>>> {
  const reviewed = new Set(inputs.map((input) => input.path));
  const commentable = new Map<string, ReadonlySet<number>>();
  for (const file of await listPullRequestFiles(octokit, ref)) {
    if (!reviewed.has(file.path) || file.status === 'removed') continue;
    const lines = parsePatchSafely(file.patch)?.commentable;
    if (lines !== undefined) commentable.set(file.path, lines);
  }
  return commentable;
}

/**
 * Stops the review (`ReviewAbandoned`) when the PR is gone, closed, or its
 * head is no longer the reviewed commit. A newer head gets its own review
 * from its own `synchronize` event.
 */
async function ensureHeadUnchanged(octokit: GitHubClient, ref: RepoRef & { pullNumber: number; headSha: string }): Promise<void> {
  let current: PullRequestSnapshot;
  try {
    current = await getPullRequest(octokit, ref);
  } catch (error) {
    if (isNotFound(error)) throw new ReviewAbandoned('the pull request no longer exists (deleted, or the repository is no longer reachable)');
    throw error;
  }
  if (current.state === 'closed') throw new ReviewAbandoned('the pull request was closed during the review');
  if (current.headSha !== ref.headSha) {
    throw new ReviewAbandoned(`the pull request's head moved to ${current.headSha.slice(0, 7)} during the review (a push or force-push); that commit gets its own review`);
  }
}

function toSourceInputs(
  fetched: readonly FileFetch[],
  changes: ReadonlyMap<string, FileChanges | undefined>,
  budgetSpent: boolean,
): { inputs: SourceInput[]; skipped: SkippedFile[]; fetchErrors: number } {
  const inputs: SourceInput[] = [];
  const skipped: SkippedFile[] = [];
  let fetchErrors = 0;
  for (const entry of fetched) {
    if ('error' in entry && budgetSpent && isAbort(entry.error)) {
      skipped.push({ file: entry.path, reason: "not fetched: the review's time budget was spent" });
      continue;
    }
    if ('error' in entry) {
      fetchErrors++;
      skipped.push({ file: entry.path, reason: `could not be fetched: ${describeGitHubError(entry.error)}` });
      continue;
    }
    if (entry.file.status === 'missing') {
      skipped.push({ file: entry.path, reason: 'not found at the head commit' });
      continue;
    }
    if (entry.file.status === 'unreadable') {
      skipped.push({ file: entry.path, reason: entry.file.reason });
      continue;
    }
    const decoded = decodeSource(entry.file.bytes);
    if (!decoded.ok) {
      skipped.push({ file: entry.path, reason: decoded.reason });
      continue;
    }
    const input: SourceInput = { path: entry.path, text: decoded.text };
    const changed = changes.get(entry.path)?.changed;
    if (changed !== undefined) input.changedLines = changed;
    inputs.push(input);
  }
  return { inputs, skipped, fetchErrors };
}

/** LEFT-side comments on the deleted lines that provided a control, with the finding the endpoint has now. */
function removedControlComments(posture: PostureReview, result: AnalysisResult): { finding: Finding; path: string; line: number; what: string }[] {
  const comments: { finding: Finding; path: string; line: number; what: string }[] = [];
  for (const change of posture.diff.worse) {
    if (change.removedControl === undefined) continue;
    // The finding as it stands in the result (gone if a waiver accepted it).
    const finding = change.findings.map((candidate) => result.findings.find((kept) => kept.fingerprint === candidate.fingerprint)).find((kept) => kept !== undefined);
    if (finding === undefined) continue;
    const title = CHECKLIST.find((item) => item.id === change.item)?.title ?? change.item;
    comments.push({
      finding,
      path: posture.headPathOf.get(change.removedControl.file) ?? change.removedControl.file,
      line: change.removedControl.line,
      what: `${change.endpoint.name} passed "${title}" because of this line${change.removedControl.note === '' ? '' : ` (${change.removedControl.note})`}, and fails it without it`,
    });
  }
  return comments;
}

/**
 * The engine isolates a crashing check; this isolates anything else that
 * throws (a parser or discovery bug on one odd file): on a crash the files
 * are analysed one by one, and only the file that crashes is lost, reported
 * as skipped with the reason.
 */
export async function analyzeIsolated(inputs: readonly SourceInput[], options: AnalyzeOptions, log: Pick<Logger, 'warn'>): Promise<AnalysisResult> {
  try {
    return await analyzeFiles(inputs, options);
  } catch (error) {
    log.warn({ err: error }, 'analysis crashed; analysing the files one by one');
  }
  const merged: AnalysisResult = { endpoints: [], findings: [], suppressed: [], skipped: [], errors: [] };
  for (const input of inputs) {
    try {
      const single = await analyzeFiles([input], options);
      merged.endpoints.push(...single.endpoints);
      merged.findings.push(...single.findings);
      merged.suppressed.push(...single.suppressed);
      merged.skipped.push(...single.skipped);
      merged.errors.push(...single.errors);
    } catch (error) {
      merged.skipped.push({ file: input.path, reason: `the analysis crashed on this file: ${clip(errorMessage(error), 300)}` });
    }
  }
  return merged;
}

function analysedFilesOf(inputs: readonly SourceInput[], result: AnalysisResult): Set<string> {
  const incomplete = new Set([...result.skipped.map((entry) => entry.file), ...result.errors.map((entry) => entry.file)]);
  return new Set(inputs.map((input) => input.path).filter((path) => !incomplete.has(path)));
}

/** A reply and a resolution for one of our earlier threads whose finding is gone. */
export interface ThreadResolution {
  threadId: string;
  commentId: number;
  reply: string;
}

/**
 * Our open threads whose finding is no longer reported. Only files analysed
 * completely in this run count: a file that was skipped, crashed a check or
 * left the PR says nothing about its findings. A finding that is now
 * suppressed is resolved too, with the reason given for it.
 */
export function planThreadResolutions(threads: readonly ReviewThread[], reviewed: ReviewedChange, headSha: string): ThreadResolution[] {
  const current = new Set(reviewed.result.findings.map((finding) => finding.fingerprint));
  const suppressed = new Map(reviewed.result.suppressed.map((entry) => [entry.finding.fingerprint, entry.reason]));
  const sha = `\`${headSha.slice(0, 7)}\``;
  const resolutions: ThreadResolution[] = [];
  for (const thread of threads) {
    const first = thread.firstComment;
    if (thread.isResolved || first === undefined || !first.authorIsBot) continue;
    if (!reviewed.analysedFiles.has(thread.path)) continue;
    const fingerprint = fingerprintFromComment(first.body);
    if (fingerprint === undefined || current.has(fingerprint)) continue;
    const reason = suppressed.get(fingerprint);
    const reply =
      reason === undefined
        ? `Fixed in ${sha}: this finding is no longer reported. 🎉`
        : `Accepted in ${sha} with an \`api-security-review-ignore\` comment: ${escapeText(clip(reason, 300))}`;
    resolutions.push({ threadId: thread.id, commentId: first.databaseId, reply });
  }
  return resolutions;
}

async function resolveFixedThreads(
  octokit: GitHubClient,
  ref: RepoRef & { pullNumber: number; headSha: string },
  reviewed: ReviewedChange,
  log: Logger,
): Promise<void> {
  const threads = await listReviewThreads(octokit, ref);
  for (const resolution of planThreadResolutions(threads, reviewed, ref.headSha)) {
    try {
      await replyToReviewComment(octokit, { owner: ref.owner, repo: ref.repo, pullNumber: ref.pullNumber, commentId: resolution.commentId, body: resolution.reply });
      await resolveReviewThread(octokit, resolution.threadId);
      log.info({ threadId: resolution.threadId }, 'resolved the thread of a fixed finding');
    } catch (error) {
      log.warn({ err: error, threadId: resolution.threadId }, `could not resolve a thread: ${describeGitHubError(error)}`);
    }
  }
}

/**
 * `skip_drafts: true`. A `success` run rather than none: a required check
 * must never stay "Expected", and `neutral` is reserved (contract) for a
 * review that could not run. Merging is not opened by this: GitHub does not
 * merge a draft, and marking it ready fires `ready_for_review`, whose review
 * of the same commit replaces this run's verdict.
 */
function skippedDraftOutput(): CheckRunOutputFields {
  return {
    title: 'Skipped: draft pull request',
    summary:
      'This repository sets `skip_drafts: true`, so draft pull requests are not reviewed. The review runs when the pull request is marked ready for review.',
    annotations: [],
  };
}

interface ReviewDeadline {
  /** Aborted when the reading budget is spent: reads in flight stop, files not yet analysed are skipped. */
  budgetSignal: AbortSignal;
  /** Epoch milliseconds when the reading budget ends. */
  budgetEndsAt: number;
  /** Aborted at 1.5 times the budget: every request stops and the run is completed `neutral`. */
  hardSignal: AbortSignal;
  timeoutMs: number;
  /** Reading is over: from now on requests are bound by the hard deadline only. */
  finish(): void;
  /** Lets the final check-run update through after the deadline. */
  release(): void;
}

/**
 * The deadlines of one review, applied to each of its requests, so that a
 * hung call cannot hold a queue slot: while reading, the budget; while
 * writing the verdict, the hard deadline.
 */
function startDeadline(octokit: GitHubClient, timeoutMs: number): ReviewDeadline {
  const budget = new AbortController();
  const hard = new AbortController();
  let phase: 'reading' | 'writing' | 'released' = 'reading';
  const budgetTimer = setTimeout(() => budget.abort(abortError(`the review's time budget of ${formatDuration(timeoutMs)} was spent`)), timeoutMs);
  const hardTimer = setTimeout(() => hard.abort(abortError(`review stopped after ${formatDuration(hardDeadlineMs(timeoutMs))}`)), hardDeadlineMs(timeoutMs));
  octokit.hook.before('request', (options) => {
    if (phase === 'released') return;
    // The budget always fires first, so while reading it is the only signal needed.
    options.request = { ...options.request, signal: phase === 'reading' ? budget.signal : hard.signal };
  });
  return {
    budgetSignal: budget.signal,
    budgetEndsAt: Date.now() + timeoutMs,
    hardSignal: hard.signal,
    timeoutMs,
    finish() {
      if (phase === 'reading') phase = 'writing';
    },
    release() {
      phase = 'released';
      clearTimeout(budgetTimer);
      clearTimeout(hardTimer);
    },
  };
}

function abortError(message: string): Error {
  return Object.assign(new Error(message), { name: 'AbortError' });
}

/** A request or step stopped by one of the review's deadlines. */
function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function skipPosture(result: AnalysisResult): undefined {
  result.errors.push({ file: '(base branch)', message: "not compared with the base branch: the review's time budget was spent" });
  return undefined;
}

/** A reason the review cannot go on, written for the check run as it is. */
class ReviewCannotRun extends Error {}

/** The review was overtaken (head moved, PR closed or gone): its run is completed `neutral`, nothing is posted. */
class ReviewAbandoned extends Error {}

function dropped(log: Logger, job: ReviewJob, error: unknown): ReviewOutcome {
  const reason = `installation ${job.installationId} can no longer act (${describeGitHubError(error)}): the app was uninstalled or its token revoked`;
  // Once, as a warning: nothing is broken on our side and nothing will retry.
  log.warn(`review job dropped: ${reason}`);
  return { kind: 'dropped', reason };
}

function failureReason(error: unknown): string {
  if (error instanceof ReviewCannotRun) return error.message;
  if (httpStatusOf(error) !== undefined) return describeGitHubError(error);
  return `internal error: ${clip(errorMessage(error), 500)}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


function notRun(log: Logger, reason: string): ReviewOutcome {
  log.info(`review not run: ${reason}`);
  return { kind: 'not-run', reason };
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

/** The posture diff of a PR whose base commit is known; none otherwise. */
async function postureOfPullRequest(input: Omit<PostureInput, 'baseSha'> & { baseSha: string | undefined }, result: AnalysisResult): Promise<PostureReview | undefined> {
  if (input.baseSha === undefined) return undefined;
  return mergePostureInto({ ...input, baseSha: input.baseSha }, result);
}
