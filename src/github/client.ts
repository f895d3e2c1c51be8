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

/**
 * A server error or a dropped connection (Octokit reports network failures
 * as status 500): worth retrying. Not an abort by the review's own deadline,
 * which Octokit also gives status 500.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof Error && error.name === 'AbortError') return false;
  const status = httpStatusOf(error);
  return status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * The installation can no longer act: its token is refused (401: revoked,
 * or the app was uninstalled mid-review), or no token can be made for it
 * (the token request answers 404 for a deleted installation, 403 for a
 * suspended one). Nothing this job does can succeed after that.
 */
export function isInstallationGone(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === 401) return true;
  if (status !== 403 && status !== 404) return false;
  const url = (error as { request?: { url?: unknown } }).request?.url;
  return typeof url === 'string' && /\/app\/installations\/\d+\/access_tokens$/.test(url);
}

/** A short, token-free description of a failed request for logs and check-run text. */
export function describeGitHubError(error: unknown): string {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  // Octokit messages are "<GitHub message> - <docs url>"; the first part is what a human needs.
  const short = message.split(' - https://')[0].slice(0, 300);
  return status === undefined ? short : `GitHub answered ${status}: ${short}`;
}
