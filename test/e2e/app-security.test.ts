/**
 * The app's own security at its edge, against the real server entry
 * (`src/server.ts` in a child process) and the fake GitHub API: webhook
 * signatures (missing, malformed, of another body), GitHub's 25 MB limit on
 * webhook bodies, and every line the server logs during a full review at
 * trace level holding none of its secrets (webhook secret, private key,
 * app JWTs, installation tokens).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { deliverWebhook, patchForAddedFile, signWebhookBody, startFakeGitHub, waitFor, type FakeGitHub } from '../support/fake-github/index.js';
import { findFreePort, startAppProcess, waitUntilListening, type AppProcess } from './app-process.js';
import { adaptPullRequestPayload, loadPullRequestExample, type PullRequestTarget } from './pull-request-payload.js';

const APP_ID = 4711;
const INSTALLATION_ID = 90;
const OWNER = 'octo-org';
const REPO = 'billing-api';
const WEBHOOK_SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const MB = 1024 * 1024;
/** A route with a hard-coded JWT secret: the finding quotes code, the log and the check run must not echo it. */
const CODE_SECRET = 'sk_live_51HcodeSecretValue0123456789';
const ROUTE_FILE = [
  "import express from 'express';",
  "import jwt from 'jsonwebtoken';",
  'const app = express();',
  `app.get('/invoices/:id', (req, res) => { const user = jwt.verify(req.headers.authorization, '${CODE_SECRET}'); res.json({ user }); });`,
  "app.delete('/invoices/:id', async (req, res) => { await db.invoice.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });",
  'app.listen(3000);',
  '',
].join('\n');

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

let fake: FakeGitHub;
let app: AppProcess;
let webhookUrl: string;

const target: PullRequestTarget = {
  owner: OWNER,
  repo: REPO,
  number: 7,
  headRef: 'invoices',
  headSha: randomBytes(20).toString('hex'),
  baseRef: 'main',
  baseSha: randomBytes(20).toString('hex'),
  installationId: INSTALLATION_ID,
};

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# billing\n' } });
  fake.store.addPullRequest(`${OWNER}/${REPO}`, {
    number: target.number,
    head: { ref: target.headRef, sha: target.headSha },
    base: { ref: target.baseRef, sha: target.baseSha },
    files: [{ filename: 'src/server.ts', status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: ROUTE_FILE }],
  });
  app = startAppProcess(
    {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      // Everything the server can log, as JSON lines.
      LOG_LEVEL: 'trace',
      LOG_FORMAT: 'json',
      NODE_ENV: 'test',
      REVIEW_STATE_DIR: mkdtempSync(join(tmpdir(), 'asr-security-state-')),
    },
    await findFreePort(),
  );
  webhookUrl = `${app.baseUrl}/api/github/webhooks`;
  await waitUntilListening(app);
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

function reportOnFailure(): void {
  onTestFailed(() => {
    console.error(app.output().slice(-20_000));
  });
}

function openedBody(): string {
  return JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), target));
}

/** POSTs `size` bytes to the webhook path, with a content-length or chunked; resolves with the status (or `reset` if the server hung up first). */
function postLargeBody(size: number, chunked: boolean): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': randomBytes(8).toString('hex'),
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        ...(chunked ? {} : { 'content-length': String(size) }),
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('reset'));
    const chunk = Buffer.alloc(MB, 0x20);
    let sent = 0;
    const write = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('webhook signatures', () => {
  it('a delivery without x-hub-signature-256 is refused and calls no GitHub API', async () => {
    reportOnFailure();
    const before = fake.requests.length;
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomBytes(8).toString('hex') },
      body: openedBody(),
    });
    expect(response.status).toBe(400);
    await delay(300);
    expect(fake.requests.slice(before)).toEqual([]);
  });

  it('a malformed signature, and a valid signature replayed on a modified body, are refused', async () => {
    reportOnFailure();
    const before = fake.requests.length;
    const body = openedBody();
    const malformed = await deliverWebhook({ url: webhookUrl, event: 'pull_request', body, signature: 'sha1=abc' });
    const replayed = await deliverWebhook({ url: webhookUrl, event: 'pull_request', body: body.replace('"opened"', '"reopened"'), signature: signWebhookBody(body, WEBHOOK_SECRET) });
    expect([malformed.status, replayed.status].every((status) => status >= 400 && status < 500)).toBe(true);
    await delay(300);
    expect(fake.requests.slice(before)).toEqual([]);
  });
});

describe("GitHub's 25 MB webhook limit", () => {
  it('refuses a larger body with 413, declared or chunked, before reading it; the server keeps serving', async () => {
    reportOnFailure();
    const before = fake.requests.length;
    const declared = await postLargeBody(26 * MB, false);
    const chunked = await postLargeBody(26 * MB, true);
    // The server answers 413 and closes; a client still writing may see the reset instead of the answer.
    expect([413, 'reset']).toContain(declared);
    expect([413, 'reset']).toContain(chunked);
    expect(declared === 413 || chunked === 413).toBe(true);
    expect(fake.requests.slice(before)).toEqual([]);
    expect((await fetch(`${app.baseUrl}/ping`)).status).toBe(200);
  }, 60_000);
});

describe('the log of a full review', () => {
  it('at trace level, holds no webhook secret, private key, app JWT, installation token or secret quoted from the code', async () => {
    reportOnFailure();
    const body = openedBody();
    const answer = await deliverWebhook({ url: webhookUrl, event: 'pull_request', body, signature: signWebhookBody(body, WEBHOOK_SECRET) });
    expect(answer.status).toBe(202);
    const run = await waitFor(
      () => [...fake.store.checkRuns.values()].find((candidate) => candidate.headSha === target.headSha && candidate.status === 'completed'),
      { description: 'the completed check run', timeoutMs: 45_000 },
    );
    expect(run.conclusion).toBe('failure');
    // The run is completed before the review is posted (its answer tells whether the head moved): wait for the job's end.
    await waitFor(() => app.output().includes('review job finished'), { description: "the job's last log line", timeoutMs: 45_000 });

    const output = app.output();
    const tokens = [...fake.store.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) expect(output).not.toContain(token);
    expect(output).not.toContain(WEBHOOK_SECRET);
    expect(output).not.toContain('PRIVATE KEY');
    for (const line of keys.privateKey.split('\n').filter((line) => line.length > 20)) expect(output).not.toContain(line);
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}/);
    expect(output).not.toContain(CODE_SECRET);

    // Nor what the app posted.
    const posted = JSON.stringify([run.output, [...fake.store.reviewComments.values()], [...fake.store.reviews.values()]]);
    expect(posted).toContain('hard-coded');
    expect(posted).not.toContain(CODE_SECRET);
  }, 60_000);
});
