/**
 * nock interceptors that answer as the GitHub REST and GraphQL APIs document,
 * for the repository of the fixtures (Codertocat/Hello-World, PR #2). Each
 * request body is checked in the interceptor for its contract fields and
 * kept, so that tests can assert the rest.
 */
import nock from 'nock';
import { loadFixture } from './harness.js';

export const API = 'https://api.github.com';
export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const PR_NUMBER = 2;
/** The head of PR #2 in the fixtures. */
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const CHECK_RUN_ID = 4242;
export const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
export const CONFIG_PATH = '.github%2Fapi-security-review.yml';

type Body = Record<string, any>;

export interface PullRequestState {
  headSha?: string;
  draft?: boolean;
  state?: 'open' | 'closed';
  /** The fork the head lives in. */
  headRepo?: { owner: string; repo: string };
  number?: number;
}

/** Unified diff hunk for a new file: every line added. */
export function addedFilePatch(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join('\n');
}

/** The PR as `GET /pulls/{n}` returns it: the webhook's pull request object, which has the same shape. */
export function pullRequestResponse(state: PullRequestState = {}): Body {
  const pull = structuredClone(loadFixture('pull_request', 'opened').pull_request) as Body;
  pull.number = state.number ?? PR_NUMBER;
  pull.head.sha = state.headSha ?? HEAD_SHA;
  pull.draft = state.draft ?? false;
  pull.state = state.state ?? 'open';
  if (state.headRepo !== undefined) {
    pull.head.repo = {
      ...pull.head.repo,
      id: 999,
      name: state.headRepo.repo,
      full_name: `${state.headRepo.owner}/${state.headRepo.repo}`,
      owner: { ...pull.head.repo.owner, login: state.headRepo.owner, id: 998 },
      html_url: `https://github.com/${state.headRepo.owner}/${state.headRepo.repo}`,
      fork: true,
    };
  }
  return pull;
}

/** The base commit of the fixture pull request: where the posture diff reads "before". */
export const BASE_SHA = (loadFixture('pull_request', 'opened').pull_request as Body).base.sha as string;

export class GitHubMock {
  readonly scope = nock(API);
  readonly createdRuns: Body[] = [];
  readonly runUpdates: Body[] = [];
  readonly reviews: Body[] = [];
  readonly replies: { commentId: number; body: Body }[] = [];
  readonly resolvedThreads: string[] = [];
  readonly reactions: { commentId: number; body: Body }[] = [];
  readonly issueCommentWrites: { kind: 'create' | 'update'; body: Body }[] = [];

  constructor(
    readonly owner = OWNER,
    readonly repo = REPO,
  ) {}

  private get base(): string {
    return `/repos/${this.owner}/${this.repo}`;
  }

  accessToken(installationId = 1): this {
    this.scope
      .post(`/app/installations/${installationId}/access_tokens`)
      .reply(201, { token: TOKEN, expires_at: '2099-01-01T00:00:00Z', permissions: { checks: 'write', pull_requests: 'write', contents: 'read', metadata: 'read' }, repository_selection: 'all' });
    return this;
  }

  pullRequest(state: PullRequestState = {}): this {
    this.scope.get(`${this.base}/pulls/${state.number ?? PR_NUMBER}`).reply(200, pullRequestResponse(state));
    return this;
  }

  createCheckRun(headSha = HEAD_SHA, status = 201): this {
    this.scope
      .post(`${this.base}/check-runs`, (body: Body) => {
        this.createdRuns.push(body);
        return body.name === 'API Security Review' && body.head_sha === headSha && body.status === 'in_progress';
      })
      .reply(status, status === 201 ? { id: CHECK_RUN_ID, name: 'API Security Review', head_sha: headSha, status: 'in_progress' } : { message: 'Server Error' });
    return this;
  }

  /** The config on the default branch; none means 404 here and in the owner's `.github` repository. */
  config(yaml?: string): this {
    const path = `${this.base}/contents/${CONFIG_PATH}`;
    if (yaml === undefined) {
      this.scope.get(path).reply(404, { message: 'Not Found' });
      this.scope.get(`/repos/${this.owner}/.github/contents/${CONFIG_PATH}`).reply(404, { message: 'Not Found' });
    } else {
      // The raw media type (`Accept: application/vnd.github.raw`) answers with the file as UTF-8 text.
      this.scope.get(path).reply(200, yaml, { 'content-type': 'text/plain; charset=utf-8' });
    }
    return this;
  }

