/**
 * The base side of the posture diff: fetch the base version of each changed
 * API file, analyse both versions whole (every endpoint, not only the
 * changed ones: a control removed elsewhere in the file changes endpoints
 * whose lines did not change), and compare them.
 */
import type { Logger } from 'pino';
import type { Check } from '../../checks/create-check.js';
import { endpointName, type AnalysisResult } from '../../checks/model.js';
import type { ContextFileReader } from '../../checks/project-context.js';
import type { Config } from '../config/schema.js';
import type { FileChanges } from '../diff/changed-lines.js';
import { describeGitHubError, type GitHubClient, type RepoRef } from '../github/client.js';
import { readFilesAtRef } from '../github/file-contents.js';
import type { PullRequestFile } from '../github/pull-request-files.js';
import { analyzeFiles, type AnalyzeOptions, type SourceInput } from './analyze-files.js';
import { decodeSource } from './decode-source.js';
import { comparePosture, type PostureDiff } from './posture.js';
import { createRefReader } from './ref-reader.js';
import { isSupportedSource } from './select-files.js';

/** Base files fetched for the posture at most: one request each. */
const MAX_BASE_FILES = 50;
const HAD_A_BASE_VERSION = new Set(['modified', 'renamed', 'removed', 'changed', 'copied']);

export interface PostureInput {
  octokit: GitHubClient;
  /** The base repository (never the fork). */
  repo: RepoRef;
  baseSha: string;
  /** The PR's files in scope (removed ones included). */
  files: readonly PullRequestFile[];
  changes: ReadonlyMap<string, FileChanges | undefined>;
  /** The head versions, as analysed for the review. */
  headInputs: readonly SourceInput[];
  headReader: ContextFileReader;
  config: Config;
  checks?: readonly Check[];
  /** Worker threads and the result cache (the app). */
  analysis?: Pick<AnalyzeOptions, 'pool' | 'cache'>;
  log: Pick<Logger, 'warn'>;
}

export interface PostureReview {
  diff: PostureDiff;
  /** The head version analysed whole: the reports and findings of endpoints that got worse come from here. */
  headFull: AnalysisResult;
  /** Base path of each renamed head path, to put LEFT comments on the head path. */
  headPathOf: ReadonlyMap<string, string>;
  /** Base files that could not be compared, with the reason. */
  unavailable: { file: string; reason: string }[];
}

export async function reviewPosture(input: PostureInput): Promise<PostureReview> {
  const renames = new Map<string, string>();
  const headPathOf = new Map<string, string>();
  const deletedLines = new Map<string, ReadonlySet<number>>();
  const basePaths: string[] = [];
  for (const file of input.files) {
    if (!HAD_A_BASE_VERSION.has(file.status) || !isSupportedSource(file.path)) continue;
    const basePath = file.previousPath ?? file.path;
    if (file.previousPath !== undefined) renames.set(file.path, file.previousPath);
    headPathOf.set(basePath, file.path);
    const deleted = input.changes.get(file.path)?.deleted;
    if (deleted !== undefined) deletedLines.set(basePath, deleted);
    if (basePaths.length < MAX_BASE_FILES) basePaths.push(basePath);
  }
  const fetched = basePaths.length === 0 ? [] : await readFilesAtRef(input.octokit, { ...input.repo, sha: input.baseSha, paths: basePaths });
  const baseInputs: SourceInput[] = [];
  const unavailable: { file: string; reason: string }[] = [];
  for (const entry of fetched) {
    if ('error' in entry) {
      unavailable.push({ file: entry.path, reason: `its base version could not be fetched (${describeGitHubError(entry.error)})` });
      continue;
    }
    if (entry.file.status !== 'found') {
      if (entry.file.status === 'unreadable') unavailable.push({ file: entry.path, reason: `its base version is unreadable (${entry.file.reason})` });
      continue;
    }
    const decoded = decodeSource(entry.file.bytes);
    if (decoded.ok) baseInputs.push({ path: entry.path, text: decoded.text });
    else unavailable.push({ file: entry.path, reason: `its base version is unreadable (${decoded.reason})` });
  }
  const baseReader = createRefReader(input.octokit, { ...input.repo, sha: input.baseSha });
  const [base, headFull] = await Promise.all([
    analyzeFiles(baseInputs, { config: input.config, context: baseReader, checks: input.checks, ...input.analysis }),
    analyzeFiles(
      input.headInputs.map(({ path, text }) => ({ path, text })),
      { config: input.config, context: input.headReader, checks: input.checks, ...input.analysis },
    ),
  ]);
  // A file whose base version could not be read is left out of the comparison (its endpoints are not "added").
  const skippedHead = new Set(unavailable.map((entry) => headPathOf.get(entry.file) ?? entry.file));
  const comparable = { ...headFull, endpoints: headFull.endpoints.filter((endpoint) => !skippedHead.has(endpoint.file)) };
  return { diff: comparePosture(base, comparable, renames, deletedLines), headFull, headPathOf, unavailable };
}

/**
 * The posture diff, merged into a review's result: endpoints that got worse
 * join it (with their findings) even when their lines did not change. A
 * failure costs the comparison only, reported as an analysis error. The App
 * and the Action both review this way.
 */
export async function mergePostureInto(input: PostureInput, result: AnalysisResult): Promise<PostureReview | undefined> {
  let posture: PostureReview;
  try {
    posture = await reviewPosture(input);
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
