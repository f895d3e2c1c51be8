/**
 * The GitHub Action: the App's review of the workflow's pull request, posted
 * with the workflow's token (the same check run and review as the App,
 * through `runReview`), or, where the token cannot write (a fork's
 * `pull_request` run, or a 403 on creating the check run), the same
 * checklist as workflow annotations and the job summary, saying why.
 *
 * Exit codes, like the CLI's: 0 no finding at or above fail-on, 1 findings
 * at or above it, 2 the review could not run (bad inputs, not a pull
 * request event, invalid configuration, GitHub errors).
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Check } from '../../checks/create-check.js';
import { CHECKS } from '../../checks/index.js';
import { readPackageVersion } from '../cli/version.js';
import { describeGitHubError, httpStatusOf, type GitHubClient } from '../github/client.js';
import type { CheckRunOutput } from '../render/check-run-output.js';
import { buildSarifLog, serializeSarifLog } from '../render/sarif-log.js';
import type { ReviewJob } from '../queue/review-queue.js';
import { runReview, type ReviewOutcome } from '../review/run-review.js';
import { readActionInputs, type ActionInputs } from './action-inputs.js';
import { createActionOctokit } from './action-octokit.js';
import { analyzePullRequest, type PullRequestAnalysis } from './analyze-pull-request.js';
import { readPullRequestEvent, type ActionPullRequest } from './pull-request-event.js';
import { annotationCommand, messageCommand, outputLine } from './workflow-commands.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** What the action touches of its process and the runner. */
export interface ActionIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Workflow commands and progress (the runner reads commands from stdout). */
  stdout: { write(chunk: string): unknown };
  readFile(file: string): Promise<string>;
  appendFile(file: string, text: string): Promise<void>;
  /** Creates the file's directory when missing. */
  writeFile(file: string, text: string): Promise<void>;
}

/** The real files, with the given environment and stdout (the process's by default). */
export function fileSystemActionIo(env: ActionIo['env'] = process.env, stdout: ActionIo['stdout'] = process.stdout): ActionIo {
  return {
    env,
    stdout,
    readFile: (file) => readFile(file, 'utf8'),
    appendFile: (file, text) => appendFile(file, text, 'utf8'),
    async writeFile(file, text) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text, 'utf8');
    },
  };
}

export interface RunActionOptions {
  log: Logger;
  /** The checks to run; the registry by default. */
  checks?: readonly Check[];
  /** A review's time budget (tests shorten it); the App's default otherwise. */
  timeoutMs?: number;
}

/** Runs the action once and returns its exit code. Never throws. */
export async function runAction(io: ActionIo, options: RunActionOptions): Promise<number> {
  try {
    return await runActionSteps(io, options);
  } catch (error) {
    io.stdout.write(messageCommand('error', `API Security Review failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`));
    options.log.error({ err: error }, 'the action failed');
    return EXIT_ERROR;
  }
}

