/**
 * Resolving path parameters to state, answering 404 the way GitHub does
 * when the repository or pull request does not exist.
 */
import type { ApiReply, ApiRequest } from '../http-types.js';
import { notFound } from '../responses.js';
import type { PullRequestState, RepositoryState } from '../store.js';

export function findRepositoryOf(request: ApiRequest): RepositoryState | undefined {
  const { owner, repo } = request.params;
  if (owner === undefined || repo === undefined) return undefined;
  return request.store.findRepository(owner, repo);
}

export function withRepository(request: ApiRequest, documentationUrl: string, handle: (repo: RepositoryState) => ApiReply): ApiReply {
  const repo = findRepositoryOf(request);
  return repo ? handle(repo) : notFound(documentationUrl);
}

export function withPullRequest(
  request: ApiRequest,
  documentationUrl: string,
  handle: (repo: RepositoryState, pull: PullRequestState) => ApiReply,
): ApiReply {
  return withRepository(request, documentationUrl, (repo) => {
    const pull = repo.pulls.get(Number(request.params.pull_number));
    return pull ? handle(repo, pull) : notFound(documentationUrl);
  });
}

/** A body field as a string, or undefined when absent or of another type. */
export function stringField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

export function objectBody(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** Who writes: installation tokens write as the app's bot user. */
export function callerLogin(request: ApiRequest): string {
  return request.caller.kind === 'installation' ? request.store.botLogin : 'octocat';
}
