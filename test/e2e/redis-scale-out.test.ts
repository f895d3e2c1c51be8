/**
 * The scaled-out deployment end to end: the real server entry with
 * REDIS_URL (it only takes webhooks and enqueues into BullMQ) and two real
 * `npm run worker` processes (src/worker.ts) on the machine's Redis, talking
 * HTTP to a fake GitHub Enterprise API. Nothing is mocked inside the app.
 */
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { deliverWebhook, patchForAddedFile, signWebhookBody, startFakeGitHub, waitFor, type FakeGitHub } from '../support/fake-github/index.js';
import { deleteKeys, TEST_REDIS_URL, uniqueQueuePrefix } from '../queue/redis-test-prefix.js';
import { findFreePort, startAppProcess, startNodeProcess, waitUntilListening, type AppProcess, type ChildNodeProcess } from './app-process.js';
import { adaptPullRequestPayload, loadPullRequestExample, type PullRequestTarget } from './pull-request-payload.js';

const APP_ID = 31338;
const WEBHOOK_SECRET = 'scale-out-webhook-secret';
const CHECK_RUN_NAME = 'API Security Review';
const ROUTE_FILE = [
  "import express from 'express';",
  'const app = express();',
  "app.delete('/accounts/:id', async (req, res) => { await db.account.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });",
  'app.listen(3000);',
  '',
].join('\n');
/** Three organisations, one installation each; random ids, so that the throttling state this run leaves in Redis is its own. */
const ORGS = ['org-north', 'org-south', 'org-east'].map((owner) => ({ owner, installationId: randomInt(1_000_000, 2_000_000_000) }));
const PULL_REQUESTS: PullRequestTarget[] = Array.from({ length: 6 }, (_, index) => {
  const org = ORGS[index % ORGS.length]!;
  return {
    owner: org.owner,
    repo: 'payments-api',
    number: 10 + index,
    headRef: `feature-${index}`,
    headSha: randomBytes(20).toString('hex'),
    baseRef: 'main',
    baseSha: randomBytes(20).toString('hex'),
    installationId: org.installationId,
  };
});

const prefix = uniqueQueuePrefix();
let fake: FakeGitHub;
let server: AppProcess | undefined;
const workers: ChildNodeProcess[] = [];

function reportOnFailure(): void {
  onTestFailed(() => {
    const traffic = fake.requests.map((request) => `${request.method} ${request.path} -> ${request.status}`).join('\n');
    console.error(`--- fake GitHub requests ---\n${traffic}\n--- server ---\n${server?.output().slice(-5000) ?? ''}`);
    for (const worker of workers) console.error(`--- worker ${String(worker.pid)} ---\n${worker.output().slice(-8000)}`);
  });
}

beforeAll(async () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  for (const org of ORGS) {
    fake.store.addInstallation(org.installationId, org.owner);
    fake.store.addRepository({ owner: org.owner, name: 'payments-api', defaultBranch: 'main', files: { 'README.md': '# payments\n' } });
  }
  for (const pull of PULL_REQUESTS) {
    fake.store.addPullRequest(`${pull.owner}/${pull.repo}`, {
      number: pull.number,
      title: `Add account deletion ${pull.number}`,
      user: 'Codertocat',
      head: { ref: pull.headRef, sha: pull.headSha },
      base: { ref: pull.baseRef, sha: pull.baseSha },
      files: [{ filename: 'src/server.ts', status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: ROUTE_FILE }],
    });
  }

  const common = {
    APP_ID: String(APP_ID),
    PRIVATE_KEY: keys.privateKey,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: 'http',
    NODE_ENV: 'test',
    LOG_FORMAT: 'json',
    REDIS_URL: TEST_REDIS_URL,
    REVIEW_QUEUE_PREFIX: prefix,
  };
  for (let index = 0; index < 2; index++) {
    // Analysis in the worker's own thread: this test is about the queue. (Worker threads started under tsx
    // transpile every check first; on a loaded machine that start-up counted against the pool's 8 s per-file
    // limit, and the first files were reported skipped.)
    const worker = startNodeProcess('src/worker.ts', { ...common, LOG_LEVEL: 'info', ANALYSIS_THREADS: '0', REVIEW_CONCURRENCY: '2', REVIEW_STATE_DIR: mkdtempSync(join(tmpdir(), 'asr-worker-state-')) });
    workers.push(worker);
  }
  const port = await findFreePort();
  server = startAppProcess({ ...common, LOG_LEVEL: 'warn', WEBHOOK_SECRET, HOST: '127.0.0.1', REVIEW_STATE_DIR: mkdtempSync(join(tmpdir(), 'asr-server-state-')) }, port);
  try {
    await waitUntilListening(server);
    for (const worker of workers) {
      await waitFor(() => worker.output().includes('review worker taking jobs') || worker.exitCode() !== undefined, { description: 'a worker taking jobs', timeoutMs: 45_000 });
      if (worker.exitCode() !== undefined) throw new Error(`a worker exited before taking jobs:\n${worker.output()}`);
    }
  } catch (error) {
    await Promise.all([server.stop(), ...workers.map((worker) => worker.stop())]);
    throw error;
  }
}, 90_000);

