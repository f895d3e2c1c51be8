import type { GitHubClient, RepoRef } from './client.js';

export interface ReviewThread {
  /** GraphQL node id, for `resolveReviewThread`. */
  id: string;
  isResolved: boolean;
  path: string;
  /** The comment that opened the thread. */
  firstComment: { body: string; databaseId: number; authorIsBot: boolean } | undefined;
}

/** 100 threads a page; a PR with more than 1000 review threads has bigger problems than stale ones. */
const MAX_THREAD_PAGES = 10;

const THREADS_QUERY = `
  query reviewThreads($owner: String!, $name: String!, $number: Int!, $cursor: String) {
    repository(owner: $owner, name: $name) {
      pullRequest(number: $number) {
        reviewThreads(first: 100, after: $cursor) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id
            isResolved
            path
            comments(first: 1) { nodes { body databaseId author { __typename login } } }
          }
        }
      }
    }
  }`;

interface ThreadsResponse {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: ({
          id: string;
          isResolved: boolean;
          path: string;
          comments: { nodes: ({ body: string; databaseId: number | null; author: { __typename: string; login: string } | null } | null)[] };
        } | null)[];
      };
    } | null;
  } | null;
}

/** The pull request's review threads with their first comment (GraphQL; REST has no threads). */
export async function listReviewThreads(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }): Promise<ReviewThread[]> {
  const threads: ReviewThread[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_THREAD_PAGES; page++) {
    const response: ThreadsResponse = await octokit.graphql<ThreadsResponse>(THREADS_QUERY, { owner: ref.owner, name: ref.repo, number: ref.pullNumber, cursor });
    const connection = response.repository?.pullRequest?.reviewThreads;
    if (connection === undefined) break;
    for (const node of connection.nodes) {
      if (node === null) continue;
      const first = node.comments.nodes[0];
      threads.push({
        id: node.id,
        isResolved: node.isResolved,
        path: node.path,
        firstComment:
          first === null || first === undefined || first.databaseId === null
            ? undefined
            : { body: first.body, databaseId: first.databaseId, authorIsBot: first.author?.__typename === 'Bot' },
      });
    }
    if (!connection.pageInfo.hasNextPage || connection.pageInfo.endCursor === null) break;
    cursor = connection.pageInfo.endCursor;
  }
  return threads;
}

/** Answers in a thread (`POST /repos/{owner}/{repo}/pulls/{n}/comments/{comment_id}/replies`). */
export async function replyToReviewComment(octokit: GitHubClient, ref: RepoRef & { pullNumber: number; commentId: number; body: string }): Promise<void> {
  await octokit.rest.pulls.createReplyForReviewComment({
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    comment_id: ref.commentId,
    body: ref.body,
  });
}

const RESOLVE_MUTATION = `
  mutation resolveThread($threadId: ID!) {
    resolveReviewThread(input: { threadId: $threadId }) { thread { id } }
  }`;

/** Marks a thread resolved (GraphQL `resolveReviewThread`). */
export async function resolveReviewThread(octokit: GitHubClient, threadId: string): Promise<void> {
  await octokit.graphql(RESOLVE_MUTATION, { threadId });
}
