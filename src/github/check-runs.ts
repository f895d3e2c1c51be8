import { randomUUID } from 'node:crypto';
import type { CheckAnnotation } from '../render/annotations.js';
import type { GitHubClient, RepoRef } from './client.js';
import { createExactlyOnce, NO_PLUGIN_RETRY } from './create-exactly-once.js';

/** **Contract**: branch protection rules require the check by this name. */
export const CHECK_RUN_NAME = 'API Security Review';

/** The Checks API takes at most 50 annotations per request; more are sent in follow-up updates. */
export const ANNOTATIONS_PER_REQUEST = 50;

export type CheckRunConclusion = 'success' | 'failure' | 'neutral';

/** The output of a completed run, in the Checks API's shape. */
export interface CheckRunOutputFields {
  title: string;
  summary: string;
  text?: string;
  annotations: readonly CheckAnnotation[];
}

/**
 * Opens the run on the head commit, in progress (`POST /repos/{owner}/{repo}/check-runs`);
 * returns its id. Exactly once: a fresh `external_id` tags the run, and after
 * a server error the commit's runs are searched for it before trying again
 * (a second run would leave the first "in progress" forever).
 */
export async function createCheckRun(octokit: GitHubClient, ref: RepoRef & { headSha: string; summary: string; retryBaseMs?: number }): Promise<number> {
  const externalId = `api-security-review:${randomUUID()}`;
  return createExactlyOnce({
    baseDelayMs: ref.retryBaseMs,
    create: async () => {
      const { data } = await octokit.rest.checks.create({
        owner: ref.owner,
        repo: ref.repo,
        name: CHECK_RUN_NAME,
        head_sha: ref.headSha,
        external_id: externalId,
        status: 'in_progress',
        started_at: new Date().toISOString(),
        output: { title: 'Reviewing API changes', summary: ref.summary },
        request: NO_PLUGIN_RETRY,
      });
      return data.id;
    },
    findCreated: async () => {
      const runs = await octokit.paginate(octokit.rest.checks.listForRef, { owner: ref.owner, repo: ref.repo, ref: ref.headSha, check_name: CHECK_RUN_NAME, filter: 'all', per_page: 100 });
      return runs.find((run) => run.external_id === externalId)?.id;
    },
  });
}

export interface CheckRunState {
  status: string;
  conclusion: string | null;
  headSha: string;
}

/** `GET /repos/{owner}/{repo}/check-runs/{check_run_id}`. Throws on any error. */
export async function getCheckRun(octokit: GitHubClient, ref: RepoRef & { checkRunId: number }): Promise<CheckRunState> {
  const { data } = await octokit.rest.checks.get({ owner: ref.owner, repo: ref.repo, check_run_id: ref.checkRunId });
  return { status: data.status, conclusion: data.conclusion, headSha: data.head_sha };
}

/**
 * The open pull requests GitHub lists on a check run (`pull_requests` of its
 * response): those whose head is the run's commit or whose head branch is the
 * run's branch, with their head as it is now. Empty for fork PRs (GitHub
 * leaves them out), which is why a caller needs a fallback.
 */
export interface CheckRunPullRequest {
  number: number;
  headSha: string;
}

/**
 * Completes the run with its conclusion, output and the first 50 annotations,
 * then appends the rest 50 at a time (GitHub appends annotations on each
 * update; title, summary and text are sent again because `output` requires
 * them). Returns the pull requests the completing response lists: the
 * pull request's head as of this moment, at no extra request.
 */
export async function completeCheckRun(
  octokit: GitHubClient,
  ref: RepoRef & { checkRunId: number; conclusion: CheckRunConclusion; output: CheckRunOutputFields },
): Promise<CheckRunPullRequest[]> {
  const { annotations, ...texts } = ref.output;
  const batches = chunk(annotations, ANNOTATIONS_PER_REQUEST);
  const { data } = await octokit.rest.checks.update({
    owner: ref.owner,
    repo: ref.repo,
    check_run_id: ref.checkRunId,
    status: 'completed',
    conclusion: ref.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...texts, annotations: batches[0] ?? [] },
  });
  for (const batch of batches.slice(1)) {
    await octokit.rest.checks.update({
      owner: ref.owner,
      repo: ref.repo,
      check_run_id: ref.checkRunId,
      output: { ...texts, annotations: batch },
    });
  }
  return pullRequestsOf(data);
}

/**
 * Rewrites a completed run's texts (and its conclusion, when given) without
 * adding annotations: those the completion sent stay, since every update
 * would append its annotations again.
 */
export async function reviseCheckRun(
  octokit: GitHubClient,
  ref: RepoRef & { checkRunId: number; conclusion?: CheckRunConclusion; output: Omit<CheckRunOutputFields, 'annotations'> },
): Promise<void> {
  await octokit.rest.checks.update({
    owner: ref.owner,
    repo: ref.repo,
    check_run_id: ref.checkRunId,
    ...(ref.conclusion === undefined ? {} : { conclusion: ref.conclusion }),
    output: { title: ref.output.title, summary: ref.output.summary, ...(ref.output.text === undefined ? {} : { text: ref.output.text }) },
  });
}

function pullRequestsOf(data: unknown): CheckRunPullRequest[] {
  const listed = (data as { pull_requests?: unknown } | undefined)?.pull_requests;
  if (!Array.isArray(listed)) return [];
  return listed
    .map((pull: { number?: unknown; head?: { sha?: unknown } }) => ({ number: pull?.number, headSha: pull?.head?.sha }))
    .filter((pull): pull is CheckRunPullRequest => typeof pull.number === 'number' && typeof pull.headSha === 'string');
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
