/**
 * The fake GitHub answers as GitHub does, driven through Probot's own
 * Octokit (the client the app uses) and through plain fetch where exact
 * statuses and headers matter.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Probot, ProbotOctokit } from 'probot';
import { FakeGitHub, startFakeGitHub } from './fake-github.js';
import { rateLimitExceeded } from './faults.js';
import { verifyAppJwt } from './app-jwt.js';
import { parsePatchHunks, patchForAddedFile } from './patch-lines.js';
import { gitBlobSha } from './store.js';

const APP_ID = 4242;
const INSTALLATION_ID = 77;
const OWNER = 'acme';
const REPO = 'shop';
const FULL_NAME = `${OWNER}/${REPO}`;
const HEAD_SHA = 'a'.repeat(40);
const BASE_SHA = 'b'.repeat(40);

let privateKey: string;
let publicKey: string;
let otherPrivateKey: string;
let fake: FakeGitHub;

type InstallationOctokit = Awaited<ReturnType<Probot['auth']>>;

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  privateKey = pair.privateKey;
  publicKey = pair.publicKey;
  otherPrivateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
});

beforeEach(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# shop\n' } });
});

afterEach(async () => {
  await fake.close();
});

function probot(key = privateKey): Probot {
  return new Probot({
    appId: APP_ID,
    privateKey: key,
    baseUrl: fake.apiUrl,
    logLevel: 'fatal',
    // The function form wins over the throttle options Probot adds per instance.
    Octokit: ProbotOctokit.defaults((instanceOptions: object) => ({ ...instanceOptions, retry: { enabled: false }, throttle: { enabled: false } })),
  });
}

async function installationOctokit(): Promise<InstallationOctokit> {
  return probot().auth(INSTALLATION_ID);
}

/** An installation token obtained the way the app obtains one, for raw fetch calls. */
async function tokenFor(): Promise<string> {
  const octokit = await installationOctokit();
  await octokit.request('GET /repos/{owner}/{repo}', { owner: OWNER, repo: REPO });
  const token = [...fake.store.tokens.keys()].at(-1);
  if (!token) throw new Error('no installation token was issued');
  return token;
}

async function rejection(promise: Promise<unknown>): Promise<{ status: number; response?: { data: unknown; headers: Record<string, unknown> } }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; response?: { data: unknown; headers: Record<string, unknown> } };
  }
  throw new Error('expected the request to fail');
}

const ROUTE_FILE = [
  "import express from 'express';",
  'const router = express.Router();',
  "router.post('/users/:id/delete', async (req, res) => { res.json({ ok: true }); });",
  'export default router;',
  '',
].join('\n');

