/**
 * The pull request the workflow runs for, from the event payload the runner
 * writes to $GITHUB_EVENT_PATH, and whether the workflow's token can write.
 */

export interface ActionPullRequest {
  owner: string;
  repo: string;
  pullNumber: number;
  /** The PR's head commit (GITHUB_SHA is the test merge commit, which GitHub's checks and reviews are not attached to). */
  headSha: string;
  /**
   * A `pull_request` event from another repository (a fork): GitHub gives
   * such runs a read-only GITHUB_TOKEN, so nothing can be posted.
   * `pull_request_target` runs get a writing token even for forks.
   */
  readOnlyToken: boolean;
  /** Why the token is read-only, for the job summary. */
  readOnlyReason?: string;
}

export type EventResult = { ok: true; pullRequest: ActionPullRequest } | { ok: false; problem: string };

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

interface RepoFields {
  full_name?: unknown;
  fork?: unknown;
  name?: unknown;
  owner?: { login?: unknown };
}

interface PullRequestPayload {
  pull_request?: { number?: unknown; head?: { sha?: unknown; repo?: RepoFields | null }; base?: { repo?: RepoFields } };
  repository?: RepoFields;
}

/** Reads the payload of a `pull_request` or `pull_request_target` event; anything else is a problem to report. */
export function readPullRequestEvent(eventName: string | undefined, payload: unknown): EventResult {
  if (eventName === undefined || !PULL_REQUEST_EVENTS.has(eventName)) {
    return { ok: false, problem: `this action reviews pull requests: run it on \`pull_request\` (or \`pull_request_target\`), not on \`${eventName ?? 'an unknown event'}\`` };
  }
  const event = (payload ?? {}) as PullRequestPayload;
  const pull = event.pull_request;
  const repository = event.repository ?? pull?.base?.repo;
  const owner = repository?.owner?.login;
  const repo = repository?.name;
  const number = pull?.number;
  const headSha = pull?.head?.sha;
  if (typeof owner !== 'string' || typeof repo !== 'string' || typeof number !== 'number' || typeof headSha !== 'string') {
    return { ok: false, problem: 'the event payload has no pull request (repository, number and head commit)' };
  }
  const headRepo = pull?.head?.repo;
  const baseName = typeof repository?.full_name === 'string' ? repository.full_name : `${owner}/${repo}`;
  const fromOtherRepository = headRepo === null || headRepo === undefined || (typeof headRepo.full_name === 'string' && headRepo.full_name.toLowerCase() !== baseName.toLowerCase());
  // Not `head.repo.fork` alone: in a repository that is itself a fork, every branch's repo has `fork: true`.
  const readOnlyToken = eventName === 'pull_request' && fromOtherRepository;
  const headName = typeof headRepo?.full_name === 'string' ? headRepo.full_name : 'a deleted fork';
  return {
    ok: true,
    pullRequest: {
      owner,
      repo,
      pullNumber: number,
      headSha,
      readOnlyToken,
      ...(readOnlyToken
        ? { readOnlyReason: `this pull request comes from a fork (${headName}), and GitHub gives workflows that run on \`pull_request\` for forks a read-only token` }
        : {}),
    },
  };
}
