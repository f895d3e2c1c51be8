/**
 * GitHub as it fails: the real app (Probot, its Octokit with the retry and
 * throttling settings of src/github/octokit-options.ts) against the local
 * fake GitHub API, which answers with GitHub's documented errors: 5xx,
 * dropped connections, 403/429 rate limits with their headers, 401, 404,
 * 422. Each test states what must hold: the check run completes, nothing is
 * posted twice, nothing is posted on a stale head, nothing is lost.
 *
 * Waits are shortened (a "second" of rate-limit wait is 20 ms here, the
 * retry backoff unit 5 ms, writes 30 ms apart instead of 1 s); the decisions
 * are the production ones.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Bottleneck from 'bottleneck';
import { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createApp } from '../../src/index.js';
import { createAppOctokit } from '../../src/github/octokit-options.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import { FileOpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import { createCheckRun } from '../../src/github/check-runs.js';
import type { GitHubClient } from '../../src/github/client.js';
import {
  connectionReset,
  patchForAddedFile,
  rateLimitExceeded,
  secondaryRateLimit,
  serverError,
  startFakeGitHub,
  tooManyRequests,
  waitFor,
  type FakeGitHub,
  type RecordedRequest,
} from '../support/fake-github/index.js';
import { pullRequestPayload } from './pull-request-fixtures.js';
import { captureLogs } from './harness.js';

const APP_ID = 5150;
const INSTALLATION_ID = 777;
const OWNER = 'octo-org';
const REPO = 'payments-api';
const FULL_NAME = `${OWNER}/${REPO}`;
const ROUTE_PATH = 'src/server.ts';
/** A user-deleting Express route with no authentication: one finding, commented inline. */
const ROUTE_FILE = [
  "import express from 'express';",
  'const app = express();',
  'app.use(express.json());',
  "app.post('/users/:id/delete', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });",
  'app.listen(3000);',
  '',
].join('\n');

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

let fake: FakeGitHub;
let nextPullNumber = 100;

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# payments\n' } });
});

afterAll(async () => {
  await fake?.close();
});

afterEach(() => {
  fake.clearFaults();
});

interface Harness {
  probot: Probot;
  queue: InProcessReviewQueue;
  logs: Record<string, unknown>[];
  ledgerDirectory: string;
  /** Delivers `pull_request.<action>` for `pr` and waits until the queue is idle. */
  deliver(pr: Pr, action?: string, deliveryId?: string): Promise<void>;
}

interface Pr {
  number: number;
  headSha: string;
  baseSha: string;
}