afterAll(async () => {
  await Promise.all([server?.stop(), ...workers.map((worker) => worker.stop())]);
  await fake?.close();
  await deleteKeys(`${prefix}:*`);
  for (const org of ORGS) await deleteKeys(`b_octokit-*-${org.installationId}_*`);
});

async function deliverOpened(target: PullRequestTarget, deliveryId: string): Promise<void> {
  const body = JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), target));
  const answer = await deliverWebhook({ url: `${server!.baseUrl}/api/github/webhooks`, event: 'pull_request', body, signature: signWebhookBody(body, WEBHOOK_SECRET), deliveryId });
  expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
  expect(answer.status, answer.text).toBeLessThan(300);
}

function runsOf(target: PullRequestTarget) {
  return [...fake.store.checkRuns.values()].filter((run) => run.name === CHECK_RUN_NAME && run.headSha === target.headSha);
}

/** `review job finished` lines in a worker's JSON log. */
function finishedJobs(worker: ChildNodeProcess): { repo: string; pr: number }[] {
  return worker
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; repo?: string; pr?: number })
    .filter((entry) => entry.msg === 'review job finished')
    .map((entry) => ({ repo: entry.repo!, pr: entry.pr! }));
}

describe('webhook server and two workers on Redis', () => {
  it('reviews every pull request of a burst exactly once, in the workers; a redelivered webhook is dropped', async () => {
    reportOnFailure();
    const deliveries = PULL_REQUESTS.map(() => randomUUID());
    await Promise.all(PULL_REQUESTS.map((pull, index) => deliverOpened(pull, deliveries[index]!)));
    // GitHub redelivers the first one (a timeout on its side): the same delivery id.
    await deliverOpened(PULL_REQUESTS[0]!, deliveries[0]!);

    for (const pull of PULL_REQUESTS) {
      await waitFor(() => runsOf(pull).some((run) => run.status === 'completed'), { description: `a completed run on ${pull.owner}#${pull.number}`, timeoutMs: 60_000 });
    }
    // A job completes its run before it posts the review (the run's answer is the check that the head has not moved): wait for the jobs' ends.
    await waitFor(() => workers.flatMap(finishedJobs).length >= PULL_REQUESTS.length, { description: 'every job finished', timeoutMs: 60_000 });
    // A grace period for a stray second review of the redelivery (there must be none).
    await delay(1000);
    for (const pull of PULL_REQUESTS) {
      const runs = runsOf(pull);
      expect(runs.map((run) => [run.status, run.conclusion])).toEqual([['completed', 'failure']]);
      expect(runs[0]!.output.summary).toContain('DELETE /accounts/:id');
      expect(fake.requestsTo('POST', `/repos/${pull.owner}/${pull.repo}/pulls/${pull.number}/reviews`).map((request) => request.status)).toEqual([200]);
    }
    expect(fake.unexpected).toEqual([]);

    // The reviews ran in the workers, each once; the server ran none.
    const finished = workers.flatMap(finishedJobs).map((entry) => `${entry.repo}#${entry.pr}`);
    expect(finished.sort()).toEqual(PULL_REQUESTS.map((pull) => `${pull.owner}/${pull.repo}#${pull.number}`).sort());
    expect(server!.output()).not.toContain('review job finished');
  }, 120_000);

  it("keeps Probot's request throttling state in the same Redis, per installation, for every replica and worker", async () => {
    reportOnFailure();
    const redis = new Redis(TEST_REDIS_URL);
    try {
      for (const org of ORGS) {
        // Bottleneck's clustered limiter of the installation's writes (created by the first write of a review).
        expect(await redis.exists(`b_octokit-write-${org.installationId}_settings`)).toBe(1);
      }
    } finally {
      await redis.quit();
    }
  });

  it('the server and a worker stop cleanly on SIGTERM when idle (exit code 0)', async () => {
    reportOnFailure();
    const worker = workers[0]!;
    await Promise.all([worker.stop(), server!.stop()]);
    expect(worker.exitCode()).toBe(0);
    expect(server!.exitCode()).toBe(0);
  }, 30_000);
});
