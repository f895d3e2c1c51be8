import type { GitHubClient, RepoRef } from './client.js';

export interface ExistingIssueComment {
  id: number;
  body: string;
  /** `Bot` for apps: only an app's comment can carry our waivers. */
  authorType: string | undefined;
  /** The app that wrote it, when an app did (`performed_via_github_app.id`). */
  appId: number | undefined;
}

/** Every conversation comment of the pull request (`GET /repos/{owner}/{repo}/issues/{n}/comments`, all pages). */
export async function listIssueComments(octokit: GitHubClient, ref: RepoRef & { issueNumber: number }): Promise<ExistingIssueComment[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, per_page: 100 });
  return comments.map((comment) => ({ id: comment.id, body: comment.body ?? '', authorType: comment.user?.type, appId: comment.performed_via_github_app?.id }));
}

/** `POST /repos/{owner}/{repo}/issues/{n}/comments`. */
export async function createIssueComment(octokit: GitHubClient, ref: RepoRef & { issueNumber: number; body: string }): Promise<number> {
  const { data } = await octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, body: ref.body });
  return data.id;
}

/** `PATCH /repos/{owner}/{repo}/issues/comments/{id}`. */
export async function updateIssueComment(octokit: GitHubClient, ref: RepoRef & { commentId: number; body: string }): Promise<void> {
  await octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: ref.commentId, body: ref.body });
}
