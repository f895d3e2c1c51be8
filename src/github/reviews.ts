import { randomUUID } from 'node:crypto';
import type { GitHubClient, RepoRef } from './client.js';
import { createExactlyOnce, NO_PLUGIN_RETRY } from './create-exactly-once.js';

/** One inline comment: on the RIGHT (head) side, or on the LEFT (base) side for a line the PR deletes. */
export interface ReviewCommentDraft {
  path: string;
  /** The comment's (last) line in the head version (in the base version for LEFT). */
  line: number;
  side?: 'LEFT' | 'RIGHT';
  /** First line of a multi-line comment. */
  startLine?: number;
  body: string;
}

/**
 * Posts one review with all its inline comments
 * (`POST /repos/{owner}/{repo}/pulls/{n}/reviews`, event COMMENT: the check
 * run, not the review, is what blocks a merge). `commitId` pins the lines to
 * the reviewed commit even if the branch moved meanwhile.
 */
export async function createReview(
  octokit: GitHubClient,
  ref: RepoRef & { pullNumber: number; commitId: string; body: string; comments: readonly ReviewCommentDraft[]; retryBaseMs?: number },
): Promise<void> {
  // Exactly once: a hidden id in the body finds the review a failed attempt may have posted.
  const marker = `<!-- api-security-review:review=${randomUUID()} -->`;
  const body = `${ref.body}\n\n${marker}`;
  await createExactlyOnce({
    baseDelayMs: ref.retryBaseMs,
    create: async () => {
      await octokit.rest.pulls.createReview({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.pullNumber,
        commit_id: ref.commitId,
        event: 'COMMENT',
        body,
        comments: ref.comments.map((comment) => ({
          path: comment.path,
          line: comment.line,
          side: comment.side ?? 'RIGHT',
          body: comment.body,
          ...(comment.startLine !== undefined && comment.startLine < comment.line ? { start_line: comment.startLine, start_side: 'RIGHT' } : {}),
        })),
        request: NO_PLUGIN_RETRY,
      });
      return true;
    },
    findCreated: async () => {
      const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, per_page: 100 });
      return reviews.some((review) => review.body?.includes(marker) === true) ? true : undefined;
    },
  });
}

export interface ExistingReviewComment {
  id: number;
  body: string;
  /** `Bot` for apps; a marker in a human's comment is not ours. */
  authorType: string | undefined;
}

/** Every review comment of the pull request (`GET /repos/{owner}/{repo}/pulls/{n}/comments`, all pages). */
export async function listReviewComments(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }): Promise<ExistingReviewComment[]> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  });
  return comments.map((comment) => ({ id: comment.id, body: comment.body, authorType: comment.user?.type }));
}
