import type { CheckAnnotation } from '../render/annotations.js';
import type { GitHubClient, RepoRef } from './client.js';

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

/** Opens the run on the head commit, in progress (`POST /repos/{owner}/{repo}/check-runs`); returns its id. */
export async function createCheckRun(octokit: GitHubClient, ref: RepoRef & { headSha: string; summary: string }): Promise<number> {
  const { data } = await octokit.rest.checks.create({
    owner: ref.owner,
    repo: ref.repo,
    name: CHECK_RUN_NAME,
    head_sha: ref.headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    output: { title: 'Reviewing API changes', summary: ref.summary },
  });
  return data.id;
}

/**
 * Completes the run with its conclusion, output and the first 50 annotations,
 * then appends the rest 50 at a time (GitHub appends annotations on each
 * update; title, summary and text are sent again because `output` requires
 * them).
 */
export async function completeCheckRun(
  octokit: GitHubClient,
  ref: RepoRef & { checkRunId: number; conclusion: CheckRunConclusion; output: CheckRunOutputFields },
): Promise<void> {
  const { annotations, ...texts } = ref.output;
  const batches = chunk(annotations, ANNOTATIONS_PER_REQUEST);
  await octokit.rest.checks.update({
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
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