describe('installation token exchange', () => {
  it('issues a token for a valid app JWT and accepts it on repository endpoints', async () => {
    const octokit = await installationOctokit();
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner: OWNER, repo: REPO });
    expect(data.full_name).toBe(FULL_NAME);
    const exchange = fake.requestsTo('POST', '/app/installations/{installation_id}/access_tokens');
    expect(exchange).toHaveLength(1);
    expect(exchange[0]).toMatchObject({ status: 201, auth: 'app' });
    expect(exchange[0]!.headers).not.toHaveProperty('authorization');
    expect(fake.requestsTo('GET', '/repos/{owner}/{repo}')[0]).toMatchObject({ status: 200, auth: 'installation' });
  });

  it('answers the token exchange with token, expiry, permissions and repository selection', async () => {
    const appOctokit = await probot().auth();
    const { token: jwt } = (await appOctokit.auth({ type: 'app' })) as { token: string };
    const response = await fetch(`${fake.apiUrl}/app/installations/${INSTALLATION_ID}/access_tokens`, {
      method: 'POST',
      headers: { authorization: `bearer ${jwt}`, accept: 'application/vnd.github+json' },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.token).toMatch(/^ghs_\w{36}$/);
    expect(Date.parse(String(body.expires_at))).toBeGreaterThan(Date.now());
    expect(body.permissions).toMatchObject({ checks: 'write', pull_requests: 'write' });
    expect(body.repository_selection).toBe('all');
  });

  it('rejects a missing or foreign-signed JWT with 401', async () => {
    const unauthenticated = await fetch(`${fake.apiUrl}/app/installations/${INSTALLATION_ID}/access_tokens`, { method: 'POST' });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ message: 'A JSON web token could not be decoded' });

    const error = await rejection(probot(otherPrivateKey).auth(INSTALLATION_ID).then((octokit) => octokit.request('GET /repos/{owner}/{repo}', { owner: OWNER, repo: REPO })));
    expect(error.status).toBe(401);
  });

  it('answers 404 for an unknown installation', async () => {
    const error = await rejection(probot().auth(999).then((octokit) => octokit.request('GET /repos/{owner}/{repo}', { owner: OWNER, repo: REPO })));
    expect(error.status).toBe(404);
  });

  it('rejects repository calls without a token it issued, and hides other accounts\' repositories', async () => {
    const anonymous = await fetch(`${fake.apiUrl}/repos/${FULL_NAME}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ message: 'Bad credentials' });
    const made = await fetch(`${fake.apiUrl}/repos/${FULL_NAME}`, { headers: { authorization: 'token ghs_madeupmadeupmadeupmadeupmadeupmade' } });
    expect(made.status).toBe(401);

    fake.store.addRepository({ owner: 'someone-else', name: 'private' });
    const token = await tokenFor();
    const foreign = await fetch(`${fake.apiUrl}/repos/someone-else/private`, { headers: { authorization: `token ${token}` } });
    expect(foreign.status).toBe(404);
  });
});

describe('verifyAppJwt', () => {
  const now = 1_700_000_000;
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = (payload: object): string => `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(payload)}.c2ln`;

  it('accepts the claims @octokit/auth-app sends (iat 30 s back, exp 10 min after iat)', () => {
    expect(verifyAppJwt(unsigned({ iat: now - 30, exp: now + 570, iss: APP_ID }), { appId: APP_ID, now })).toEqual({ ok: true, appId: String(APP_ID) });
  });

  it('rejects malformed tokens, other algorithms, wrong issuers and bad times with GitHub\'s messages', () => {
    expect(verifyAppJwt('not-a-jwt', { appId: APP_ID, now })).toMatchObject({ ok: false, message: 'A JSON web token could not be decoded' });
    expect(verifyAppJwt(`${encode({ alg: 'HS256' })}.${encode({ iat: now, exp: now + 60, iss: APP_ID })}.c2ln`, { appId: APP_ID, now })).toMatchObject({ ok: false });
    expect(verifyAppJwt(unsigned({ iat: now, exp: now + 60, iss: 1 }), { appId: APP_ID, now })).toMatchObject({ ok: false, message: 'Integration not found' });
    expect(verifyAppJwt(unsigned({ iat: now - 700, exp: now - 100, iss: APP_ID }), { appId: APP_ID, now })).toMatchObject({ ok: false, message: expect.stringContaining("'Expiration time' claim ('exp') must be") });
    expect(verifyAppJwt(unsigned({ iat: now, exp: now + 3600, iss: APP_ID }), { appId: APP_ID, now })).toMatchObject({ ok: false, message: expect.stringContaining('too far in the future') });
    expect(verifyAppJwt(unsigned({ iat: now + 600, exp: now + 900, iss: APP_ID }), { appId: APP_ID, now })).toMatchObject({ ok: false, message: expect.stringContaining("'Issued at' claim") });
  });

  it('rejects a good-looking token whose signature does not verify with the app\'s public key', () => {
    expect(verifyAppJwt(unsigned({ iat: now - 30, exp: now + 570, iss: APP_ID }), { appId: APP_ID, now, publicKey })).toMatchObject({ ok: false });
  });
});

describe('contents API', () => {
  beforeEach(() => {
    fake.store.setFile(FULL_NAME, HEAD_SHA, 'src/routes/users.ts', ROUTE_FILE);
  });

  it('returns a file at a ref as wrapped base64 with sha, size and type', async () => {
    const octokit = await installationOctokit();
    const { data } = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'src/routes/users.ts', ref: HEAD_SHA });
    if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
    expect(data).toMatchObject({ type: 'file', encoding: 'base64', path: 'src/routes/users.ts', name: 'users.ts', size: Buffer.byteLength(ROUTE_FILE), sha: gitBlobSha(ROUTE_FILE) });
    expect(data.content).toContain('\n');
    expect(Buffer.from(data.content, 'base64').toString('utf8')).toBe(ROUTE_FILE);
  });

  it('returns the raw file for the raw media type', async () => {
    const octokit = await installationOctokit();
    const { data } = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'src/routes/users.ts', ref: HEAD_SHA, mediaType: { format: 'raw' } });
    expect(data).toBe(ROUTE_FILE);
  });

  it('answers 404 Not Found for a missing path and names an unknown ref', async () => {
    const octokit = await installationOctokit();
    const missing = await rejection(octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'nope.ts', ref: HEAD_SHA }));
    expect(missing.status).toBe(404);
    expect(missing.response?.data).toMatchObject({ message: 'Not Found', documentation_url: expect.stringContaining('docs.github.com') });
    const unknownRef = await rejection(octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md', ref: 'c'.repeat(40) }));
    expect(unknownRef.status).toBe(404);
    expect(unknownRef.response?.data).toMatchObject({ message: `No commit found for the ref ${'c'.repeat(40)}` });
    expect(fake.unexpected).toEqual([]);
  });

  it('lists the tree of a ref, recursively on request', async () => {
    const octokit = await installationOctokit();
    const { data: top } = await octokit.rest.git.getTree({ owner: OWNER, repo: REPO, tree_sha: HEAD_SHA });
    expect(top.tree.map((entry) => [entry.path, entry.type])).toEqual([['src', 'tree']]);
    const { data: all } = await octokit.rest.git.getTree({ owner: OWNER, repo: REPO, tree_sha: HEAD_SHA, recursive: 'true' });
    expect(all.truncated).toBe(false);
    expect(all.tree.map((entry) => [entry.path, entry.type])).toEqual([['src', 'tree'], ['src/routes', 'tree'], ['src/routes/users.ts', 'blob']]);
    expect(all.tree[2]).toMatchObject({ sha: gitBlobSha(ROUTE_FILE), size: Buffer.byteLength(ROUTE_FILE), mode: '100644' });
    const missing = await rejection(octokit.rest.git.getTree({ owner: OWNER, repo: REPO, tree_sha: 'd'.repeat(40) }));
    expect(missing.status).toBe(404);
  });

  it('serves the repository config to Probot\'s config plugin and 404s the .github fallback when absent', async () => {
    const octokit = await installationOctokit();
    const none = await octokit.config.get({ owner: OWNER, repo: REPO, path: '.github/api-security-review.yml' });
    expect(none.config).toEqual({});
    expect(none.files.map((file) => file.repo)).toEqual([REPO, '.github']);

    fake.store.setFile(FULL_NAME, 'main', '.github/api-security-review.yml', 'fail_on: medium\n');
    const found = await octokit.config.get({ owner: OWNER, repo: REPO, path: '.github/api-security-review.yml' });
    expect(found.config).toEqual({ fail_on: 'medium' });
    expect(fake.unexpected).toEqual([]);
  });
});

describe('pull request files', () => {
  it('paginates with per_page/page and a link header that Octokit follows', async () => {
    const files = Array.from({ length: 65 }, (_, index) => ({ filename: `src/file-${index}.ts`, status: 'added' as const, patch: '@@ -0,0 +1 @@\n+export {};' }));
    fake.store.addPullRequest(FULL_NAME, { number: 7, head: { ref: 'feature', sha: HEAD_SHA }, base: { ref: 'main', sha: BASE_SHA }, files });
    const token = await tokenFor();

    const first = await fetch(`${fake.apiUrl}/repos/${FULL_NAME}/pulls/7/files?per_page=30`, { headers: { authorization: `token ${token}` } });
    const link = first.headers.get('link') ?? '';
    expect(link).toContain(`<${fake.apiUrl}/repos/${FULL_NAME}/pulls/7/files?per_page=30&page=2>; rel="next"`);
    expect(link).toContain(`<${fake.apiUrl}/repos/${FULL_NAME}/pulls/7/files?per_page=30&page=3>; rel="last"`);
    expect(first.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    const firstPage = (await first.json()) as Array<Record<string, unknown>>;
    expect(firstPage).toHaveLength(30);
    expect(firstPage[0]).toMatchObject({ filename: 'src/file-0.ts', status: 'added', additions: 1, deletions: 0, changes: 1, patch: '@@ -0,0 +1 @@\n+export {};' });
    expect(firstPage[0]!.sha).toMatch(/^[0-9a-f]{40}$/);

    const octokit = await installationOctokit();
    const all = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: OWNER, repo: REPO, pull_number: 7, per_page: 30 });
    expect(all.map((file) => file.filename)).toEqual(files.map((file) => file.filename));
    expect(fake.requestsTo('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files')).toHaveLength(4);
  });

  it('leaves `patch` out when GitHub would (large or binary diffs)', async () => {
    fake.store.addPullRequest(FULL_NAME, { number: 8, head: { ref: 'f', sha: HEAD_SHA }, base: { ref: 'main', sha: BASE_SHA }, files: [{ filename: 'logo.png', status: 'added', patch: null }] });
    const octokit = await installationOctokit();
    const { data } = await octokit.rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 8 });
    expect(data[0]).not.toHaveProperty('patch');
  });
});

describe('reviews', () => {
  // Line 1 deleted, lines 1-3 of the head added, line 10 a context line of a second hunk.
  const patch = ['@@ -1,2 +1,3 @@', '-const old = 1;', '+const a = 1;', '+const b = 2;', '+const c = 3;', ' export {};', '@@ -10,3 +11,3 @@', ' keep();', '-gone();', '+added();', ' end();'].join('\n');

  beforeEach(() => {
    fake.store.addPullRequest(FULL_NAME, { number: 3, head: { ref: 'feature', sha: HEAD_SHA }, base: { ref: 'main', sha: BASE_SHA }, files: [{ filename: 'src/a.ts', patch }] });
  });

  type DraftComment = { path: string; body: string; line?: number; side?: string; start_line?: number };

  async function postReview(comments: DraftComment[]): Promise<unknown> {
    const octokit = await installationOctokit();
    return octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      owner: OWNER,
      repo: REPO,
      pull_number: 3,
      commit_id: HEAD_SHA,
      event: 'COMMENT',
      body: 'review',
      comments,
    });
  }

  it('accepts comments on added and context lines (RIGHT) and deleted lines (LEFT)', async () => {
    await postReview([
      { path: 'src/a.ts', line: 2, body: 'added line' },
      { path: 'src/a.ts', line: 4, side: 'RIGHT', body: 'context line' },
      { path: 'src/a.ts', line: 1, side: 'LEFT', body: 'deleted line' },
      { path: 'src/a.ts', start_line: 11, line: 13, body: 'multi-line in one hunk' },
    ]);
    const review = [...fake.store.reviews.values()][0]!;
    expect(review).toMatchObject({ state: 'COMMENTED', user: 'api-security-review[bot]', commitId: HEAD_SHA });
    expect([...fake.store.reviewComments.values()].map((comment) => [comment.line, comment.side])).toEqual([[2, 'RIGHT'], [4, 'RIGHT'], [1, 'LEFT'], [13, 'RIGHT']]);
  });

  it('rejects the whole review with GitHub\'s 422 when one line is not part of the diff', async () => {
    const error = await rejection(postReview([
      { path: 'src/a.ts', line: 2, body: 'fine' },
      { path: 'src/a.ts', line: 8, body: 'between hunks' },
    ]));
    expect(error.status).toBe(422);
    expect(error.response?.data).toMatchObject({
      message: 'Unprocessable Entity',
      errors: ["Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank"],
    });
    expect(fake.store.reviews.size).toBe(0);
    expect(fake.store.reviewComments.size).toBe(0);
  });

  it('rejects a multi-line comment spanning two hunks, an unknown path, and a LEFT comment on an added line', async () => {
    const spanning = await rejection(postReview([{ path: 'src/a.ts', start_line: 2, line: 12, body: 'x' }]));
    expect(spanning.response?.data).toMatchObject({ errors: ['Pull request review thread start line must be part of the same hunk as the line.'] });
    const unknownPath = await rejection(postReview([{ path: 'src/other.ts', line: 1, body: 'x' }]));
    expect(unknownPath.response?.data).toMatchObject({ errors: ['Path could not be resolved'] });
    const wrongSide = await rejection(postReview([{ path: 'src/a.ts', line: 3, side: 'LEFT', body: 'x' }]));
    expect(wrongSide.status).toBe(422);
  });

  it('lists comments, accepts replies and reactions, and exposes threads over GraphQL until resolved', async () => {
    await postReview([{ path: 'src/a.ts', line: 2, body: 'finding <!-- fp:1 -->' }]);
    const octokit = await installationOctokit();
    const { data: comments } = await octokit.rest.pulls.listReviewComments({ owner: OWNER, repo: REPO, pull_number: 3 });
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ path: 'src/a.ts', line: 2, side: 'RIGHT', body: 'finding <!-- fp:1 -->', user: { login: 'api-security-review[bot]', type: 'Bot' } });
    const { data: reply } = await octokit.rest.pulls.createReplyForReviewComment({ owner: OWNER, repo: REPO, pull_number: 3, comment_id: comments[0]!.id, body: 'fixed?' });
    expect(reply.in_reply_to_id).toBe(comments[0]!.id);
    const reaction = await octokit.rest.reactions.createForPullRequestReviewComment({ owner: OWNER, repo: REPO, comment_id: comments[0]!.id, content: 'eyes' });
    expect(reaction.status).toBe(201);

    const query = `query($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
      repository(owner: $owner, name: $repo) { pullRequest(number: $number) {
        reviewThreads(first: 50, after: $cursor) { nodes { id isResolved comments(first: 10) { nodes { databaseId body author { login } } } } pageInfo { hasNextPage endCursor } }
      } } }`;
    type ThreadsResult = { repository: { pullRequest: { reviewThreads: { nodes: Array<{ id: string; isResolved: boolean; comments: { nodes: Array<{ databaseId: number; body: string }> } }> } } } };
    const before = await octokit.graphql<ThreadsResult>(query, { owner: OWNER, repo: REPO, number: 3 });
    const [thread] = before.repository.pullRequest.reviewThreads.nodes;
    expect(thread).toMatchObject({ isResolved: false });
    expect(thread!.comments.nodes.map((comment) => comment.body)).toEqual(['finding <!-- fp:1 -->', 'fixed?']);

    await octokit.graphql('mutation($threadId: ID!) { resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } } }', { threadId: thread!.id });
    const after = await octokit.graphql<ThreadsResult>(query, { owner: OWNER, repo: REPO, number: 3 });
    expect(after.repository.pullRequest.reviewThreads.nodes[0]).toMatchObject({ isResolved: true });
    expect(fake.requests.filter((request) => request.path === '/graphql').map((request) => request.graphqlOperation)).toEqual(['reviewThreads', 'resolveReviewThread', 'reviewThreads']);
    expect(fake.unexpected).toEqual([]);
  });
});

describe('check runs', () => {
  beforeEach(() => {
    fake.store.addPullRequest(FULL_NAME, { number: 3, head: { ref: 'feature', sha: HEAD_SHA }, base: { ref: 'main', sha: BASE_SHA }, files: [] });
  });

  it('creates and completes a run, recording every body and accumulating annotations', async () => {
    const octokit = await installationOctokit();
    const { data: run, status } = await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'API Security Review', head_sha: HEAD_SHA, status: 'in_progress' });
    expect(status).toBe(201);
    expect(run).toMatchObject({ name: 'API Security Review', head_sha: HEAD_SHA, status: 'in_progress', conclusion: null });
    const annotation = { path: 'src/a.ts', start_line: 1, end_line: 1, annotation_level: 'failure' as const, message: 'm' };
    await octokit.rest.checks.update({ owner: OWNER, repo: REPO, check_run_id: run.id, output: { title: 't', summary: 's', annotations: [annotation] } });
    const { data: done } = await octokit.rest.checks.update({ owner: OWNER, repo: REPO, check_run_id: run.id, conclusion: 'failure', output: { title: 't', summary: 'done', annotations: [annotation] } });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'failure', output: { summary: 'done', annotations_count: 2 } });
    expect(fake.store.checkRuns.get(run.id)!.history.map((entry) => entry.method)).toEqual(['POST', 'PATCH', 'PATCH']);
  });

  it('rejects what GitHub rejects: unknown head sha, completed without conclusion, more than 50 annotations', async () => {
    const octokit = await installationOctokit();
    const unknownSha = await rejection(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: 'f'.repeat(40) }));
    expect(unknownSha.status).toBe(422);
    const noConclusion = await rejection(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: HEAD_SHA, status: 'completed' }));
    expect(noConclusion.status).toBe(422);
    const annotations = Array.from({ length: 51 }, (_, index) => ({ path: 'a.ts', start_line: index + 1, end_line: index + 1, annotation_level: 'warning' as const, message: 'm' }));
    const tooMany = await rejection(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: HEAD_SHA, output: { title: 't', summary: 's', annotations } }));
    expect(tooMany.status).toBe(422);
    const tooLong = await rejection(octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'n', head_sha: HEAD_SHA, output: { title: 't', summary: 'x'.repeat(65536) } }));
    expect(tooLong.status).toBe(422);
    expect(fake.store.checkRuns.size).toBe(0);
  });
});

describe('collaborators and commits', () => {
  it('reports role and legacy permission, and 404 for non-collaborators', async () => {
    fake.store.setCollaborator(FULL_NAME, 'maintainer', 'maintain');
    const octokit = await installationOctokit();
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username: 'maintainer' });
    expect(data).toMatchObject({ permission: 'write', role_name: 'maintain', user: { login: 'maintainer' } });
    const stranger = await rejection(octokit.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username: 'stranger' }));
    expect(stranger.status).toBe(404);
  });

  it('lists the pull requests whose head is a commit', async () => {
    fake.store.addPullRequest(FULL_NAME, { number: 5, head: { ref: 'feature', sha: HEAD_SHA }, base: { ref: 'main', sha: BASE_SHA }, files: [] });
    const octokit = await installationOctokit();
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: OWNER, repo: REPO, commit_sha: HEAD_SHA });
    expect(data.map((pull) => pull.number)).toEqual([5]);
  });
});

describe('fault injection and unexpected requests', () => {
  it('answers matching requests with the injected status and headers the given number of times', async () => {
    fake.store.addPullRequest(FULL_NAME, { number: 3, head: { ref: 'feature', sha: HEAD_SHA }, base: { ref: 'main', sha: BASE_SHA }, files: [] });
    const token = await tokenFor();
    const fault = fake.fail({ method: 'POST', path: '/repos/{owner}/{repo}/check-runs' }, { status: 502, times: 2 });
    const post = () =>
      fetch(`${fake.apiUrl}/repos/${FULL_NAME}/check-runs`, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'API Security Review', head_sha: HEAD_SHA }),
      });
    expect((await post()).status).toBe(502);
    expect((await post()).status).toBe(502);
    expect((await post()).status).toBe(201);
    expect(fault.hits).toBe(2);
    expect(fake.requestsTo('POST', '/repos/{owner}/{repo}/check-runs').map((request) => [request.status, request.fault])).toEqual([[502, true], [502, true], [201, false]]);

    fake.fail({ path: /\/pulls\/3$/ }, rateLimitExceeded());
    const limited = await fetch(`${fake.apiUrl}/repos/${FULL_NAME}/pulls/3`, { headers: { authorization: `token ${token}` } });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });

  it('matches GraphQL faults by query text', async () => {
    const octokit = await installationOctokit();
    fake.fail({ graphql: 'resolveReviewThread' }, { status: 500 });
    const error = await rejection(octokit.graphql('mutation { resolveReviewThread(input: { threadId: "x" }) { thread { id } } }'));
    expect(error.status).toBe(500);
  });

  it('records unknown routes and unknown GraphQL operations as unexpected', async () => {
    const octokit = await installationOctokit();
    const unknown = await rejection(octokit.request('GET /repos/{owner}/{repo}/branches', { owner: OWNER, repo: REPO }));
    expect(unknown.status).toBe(404);
    await rejection(octokit.graphql('query { viewer { login } }'));
    expect(fake.unexpected.map((request) => `${request.method} ${request.path}`)).toEqual([`GET /repos/${FULL_NAME}/branches`, 'POST /graphql']);
  });
});

describe('patch lines', () => {
  it('counts positions across hunks and maps both sides', () => {
    const parsed = parsePatchHunks('@@ -1,2 +1,2 @@\n-a\n+b\n c\n@@ -9,1 +9,2 @@\n x\n+y');
    expect(parsed.positions).toBe(6);
    expect([...parsed.hunks[0]!.right]).toEqual([1, 2]);
    expect([...parsed.hunks[0]!.left]).toEqual([1, 2]);
    expect([...parsed.hunks[1]!.right]).toEqual([9, 10]);
  });

  it('builds the patch of an added file', () => {
    expect(patchForAddedFile('a\nb\n')).toBe('@@ -0,0 +1,2 @@\n+a\n+b');
    expect(patchForAddedFile('a')).toBe('@@ -0,0 +1,1 @@\n+a\n\\ No newline at end of file');
  });
});
