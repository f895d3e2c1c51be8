import type { GitHubClient, RepoRef } from './client.js';

export interface PullRequestFile {
  path: string;
  /** added, removed, modified, renamed, copied, changed, unchanged. */
  status: string;
  /** The unified diff hunks; GitHub leaves it out for binary and very large diffs. */
  patch: string | undefined;
  /** The path before a rename. */
  previousPath?: string;
}

/**
 * Every file of the pull request (`GET /repos/{owner}/{repo}/pulls/{n}/files`,
 * 100 per page, all pages; GitHub stops at 3000 files).
 */
export async function listPullRequestFiles(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }): Promise<PullRequestFile[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  });
  return files.map((file) => ({ path: file.filename, status: file.status, patch: file.patch ?? undefined, ...(file.previous_filename ? { previousPath: file.previous_filename } : {}) }));
}
