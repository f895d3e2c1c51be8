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
  return (await listPullRequestDiff(octokit, ref)).files;
}

export interface PullRequestDiff {
  files: PullRequestFile[];
  /**
   * The head commit GitHub computed this list for, read from the files'
   * `contents_url` (`...?ref=<sha>`); undefined when no file says (an empty
   * list) or the files disagree. It tells, without another request, whether
   * the list belongs to the commit under review.
   */
  headSha: string | undefined;
}

/** `listPullRequestFiles`, and the head commit the listing describes. */
export async function listPullRequestDiff(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }): Promise<PullRequestDiff> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  });
  const heads = new Set(files.map((file) => refOfContentsUrl(file.contents_url)));
  const [only] = heads;
  return {
    files: files.map((file) => ({ path: file.filename, status: file.status, patch: file.patch ?? undefined, ...(file.previous_filename ? { previousPath: file.previous_filename } : {}) })),
    headSha: heads.size === 1 ? only : undefined,
  };
}

function refOfContentsUrl(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const match = /[?&]ref=([0-9a-f]{40})(?:&|$)/i.exec(url);
  return match === null ? undefined : match[1].toLowerCase();
}