async function createHarness(options: { timeoutMs?: number; ledgerDirectory?: string; concurrency?: number } = {}): Promise<Harness> {
  const { logs, log } = captureLogs();
  const probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKey,
    baseUrl: fake.apiUrl,
    log,
    Octokit: createAppOctokit({
      retryAfterBaseValue: 5,
      rateLimitWaitUnitMs: 20,
      // Probot's write limiter (one write at a time per installation), with 30 ms instead of 1 s between writes.
      limiterGroups: {
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 30 }),
        notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 30 }),
      },
    }),
  });
  const queue = new InProcessReviewQueue({ concurrency: options.concurrency ?? 2 });
  const ledgerDirectory = options.ledgerDirectory ?? join(mkdtempSync(join(tmpdir(), 'asr-faults-')), 'open-check-runs');
  await probot.load(
    createApp({ queue, ledger: new FileOpenCheckRunLedger(ledgerDirectory), timeoutMs: options.timeoutMs ?? 20_000, retryBaseMs: 5, sweepIntervalMs: 0 }),
  );
  onTestFailed(() => {
    console.error(diagnostics(logs));
  });
  return {
    probot,
    queue,
    logs,
    ledgerDirectory,
    async deliver(pr, action = 'opened', deliveryId = randomBytes(8).toString('hex')) {
      const payload = pullRequestPayload(action, { owner: OWNER, repo: REPO, number: pr.number, headSha: pr.headSha, baseSha: pr.baseSha, installationId: INSTALLATION_ID });
      await probot.receive({ id: deliveryId, name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
      await queue.onIdle();
    },
  };
}

function diagnostics(logs: Record<string, unknown>[]): string {
  const traffic = fake.requests.map((request) => `${request.method} ${request.path} -> ${request.status}${request.fault ? ' (fault)' : ''}`).join('\n');
  return `--- requests ---\n${traffic}\n--- logs ---\n${logs.map((line) => `${String(line.level)} ${String(line.msg)}`).join('\n')}`;
}

/** A new PR adding the unauthenticated route file. */
function addPullRequest(): Pr {
  const pr = { number: nextPullNumber++, headSha: randomBytes(20).toString('hex'), baseSha: randomBytes(20).toString('hex') };
  fake.store.addPullRequest(FULL_NAME, {
    number: pr.number,
    head: { ref: `feature-${pr.number}`, sha: pr.headSha },
    base: { ref: 'main', sha: pr.baseSha },
    files: [{ filename: ROUTE_PATH, status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: ROUTE_FILE }],
  });
  return pr;
}

function runsOf(pr: Pr) {
  return [...fake.store.checkRuns.values()].filter((run) => run.repository === FULL_NAME && run.headSha === pr.headSha);
}

function reviewsOf(pr: Pr) {
  return [...fake.store.reviews.values()].filter((review) => review.repository === FULL_NAME && review.pullNumber === pr.number);
}

/** Requests of this PR's review (after `since`), as `status` per call of `method path`. */
function statuses(since: number, method: string, path: string | RegExp): number[] {
  return fake.requests
    .slice(since)
    .filter((request) => request.method === method && (typeof path === 'string' ? request.path === path : path.test(request.path)))
    .map((request) => request.status);
}

const PR_FILES = (pr: Pr) => `/repos/${FULL_NAME}/pulls/${pr.number}/files`;
const PR_REVIEWS = (pr: Pr) => `/repos/${FULL_NAME}/pulls/${pr.number}/reviews`;
const CHECK_RUNS = `/repos/${FULL_NAME}/check-runs`;
/** GitHub's path for the file, `/` encoded as Octokit sends it. */
const CONTENTS = /\/contents\/src(%2F|\/)server\.ts$/;

describe('server errors and dropped connections', () => {
  it('502 twice while listing files: retried with backoff, then one review and a completed run', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'GET', path: PR_FILES(pr) }, serverError(502, 2));

    await app.deliver(pr);

    expect(statuses(since, 'GET', PR_FILES(pr))).toEqual([502, 502, 200]);
    expect(runsOf(pr)).toHaveLength(1);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(reviewsOf(pr)).toHaveLength(1);
  });

  it('a connection reset while fetching a file: retried, the review is complete', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'GET', path: CONTENTS }, connectionReset(1));

    await app.deliver(pr);

    expect(statuses(since, 'GET', CONTENTS)).toEqual([0, 200]);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(runsOf(pr)[0]!.output.summary).toContain('POST /users/:id/delete');
    expect(reviewsOf(pr)).toHaveLength(1);
  });

  it('503 on every attempt: the run completes neutral with the reason, and no review is posted', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'GET', path: PR_FILES(pr) }, serverError(503, Number.POSITIVE_INFINITY));

    await app.deliver(pr);

    // The first attempt and the retry plugin's 3 retries.
    expect(statuses(since, 'GET', PR_FILES(pr))).toEqual([503, 503, 503, 503]);
    const [run] = runsOf(pr);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run!.output.summary).toContain('503');
    expect(run!.output.summary).toContain('/security-review');
    expect(reviewsOf(pr)).toHaveLength(0);
  });

  it('a 502 after GitHub created the check run: the run is found by its external id, not created twice', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'POST', path: CHECK_RUNS }, { ...serverError(502), afterEffect: true });

    await app.deliver(pr);

    expect(statuses(since, 'POST', CHECK_RUNS)).toEqual([502]);
    expect(runsOf(pr)).toHaveLength(1);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(reviewsOf(pr)).toHaveLength(1);
  });

  it('a dropped connection after GitHub stored the review: found by its hidden marker, not posted twice', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'POST', path: PR_REVIEWS(pr) }, { ...connectionReset(1), afterEffect: true });

    await app.deliver(pr);

    expect(statuses(since, 'POST', PR_REVIEWS(pr))).toEqual([0]);
    expect(reviewsOf(pr)).toHaveLength(1);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('a 502 before the review was stored: posted again, once', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'POST', path: PR_REVIEWS(pr) }, serverError(502, 1));

    await app.deliver(pr);

    expect(statuses(since, 'POST', PR_REVIEWS(pr))).toEqual([502, 200]);
    expect(reviewsOf(pr)).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('403 secondary rate limit with retry-after on the review: waited out, then posted; nothing lost', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'POST', path: PR_REVIEWS(pr) }, secondaryRateLimit(2));

    await app.deliver(pr);

    expect(statuses(since, 'POST', PR_REVIEWS(pr))).toEqual([403, 200]);
    expect(reviewsOf(pr)).toHaveLength(1);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(app.logs.some((line) => String(line.msg).includes('secondary rate limit') && String(line.msg).includes('waiting 2 s'))).toBe(true);
  });

  it('429 on completing the check run: waited out, the run completes', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'PATCH', path: /\/check-runs\/\d+$/ }, tooManyRequests(1));

    await app.deliver(pr);

    expect(statuses(since, 'PATCH', /\/check-runs\/\d+$/)).toEqual([429, 200]);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('primary limit exhausted (x-ratelimit-remaining: 0): waits until the reset, then goes on', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'GET', path: PR_FILES(pr) }, rateLimitExceeded(1));

    await app.deliver(pr);

    expect(statuses(since, 'GET', PR_FILES(pr))).toEqual([403, 200]);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(app.logs.some((line) => String(line.msg).includes('rate limit exhausted'))).toBe(true);
  });

  it('a reset an hour away is not waited for: the run completes neutral naming the limit', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    fake.fail({ method: 'GET', path: PR_FILES(pr) }, rateLimitExceeded(3600));

    await app.deliver(pr);

    const [run] = runsOf(pr);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run!.output.summary).toMatch(/rate limit/i);
    expect(app.logs.some((line) => String(line.msg).includes('more than the 60 s a review may wait'))).toBe(true);
  });

  it('writes of one installation are serialised: two concurrent reviews never write at the same time', async () => {
    const app = await createHarness({ concurrency: 2 });
    const first = addPullRequest();
    const second = addPullRequest();
    const since = fake.requests.length;

    await Promise.all([app.deliver(first), app.deliver(second)]);

    expect(reviewsOf(first)).toHaveLength(1);
    expect(reviewsOf(second)).toHaveLength(1);
    const writes = fake.requests.slice(since).filter((request) => request.method !== 'GET' && request.path !== '/graphql' && !request.path.includes('/access_tokens'));
    expect(writes.length).toBeGreaterThanOrEqual(6);
    const sorted = [...writes].sort((a, b) => a.receivedAt - b.receivedAt);
    for (let index = 1; index < sorted.length; index++) {
      expect(sorted[index]!.receivedAt, `${describe_(sorted[index - 1]!)} overlaps ${describe_(sorted[index]!)}`).toBeGreaterThanOrEqual(sorted[index - 1]!.answeredAt!);
    }
  });
});

