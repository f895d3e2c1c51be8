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
import { endpointName, type AnalysisResult, type Finding, type SkippedFile } from '../../checks/model.js';
import { loadRepoConfig } from '../config/load-config.js';
import { parsePatch, type FileChanges } from '../diff/changed-lines.js';
import { completeCheckRun, createCheckRun, type CheckRunConclusion, type CheckRunOutputFields } from '../github/check-runs.js';
import { describeGitHubError, httpStatusOf, type GitHubClient, type RepoRef } from '../github/client.js';
import { readFilesAtRef, type FileFetch } from '../github/file-contents.js';
import { listPullRequestFiles } from '../github/pull-request-files.js';
import { getPullRequest, type PullRequestSnapshot } from '../github/pull-requests.js';
import { listReviewThreads, replyToReviewComment, resolveReviewThread, type ReviewThread } from '../github/review-threads.js';
import { createReview, listReviewComments } from '../github/reviews.js';
import { renderCheckRunOutput, renderConfigErrorOutput, renderFailureOutput, renderNoApiChangesOutput, renderReviewBody } from '../render/check-run-output.js';
import { clip, escapeText } from '../render/markdown.js';
import { fingerprintFromComment } from '../render/review-comment.js';
import type { ReviewJob, ReviewWorker } from '../queue/review-queue.js';
import { analyzeFiles, type AnalyzeOptions, type SourceInput } from './analyze-files.js';
import { decodeSource } from './decode-source.js';
import { planReview, type ReviewPlan } from './plan-review.js';
import { createPathFilter } from './select-files.js';
import { loadWaivers, todayUtc } from './waiver-store.js';
import { createRefReader } from './ref-reader.js';
import { reviewPosture, type PostureInput, type PostureReview } from './review-posture.js';
import { CHECKLIST } from '../../checks/checklist.js';
import { applyWaivers } from './waivers.js';

/** A review that has not finished by then is stopped and reported `neutral`. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 5 * 60_000;

export interface ReviewOptions {
  /** The checks to run; the registry by default (tests inject a throwing one). */
  checks?: readonly Check[];
  /** Deadline for the whole review, in milliseconds. */
  timeoutMs?: number;
}

export interface ReviewDependencies extends ReviewOptions {
  octokit: GitHubClient;
  log: Logger;
}

/** How a job ended, for the log line that closes it (and for tests). */
export type ReviewOutcome =
  | { kind: 'not-run'; reason: string }
  | { kind: 'completed'; conclusion: CheckRunConclusion; title: string }
  | { kind: 'check-run-failed'; reason: string };

/**
 * The queue's worker: authenticates as the job's installation (jobs carry
 * ids, never tokens) and runs the review with a logger bound to the repo,
 * the PR, the head and the webhook delivery.
 */
export function createReviewWorker(app: Probot, options: ReviewOptions = {}): ReviewWorker {
  return async (job) => {
    const log = app.log.child({
      repo: `${job.owner}/${job.repo}`,
      pr: job.pullNumber,
      headSha: job.headSha,
      trigger: job.trigger,
      deliveryId: job.deliveryId,
    });
    let octokit: GitHubClient;
    try {
      octokit = (await app.auth(job.installationId)) as GitHubClient;
    } catch (error) {
      log.error({ err: error }, `cannot authenticate as installation ${job.installationId}: ${describeGitHubError(error)}`);
      return;
    }
    const outcome = await runReview(job, { ...options, octokit, log });
    log.info({ outcome }, 'review job finished');
  };
}