  /** The PR's files as GitHub lists them for `headSha` (named in each file's `contents_url`, as GitHub does). */
  files(files: { filename: string; status?: string; patch?: string }[], status = 200, headSha = HEAD_SHA): this {
    const body =
      status === 200
        ? files.map((file, index) => ({
            sha: `${index}`.padStart(40, 'a'),
            status: 'added',
            additions: 1,
            deletions: 0,
            changes: 1,
            contents_url: `${API}/repos/${this.owner}/${this.repo}/contents/${encodeURIComponent(file.filename)}?ref=${headSha}`,
            ...file,
          }))
        : { message: status === 404 ? 'Not Found' : 'Server Error' };
    this.scope.get(`${this.base}/pulls/${PR_NUMBER}/files`).query({ per_page: '100' }).reply(status, body);
    return this;
  }

  /** `GET /contents/{path}?ref=` in the JSON form, base64 content. */
  /** A file's content at the PR's base commit. */
  baseContent(path: string, text: string, status = 200): this {
    return this.content(path, text, { sha: BASE_SHA, status });
  }

  content(path: string, text: string, options: { sha?: string; owner?: string; repo?: string; status?: number } = {}): this {
    const owner = options.owner ?? this.owner;
    const repo = options.repo ?? this.repo;
    const bytes = Buffer.from(text, 'utf8');
    const status = options.status ?? 200;
    const body =
      status === 200
        ? { type: 'file', encoding: 'base64', size: bytes.length, name: path.split('/').pop(), path, content: bytes.toString('base64'), sha: 'b'.repeat(40) }
        : { message: status === 404 ? 'Not Found' : 'Server Error' };
    this.scope.get(`/repos/${owner}/${repo}/contents/${encodeURIComponent(path)}`).query({ ref: options.sha ?? HEAD_SHA }).reply(status, body);
    return this;
  }

  reviewComments(comments: { id: number; body: string; userType?: 'Bot' | 'User' }[] = []): this {
    this.scope
      .get(`${this.base}/pulls/${PR_NUMBER}/comments`)
      .query({ per_page: '100' })
      .reply(
        200,
        comments.map((comment) => ({
          id: comment.id,
          body: comment.body,
          path: 'src/app.ts',
          user: comment.userType === 'User' ? { login: 'Codertocat', id: 21031067, type: 'User' } : { login: 'api-security-review[bot]', id: 41898282, type: 'Bot' },
        })),
      );
    return this;
  }

  /** The PR's conversation comments (where the app keeps its waiver comment); none by default. */
  issueComments(comments: { id: number; body: string; userType?: 'Bot' | 'User'; appId?: number }[] = []): this {
    this.scope
      .get(`${this.base}/issues/${PR_NUMBER}/comments`)
      .query({ per_page: '100' })
      .reply(
        200,
        comments.map((comment) => ({
          id: comment.id,
          body: comment.body,
          user: comment.userType === 'User' ? { login: 'Codertocat', id: 21031067, type: 'User' } : { login: 'api-security-review[bot]', id: 41898282, type: 'Bot' },
          performed_via_github_app: comment.userType === 'User' ? null : { id: comment.appId ?? 123, slug: 'api-security-review' },
        })),
      );
    return this;
  }

  /** Records the comments the app writes: `POST .../issues/{n}/comments` and `PATCH .../issues/comments/{id}`. */
  writeIssueComment(kind: 'create' | 'update', commentId = 9001): this {
    const interceptor = kind === 'create' ? this.scope.post(`${this.base}/issues/${PR_NUMBER}/comments`) : this.scope.patch(`${this.base}/issues/comments/${commentId}`);
    interceptor.reply(kind === 'create' ? 201 : 200, (_uri, body) => {
      this.issueCommentWrites.push({ kind, body: body as Body });
      return { id: commentId, body: (body as { body: string }).body };
    });
    return this;
  }

  /**
   * The review post. The app checks that the PR's head is still the reviewed
   * commit on the completed run's `pull_requests` (`updateCheckRun`), so no
   * GET of the PR comes before it unless the run does not list the PR.
   */
  review(status = 200): this {
    return this.reviewPost(status);
  }

