/**
 * The GraphQL operations the app uses, recognised by content (no GraphQL
 * parser is installed): the `reviewThreads` query of a pull request and the
 * `resolveReviewThread` / `unresolveReviewThread` mutations. Answers carry
 * a superset of the commonly selected fields; unknown operations get a
 * GraphQL error and are reported as unexpected.
 */
import type { ApiReply, ApiRequest } from './http-types.js';
import { errorReply, ok } from './responses.js';
import { nodeId } from './representations.js';
import type { FakeGitHubStore, ReviewThreadState } from './store.js';

export type GraphqlOperation = 'reviewThreads' | 'resolveReviewThread' | 'unresolveReviewThread';

export interface GraphqlOutcome {
  reply: ApiReply;
  /** The recognised operation, or undefined for an operation the fake does not know. */
  operation: GraphqlOperation | undefined;
}

export function handleGraphql(request: ApiRequest): GraphqlOutcome {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const query = body.query;
  if (typeof query !== 'string') {
    return { operation: undefined, reply: errorReply(400, 'A query attribute must be specified and must be a string.', 'https://docs.github.com/graphql') };
  }
  const variables = typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : {};
  const isMutation = /^\s*mutation\b/.test(stripComments(query));

  if (isMutation && /\bunresolveReviewThread\s*\(/.test(query)) {
    return { operation: 'unresolveReviewThread', reply: setResolved(request, query, variables, 'unresolveReviewThread', false) };
  }
  if (isMutation && /\bresolveReviewThread\s*\(/.test(query)) {
    return { operation: 'resolveReviewThread', reply: setResolved(request, query, variables, 'resolveReviewThread', true) };
  }
  if (!isMutation && /\breviewThreads\b/.test(query)) {
    return { operation: 'reviewThreads', reply: listReviewThreads(request.store, query, variables) };
  }
  return {
    operation: undefined,
    reply: ok({ errors: [{ message: 'fake-github does not implement this GraphQL operation', extensions: { query } }] }),
  };
}

function setResolved(request: ApiRequest, query: string, variables: Record<string, unknown>, field: string, resolved: boolean): ApiReply {
  const input = variables.input;
  const threadId =
    argument(query, field, 'threadId', variables) ??
    (typeof input === 'object' && input !== null ? (input as Record<string, unknown>).threadId : undefined);
  const thread = typeof threadId === 'string' ? request.store.reviewThreads.get(threadId) : undefined;
  if (!thread) {
    return ok({
      data: { [field]: null },
      errors: [{ type: 'NOT_FOUND', path: [field], message: `Could not resolve to a node with the global id of '${String(threadId)}'.` }],
    });
  }
  thread.isResolved = resolved;
  thread.resolvedBy = resolved ? request.store.botLogin : null;
  return ok({ data: { [field]: { thread: threadNode(request.store, thread, 100) } } });
}

function listReviewThreads(store: FakeGitHubStore, query: string, variables: Record<string, unknown>): ApiReply {
  const owner = argument(query, 'repository', 'owner', variables);
  const name = argument(query, 'repository', 'name', variables);
  const number = argument(query, 'pullRequest', 'number', variables);
  const repo = typeof owner === 'string' && typeof name === 'string' ? store.findRepository(owner, name) : undefined;
  if (!repo) {
    return ok({
      data: { repository: null },
      errors: [{ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${String(owner)}/${String(name)}'.` }],
    });
  }
  const pull = typeof number === 'number' ? repo.pulls.get(number) : undefined;
  if (!pull) {
    return ok({
      data: { repository: { pullRequest: null } },
      errors: [{ type: 'NOT_FOUND', path: ['repository', 'pullRequest'], message: `Could not resolve to a PullRequest with the number of ${String(number)}.` }],
    });
  }
  const first = numberOr(argument(query, 'reviewThreads', 'first', variables), 100);
  const after = argument(query, 'reviewThreads', 'after', variables);
  const commentsFirst = numberOr(argument(query, 'comments', 'first', variables), 100);
  const threads = store.threadsOf(repo.fullName, pull.number);
  const start = typeof after === 'string' ? decodeCursor(after) + 1 : 0;
  const slice = threads.slice(start, start + first);
  const endIndex = start + slice.length - 1;
  return ok({
    data: {
      repository: {
        pullRequest: {
          id: nodeId('PR', pull.id),
          number: pull.number,
          reviewThreads: {
            totalCount: threads.length,
            pageInfo: {
              hasNextPage: start + slice.length < threads.length,
              hasPreviousPage: start > 0,
              startCursor: slice.length > 0 ? encodeCursor(start) : null,
              endCursor: slice.length > 0 ? encodeCursor(endIndex) : null,
            },
            edges: slice.map((thread, index) => ({ cursor: encodeCursor(start + index), node: threadNode(store, thread, commentsFirst) })),
            nodes: slice.map((thread) => threadNode(store, thread, commentsFirst)),
          },
        },
      },
    },
  });
}

function threadNode(store: FakeGitHubStore, thread: ReviewThreadState, commentsFirst: number): Record<string, unknown> {
  const comments = thread.commentIds.map((id) => store.reviewComments.get(id)).filter((comment) => comment !== undefined);
  const first = comments[0];
  const commentNodes = comments.slice(0, commentsFirst).map((comment) => ({
    __typename: 'PullRequestReviewComment',
    id: nodeId('PRRC', comment.id),
    databaseId: comment.id,
    body: comment.body,
    path: comment.path,
    line: comment.line,
    originalLine: comment.line,
    url: `https://github.example/${comment.repository}/pull/${comment.pullNumber}#discussion_r${comment.id}`,
    createdAt: comment.createdAt,
    author: { __typename: comment.user.endsWith('[bot]') ? 'Bot' : 'User', login: comment.user.replace(/\[bot\]$/, '') },
    commit: { oid: comment.commitId },
    replyTo: comment.inReplyToId === null ? null : { databaseId: comment.inReplyToId, id: nodeId('PRRC', comment.inReplyToId) },
    pullRequestReview: { databaseId: comment.reviewId, id: nodeId('PRR', comment.reviewId) },
  }));
  return {
    __typename: 'PullRequestReviewThread',
    id: thread.id,
    isResolved: thread.isResolved,
    isOutdated: false,
    isCollapsed: thread.isResolved,
    path: first?.path ?? null,
    line: first?.line ?? null,
    originalLine: first?.line ?? null,
    startLine: first?.startLine ?? null,
    diffSide: first?.side ?? 'RIGHT',
    subjectType: first?.subjectType === 'file' ? 'FILE' : 'LINE',
    resolvedBy: thread.resolvedBy === null ? null : { login: thread.resolvedBy.replace(/\[bot\]$/, '') },
    viewerCanResolve: true,
    viewerCanUnresolve: true,
    comments: {
      totalCount: comments.length,
      pageInfo: { hasNextPage: comments.length > commentsFirst, endCursor: commentNodes.length > 0 ? encodeCursor(commentNodes.length - 1) : null },
      nodes: commentNodes,
    },
  };
}

/**
 * The value of `arg` in the first `field(...)` of the query: a literal, or a
 * `$variable` looked up in `variables`.
 */
export function argument(query: string, field: string, arg: string, variables: Record<string, unknown>): unknown {
  const call = new RegExp(`\\b${field}\\s*\\(([^)]*)\\)`).exec(query);
  if (!call) return undefined;
  const value = new RegExp(`\\b${arg}\\s*:\\s*(\\$\\w+|"(?:[^"\\\\]|\\\\.)*"|-?\\d+)`).exec(call[1] ?? '');
  if (!value) return undefined;
  const token = value[1]!;
  if (token.startsWith('$')) return variables[token.slice(1)];
  if (token.startsWith('"')) return JSON.parse(token) as string;
  return Number(token);
}

function stripComments(query: string): string {
  return query.replace(/#[^\n]*/g, '');
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

function encodeCursor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64');
}

function decodeCursor(cursor: string): number {
  const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : -1;
}