/** Runs one review. Never throws: every failure ends in the check run or, failing that, in the log. */
export async function runReview(job: ReviewJob, deps: ReviewDependencies): Promise<ReviewOutcome> {
  const { octokit, log } = deps;
  const repo: RepoRef = { owner: job.owner, repo: job.repo };

  // The PR as it is now, not as the (possibly old) webhook described it.
  let pullRequest: PullRequestSnapshot | undefined;
  let pullRequestError: unknown;
  try {
    pullRequest = await getPullRequest(octokit, { ...repo, pullNumber: job.pullNumber });
  } catch (error) {
    pullRequestError = error;
  }
  if (pullRequest?.state === 'closed') return notRun(log, 'the pull request is closed');
  if (pullRequest !== undefined && pullRequest.headSha !== job.headSha) {
    // A newer push has (or will get) its own job; lines of this commit no longer match the PR's diff.
    return notRun(log, `the pull request's head moved to ${pullRequest.headSha.slice(0, 7)}`);
  }

  let checkRunId: number;
  try {
    checkRunId = await createCheckRun(octokit, { ...repo, headSha: job.headSha, summary: 'The API security review of this commit is running.' });
  } catch (error) {
    const reason = describeGitHubError(error);
    log.error({ err: error }, `cannot create the check run: ${reason}`);
    return { kind: 'check-run-failed', reason };
  }

  const deadline = startDeadline(octokit, deps.timeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS);
  let completed: { conclusion: CheckRunConclusion; output: CheckRunOutputFields; result?: ReviewedChange };
  try {
    if (pullRequest === undefined) throw pullRequestError;
    completed = await reviewPullRequest(job, pullRequest, checkRunId, deps, deadline.signal);
  } catch (error) {
    deadline.release();
    const reason = deadline.signal.aborted ? `the review did not finish within ${formatDuration(deadline.timeoutMs)} and was stopped` : failureReason(error);
    log.error({ err: error }, `review failed: ${reason}`);
    const output = renderFailureOutput(reason);
    try {
      await completeCheckRun(octokit, { ...repo, checkRunId, conclusion: 'neutral', output });
      return { kind: 'completed', conclusion: 'neutral', title: output.title };
    } catch (completionError) {
      log.error({ err: completionError }, `cannot complete the check run ${checkRunId}: ${describeGitHubError(completionError)}`);
      return { kind: 'check-run-failed', reason };
    }
  }
  deadline.release();

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
  job: ReviewJob,
  pullRequest: PullRequestSnapshot,
  checkRunId: number,
  deps: ReviewDependencies,
  signal: AbortSignal,
): Promise<{ conclusion: CheckRunConclusion; output: CheckRunOutputFields; result?: ReviewedChange }> {
  const { octokit, log } = deps;
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const complete = async (conclusion: CheckRunConclusion, output: CheckRunOutputFields, result?: ReviewedChange) => {
    signal.throwIfAborted();
    await completeCheckRun(octokit, { ...repo, checkRunId, conclusion, output });
    return { conclusion, output, result };
  };

  const loaded = await loadRepoConfig(octokit, repo);
  if (!loaded.ok) {
    log.info({ issues: loaded.issues.length }, 'invalid configuration; review not run');
    return complete('failure', renderConfigErrorOutput(loaded.path, loaded.issues));
  }
  const config = loaded.config;
  if (pullRequest.draft && config.skip_drafts) return complete('success', skippedDraftOutput());

  const files = await listPullRequestFiles(octokit, { ...repo, pullNumber: job.pullNumber });
  const inScope = createPathFilter(config);
  const selected = files.filter((file) => file.status !== 'removed' && inScope(file.path));
  const changes = new Map<string, FileChanges | undefined>(selected.map((file) => [file.path, parsePatchSafely(file.patch)]));

  // Fork PRs: the head commit's files live in the fork.
  const source: RepoRef = pullRequest.headRepo ?? repo;
  const fetched = await readFilesAtRef(octokit, { ...source, sha: job.headSha, paths: [...changes.keys()] });
  signal.throwIfAborted();
  const { inputs, skipped, fetchErrors } = toSourceInputs(fetched, changes);
  if (inputs.length === 0 && fetchErrors > 0) {
    throw new ReviewCannotRun(`none of the ${fetchErrors} changed source files could be fetched (${skipped[0]?.reason ?? 'unknown error'})`);
  }

  const reader = createRefReader(octokit, { ...source, sha: job.headSha });
  const analysis = await analyzeIsolated(inputs, { config, context: reader, checks: deps.checks }, log);
  signal.throwIfAborted();
  const reviewed0: AnalysisResult = { ...analysis, skipped: [...skipped, ...analysis.skipped] };

  // The posture diff: the same files at the base commit, so that a control this PR removes is a finding
  // even where the endpoint's own lines did not change.
  const removedInScope = files.filter((file) => file.status === 'removed' && inScope(file.path));
  const posture = await postureOf(
    { octokit, repo, baseSha: pullRequest.baseSha, files: [...selected, ...removedInScope], changes, headInputs: inputs, headReader: reader, config, checks: deps.checks, log },
    reviewed0,
  );
  signal.throwIfAborted();

  // Risks accepted with `/security-review accept` (kept in the app's comment on the PR) turn their findings into accepted risks.
  const today = todayUtc();
  const { waivers } = await loadWaivers(octokit, { ...repo, pullNumber: job.pullNumber });
  const result: AnalysisResult = applyWaivers(reviewed0, waivers, today);

  const comments = await listReviewComments(octokit, { ...repo, pullNumber: job.pullNumber });
  // Only an app's comment counts: a human who pastes our marker must not silence a finding.
  const posted = new Set(comments.filter((comment) => comment.authorType === 'Bot').map((comment) => fingerprintFromComment(comment.body)).filter(isString));
  const commentable = new Map<string, ReadonlySet<number>>();
  for (const input of inputs) {
    const lines = changes.get(input.path)?.commentable;
    if (lines !== undefined) commentable.set(input.path, lines);
  }
  const removedControls = posture === undefined ? [] : removedControlComments(posture, result);
  const planInput = { result, commentable, postedFingerprints: posted, maxComments: config.max_comments, failOn: config.fail_on, inlineMinSeverity: config.inline_min_severity, removedControls };
  let plan = planReview(planInput);
  const linkBase = pullRequest.headHtmlUrl === undefined ? undefined : `${pullRequest.headHtmlUrl}/blob/${job.headSha}/`;

  if (plan.inline.length > 0 || plan.overBudget.length > 0) {
    signal.throwIfAborted();
    plan = await postReview(octokit, { ...repo, pullNumber: job.pullNumber, headSha: job.headSha, linkBase }, plan, () => planReview({ ...planInput, commentable: new Map(), removedControls: [] }), log);
  }

  const reviewed: ReviewedChange = { result, analysedFiles: analysedFilesOf(inputs, result), postedFingerprints: posted };
  if (result.endpoints.length === 0 && result.findings.length === 0 && result.errors.length === 0) {
    return complete('success', renderNoApiChangesOutput({ reviewedFiles: inputs.length, skipped: result.skipped }), reviewed);
  }
  const accepted = { waivers, today, newSuppressions: result.suppressed.filter((entry) => entry.waiver === undefined && changes.get(entry.finding.file)?.added.has(entry.line) === true) };
  const output = renderCheckRunOutput({ result, plan, failOn: config.fail_on, headSha: job.headSha, linkBase, reviewedFiles: inputs.length, accepted, posture: posture?.diff });
  return complete(plan.conclusion, output, reviewed);
}

