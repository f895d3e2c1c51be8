/**
 * The open-check-run record in Redis, shared by every queue worker: a run
 * that a dead worker left in progress is found and completed by another
 * worker's sweep (against the fake GitHub API), while a run a live review
 * holds is left alone.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Probot, ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCheckRun } from '../../src/github/check-runs.js';
import type { GitHubClient } from '../../src/github/client.js';
import { RedisOpenCheckRunLedger } from '../../src/queue/redis-open-check-run-ledger.js';
import { reviewQueueKey } from '../../src/queue/redis-queue-settings.js';
import type { OpenCheckRun } from '../../src/review/open-check-run-ledger.js';
import { sweepOpenCheckRuns } from '../../src/review/sweep-open-check-runs.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { captureLogs } from '../app/harness.js';
import { deleteKeys, TEST_REDIS_URL, uniqueQueuePrefix } from './redis-test-prefix.js';

const APP_ID = 5152;
const INSTALLATION_ID = 779;
const OWNER = 'octo-org';
const REPO = 'orders-api';
const TEN_MINUTES_AGO = () => new Date(Date.now() - 10 * 60_000).toISOString();

let prefix: string;
let redis: Redis;

beforeEach(() => {
  prefix = uniqueQueuePrefix();
  redis = new Redis(TEST_REDIS_URL);
});

afterEach(async () => {
  await redis.quit();
  await deleteKeys(`${prefix}:*`);
});

function record(checkRunId: number, openedAt = new Date().toISOString()): OpenCheckRun {
  return { installationId: INSTALLATION_ID, owner: OWNER, repo: REPO, pullNumber: 1, headSha: 'a'.repeat(40), checkRunId, openedAt };
}

describe('RedisOpenCheckRunLedger', () => {
  it('is shared: what one worker records, another lists, oldest first; only the recording worker holds it live', async () => {
    const first = new RedisOpenCheckRunLedger(redis, prefix);
    const second = new RedisOpenCheckRunLedger(redis, prefix);
    await first.opened(record(2, '2026-01-01T10:00:00.000Z'));
    await first.opened(record(1, '2026-01-01T09:00:00.000Z'));
    expect((await second.list(10)).map((run) => run.checkRunId)).toEqual([1, 2]);
    expect((await second.list(1)).map((run) => run.checkRunId)).toEqual([1]);
    expect(first.isLive(1)).toBe(true);
    expect(second.isLive(1)).toBe(false);
    await first.closed(1);
    expect((await second.list(10)).map((run) => run.checkRunId)).toEqual([2]);
    expect(first.isLive(1)).toBe(false);
  });

  it('drops records that are not runs (truncated, edited, filed under another id)', async () => {
    const ledger = new RedisOpenCheckRunLedger(redis, prefix);
    const key = reviewQueueKey(prefix, 'open-check-runs');
    await redis.hset(key, '5', '{"checkRunId": 5, "owner"');
    await redis.hset(key, '6', JSON.stringify(record(7)));
    await ledger.opened(record(8));
    expect((await ledger.list(10)).map((run) => run.checkRunId)).toEqual([8]);
    expect(await redis.hkeys(key)).toEqual(['8']);
  });
});

describe("a worker's sweep, with the record in Redis", () => {
  let fake: FakeGitHub;
  let probot: Probot;

  beforeAll(async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
    fake.store.addInstallation(INSTALLATION_ID, OWNER);
    fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# orders\n' } });
    probot = new Probot({
      appId: APP_ID,
      privateKey: keys.privateKey,
      baseUrl: fake.apiUrl,
      log: captureLogs().log,
      Octokit: ProbotOctokit.defaults((options: Record<string, any>) => ({ ...options, retry: { enabled: false }, throttle: { ...options.throttle, enabled: false } })),
    });
  });

  afterAll(async () => {
    await fake?.close();
  });

  it("completes the run a dead worker left in progress, and leaves a live review's run alone", async () => {
    const octokit = (await probot.auth(INSTALLATION_ID)) as GitHubClient;
    const headSha = randomBytes(20).toString('hex');
    fake.store.addPullRequest(`${OWNER}/${REPO}`, { number: 1, title: 'Orders', user: 'Codertocat', head: { ref: 'orders', sha: headSha }, base: { ref: 'main', sha: randomBytes(20).toString('hex') }, files: [] });
    const abandoned = await createCheckRun(octokit, { owner: OWNER, repo: REPO, headSha, summary: 'running' });
    const live = await createCheckRun(octokit, { owner: OWNER, repo: REPO, headSha, summary: 'running' });

    // The dead worker recorded its run long ago; a live worker on another machine opened one just now.
    await new RedisOpenCheckRunLedger(redis, prefix).opened({ ...record(abandoned, TEN_MINUTES_AGO()), headSha });
    await new RedisOpenCheckRunLedger(redis, prefix).opened({ ...record(live), headSha });

    const sweeper = new RedisOpenCheckRunLedger(redis, prefix);
    const result = await sweepOpenCheckRuns({
      ledger: sweeper,
      auth: async (installationId) => (await probot.auth(installationId)) as GitHubClient,
      staleAfterMs: 120_000,
      log: captureLogs().log,
    });
    expect(result).toEqual({ completed: [abandoned], forgotten: [], kept: [] });
    expect(fake.store.checkRuns.get(abandoned)).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(fake.store.checkRuns.get(live)?.status).toBe('in_progress');
    expect((await sweeper.list(10)).map((run) => run.checkRunId)).toEqual([live]);
  });
});
