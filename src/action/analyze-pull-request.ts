/**
 * The review of a pull request with reads only: the configuration from the
 * default branch, the changed files at the head commit, the engine, the
 * waivers, and the same check-run text the App would post. The action uses
 * it where it cannot post (a fork's read-only token) and for SARIF; with a
 * writing token the App's own job (`runReview`) posts the review.
 *
 * Nothing is commented inline here, so the plan has no commentable lines:
 * every finding is listed in the summary and becomes an annotation. The
 * posture diff is merged as the App's job merges it (`postureOf` in
 * run-review.ts): an endpoint that got worse joins the result with its
 * findings, even where its own lines did not change.
 */
import type { Logger } from 'pino';
import type { Check } from '../../checks/create-check.js';
import { type AnalysisResult, type SkippedFile } from '../../checks/model.js';
import { loadRepoConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { parsePatchSafely, type FileChanges } from '../diff/changed-lines.js';
import type { GitHubClient, RepoRef } from '../github/client.js';
import { describeGitHubError } from '../github/client.js';
import { readFilesAtRef } from '../github/file-contents.js';
import { listPullRequestFiles, type PullRequestFile } from '../github/pull-request-files.js';
import { getPullRequest } from '../github/pull-requests.js';
import { renderCheckRunOutput, renderConfigErrorOutput, renderNoApiChangesOutput, type CheckRunOutput } from '../render/check-run-output.js';
import type { SourceInput } from '../review/analyze-files.js';
import { decodeSource } from '../review/decode-source.js';
import { planReview, type ReviewPlan } from '../review/plan-review.js';
import { createRefReader } from '../review/ref-reader.js';
import { mergePostureInto } from '../review/review-posture.js';
import { analyzeIsolated } from '../review/run-review.js';
import { createPathFilter } from '../review/select-files.js';
import { loadWaivers, todayUtc } from '../review/waiver-store.js';
import { applyWaivers } from '../review/waivers.js';

export type PullRequestAnalysis =
  | { kind: 'config-error'; output: CheckRunOutput }
  | { kind: 'skipped-draft' }
  | { kind: 'reviewed'; config: Config; result: AnalysisResult; plan: ReviewPlan; output: CheckRunOutput };

export interface AnalyzePullRequestOptions {
  checks?: readonly Check[];
  log: Logger;
}

/** Throws only for GitHub errors (the pull request or its files cannot be read). */
export async function analyzePullRequest(
  octokit: GitHubClient,
  ref: RepoRef & { pullNumber: number; headSha: string },
  options: AnalyzePullRequestOptions,
): Promise<PullRequestAnalysis> {
  const repo: RepoRef = { owner: ref.owner, repo: ref.repo };
  const pullRequest = await getPullRequest(octokit, { ...repo, pullNumber: ref.pullNumber });
  const loaded = await loadRepoConfig(octokit, repo);
  if (!loaded.ok) return { kind: 'config-error', output: renderConfigErrorOutput(loaded.path, loaded.issues) };
  const config = loaded.config;
  if (pullRequest.draft && config.skip_drafts) return { kind: 'skipped-draft' };

  const files = await listPullRequestFiles(octokit, { ...repo, pullNumber: ref.pullNumber });
  const inScope = createPathFilter(config);
  const changes = new Map<string, FileChanges | undefined>(
    files.filter((file) => file.status !== 'removed' && inScope(file.path)).map((file) => [file.path, parsePatchSafely(file.patch)]),
  );
  // Fork PRs: the head commit's files live in the fork.
  const source: RepoRef = pullRequest.headRepo ?? repo;
  const inputs: SourceInput[] = [];
  const skipped: SkippedFile[] = [];
  for (const entry of await readFilesAtRef(octokit, { ...source, sha: ref.headSha, paths: [...changes.keys()] })) {
    if ('error' in entry) skipped.push({ file: entry.path, reason: `could not be fetched: ${describeGitHubError(entry.error)}` });
    else if (entry.file.status === 'missing') skipped.push({ file: entry.path, reason: 'not found at the head commit' });
    else if (entry.file.status === 'unreadable') skipped.push({ file: entry.path, reason: entry.file.reason });
    else {
      const decoded = decodeSource(entry.file.bytes);
      if (!decoded.ok) {
        skipped.push({ file: entry.path, reason: decoded.reason });
        continue;
      }
      const changed = changes.get(entry.path)?.changed;
      inputs.push({ path: entry.path, text: decoded.text, ...(changed === undefined ? {} : { changedLines: changed }) });
    }
  }

  const headReader = createRefReader(octokit, { ...source, sha: ref.headSha });
  const analysis = await analyzeIsolated(inputs, { config, context: headReader, checks: options.checks }, options.log);
  const head: AnalysisResult = { ...analysis, skipped: [...skipped, ...analysis.skipped] };
  const inScopeFiles = files.filter((file) => inScope(file.path));
  const posture =
    pullRequest.baseSha === undefined
      ? undefined
      : await mergePostureInto({ octokit, repo, baseSha: pullRequest.baseSha, files: inScopeFiles, changes, headInputs: inputs, headReader, config, checks: options.checks, log: options.log }, head);
  const today = todayUtc();
  const { waivers } = await loadWaivers(octokit, { ...repo, pullNumber: ref.pullNumber });
  const result = applyWaivers(head, waivers, today);
  const plan = planReview({
    result,
    commentable: new Map(),
    postedFingerprints: new Set(),
    maxComments: config.max_comments,
    failOn: config.fail_on,
    inlineMinSeverity: config.inline_min_severity,
  });
  const linkBase = pullRequest.headHtmlUrl === undefined ? undefined : `${pullRequest.headHtmlUrl}/blob/${ref.headSha}/`;
  const output =
    result.endpoints.length === 0 && result.findings.length === 0 && result.errors.length === 0
      ? renderNoApiChangesOutput({ reviewedFiles: inputs.length, skipped: result.skipped })
      : renderCheckRunOutput({
          result,
          plan,
          failOn: config.fail_on,
          headSha: ref.headSha,
          linkBase,
          reviewedFiles: inputs.length,
          accepted: { waivers, today, newSuppressions: result.suppressed.filter((entry) => entry.waiver === undefined && changes.get(entry.finding.file)?.added.has(entry.line) === true) },
          posture: posture?.diff,
        });
  return { kind: 'reviewed', config, result, plan, output };
}