/**
 * Posts the review. Should GitHub still refuse a line (422: the diff changed
 * under us, or a line we misjudged), the review is not worth failing the
 * check run for: the findings stay in the check run as "outside the diff",
 * which is what the returned plan says.
 */
async function postReview(
  octokit: GitHubClient,
  ref: RepoRef & { pullNumber: number; headSha: string; linkBase?: string },
  plan: ReviewPlan,
  planWithoutInline: () => ReviewPlan,
  log: Logger,
): Promise<ReviewPlan> {
  try {
    await createReview(octokit, {
      owner: ref.owner,
      repo: ref.repo,
      pullNumber: ref.pullNumber,
      commitId: ref.headSha,
      body: renderReviewBody(plan, { linkBase: ref.linkBase }),
      comments: plan.inline.map((comment) => ({ path: comment.path, line: comment.line, startLine: comment.startLine, body: comment.body, ...(comment.side === 'LEFT' ? { side: 'LEFT' as const } : {}) })),
    });
    log.info({ comments: plan.inline.length, overBudget: plan.overBudget.length }, 'review posted');
    return plan;
  } catch (error) {
    if (httpStatusOf(error) !== 422) throw error;
    log.warn({ err: error }, `GitHub refused the review's inline comments; findings stay in the check run: ${describeGitHubError(error)}`);
    return planWithoutInline();
  }
}

