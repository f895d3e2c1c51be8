/**
 * Issue (conversation) comments, reactions on comments, and a
 * collaborator's permission.
 */
import type { ApiReply, ApiRequest, Route } from '../http-types.js';
import { paginate } from '../pagination.js';
import { created, errorReply, notFound, ok, unprocessable, validationFailed } from '../responses.js';
import { issueCommentJson, reactionJson, userJson } from '../representations.js';
import { timestamp, type ReactionState, type RepositoryState, type RoleName } from '../store.js';
import { callerLogin, stringField, withRepository } from './lookup.js';

const ISSUE_COMMENT_DOCS = 'https://docs.github.com/rest/issues/comments#create-an-issue-comment';
const GET_ISSUE_COMMENT_DOCS = 'https://docs.github.com/rest/issues/comments#get-an-issue-comment';
const LIST_ISSUE_COMMENTS_DOCS = 'https://docs.github.com/rest/issues/comments#list-issue-comments';
const UPDATE_ISSUE_COMMENT_DOCS = 'https://docs.github.com/rest/issues/comments#update-an-issue-comment';
const REACTION_DOCS = 'https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment';
const PERMISSION_DOCS = 'https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user';

const REACTION_CONTENTS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];
/** `permission` is the legacy coarse level of each role. */
const LEGACY_PERMISSION: Record<RoleName, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read', none: 'none' };

export const issueRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, ISSUE_COMMENT_DOCS, (repo) => {
        const issueNumber = Number(request.params.issue_number);
        if (!repo.pulls.has(issueNumber)) return notFound(ISSUE_COMMENT_DOCS);
        const body = stringField(request.body, 'body');
        if (body === undefined || body.trim() === '') {
          return validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }], ISSUE_COMMENT_DOCS);
        }
        const comment = request.store.addIssueComment(repo.fullName, issueNumber, callerLogin(request), body);
        return created(issueCommentJson(request.store, comment, request.apiBaseUrl));
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, LIST_ISSUE_COMMENTS_DOCS, (repo) => {
        const issueNumber = Number(request.params.issue_number);
        const comments = [...request.store.issueComments.values()]
          .filter((comment) => comment.repository === repo.fullName && comment.issueNumber === issueNumber)
          .map((comment) => issueCommentJson(request.store, comment, request.apiBaseUrl));
        const page = paginate(comments, request);
        return ok(page.items, page.headers);
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, GET_ISSUE_COMMENT_DOCS, (repo) => {
        const comment = request.store.issueComments.get(Number(request.params.comment_id));
        return comment && comment.repository === repo.fullName
          ? ok(issueCommentJson(request.store, comment, request.apiBaseUrl))
          : notFound(GET_ISSUE_COMMENT_DOCS);
      }),
  },
  {
    method: 'PATCH',
    pattern: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, UPDATE_ISSUE_COMMENT_DOCS, (repo) => {
        const comment = request.store.issueComments.get(Number(request.params.comment_id));
        if (!comment || comment.repository !== repo.fullName) return notFound(UPDATE_ISSUE_COMMENT_DOCS);
        const body = stringField(request.body, 'body');
        if (body === undefined || body.trim() === '') {
          return validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }], UPDATE_ISSUE_COMMENT_DOCS);
        }
        // GitHub lets an integration edit only its own comments (403 otherwise).
        if (comment.user !== callerLogin(request)) return errorReply(403, 'Resource not accessible by integration', UPDATE_ISSUE_COMMENT_DOCS);
        comment.body = body;
        return ok(issueCommentJson(request.store, comment, request.apiBaseUrl));
      }),
  },
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    auth: 'installation',
    handle: (request) => withRepository(request, REACTION_DOCS, (repo) => react(request, repo, 'issue_comment')),
  },
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions',
    auth: 'installation',
    handle: (request) => withRepository(request, REACTION_DOCS, (repo) => react(request, repo, 'pull_request_review_comment')),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, PERMISSION_DOCS, (repo) => {
        const username = request.params.username ?? '';
        const role = repo.collaborators.get(username.toLowerCase());
        if (role === undefined) return notFound(PERMISSION_DOCS);
        return ok({ permission: LEGACY_PERMISSION[role], role_name: role, user: userJson(request.store, username) });
      }),
  },
];

function react(request: ApiRequest, repo: RepositoryState, kind: ReactionState['subject']['kind']): ApiReply {
  const commentId = Number(request.params.comment_id);
  const subject = kind === 'issue_comment' ? request.store.issueComments.get(commentId) : request.store.reviewComments.get(commentId);
  if (!subject || subject.repository !== repo.fullName) return notFound(REACTION_DOCS);
  const content = stringField(request.body, 'content');
  if (content === undefined || !REACTION_CONTENTS.includes(content)) {
    return unprocessable([`content must be one of ${REACTION_CONTENTS.join(', ')}`], REACTION_DOCS);
  }
  const user = callerLogin(request);
  const existing = [...request.store.reactions.values()].find(
    (reaction) => reaction.subject.kind === kind && reaction.subject.id === commentId && reaction.user === user && reaction.content === content,
  );
  // The same reaction twice answers 200 with the existing one.
  if (existing) return ok(reactionJson(request.store, existing));
  const reaction: ReactionState = { id: request.store.newId(), subject: { kind, id: commentId }, user, content, createdAt: timestamp() };
  request.store.reactions.set(reaction.id, reaction);
  return created(reactionJson(request.store, reaction));
}
