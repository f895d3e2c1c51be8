/**
 * The Octokit the app talks to GitHub with, and the few facts about its
 * errors that callers branch on. Every GitHub call of the app lives in this
 * folder; the rest of the app sees small typed results, never raw responses.
 */
import type { ProbotOctokit } from 'probot';

/** An installation-authenticated Octokit, as `app.auth(installationId)` and `context.octokit` give it. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The HTTP status of an Octokit request error, if the error is one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object' || !('status' in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/** A short, token-free description of a failed request for logs and check-run text. */
export function describeGitHubError(error: unknown): string {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  // Octokit messages are "<GitHub message> - <docs url>"; the first part is what a human needs.
  const short = message.split(' - https://')[0].slice(0, 300);
  return status === undefined ? short : `GitHub answered ${status}: ${short}`;
}