function describe_(request: RecordedRequest): string {
  return `${request.method} ${request.path}`;
}

describe('the installation can no longer act', () => {
  it('401 mid-review (token revoked, app uninstalled): logged once, the job is dropped', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'GET', path: PR_FILES(pr) }, { status: 401, times: Number.POSITIVE_INFINITY });

    await app.deliver(pr);

    // Only @octokit/auth-app's own retries for a token younger than 5 s (GitHub's token replication delay); the retry plugin adds none.
    expect(statuses(since, 'GET', PR_FILES(pr)).every((status) => status === 401)).toBe(true);
    const dropped = app.logs.filter((line) => String(line.msg).includes('review job dropped'));
    expect(dropped).toHaveLength(1);
    expect(String(dropped[0]!.msg)).toContain('uninstalled or its token revoked');
    // No write after the 401: the token cannot complete the run.
    const writes = fake.requests.slice(since).filter((request) => request.method === 'PATCH' || request.path === PR_REVIEWS(pr));
    expect(writes.map(describe_)).toEqual([]);
    expect(await new FileOpenCheckRunLedger(app.ledgerDirectory).list(10)).toEqual([]);
  });
});

describe('the pull request moves under the review', () => {
  it('404 on a file after a force-push: abandoned, the run says why, no review on the stale sha', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const newHead = randomBytes(20).toString('hex');
    // The force-push lands between the event and the fetch: the file is gone at the old sha.
    fake.fail(
      (target) => {
        if (target.method !== 'GET' || !CONTENTS.test(target.path)) return false;
        fake.store.requireRepository(FULL_NAME).pulls.get(pr.number)!.head.sha = newHead;
        return true;
      },
      { status: 404, times: Number.POSITIVE_INFINITY },
    );

    await app.deliver(pr);

    const [run] = runsOf(pr);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(run!.output.summary).toContain(`head moved to ${newHead.slice(0, 7)}`);
    expect(reviewsOf(pr)).toHaveLength(0);
  });

  it('the PR is closed while it is analysed: nothing is posted, the run is completed', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    fake.fail(
      (target) => {
        if (target.method === 'GET' && CONTENTS.test(target.path)) fake.store.requireRepository(FULL_NAME).pulls.get(pr.number)!.state = 'closed';
        return false;
      },
      { status: 200 },
    );

    await app.deliver(pr);

    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(runsOf(pr)[0]!.output.summary).toContain('closed during the review');
    expect(reviewsOf(pr)).toHaveLength(0);
  });

  it('404 on the PR itself (deleted with its branch): abandoned, the run says why, nothing is posted', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    // The review starts from the webhook's PR; the first read of the PR itself is its files.
    fake.fail((target) => target.method === 'GET' && target.path.startsWith(`/repos/${FULL_NAME}/pulls/${pr.number}`), { status: 404, times: Number.POSITIVE_INFINITY });

    await app.deliver(pr);

    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(runsOf(pr)[0]!.output.summary).toContain('the pull request no longer exists');
    expect(reviewsOf(pr)).toHaveLength(0);
  });
});

