/**
 * What one review asks GitHub, counted at the fake GitHub API (#7: no more
 * than the files fetched + 6 for a PR whose files fit one page), and the
 * guarantees each saved request used to give, kept by other means:
 * - the PR is not read: the webhook describes it, and the files listing names
 *   the head it was computed for;
 * - the owner's `.github` configuration is read once per 5 minutes, the
 *   repository's own file on every review;
 * - the comment lists are read only when the PR may have comments: the
 *   event's counts say none, and this process wrote none since.
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
import { FileOpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import { patchForAddedFile, startFakeGitHub, type FakeGitHub, type RecordedRequest } from '../support/fake-github/index.js';
import { captureLogs } from './harness.js';
import { pullRequestPayload, ROUTE_FILE } from './pull-request-fixtures.js';

const APP_ID = 6160;
const INSTALLATION_ID = 616;
const OWNER = 'thrifty-org';
const ROUTE_PATH = 'src/server.ts';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

let fake: FakeGitHub;
let probot: Probot;
let queue: InProcessReviewQueue;
let nextPullNumber = 1;

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  for (const name of ['api-one', 'api-two']) fake.store.addRepository({ owner: OWNER, name, defaultBranch: 'main', files: { 'README.md': '# api\n' } });
  const { log } = captureLogs();
  probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKey,
    baseUrl: fake.apiUrl,
    log,
    Octokit: createAppOctokit({
      limiterGroups: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }) },
    }),
  });
  queue = new InProcessReviewQueue();
  await probot.load(createApp({ queue, ledger: new FileOpenCheckRunLedger(join(mkdtempSync(join(tmpdir(), 'asr-requests-')), 'runs')), sweepIntervalMs: 0, analysis: { close: async () => {} } }));
});

afterAll(async () => {
  await queue?.close();
  await fake?.close();
});

interface Pr {
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
}

function addPullRequest(repo: string): Pr {
  const pr = { repo, number: nextPullNumber++, headSha: randomBytes(20).toString('hex'), baseSha: randomBytes(20).toString('hex') };
  fake.store.addPullRequest(`${OWNER}/${repo}`, {
    number: pr.number,
    head: { ref: `feature-${pr.number}`, sha: pr.headSha },
    base: { ref: 'main', sha: pr.baseSha },
    files: [{ filename: ROUTE_PATH, status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: ROUTE_FILE }],
  });
  return pr;
}

/** Delivers `pull_request.<action>` and returns the requests of the review it caused, as `METHOD path` with numbers folded. */
async function review(pr: Pr, action = 'opened', edit: (payload: Record<string, any>) => void = () => {}): Promise<string[]> {
  const payload = pullRequestPayload(action, { owner: OWNER, installationId: INSTALLATION_ID, ...pr });
  edit(payload);
  const since = fake.requests.length;
  await probot.receive({ id: randomBytes(8).toString('hex'), name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
  await queue.onIdle();
  return fake.requests.slice(since).map(routeOf);
}

function routeOf(request: RecordedRequest): string {
  return `${request.method} ${request.path.replace(/\/(pulls|issues)\/\d+/, '/$1/{n}').replace(/\/check-runs\/\d+/, '/check-runs/{id}').replace(/\/git\/trees\/.+$/, '/git/trees/{sha}')}`;
}

function runOf(pr: Pr) {
  return [...fake.store.checkRuns.values()].find((run) => run.headSha === pr.headSha);
}

function reviewsOf(pr: Pr) {
  return [...fake.store.reviews.values()].filter((posted) => posted.repository === `${OWNER}/${pr.repo}` && posted.pullNumber === pr.number);
}

const CONFIG = '.github%2Fapi-security-review.yml';

describe('requests of one review', () => {
  it('a new PR: the check run, the configuration, the files, each file, the review and the completion; no read of the PR, no comment list', async () => {
    const pr = addPullRequest('api-one');

    const requests = await review(pr);

    expect(runOf(pr)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(reviewsOf(pr)).toHaveLength(1);
    expect([...requests].sort()).toEqual(
      [
        'POST /app/installations/616/access_tokens',
        'POST /repos/thrifty-org/api-one/check-runs',
        `GET /repos/thrifty-org/api-one/contents/${CONFIG}`,
        `GET /repos/thrifty-org/.github/contents/${CONFIG}`,
        'GET /repos/thrifty-org/api-one/pulls/{n}/files',
        `GET /repos/thrifty-org/api-one/contents/${encodeURIComponent(ROUTE_PATH)}`,
        'PATCH /repos/thrifty-org/api-one/check-runs/{id}',
        'POST /repos/thrifty-org/api-one/pulls/{n}/reviews',
      ].sort(),
    );
  });

  it("another repository of the same owner: its own configuration file is read again, the owner's .github one is not", async () => {
    const pr = addPullRequest('api-two');

    const requests = await review(pr);

    expect(requests).toContain(`GET /repos/thrifty-org/api-two/contents/${CONFIG}`);
    expect(requests).not.toContain(`GET /repos/thrifty-org/.github/contents/${CONFIG}`);
    expect(requests.filter((request) => request.startsWith('GET /repos/thrifty-org/api-two/pulls/{n}'))).toEqual(['GET /repos/thrifty-org/api-two/pulls/{n}/files']);
    expect(reviewsOf(pr)).toHaveLength(1);
  });

  it('the PR again after this app commented on it: the event counted no comment, but the lists are read and nothing is posted twice', async () => {
    const pr = addPullRequest('api-one');
    await review(pr);
    expect(reviewsOf(pr)).toHaveLength(1);

    // The event's counts say "no comment" (as an event sent before our review was posted would).
    const requests = await review(pr, 'reopened', (payload) => {
      payload.pull_request.comments = 0;
      payload.pull_request.review_comments = 0;
    });

    expect(requests).toContain('GET /repos/thrifty-org/api-one/pulls/{n}/comments');
    expect(requests).toContain('GET /repos/thrifty-org/api-one/issues/{n}/comments');
    expect(reviewsOf(pr)).toHaveLength(1);
  });

  it('an event whose counts are old (a redelivery, a long wait in the queue): the lists are read', async () => {
    const pr = addPullRequest('api-one');

    const requests = await review(pr, 'opened', (payload) => {
      payload.pull_request.updated_at = new Date(Date.now() - 60 * 60_000).toISOString();
    });

    expect(requests).toContain('GET /repos/thrifty-org/api-one/pulls/{n}/comments');
    expect(requests).toContain('GET /repos/thrifty-org/api-one/issues/{n}/comments');
  });

  it('each count decides its own list: conversation comments (where waivers are) without review comments', async () => {
    const pr = addPullRequest('api-one');

    const requests = await review(pr, 'opened', (payload) => {
      payload.pull_request.comments = 2;
    });

    expect(requests).toContain('GET /repos/thrifty-org/api-one/issues/{n}/comments');
    expect(requests).not.toContain('GET /repos/thrifty-org/api-one/pulls/{n}/comments');
  });

  it('review comments without conversation comments', async () => {
    const pr = addPullRequest('api-one');

    const requests = await review(pr, 'opened', (payload) => {
      payload.pull_request.review_comments = 1;
    });

    expect(requests).toContain('GET /repos/thrifty-org/api-one/pulls/{n}/comments');
    expect(requests).not.toContain('GET /repos/thrifty-org/api-one/issues/{n}/comments');
  });

  it('a push while the PR is reviewed: the completed run lists the PR at its new head, so no review is posted and the run is neutral', async () => {
    const pr = addPullRequest('api-one');
    const newer = randomBytes(20).toString('hex');
    const original = fake.store.requireRepository(`${OWNER}/api-one`).pulls.get(pr.number)!;
    // The push lands once the file has been read.
    fake.fail(
      (target) => {
        if (target.method === 'GET' && target.path.endsWith(encodeURIComponent(ROUTE_PATH))) original.head.sha = newer;
        return false;
      },
      { status: 200, times: Number.POSITIVE_INFINITY },
    );
    try {
      await review(pr);
    } finally {
      fake.clearFaults();
    }

    expect(reviewsOf(pr)).toHaveLength(0);
    expect(runOf(pr)).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(runOf(pr)!.output.summary).toContain(`head moved to ${newer.slice(0, 7)}`);
  });
});
