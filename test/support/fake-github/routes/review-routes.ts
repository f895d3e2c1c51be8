/**
 * Pull request reviews and review comments: create a review with inline
 * comments (validated against the patch, all-or-nothing), list reviews and
 * comments, reply to a comment, create a single review comment.
 */
import type { ApiReply, ApiRequest, Route } from '../http-types.js';
import { paginate } from '../pagination.js';
import { created, notFound, ok, unprocessable } from '../responses.js';
import { nodeId, reviewCommentJson, reviewJson } from '../representations.js';
import { validateCommentAnchor, type ReviewCommentAnchor } from '../review-comment-validation.js';
import { timestamp, type PullRequestState, type RepositoryState, type ReviewCommentState, type ReviewState } from '../store.js';
import { callerLogin, objectBody, stringField, withPullRequest } from './lookup.js';

const CREATE_REVIEW_DOCS = 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request';
const LIST_REVIEWS_DOCS = 'https://docs.github.com/rest/pulls/reviews#list-reviews-for-a-pull-request';
const LIST_COMMENTS_DOCS = 'https://docs.github.com/rest/pulls/comments#list-review-comments-on-a-pull-request';
const CREATE_COMMENT_DOCS = 'https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request';
const REPLY_DOCS = 'https://docs.github.com/rest/pulls/comments#create-a-reply-for-a-review-comment';

const REVIEW_STATES = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' } as const;

export const reviewRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    auth: 'installation',
    handle: (request) => withPullRequest(request, CREATE_REVIEW_DOCS, (repo, pull) => createReview(request, repo, pull)),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    auth: 'installation',
    handle: (request) =>
      withPullRequest(request, LIST_REVIEWS_DOCS, (repo, pull) => {
        const reviews = [...request.store.reviews.values()]
          .filter((review) => review.repository === repo.fullName && review.pullNumber === pull.number)
          .map((review) => reviewJson(request.store, review, request.apiBaseUrl));
        const page = paginate(reviews, request);
        return ok(page.items, page.headers);
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    auth: 'installation',
    handle: (request) =>
      withPullRequest(request, LIST_COMMENTS_DOCS, (repo, pull) => {
        const comments = commentsOf(request, repo, pull).map((comment) => reviewCommentJson(request.store, comment, request.apiBaseUrl));
        const page = paginate(comments, request);
        return ok(page.items, page.headers);
      }),
  },
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    auth: 'installation',
    handle: (request) => withPullRequest(request, CREATE_COMMENT_DOCS, (repo, pull) => createSingleComment(request, repo, pull)),
  },
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
    auth: 'installation',
    handle: (request) => withPullRequest(request, REPLY_DOCS, (repo, pull) => createReply(request, repo, pull)),
  },
];

function commentsOf(request: ApiRequest, repo: RepositoryState, pull: PullRequestState): ReviewCommentState[] {
  return [...request.store.reviewComments.values()].filter(
    (comment) => comment.repository === repo.fullName && comment.pullNumber === pull.number && isSubmitted(request, comment),
  );
}

function isSubmitted(request: ApiRequest, comment: ReviewCommentState): boolean {
  return request.store.reviews.get(comment.reviewId)?.state !== 'PENDING';
}

function createReview(request: ApiRequest, repo: RepositoryState, pull: PullRequestState): ApiReply {
  const body = objectBody(request.body);
  const event = body.event;
  if (event !== undefined && !(typeof event === 'string' && event in REVIEW_STATES)) {
    return unprocessable([`Event must be one of APPROVE, REQUEST_CHANGES, COMMENT`], CREATE_REVIEW_DOCS);
  }
  const commitId = stringField(body, 'commit_id') ?? pull.head.sha;
  if (!repo.refs.has(commitId)) return unprocessable(['Commit ID is not part of the pull request'], CREATE_REVIEW_DOCS);
  const rawComments = body.comments === undefined ? [] : body.comments;
  if (!Array.isArray(rawComments)) return unprocessable(['Comments must be an array'], CREATE_REVIEW_DOCS);
  const reviewBody = stringField(body, 'body') ?? '';
  // Documented: body is required for REQUEST_CHANGES and COMMENT; a review
  // with inline comments carries its content in them.
  if ((event === 'REQUEST_CHANGES' || event === 'COMMENT') && reviewBody.trim() === '' && rawComments.length === 0) {
    return unprocessable(["Body can't be blank"], CREATE_REVIEW_DOCS);
  }

  const user = callerLogin(request);
  const anchors: Array<{ anchor: ReviewCommentAnchor; body: string }> = [];
  for (const rawComment of rawComments) {
    const verdict = validateCommentAnchor(pull, objectBody(rawComment));
    if (!verdict.ok) return unprocessable([verdict.error], CREATE_REVIEW_DOCS);
    anchors.push({ anchor: verdict.anchor, body: String(objectBody(rawComment).body) });
  }
  const state = event === undefined ? 'PENDING' : REVIEW_STATES[event as keyof typeof REVIEW_STATES];
  if (state === 'PENDING') {
    const pending = [...request.store.reviews.values()].some(
      (review) => review.repository === repo.fullName && review.pullNumber === pull.number && review.user === user && review.state === 'PENDING',
    );
    if (pending) return unprocessable(['User can only have one pending review per pull request'], CREATE_REVIEW_DOCS);
  }

  const review: ReviewState = {
    id: request.store.newId(),
    repository: repo.fullName,
    pullNumber: pull.number,
    user,
    body: reviewBody,
    state,
    commitId,
    submittedAt: state === 'PENDING' ? null : timestamp(),
    commentIds: [],
  };
  request.store.reviews.set(review.id, review);
  for (const { anchor, body: commentBody } of anchors) {
    const comment = storeComment(request, repo, pull, { reviewId: review.id, commitId, anchor, body: commentBody, user, inReplyTo: undefined });
    review.commentIds.push(comment.id);
  }
  return ok(reviewJson(request.store, review, request.apiBaseUrl));
}

