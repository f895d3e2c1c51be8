/**
 * The app against the fake GitHub, with its analysis in worker threads and
 * the result cache: a second review of the same head analyses nothing, a
 * push re-analyses only the files it changed, a changed configuration
 * re-analyses everything, and the verdicts are those of a fresh analysis.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Bottleneck from 'bottleneck';
import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/index.js';
import { createAppOctokit } from '../../src/github/octokit-options.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import { AnalysisCache } from '../../src/review/analysis-cache.js';
import { AnalysisPool } from '../../src/review/analysis-pool.js';
import { FileOpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import { patchForAddedFile, startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { pullRequestPayload } from './pull-request-fixtures.js';
import { captureLogs } from './harness.js';

const APP_ID = 6160;
const INSTALLATION_ID = 888;
const OWNER = 'octo-org';
const REPO = 'orders-api';
const FULL_NAME = `${OWNER}/${REPO}`;
const route = (name: string, guard = '') => `import express from 'express';
const router = express.Router();
router.delete('/${name}/:id', ${guard}async (req, res) => {
  await db.${name}.delete({ where: { id: req.params.id } });
  res.json({ ok: true });
});
export default router;
`;

const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
let fake: FakeGitHub;
const pool = new AnalysisPool({ size: 2 });

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# orders\n' } });
});

afterAll(async () => {
  await pool.close();
  await fake?.close();
});

async function createHarness(cache: AnalysisCache) {
  const { log } = captureLogs();
  const probot = new Probot({ appId: APP_ID, privateKey: keys.privateKey, baseUrl: fake.apiUrl, log, Octokit: createAppOctokit({
      retryAfterBaseValue: 5,
      // Probot's write limiter with 30 ms instead of 1 s between writes.
      limiterGroups: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 30 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 30 }) },
    }),
  });
  const queue = new InProcessReviewQueue({ concurrency: 2 });
  const ledger = new FileOpenCheckRunLedger(join(mkdtempSync(join(tmpdir(), 'asr-reuse-')), 'open-check-runs'));
  await probot.load(createApp({ queue, ledger, retryBaseMs: 5, sweepIntervalMs: 0, analysis: { pool, cache, close: async () => undefined } }));
  return {
    /** Pushes `files` as the PR's new head and delivers `pull_request.<action>`; resolves when the review is done. */
    async push(number: number, headSha: string, baseSha: string, files: Record<string, string>, action = 'synchronize') {
      fake.store.addPullRequest(FULL_NAME, {
        number,
        head: { ref: `feature-${number}`, sha: headSha },
        base: { ref: 'main', sha: baseSha },
        files: Object.entries(files).map(([filename, content]) => ({ filename, status: 'added', patch: patchForAddedFile(content), content })),
      });
      const payload = pullRequestPayload(action, { owner: OWNER, repo: REPO, number, headSha, baseSha, installationId: INSTALLATION_ID });
      await probot.receive({ id: randomBytes(8).toString('hex'), name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
      await queue.onIdle();
    },
  };
}

function completedRuns(headSha: string) {
  return [...fake.store.checkRuns.values()].filter((run) => run.repository === FULL_NAME && run.headSha === headSha && run.status === 'completed');
}

const sha = () => randomBytes(20).toString('hex');

describe('reviews reuse earlier analyses', () => {
  it('same head again: nothing analysed; a push: only the changed file; a new configuration: everything', async () => {
    const cache = new AnalysisCache();
    const app = await createHarness(cache);
    const baseSha = sha();
    const head1 = sha();
    const files = { 'src/routes/orders.ts': route('orders'), 'src/routes/carts.ts': route('carts'), 'src/routes/users.ts': route('users') };

    await app.push(41, head1, baseSha, files, 'opened');
    const afterFirst = pool.stats.inWorkers;
    // Added files: every line changed is the whole file, so the review and the posture diff share one analysis each.
    expect(afterFirst).toBe(3);
    expect(completedRuns(head1)).toHaveLength(1);
    expect(completedRuns(head1)[0]).toMatchObject({ conclusion: 'failure' });

    // A re-delivery (or `/security-review`) of the same head: every file comes from the cache.
    const before = cache.stats;
    await app.push(41, head1, baseSha, files, 'reopened');
    expect(pool.stats.inWorkers).toBe(afterFirst);
    expect(cache.stats.misses).toBe(before.misses);
    // The review and the posture diff's whole-file analysis of each added file: one entry, found twice.
    expect(cache.stats.hits - before.hits).toBe(2 * afterFirst);
    const runs = completedRuns(head1);
    expect(runs).toHaveLength(2);
    // The same verdict and checklists; only the note on inline comments differs (they were posted the first time).
    const withoutCommentNote = (summary: string | null) => (summary ?? '').replace(/^Reviewed .*$/m, '');
    expect(runs[1]!.output.summary).toContain('already commented in an earlier review');
    expect(withoutCommentNote(runs[1]!.output.summary)).toBe(withoutCommentNote(runs[0]!.output.summary));
    expect(runs[1]!.conclusion).toBe(runs[0]!.conclusion);

    // A push that adds authentication to one route: only that file is analysed again.
    const head2 = sha();
    await app.push(41, head2, baseSha, { ...files, 'src/routes/users.ts': route('users', 'requireAuth, ') });
    const analysedForPush = pool.stats.inWorkers - afterFirst;
    expect(analysedForPush).toBe(1);
    const summary = completedRuns(head2)[0]!.output.summary;
    expect(summary).toContain('DELETE /orders/:id');
    expect(summary).toContain('DELETE /users/:id');

    // A configuration on the default branch: no earlier result applies.
    fake.store.setFile(FULL_NAME, 'main', '.github/api-security-review.yml', 'auth:\n  functions: [requireMember]\n');
    const beforeConfig = pool.stats.inWorkers;
    await app.push(41, head2, baseSha, { ...files, 'src/routes/users.ts': route('users', 'requireAuth, ') }, 'reopened');
    expect(pool.stats.inWorkers - beforeConfig).toBe(afterFirst);
  });
});