function toSourceInputs(
  fetched: readonly FileFetch[],
  changes: ReadonlyMap<string, FileChanges | undefined>,
): { inputs: SourceInput[]; skipped: SkippedFile[]; fetchErrors: number } {
  const inputs: SourceInput[] = [];
  const skipped: SkippedFile[] = [];
  let fetchErrors = 0;
  for (const entry of fetched) {
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

/** A patch GitHub sent but the parser cannot read counts as absent: whole file changed, no inline comments. */
function parsePatchSafely(patch: string | undefined): FileChanges | undefined {
  try {
    return parsePatch(patch);
  } catch {
    return undefined;
  }
}


/**
 * The posture diff, merged into the review: endpoints that got worse join
 * the result (with their findings) even when their lines did not change.
 * A failure costs the posture section only, reported as an analysis error.
 */
async function postureOf(input: Omit<PostureInput, 'baseSha'> & { baseSha: string | undefined }, result: AnalysisResult): Promise<PostureReview | undefined> {
  if (input.baseSha === undefined) return undefined;
  let posture: PostureReview;
  try {
    posture = await reviewPosture({ ...input, baseSha: input.baseSha });
  } catch (error) {
    input.log.warn({ err: error }, 'posture diff failed');
    result.errors.push({ file: '(base branch)', message: `the comparison with the base branch could not be made: ${describeGitHubError(error)}` });
    return undefined;
  }
  for (const entry of posture.unavailable) result.errors.push({ file: entry.file, message: `not compared with the base branch: ${entry.reason}` });
  const known = new Set(result.findings.map((finding) => finding.fingerprint));
  for (const change of posture.diff.worse) {
    for (const finding of change.findings) {
      if (known.has(finding.fingerprint)) continue;
      known.add(finding.fingerprint);
      result.findings.push(finding);
    }
    const listed = result.endpoints.some((endpoint) => endpoint.file === change.report.file && endpoint.line === change.report.line && endpointName(endpoint) === change.endpoint.name);
    if (!listed) result.endpoints.push(change.report);
  }
  return posture;
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

/**
 * The deadline of one review: when it passes, the job's in-flight and later
 * requests are aborted, so a hung call cannot hold a queue slot. `release`
 * lets the final check-run update through after the deadline.
 */
function startDeadline(octokit: GitHubClient, timeoutMs: number): { signal: AbortSignal; timeoutMs: number; release(): void } {
  const controller = new AbortController();
  let active = true;
  const timer = setTimeout(() => controller.abort(new Error(`review timed out after ${formatDuration(timeoutMs)}`)), timeoutMs);
  octokit.hook.before('request', (options) => {
    if (active) options.request = { ...options.request, signal: controller.signal };
  });
  return {
    signal: controller.signal,
    timeoutMs,
    release() {
      active = false;
      clearTimeout(timer);
    },
  };
}

/** A reason the review cannot go on, written for the check run as it is. */
class ReviewCannotRun extends Error {}

function failureReason(error: unknown): string {
  if (error instanceof ReviewCannotRun) return error.message;
  if (httpStatusOf(error) !== undefined) return describeGitHubError(error);
  return `internal error: ${clip(errorMessage(error), 500)}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function notRun(log: Logger, reason: string): ReviewOutcome {
  log.info(`review not run: ${reason}`);
  return { kind: 'not-run', reason };
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}
