import type { GitHubClient, RepoRef } from './client.js';

/** The parts of a pull request a review needs, as GitHub has it now (not as an older webhook said). */
export interface PullRequestSnapshot {
  number: number;
  state: 'open' | 'closed';
  draft: boolean;
  headSha: string;
  /** The base branch's commit the PR is compared with: where "before this PR" is read from. */
  baseSha: string | undefined;
  /** Where the head commit's files live: the fork for fork PRs; undefined when the fork was deleted. */
  headRepo: RepoRef | undefined;
  /** The head repository's web address, for links into the reviewed code. */
  headHtmlUrl: string | undefined;
  authorId: number | undefined;
  /**
   * How many conversation and review comments GitHub counted, and as of
   * when (ISO time): no comment means nothing to de-duplicate against and no
   * waiver to read, so the review can skip listing them (see run-review.ts
   * for when a count is trusted).
   */
  discussion?: { comments: number; reviewComments: number; asOf: string };
}

/** The fields of a pull request object that a snapshot reads: `GET /pulls/{n}` and the webhook payloads share them. */
export interface PullRequestObject {
  number: number;
  state: string;
  draft?: boolean | null;
  updated_at?: string | null;
  comments?: number | null;
  review_comments?: number | null;
  head: { sha: string; repo: { name: string; owner: { login: string }; html_url?: string } | null };
  base?: { sha: string } | null;
  user?: { id: number } | null;
}

/**
 * The snapshot a pull request object gives: the webhook's (as of the event,
 * so the job needs no `GET` of its own) or the API's (`asOf` = now).
 */
export function snapshotOfPullRequest(data: PullRequestObject, asOf?: string): PullRequestSnapshot {
  const head = data.head.repo;
  const snapshot: PullRequestSnapshot = {
    number: data.number,
    state: data.state === 'closed' ? 'closed' : 'open',
    draft: data.draft === true,
    headSha: data.head.sha,
    baseSha: data.base?.sha,
    headRepo: head ? { owner: head.owner.login, repo: head.name } : undefined,
    headHtmlUrl: head?.html_url,
    authorId: data.user?.id,
  };
  const at = asOf ?? data.updated_at ?? undefined;
  if (typeof data.comments === 'number' && typeof data.review_comments === 'number' && typeof at === 'string') {
    snapshot.discussion = { comments: data.comments, reviewComments: data.review_comments, asOf: at };
  }
  return snapshot;
}

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}`. */
export async function getPullRequest(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }): Promise<PullRequestSnapshot> {
  const { data } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber });
  return snapshotOfPullRequest(data as PullRequestObject, new Date().toISOString());
}

/**
 * Open pull requests of this repository whose head is `sha`
 * (`GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls`). Check events
 * leave their `pull_requests` empty for fork PRs; this finds them.
 */
export async function listOpenPullRequestsForCommit(octokit: GitHubClient, ref: RepoRef & { sha: string }): Promise<{ number: number; headSha: string }[]> {
  const pulls = await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
    owner: ref.owner,
    repo: ref.repo,
    commit_sha: ref.sha,
    per_page: 100,
  });
  return pulls.filter((pull) => pull.state === 'open').map((pull) => ({ number: pull.number, headSha: pull.head.sha }));
}