  /** The review post (the second attempt after a 422 too). */
  reviewPost(status = 200): this {
    this.scope
      .post(`${this.base}/pulls/${PR_NUMBER}/reviews`, (body: Body) => {
        this.reviews.push(body);
        return body.event === 'COMMENT' && body.commit_id === HEAD_SHA && body.comments.every((comment: Body) => comment.side === 'RIGHT' || comment.side === 'LEFT');
      })
      .reply(status, status === 200 ? { id: 80, state: 'COMMENTED', commit_id: HEAD_SHA } : { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff'] });
    return this;
  }

  /**
   * The completing update and `followUps` more (annotations beyond the first
   * 50, a revised text). GitHub's answer lists the open PRs of the run's
   * branch with their heads now: PR #2 at `HEAD_SHA` unless `listed` says
   * otherwise (`[]` as for a fork PR, which GitHub never lists).
   */
  updateCheckRun(followUps = 0, status = 200, listed: { number: number; headSha: string }[] = [{ number: PR_NUMBER, headSha: HEAD_SHA }]): this {
    this.scope
      .patch(`${this.base}/check-runs/${CHECK_RUN_ID}`, (body: Body) => {
        this.runUpdates.push(body);
        return true;
      })
      .times(1 + followUps)
      .reply(
        status,
        status === 200
          ? { id: CHECK_RUN_ID, status: 'completed', head_sha: HEAD_SHA, pull_requests: listed.map((pull) => ({ number: pull.number, head: { ref: 'changes', sha: pull.headSha } })) }
          : { message: 'Server Error' },
      );
    return this;
  }

  reviewThreads(nodes: { id: string; isResolved?: boolean; path: string; body: string; databaseId: number; author?: 'Bot' | 'User' }[]): this {
    this.scope
      .post('/graphql', (body: Body) => typeof body.query === 'string' && body.query.includes('reviewThreads') && body.variables.number === PR_NUMBER)
      .reply(200, {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: {
                pageInfo: { hasNextPage: false, endCursor: null },
                nodes: nodes.map((node) => ({
                  id: node.id,
                  isResolved: node.isResolved ?? false,
                  path: node.path,
                  comments: {
                    nodes: [
                      {
                        body: node.body,
                        databaseId: node.databaseId,
                        author: node.author === 'User' ? { __typename: 'User', login: 'Codertocat' } : { __typename: 'Bot', login: 'api-security-review' },
                      },
                    ],
                  },
                })),
              },
            },
          },
        },
      });
    return this;
  }

  replyAndResolve(commentId: number, threadId: string): this {
    this.scope
      .post(`${this.base}/pulls/${PR_NUMBER}/comments/${commentId}/replies`, (body: Body) => {
        this.replies.push({ commentId, body });
        return typeof body.body === 'string';
      })
      .reply(201, { id: commentId + 1000, in_reply_to_id: commentId });
    this.scope
      .post('/graphql', (body: Body) => {
        const matches = typeof body.query === 'string' && body.query.includes('resolveReviewThread') && body.variables.threadId === threadId;
        if (matches) this.resolvedThreads.push(threadId);
        return matches;
      })
      .reply(200, { data: { resolveReviewThread: { thread: { id: threadId } } } });
    return this;
  }

  permission(username: string, permission: string, roleName: string, status = 200): this {
    this.scope
      .get(`${this.base}/collaborators/${username}/permission`)
      .reply(status, status === 200 ? { permission, role_name: roleName, user: { login: username } } : { message: 'Server Error' });
    return this;
  }

  reaction(commentId: number): this {
    this.scope
      .post(`${this.base}/issues/comments/${commentId}/reactions`, (body: Body) => {
        this.reactions.push({ commentId, body });
        return body.content === 'eyes';
      })
      .reply(201, { id: 1, content: 'eyes' });
    return this;
  }

  pullsForCommit(sha: string, pulls: { number: number; headSha: string; state?: string }[]): this {
    this.scope
      .get(`${this.base}/commits/${sha}/pulls`)
      .query({ per_page: '100' })
      .reply(
        200,
        pulls.map((pull) => ({ number: pull.number, state: pull.state ?? 'open', head: { sha: pull.headSha } })),
      );
    return this;
  }

  /** The run's final state: the completing update. */
  get completion(): Body {
    const completing = this.runUpdates.find((update) => update.status === 'completed');
    if (completing === undefined) throw new Error('the check run was never completed');
    return completing;
  }
}
