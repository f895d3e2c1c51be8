/**
 * End to end: the real server entry (`src/server.ts`, Probot's `run`) in a
 * child process, talking HTTP to a fake GitHub Enterprise API, receiving
 * HMAC-signed webhooks over HTTP. Nothing is mocked inside the app.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  deliverWebhook,
  patchForAddedFile,
  signWebhookBody,
  startFakeGitHub,
  waitFor,
  type CheckRunState,
  type FakeGitHub,
  type RecordedRequest,
} from '../support/fake-github/index.js';
import { findFreePort, startAppProcess, waitUntilListening, type AppProcess } from './app-process.js';
import { adaptPullRequestPayload, loadPullRequestExample, type PullRequestTarget } from './pull-request-payload.js';

const APP_ID = 31337;
const WEBHOOK_SECRET = 'e2e-webhook-secret';
const CHECK_RUN_NAME = 'API Security Review';
/** An Express app that registers a user-deleting route with no authentication anywhere. */
const APP_PATH = 'src/server.ts';
const APP_FILE = [
  "import express from 'express';",
  'const app = express();',
  'app.use(express.json());',
  "app.post('/users/:id/delete', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });",
  'app.listen(3000);',
  '',
].join('\n');
const APP_ROUTE_LINE = 4;

/** The brief's router file, mounted by an app file (already on the default branch) without authentication. */
const ROUTER_PATH = 'src/routes/users.ts';
const ROUTER_FILE = [
  "import express from 'express';",
  'const router = express.Router();',
  "router.post('/users/:id/delete', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });",
  'export default router;',
  '',
].join('\n');
const MOUNTING_FILE = [
  "import express from 'express';",
  "import usersRouter from './routes/users.js';",
  '',
  'const app = express();',
  'app.use(express.json());',
  "app.use('/api', usersRouter);",
  'app.listen(3000);',
  '',
].join('\n');

const INSTALLATION_ID = 4711;
const OWNER = 'octo-org';
const REPO = 'shop-api';

function pullRequestTarget(number: number, headRef: string): PullRequestTarget {
  return {
    owner: OWNER,
    repo: REPO,
    number,
    headRef,
    headSha: randomBytes(20).toString('hex'),
    baseRef: 'main',
    baseSha: randomBytes(20).toString('hex'),
    installationId: INSTALLATION_ID,
  };
}

const appPullRequest = pullRequestTarget(42, 'add-user-delete');
const routerPullRequest = pullRequestTarget(43, 'add-users-router');

let fake: FakeGitHub;
let app: AppProcess | undefined;
let webhookUrl: string;

/** The app's output and every request the fake saw: printed when a test fails. */
function diagnostics(): string {
  const traffic = fake.requests
    .map((request) => `${request.method} ${request.path} -> ${request.status}${request.fault ? ' (fault)' : ''}${request.unexpected ? ' (UNEXPECTED)' : ''}${request.error ? `\n${request.error}` : ''}`)
    .join('\n');
  const runs = [...fake.store.checkRuns.values()]
    .map((run) => `#${run.id} ${run.name} ${run.status}/${String(run.conclusion)}: ${run.output.title ?? ''}\n${(run.output.summary ?? '').slice(0, 3000)}`)
    .join('\n');
  // Webhook payloads in the app's error logs are long; the tail holds what matters.
  const output = (app?.output() ?? '').slice(-20_000);
  return `--- fake GitHub requests ---\n${traffic || '(none)'}\n--- check runs ---\n${runs || '(none)'}\n--- app output (tail) ---\n${output || '(none)'}`;
}

function reportOnFailure(): void {
  onTestFailed(() => {
    console.error(diagnostics());
  });
}

function failedResponses(): RecordedRequest[] {
  return fake.requests.filter((request) => request.status >= 400);
}

async function deliver(event: string, body: string, signature: string) {
  return deliverWebhook({ url: webhookUrl, event, body, signature });
}

beforeAll(async () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# shop-api\n', 'src/app.ts': MOUNTING_FILE } });
  const fullName = `${OWNER}/${REPO}`;
  fake.store.addPullRequest(fullName, {
    number: appPullRequest.number,
    title: 'Add an endpoint to delete users',
    user: 'Codertocat',
    head: { ref: appPullRequest.headRef, sha: appPullRequest.headSha },
    base: { ref: appPullRequest.baseRef, sha: appPullRequest.baseSha },
    files: [{ filename: APP_PATH, status: 'added', patch: patchForAddedFile(APP_FILE), content: APP_FILE }],
  });
  fake.store.addPullRequest(fullName, {
    number: routerPullRequest.number,
    title: 'Add a users router',
    user: 'Codertocat',
    head: { ref: routerPullRequest.headRef, sha: routerPullRequest.headSha },
    base: { ref: routerPullRequest.baseRef, sha: routerPullRequest.baseSha },
    files: [{ filename: ROUTER_PATH, status: 'added', patch: patchForAddedFile(ROUTER_FILE), content: ROUTER_FILE }],
  });
  // The head commit holds the whole project, including the file that mounts the router.
  fake.store.setFile(fullName, routerPullRequest.headSha, 'README.md', '# shop-api\n');
  fake.store.setFile(fullName, routerPullRequest.headSha, 'src/app.ts', MOUNTING_FILE);
  fake.store.setFile(fullName, appPullRequest.headSha, 'README.md', '# shop-api\n');

  const port = await findFreePort();
  app = startAppProcess(
    {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      // Its own record of open check runs: the sweep at start-up must not see another run's.
      REVIEW_STATE_DIR: mkdtempSync(join(tmpdir(), 'asr-e2e-state-')),
    },
    port,
  );
  webhookUrl = `${app.baseUrl}/api/github/webhooks`;
  try {
    await waitUntilListening(app);
  } catch (error) {
    await app.stop();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

/** Delivers a correctly signed `pull_request.opened` for `target` and expects a quick 2xx. */
async function deliverOpened(target: PullRequestTarget): Promise<void> {
  const body = JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), target));
  const answer = await deliver('pull_request', body, signWebhookBody(body, WEBHOOK_SECRET));
  expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
  expect(answer.status, answer.text).toBeLessThan(300);
}