function createSingleComment(request: ApiRequest, repo: RepositoryState, pull: PullRequestState): ApiReply {
  const body = objectBody(request.body);
  const commitId = stringField(body, 'commit_id');
  if (commitId === undefined) return unprocessable(['commit_id is required'], CREATE_COMMENT_DOCS);
  if (!repo.refs.has(commitId)) return unprocessable(['Commit ID is not part of the pull request'], CREATE_COMMENT_DOCS);
  const verdict = validateCommentAnchor(pull, body);
  if (!verdict.ok) return unprocessable([verdict.error], CREATE_COMMENT_DOCS);
  const user = callerLogin(request);
  const review = submittedReviewFor(request, repo, pull, user, commitId);
  const comment = storeComment(request, repo, pull, { reviewId: review.id, commitId, anchor: verdict.anchor, body: String(body.body), user, inReplyTo: undefined });
  review.commentIds.push(comment.id);
  return created(reviewCommentJson(request.store, comment, request.apiBaseUrl));
}

function createReply(request: ApiRequest, repo: RepositoryState, pull: PullRequestState): ApiReply {
  const target = request.store.reviewComments.get(Number(request.params.comment_id));
  if (!target || target.repository !== repo.fullName || target.pullNumber !== pull.number) return notFound(REPLY_DOCS);
  const text = stringField(request.body, 'body');
  if (text === undefined || text.trim() === '') return unprocessable(["Body can't be blank"], REPLY_DOCS);
  // A reply to a reply joins the same thread, answering its first comment.
  const root = target.inReplyToId === null ? target : (request.store.reviewComments.get(target.inReplyToId) ?? target);
  const user = callerLogin(request);
  const review = submittedReviewFor(request, repo, pull, user, root.commitId);
  const anchor: ReviewCommentAnchor = {
    path: root.path,
    line: root.line ?? undefined,
    side: root.side,
    subjectType: root.subjectType,
    position: root.position ?? undefined,
  };
  const comment = storeComment(request, repo, pull, { reviewId: review.id, commitId: root.commitId, anchor, body: text, user, inReplyTo: root });
  review.commentIds.push(comment.id);
  return created(reviewCommentJson(request.store, comment, request.apiBaseUrl));
}

/** A lone comment or reply gets its own submitted COMMENTED review, as on GitHub. */
function submittedReviewFor(request: ApiRequest, repo: RepositoryState, pull: PullRequestState, user: string, commitId: string): ReviewState {
  const review: ReviewState = {
    id: request.store.newId(),
    repository: repo.fullName,
    pullNumber: pull.number,
    user,
    body: '',
    state: 'COMMENTED',
    commitId,
    submittedAt: timestamp(),
    commentIds: [],
  };
  request.store.reviews.set(review.id, review);
  return review;
}

interface NewComment {
  reviewId: number;
  commitId: string;
  anchor: ReviewCommentAnchor;
  body: string;
  user: string;
  inReplyTo: ReviewCommentState | undefined;
}

function storeComment(request: ApiRequest, repo: RepositoryState, pull: PullRequestState, input: NewComment): ReviewCommentState {
  const { store } = request;
  const id = store.newId();
  const threadId = input.inReplyTo ? input.inReplyTo.threadId : nodeId('PRRT', id);
  const comment: ReviewCommentState = {
    id,
    repository: repo.fullName,
    pullNumber: pull.number,
    reviewId: input.reviewId,
    threadId,
    user: input.user,
    body: input.body,
    path: input.anchor.path,
    line: input.anchor.line ?? null,
    side: input.anchor.side,
    startLine: input.anchor.startLine ?? null,
    startSide: input.anchor.startSide ?? null,
    position: input.anchor.position ?? null,
    subjectType: input.anchor.subjectType,
    commitId: input.commitId,
    inReplyToId: input.inReplyTo ? input.inReplyTo.id : null,
    createdAt: timestamp(),
  };
  store.reviewComments.set(id, comment);
  const thread = store.reviewThreads.get(threadId);
  if (thread) thread.commentIds.push(id);
  else store.reviewThreads.set(threadId, { id: threadId, repository: repo.fullName, pullNumber: pull.number, isResolved: false, resolvedBy: null, commentIds: [id] });
  return comment;
}
