/**
 * The review job as queue workers run it, through BullMQ on the real Redis
 * and against the fake GitHub API: a failure that keeps the review from its
 * check run is retried with backoff, and when every attempt fails the commit
 * still gets a completed `neutral` run that says why.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Bottleneck from 'bottleneck';
import { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { createAppOctokit } from '../../src/github/octokit-options.js';
import { BullmqReviewQueue } from '../../src/queue/bullmq-review-queue.js';
import { BullmqReviewWorker } from '../../src/queue/bullmq-review-worker.js';
import { createReviewJobHandler } from '../../src/queue/review-job-handler.js';
import type { ReviewJob } from '../../src/queue/review-queue.js';
import { FileOpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import { patchForAddedFile, serverError, startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { captureLogs } from '../app/harness.js';
import { ROUTE_FILE } from '../app/pull-request-fixtures.js';
import { deleteKeys, TEST_REDIS_URL, uniqueQueuePrefix } from './redis-test-prefix.js';

const APP_ID = 5151;
const INSTALLATION_ID = 778;
const OWNER = 'octo-org';
const REPO = 'ledger-api';
const CHECK_RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

let fake: FakeGitHub;
let nextPullNumber = 1;
let prefix: string;
let queue: BullmqReviewQueue;
let worker: BullmqReviewWorker;

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# ledger\n' } });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(async () => {
  const { logs, log } = captureLogs();
  onTestFailed(() => {
    const traffic = fake.requests.map((request) => `${request.method} ${request.path} -> ${request.status}${request.fault ? ' (fault)' : ''}`).join('\n');
    console.error(`--- requests ---\n${traffic}\n--- logs ---\n${logs.map((line) => `${String(line.level)} ${String(line.msg)}`).join('\n')}`);
  });
  const probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKey,
    baseUrl: fake.apiUrl,
    log,
    // The production retry and throttling decisions, with short waits (see test/app/github-faults.test.ts).
    Octokit: createAppOctokit({
      retryAfterBaseValue: 5,
      rateLimitWaitUnitMs: 20,
      limiterGroups: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 30 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 30 }) },
    }),
  });
  await probot.ready();
  prefix = uniqueQueuePrefix();
  queue = new BullmqReviewQueue({ url: TEST_REDIS_URL, prefix, attempts: 3, backoffMs: 20, idlePollMs: 20 });
  const ledger = new FileOpenCheckRunLedger(join(mkdtempSync(join(tmpdir(), 'asr-queue-ledger-')), 'open-check-runs'));
  worker = new BullmqReviewWorker({ url: TEST_REDIS_URL, prefix, concurrency: 1, handler: createReviewJobHandler(probot, { timeoutMs: 20_000, retryBaseMs: 5, ledger }) });
  await worker.start();
});

afterEach(async () => {
  fake.clearFaults();
  await worker.close();
  await queue.close();
  await deleteKeys(`${prefix}:*`);
});

function addPullRequest(): ReviewJob {
  const number = nextPullNumber++;
  const headSha = randomBytes(20).toString('hex');
  fake.store.addPullRequest(`${OWNER}/${REPO}`, {
    number,
    title: 'Add user deletion',
    user: 'Codertocat',
    head: { ref: `feature-${number}`, sha: headSha },
    base: { ref: 'main', sha: randomBytes(20).toString('hex') },
    files: [{ filename: 'src/server.ts', status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: ROUTE_FILE }],
  });
  return { installationId: INSTALLATION_ID, owner: OWNER, repo: REPO, pullNumber: number, headSha, trigger: 'pull_request.opened' };
}

function runsOn(headSha: string) {
  return [...fake.store.checkRuns.values()].filter((run) => run.headSha === headSha);
}

describe('the review job in a queue worker', () => {
  it('an attempt that cannot open the check run is retried, and the next attempt reviews normally', async () => {
    const job = addPullRequest();
    // The first attempt's three tries to create the run all fail (createCheckRun's own retries); then GitHub is back.
    const outage = fake.fail({ method: 'POST', path: CHECK_RUNS }, serverError(503, 3));
    await queue.submit(job);
    await queue.onIdle();
    expect(outage.hits).toBe(3);
    expect(runsOn(job.headSha).map((run) => [run.status, run.conclusion])).toEqual([['completed', 'failure']]);
  }, 60_000);

  it('when every attempt fails, the job is given up with a neutral run naming the reason and the attempts', async () => {
    const job = addPullRequest();
    // Three attempts of three tries each; the give-up's own run goes through.
    const outage = fake.fail({ method: 'POST', path: CHECK_RUNS }, serverError(503, 9));
    await queue.submit(job);
    await queue.onIdle();
    expect(outage.hits).toBe(9);
    const runs = runsOn(job.headSha);
    expect(runs.map((run) => [run.status, run.conclusion])).toEqual([['completed', 'neutral']]);
    expect(runs[0]!.output.title).toBe('The review could not run');
    expect(runs[0]!.output.summary).toContain('the review failed 3 times; the last time: GitHub answered 503');
    expect(fake.requestsTo('POST', `/repos/${OWNER}/${REPO}/pulls/${job.pullNumber}/reviews`)).toEqual([]);
  }, 60_000);
});