async function completedRunFor(target: PullRequestTarget): Promise<CheckRunState> {
  return waitFor(
    () => [...fake.store.checkRuns.values()].find((run) => run.name === CHECK_RUN_NAME && run.headSha === target.headSha && run.status === 'completed'),
    { description: `a completed "${CHECK_RUN_NAME}" check run on ${target.headSha}`, timeoutMs: 45_000 },
  );
}

/** Nothing the app sent was refused or unknown; absent files (config, probed context files) are the only expected 404s. */
function expectCleanTraffic(): void {
  expect(fake.unexpected).toEqual([]);
  expect(failedResponses().filter((request) => !(request.status === 404 && request.route === 'GET /repos/{owner}/{repo}/contents/{path+}'))).toEqual([]);
  expect(fake.requests.every((request) => request.route?.startsWith('POST /app/') || request.auth === 'installation')).toBe(true);
}

describe('the app server, end to end', () => {
  // Signature tests run first, while the fake has seen no request at all.
  it('rejects a webhook signed with the wrong secret and calls no GitHub API', async () => {
    reportOnFailure();
    const body = JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), appPullRequest));
    const before = fake.requests.length;
    const answer = await deliver('pull_request', body, signWebhookBody(body, 'not-the-secret'));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    // The rejection happens before any handler runs; a short grace period catches a stray late call.
    await delay(500);
    expect(fake.requests.slice(before)).toEqual([]);
  });

  it('rejects a body modified after signing and calls no GitHub API', async () => {
    reportOnFailure();
    const signed = JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), appPullRequest));
    const tampered = signed.replace(`"${appPullRequest.headSha}"`, `"${'0'.repeat(40)}"`);
    expect(tampered).not.toBe(signed);
    const before = fake.requests.length;
    const answer = await deliver('pull_request', tampered, signWebhookBody(signed, WEBHOOK_SECRET));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    await delay(500);
    expect(fake.requests.slice(before)).toEqual([]);
  });

  it('reviews an opened pull request: check run in progress then failure naming the endpoint, and an inline review comment', async () => {
    reportOnFailure();
    await deliverOpened(appPullRequest);
    const run = await completedRunFor(appPullRequest);
    const opened = run.history[0]!;
    expect(opened.method).toBe('POST');
    expect(opened.body).toMatchObject({ name: CHECK_RUN_NAME, head_sha: appPullRequest.headSha, status: 'in_progress' });
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('POST /users/:id/delete');

    // The run is completed first: its answer lists the PR with its head now, the check that the review goes on the head.
    const reviewRequests = await waitFor(
      () => {
        const posted = fake.requestsTo('POST', `/repos/${OWNER}/${REPO}/pulls/${appPullRequest.number}/reviews`);
        return posted.length > 0 && posted;
      },
      { description: 'the review', timeoutMs: 30_000 },
    );
    expect(reviewRequests.map((request) => request.status)).toEqual([200]);
    const review = reviewRequests[0]!.body as { event?: string; commit_id?: string; comments?: Array<{ path: string; line?: number; body: string }> };
    expect(review.event).toBe('COMMENT');
    expect(review.commit_id).toBe(appPullRequest.headSha);
    expect(review.comments?.some((comment) => comment.path === APP_PATH && comment.line === APP_ROUTE_LINE)).toBe(true);
    const stored = [...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === appPullRequest.number);
    expect(stored.some((comment) => comment.path === APP_PATH && comment.line === APP_ROUTE_LINE && comment.side === 'RIGHT')).toBe(true);

    // The app authenticated as GitHub Apps do: one token exchange, then the installation token.
    expect(fake.requestsTo('POST', '/app/installations/{installation_id}/access_tokens').map((request) => request.status)).toEqual([201]);
    expectCleanTraffic();
  }, 60_000);

  it('reviews a pull request that adds an Express router mounted elsewhere, naming its endpoint', async () => {
    reportOnFailure();
    await deliverOpened(routerPullRequest);
    const run = await completedRunFor(routerPullRequest);
    expect(run.history[0]!.body).toMatchObject({ name: CHECK_RUN_NAME, head_sha: routerPullRequest.headSha, status: 'in_progress' });
    expect(run.output.summary).toContain('POST /users/:id/delete');
    expectCleanTraffic();
  }, 60_000);

  // `src/app.ts` at the head mounts the router with no authentication: the app finds
  // it through one tree listing and fails the run like the self-contained app above.
  it('fails the check run of the router whose mounting file adds no authentication', async () => {
    const run = await completedRunFor(routerPullRequest);
    expect(run.conclusion).toBe('failure');
  }, 60_000);
});
