import type { GitHubClient, RepoRef } from './client.js';

/**
 * Every file path at a commit, from one recursive tree request
 * (`GET /repos/{owner}/{repo}/git/trees/{sha}?recursive=1`). Finding the app's
 * entry files and an import's module then costs no further requests.
 * Undefined when GitHub truncated the listing (very large repositories).
 * Throws for request errors.
 */
export async function listFilePaths(octokit: GitHubClient, ref: RepoRef & { sha: string }): Promise<ReadonlySet<string> | undefined> {
  const { data } = await octokit.rest.git.getTree({ owner: ref.owner, repo: ref.repo, tree_sha: ref.sha, recursive: 'true' });
  if (data.truncated) return undefined;
  return new Set(data.tree.filter((entry) => entry.type === 'blob' && typeof entry.path === 'string').map((entry) => entry.path as string));
}