async function runActionSteps(io: ActionIo, options: RunActionOptions): Promise<number> {
  const { env, stdout } = io;
  const inputs = readActionInputs(env);
  if (!inputs.ok) {
    for (const problem of inputs.problems) stdout.write(messageCommand('error', `Invalid input: ${problem}`));
    return EXIT_ERROR;
  }
  const event = await readEvent(io);
  if (!event.ok) {
    stdout.write(messageCommand('error', event.problem));
    return EXIT_ERROR;
  }
  const pullRequest = event.pullRequest;
  const octokit = createActionOctokit({
    token: inputs.inputs.token,
    baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    log: options.log,
    config: { path: inputs.inputs.configPath, fail_on: inputs.inputs.failOn, max_comments: inputs.inputs.maxComments },
  });
  const refusal = recordCheckRunRefusal(octokit);
  const ref = { owner: pullRequest.owner, repo: pullRequest.repo, pullNumber: pullRequest.pullNumber, headSha: pullRequest.headSha };

  // The review with reads only: the exit code, SARIF, the job summary, and everything when nothing can be posted.
  let analysis: PullRequestAnalysis | undefined;
  let analysisError: unknown;
  try {
    analysis = await analyzePullRequest(octokit, ref, { checks: options.checks, log: options.log });
  } catch (error) {
    analysisError = error;
    options.log.warn({ err: error }, 'the pull request could not be analysed');
  }
  if (analysis?.kind === 'reviewed' && inputs.inputs.sarifFile !== undefined) await writeSarif(io, inputs.inputs, analysis);

  let readOnlyReason = pullRequest.readOnlyToken ? pullRequest.readOnlyReason : undefined;
  if (readOnlyReason === undefined) {
    const job: ReviewJob = { installationId: 0, ...ref, trigger: `action.${env.GITHUB_EVENT_NAME ?? 'pull_request'}`, deliveryId: env.GITHUB_RUN_ID };
    const outcome = await runReview(job, { octokit, log: options.log, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    if (outcome.kind === 'check-run-failed' && refusal.status === 403) {
      readOnlyReason = `the workflow's token may not create check runs (${describeGitHubError(refusal.error)}); give the job \`permissions: { checks: write, pull-requests: write, contents: read }\``;
    } else {
      return finishPosted(io, outcome, analysis);
    }
  }
  return finishReadOnly(io, readOnlyReason, analysis, analysisError);
}

/** The token could write: the check run and review are posted; the exit code and summary follow them. */
async function finishPosted(io: ActionIo, outcome: ReviewOutcome, analysis: PullRequestAnalysis | undefined): Promise<number> {
  const { stdout } = io;
  switch (outcome.kind) {
    case 'completed': {
      const summary = analysis !== undefined && 'output' in analysis ? analysis.output : undefined;
      await writeSummary(io, [`## API Security Review`, `Posted the **API Security Review** check run on this pull request: ${outcome.title}.`, ...(summary === undefined ? [] : [renderOutput(summary)])]);
      await writeOutputs(io, { conclusion: outcome.conclusion, mode: 'check-run', findings: findingsCount(analysis) });
      if (analysis?.kind === 'config-error') {
        stdout.write(messageCommand('error', `${outcome.title}: see the check run`));
        return EXIT_ERROR;
      }
      if (outcome.conclusion === 'neutral') {
        stdout.write(messageCommand('error', `The review could not run: ${outcome.title}`));
        return EXIT_ERROR;
      }
      if (outcome.conclusion === 'failure') {
        stdout.write(messageCommand('error', `API Security Review: ${outcome.title}`));
        return EXIT_FINDINGS;
      }
      return EXIT_CLEAN;
    }
    case 'not-run':
      stdout.write(messageCommand('notice', `The review did not run: ${outcome.reason}`));
      return EXIT_CLEAN;
    case 'dropped':
    case 'check-run-failed':
      stdout.write(messageCommand('error', `The review could not be posted: ${outcome.reason}`));
      return EXIT_ERROR;
  }
}

/** Nothing can be posted: annotations and the job summary carry the review, with the reason. */
async function finishReadOnly(io: ActionIo, reason: string, analysis: PullRequestAnalysis | undefined, analysisError: unknown): Promise<number> {
  const { stdout } = io;
  const why = `No check run or review was posted: ${reason}. The findings are annotations of this workflow run, and the checklist is below.`;
  stdout.write(messageCommand('warning', why));
  if (analysis === undefined) {
    stdout.write(messageCommand('error', `The pull request could not be reviewed: ${describeGitHubError(analysisError)}`));
    await writeSummary(io, ['## API Security Review', `> ⚠️ ${why}`, `The pull request could not be reviewed: ${describeGitHubError(analysisError)}`]);
    return EXIT_ERROR;
  }
  if (analysis.kind === 'skipped-draft') {
    await writeSummary(io, ['## API Security Review', 'Skipped: draft pull request (`skip_drafts: true`).']);
    return EXIT_CLEAN;
  }
  // Most severe first (the order of the output), so GitHub's per-step display limit keeps the ones that matter.
  for (const annotation of analysis.output.annotations) stdout.write(annotationCommand(annotation));
  await writeSummary(io, ['## API Security Review (read-only)', `> ⚠️ ${why}`, renderOutput(analysis.output)]);
  if (analysis.kind === 'config-error') {
    stdout.write(messageCommand('error', analysis.output.title));
    await writeOutputs(io, { conclusion: 'failure', mode: 'annotations', findings: '0' });
    return EXIT_ERROR;
  }
  await writeOutputs(io, { conclusion: analysis.plan.conclusion, mode: 'annotations', findings: findingsCount(analysis) });
  return analysis.plan.conclusion === 'failure' ? EXIT_FINDINGS : EXIT_CLEAN;
}

async function readEvent(io: ActionIo): Promise<{ ok: true; pullRequest: ActionPullRequest } | { ok: false; problem: string }> {
  const eventPath = io.env.GITHUB_EVENT_PATH;
  if (eventPath === undefined || eventPath === '') return { ok: false, problem: 'GITHUB_EVENT_PATH is not set: this runs as a step of a GitHub Actions workflow' };
  let payload: unknown;
  try {
    payload = JSON.parse(await io.readFile(eventPath));
  } catch (error) {
    return { ok: false, problem: `the event payload ${eventPath} cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  return readPullRequestEvent(io.env.GITHUB_EVENT_NAME, payload);
}

/** The status of a refused check-run creation, seen as it happens (runReview reports it only as text). */
function recordCheckRunRefusal(octokit: GitHubClient): { status?: number; error?: unknown } {
  const refusal: { status?: number; error?: unknown } = {};
  octokit.hook.error('request', (error, requestOptions) => {
    if (requestOptions.method === 'POST' && /\/check-runs$/.test(String(requestOptions.url))) {
      refusal.status = httpStatusOf(error);
      refusal.error = error;
    }
    throw error;
  });
  return refusal;
}

async function writeSarif(io: ActionIo, inputs: ActionInputs, analysis: Extract<PullRequestAnalysis, { kind: 'reviewed' }>): Promise<void> {
  const log = buildSarifLog({ result: analysis.result, checks: CHECKS, config: analysis.config, toolVersion: await readPackageVersion() });
  const serialized = serializeSarifLog(log);
  const target = path.resolve(io.env.GITHUB_WORKSPACE ?? process.cwd(), inputs.sarifFile!);
  await io.writeFile(target, serialized.text);
  if (serialized.notice !== undefined) io.stdout.write(messageCommand('warning', serialized.notice));
  await writeOutputs(io, { 'sarif-file': target });
}

function renderOutput(output: CheckRunOutput): string {
  return [output.summary, output.text ?? ''].filter((part) => part.trim() !== '').join('\n\n');
}

function findingsCount(analysis: PullRequestAnalysis | undefined): string {
  return analysis?.kind === 'reviewed' ? String(analysis.result.findings.length) : '';
}

async function writeSummary(io: ActionIo, parts: string[]): Promise<void> {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return;
  await io.appendFile(file, `${parts.join('\n\n')}\n`);
}

async function writeOutputs(io: ActionIo, outputs: Record<string, string>): Promise<void> {
  const file = io.env.GITHUB_OUTPUT;
  if (file === undefined || file === '') return;
  const delimiter = `asr_${randomBytes(8).toString('hex')}`;
  await io.appendFile(file, Object.entries(outputs).map(([name, value]) => outputLine(name, value, delimiter)).join(''));
}
