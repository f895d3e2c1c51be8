import type { GitHubClient, RepoRef } from './client.js';

/** Acknowledges a command with 👀 (`POST /repos/{owner}/{repo}/issues/comments/{id}/reactions`). */
export async function addEyesReaction(octokit: GitHubClient, ref: RepoRef & { commentId: number }): Promise<void> {
  await octokit.rest.reactions.createForIssueComment({ owner: ref.owner, repo: ref.repo, comment_id: ref.commentId, content: 'eyes' });
}