describe('GitHub refuses a review (422)', () => {
  it('retried once without the inline comments, which move to the review body; the run keeps its verdict', async () => {
    const app = await createHarness();
    const pr = addPullRequest();
    const since = fake.requests.length;
    fake.fail({ method: 'POST', path: PR_REVIEWS(pr) }, { status: 422, body: { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff'] } });

    await app.deliver(pr);

    expect(statuses(since, 'POST', PR_REVIEWS(pr))).toEqual([422, 200]);
    const [review] = reviewsOf(pr);
    expect(review!.commentIds).toEqual([]);
    expect(review!.body).toMatch(/\d+ findings? could not be commented inline/);
    expect(runsOf(pr)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });
});

describe('time budget', () => {
  it('a file not fetched within the review budget is reported skipped; the run completes', async () => {
    const app = await createHarness({ timeoutMs: 400 });
    const pr = addPullRequest();
    fake.fail({ method: 'GET', path: CONTENTS }, { status: 200, delayMs: 2_000, times: Number.POSITIVE_INFINITY });

    await app.deliver(pr);

    const [run] = runsOf(pr);
    expect(run!.status).toBe('completed');
    expect(`${run!.output.summary}\n${run!.output.text ?? ''}`).toMatch(/time budget|did not finish within/);
    expect(reviewsOf(pr)).toHaveLength(0);
  });
});

describe('a process killed mid-review', () => {
  it('on restart, a run left in progress longer than the budget is completed neutral with a re-run hint', async () => {
    const ledgerDirectory = join(mkdtempSync(join(tmpdir(), 'asr-restart-')), 'open-check-runs');
    const pr = addPullRequest();
    // What the dead process left: a run in progress on GitHub and its record in the ledger.
    const before = await createHarness({ ledgerDirectory });
    const octokit = (await before.probot.auth(INSTALLATION_ID)) as GitHubClient;
    const checkRunId = await createCheckRun(octokit, { owner: OWNER, repo: REPO, headSha: pr.headSha, summary: 'running' });
    await new FileOpenCheckRunLedger(ledgerDirectory).opened({
      installationId: INSTALLATION_ID,
      owner: OWNER,
      repo: REPO,
      pullNumber: pr.number,
      headSha: pr.headSha,
      checkRunId,
      openedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    });

    // The restart: loading the app sweeps.
    await createHarness({ ledgerDirectory });

    const run = await waitFor(() => {
      const state = fake.store.checkRuns.get(checkRunId);
      return state?.status === 'completed' ? state : undefined;
    }, { description: 'the left-behind run completed', timeoutMs: 10_000 });
    expect(run.conclusion).toBe('neutral');
    expect(run.output.summary).toContain('interrupted');
    expect(run.output.summary).toContain('/security-review');
    // The record is removed just after the run is completed: poll for it (waitFor's probe is synchronous).
    const ledger = new FileOpenCheckRunLedger(ledgerDirectory);
    let records = await ledger.list(10);
    for (let attempt = 0; attempt < 100 && records.length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      records = await ledger.list(10);
    }
    expect(records).toEqual([]);
  });

  it('a run opened a moment ago is left alone: it may belong to a live review of another replica', async () => {
    const ledgerDirectory = join(mkdtempSync(join(tmpdir(), 'asr-restart-')), 'open-check-runs');
    const pr = addPullRequest();
    const before = await createHarness({ ledgerDirectory });
    const octokit = (await before.probot.auth(INSTALLATION_ID)) as GitHubClient;
    const checkRunId = await createCheckRun(octokit, { owner: OWNER, repo: REPO, headSha: pr.headSha, summary: 'running' });
    await new FileOpenCheckRunLedger(ledgerDirectory).opened({
      installationId: INSTALLATION_ID, owner: OWNER, repo: REPO, pullNumber: pr.number, headSha: pr.headSha, checkRunId, openedAt: new Date().toISOString(),
    });
    const since = fake.requests.length;

    await createHarness({ ledgerDirectory });
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(fake.store.checkRuns.get(checkRunId)?.status).toBe('in_progress');
    expect(fake.requests.slice(since).filter((request) => request.path.includes(`/check-runs/${checkRunId}`))).toEqual([]);
  });
});

describe('duplicate events', () => {
  it('the same delivery twice (a redelivery) and a second event for the same head in a burst: one review', async () => {
    const app = await createHarness();
    const pr = addPullRequest();

    await Promise.all([app.deliver(pr, 'opened', 'delivery-a'), app.deliver(pr, 'reopened', 'delivery-b')]);
    await app.deliver(pr, 'opened', 'delivery-a');

    expect(runsOf(pr)).toHaveLength(1);
    expect(reviewsOf(pr)).toHaveLength(1);
  });
});

describe('secrets never reach the log', () => {
  it('a full review and a failing one, logged at debug level: no installation token, no private key, no app JWT', async () => {
    const app = await createHarness();
    const ok = addPullRequest();
    const failing = addPullRequest();
    // A 401 and a 503 make Octokit errors (with their request objects) reach the log.
    fake.fail({ method: 'GET', path: PR_FILES(failing) }, serverError(503, Number.POSITIVE_INFINITY));

    await app.deliver(ok);
    await app.deliver(failing);

    const output = app.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(app.logs.some((line) => line.level === 50 || line.level === 40)).toBe(true);
    const tokens = [...fake.store.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) expect(output).not.toContain(token);
    expect(output).not.toContain('PRIVATE KEY');
    expect(output).not.toContain(keys.privateKey.split('\n')[1]!);
    // App JWTs (the three base64url parts of a signed RS256 token).
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/);
    // Octokit's errors carry the request headers with the credential replaced by `[REDACTED]`; nothing else may appear.
    expect(output).not.toMatch(/"authorization":"(token|bearer) (?!\[REDACTED\])/i);
  });
});
