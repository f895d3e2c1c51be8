/**
 * Hostile and odd input through the real app (Probot, the production
 * Octokit settings) against the local fake GitHub API: files no parser
 * likes, files far over the size cap, encodings, and every odd shape of
 * diff GitHub serves. Each case states what the review does with it; in
 * every case the check run completes and the review of the ordinary API
 * file in the same pull request is whole.
 *
 * Contents the fake stores as text are served by it; byte-exact contents
 * (invalid UTF-8, UTF-16) and entries that are not files (submodules,
 * symlinks pointing out of the repository) are answered as GitHub documents
 * them, through the fake's fault injection.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Bottleneck from 'bottleneck';
import { Probot } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createApp } from '../../src/index.js';
import { createAppOctokit } from '../../src/github/octokit-options.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import { FileOpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import { patchForAddedFile, startFakeGitHub, type CheckRunState, type FakeGitHub, type SeedPullRequestFile } from '../support/fake-github/index.js';
import { pullRequestPayload, ROUTE_FILE } from './pull-request-fixtures.js';
import { captureLogs } from './harness.js';

const APP_ID = 6060;
const INSTALLATION_ID = 606;
const OWNER = 'octo-org';
const REPO = 'odd-files';
const FULL_NAME = `${OWNER}/${REPO}`;
const MB = 1024 * 1024;

/** The ordinary API file every PR also carries: its finding must survive whatever sits next to it. */
const ROUTE_PATH = 'src/server.ts';
const ROUTE_LINE = 3;
const ROUTE_ENDPOINT = 'POST /users/:id/delete';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

let fake: FakeGitHub;
let probot: Probot;
let queue: InProcessReviewQueue;
let logs: Record<string, unknown>[];
let nextPullNumber = 1;

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# odd files\n' } });
  ({ logs, log: probotLog } = captureLogs());
  probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKey,
    baseUrl: fake.apiUrl,
    log: probotLog,
    Octokit: createAppOctokit({
      retryAfterBaseValue: 5,
      rateLimitWaitUnitMs: 20,
      limiterGroups: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 5 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 5 }) },
    }),
  });
  queue = new InProcessReviewQueue({ concurrency: 2 });
  const ledger = new FileOpenCheckRunLedger(join(mkdtempSync(join(tmpdir(), 'asr-hostile-')), 'open-check-runs'));
  // Generous budgets: a cold first parse on a shared CI machine must not turn a finding into a skipped file here.
  await probot.load(createApp({ queue, ledger, timeoutMs: 120_000, fileTimeoutMs: 60_000, retryBaseMs: 5, sweepIntervalMs: 0 }));
});
let probotLog: ReturnType<typeof captureLogs>['log'];

afterAll(async () => {
  await fake?.close();
});

afterEach(() => {
  fake.clearFaults();
});

/** Adds a PR with the ordinary route file plus `files`, delivers `pull_request.opened`, and returns its completed check run. */
async function review(files: SeedPullRequestFile[], options: { withRoute?: boolean } = {}): Promise<{ run: CheckRunState; number: number; headSha: string }> {
  onTestFailed(() => {
    console.error(logs.slice(-40).map((line) => JSON.stringify(line).slice(0, 2000)).join('\n'));
  });
  const number = nextPullNumber++;
  const headSha = randomBytes(20).toString('hex');
  const baseSha = randomBytes(20).toString('hex');
  const route: SeedPullRequestFile[] = options.withRoute === false ? [] : [{ filename: ROUTE_PATH, status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: ROUTE_FILE }];
  fake.store.addPullRequest(FULL_NAME, { number, head: { ref: `odd-${number}`, sha: headSha }, base: { ref: 'main', sha: baseSha }, files: [...route, ...files] });
  const payload = pullRequestPayload('opened', { owner: OWNER, repo: REPO, number, headRef: `odd-${number}`, headSha, baseSha, installationId: INSTALLATION_ID });
  await probot.receive({ id: randomBytes(8).toString('hex'), name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
  await queue.onIdle();
  const runs = [...fake.store.checkRuns.values()].filter((run) => run.headSha === headSha);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.status).toBe('completed');
  expect(fake.unexpected).toEqual([]);
  return { run: runs[0]!, number, headSha };
}

/** The ordinary route was reviewed as always: its endpoint in the summary and its inline comment on its line. */
function expectRouteReviewed(run: CheckRunState, number: number): void {
  expect(run.conclusion).toBe('failure');
  expect(run.output.summary).toContain(ROUTE_ENDPOINT);
  const comments = [...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === number);
  expect(comments.some((comment) => comment.path === ROUTE_PATH && comment.line === ROUTE_LINE)).toBe(true);
}

/** `GET /contents/<path>` answered with GitHub's JSON for this entry (any ref). */
function serveContentEntry(path: string, entry: Record<string, unknown>): void {
  const encoded = new RegExp(`/contents/${path.split('/').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(?:%2F|/)')}$`);
  fake.fail({ method: 'GET', path: encoded }, { status: 200, body: { name: path.split('/').pop(), path, sha: randomBytes(20).toString('hex'), ...entry }, times: Number.POSITIVE_INFINITY });
}

function serveBytes(path: string, bytes: Buffer): void {
  serveContentEntry(path, { type: 'file', encoding: 'base64', size: bytes.length, content: bytes.toString('base64') });
}

function skippedLine(run: CheckRunState, path: string): string {
  return (run.output.summary ?? '').split('\n').find((line) => line.startsWith(`- \`${path}\``)) ?? '(not listed as skipped)';
}

describe('odd files', () => {
  it('a syntax error: the file is skipped with the line and reason; the other file is reviewed', async () => {
    const broken = "import express from 'express';\nconst app = express();\napp.get('/x', (req, res) => { res.json({ ok: true }) ;\n";
    const { run, number } = await review([{ filename: 'src/broken.ts', status: 'added', patch: patchForAddedFile(broken), content: broken }]);
    expectRouteReviewed(run, number);
    expect(skippedLine(run, 'src/broken.ts')).toMatch(/syntax|expected/i);
  });

  it('5 MB and 50 MB files: reported skipped with their size and the 1 MB limit, never downloaded', async () => {
    const five = `// ${'x'.repeat(5 * MB)}\n`;
    const fifty = `// ${'y'.repeat(50 * MB)}\n`;
    const { run, number } = await review([
      { filename: 'src/five.ts', status: 'added', patch: null, content: five },
      { filename: 'src/fifty.ts', status: 'added', patch: null, content: fifty },
    ]);
    expectRouteReviewed(run, number);
    expect(skippedLine(run, 'src/five.ts')).toContain('5.0 MB, over the 1.0 MB analysis limit');
    expect(skippedLine(run, 'src/fifty.ts')).toContain('50.0 MB, over the 1.0 MB analysis limit');
    // The contents API gave the size without the content (GitHub's `encoding: none` above 1 MB); no blob was fetched.
    expect(fake.requestsTo('GET', '/repos/{owner}/{repo}/git/blobs/{file_sha}')).toEqual([]);
  });

  it('a minified one-line bundle of 600 KB with a route in it: analysed, its endpoint found', async () => {
    const filler = Array.from({ length: 15_000 }, (_, i) => `var a${i}=function(b){return b+${i}};`).join('');
    const bundle = `${filler}var app=require("express")();app.delete("/bundle/:id",function(req,res){db.item.delete({where:{id:req.params.id}});res.json({})});app.listen(3000);\n`;
    expect(bundle.length).toBeGreaterThan(500_000);
    const { run, number } = await review([{ filename: 'src/bundle.js', status: 'added', patch: patchForAddedFile(bundle), content: bundle }]);
    expectRouteReviewed(run, number);
    expect(run.output.summary).toContain('DELETE /bundle/:id');
  });

  it('a binary under a source name, and invalid UTF-8: skipped with the reason', async () => {
    serveBytes('src/logo.ts', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    serveBytes('src/latin1.ts', Buffer.from("const name = 'caf\xe9';\n", 'latin1'));
    const { run, number } = await review([
      { filename: 'src/logo.ts', status: 'added', patch: null },
      { filename: 'src/latin1.ts', status: 'added', patch: "@@ -0,0 +1 @@\n+const name = 'caf?';" },
    ]);
    expectRouteReviewed(run, number);
    expect(skippedLine(run, 'src/logo.ts')).toContain('binary file');
    expect(skippedLine(run, 'src/latin1.ts')).toContain('not valid UTF-8');
  });

  it('UTF-16 with a byte order mark: decoded and reviewed like UTF-8', async () => {
    const source = "import express from 'express';\nconst app = express();\napp.delete('/utf16/:id', async (req, res) => { await db.item.delete({ where: { id: req.params.id } }); res.json({}); });\n";
    serveBytes('src/utf16.ts', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(source, 'utf16le')]));
    const { run, number } = await review([{ filename: 'src/utf16.ts', status: 'added', patch: patchForAddedFile(source) }]);
    expectRouteReviewed(run, number);
    expect(run.output.summary).toContain('DELETE /utf16/:id');
  });

  it('CRLF line endings: the finding and its inline comment are on the right line', async () => {
    const source = ROUTE_FILE.replace(/\n/g, '\r\n');
    const { run, number } = await review([{ filename: 'src/crlf.ts', status: 'added', patch: patchForAddedFile(ROUTE_FILE), content: source }]);
    expectRouteReviewed(run, number);
    const comments = [...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === number && comment.path === 'src/crlf.ts');
    expect(comments.map((comment) => comment.line)).toContain(ROUTE_LINE);
  });

  it('10,000-deep nesting (brackets, and calls in a handler): no stack overflow; skipped with the reason where the parser gives up', async () => {
    const brackets = `export const deep = ${'['.repeat(10_000)}${']'.repeat(10_000)};\n`;
    const calls = `import express from 'express';\nconst app = express();\napp.get('/deep', (req, res) => res.json(${'f('.repeat(10_000)}1${')'.repeat(10_000)}));\n`;
    const { run, number } = await review([
      { filename: 'src/brackets.ts', status: 'added', patch: patchForAddedFile(brackets), content: brackets },
      { filename: 'src/calls.ts', status: 'added', patch: patchForAddedFile(calls), content: calls },
    ]);
    expectRouteReviewed(run, number);
    for (const path of ['src/brackets.ts', 'src/calls.ts']) {
      const summary = run.output.summary ?? '';
      // Either analysed, or skipped with a reason: never a crash of the review.
      expect(summary.includes(`\`${path}\``) ? skippedLine(run, path) : 'analysed').not.toContain('crashed');
    }
  });

  it('a file made to be slow for naive patterns (long runs, unterminated comments and strings, 100k-character lines): reviewed', async () => {
    const slow = [
      "import express from 'express';",
      'const app = express();',
      `const spaces = '${' '.repeat(100_000)}x';`,
      `// ${'/*'.repeat(20_000)}`,
      `const s = "${'\\"'.repeat(20_000)}";`,
      `app.get('/${'a'.repeat(5_000)}!', (req, res) => res.json({ q: req.query.${'a'.repeat(2_000)} }));`,
      `/* ${'*'.repeat(50_000)}`,
    ].join('\n');
    const { run, number } = await review([{ filename: 'src/slow.ts', status: 'added', patch: patchForAddedFile(slow), content: slow }]);
    expectRouteReviewed(run, number);
  });
});

describe('odd diffs', () => {
  it('a renamed file: reviewed under its new name, commented on its new lines', async () => {
    const patch = `@@ -1,4 +1,4 @@\n import express from 'express';\n const app = express();\n-app.post('/users/:id/remove', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });\n+app.post('/users/:id/delete', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });\n app.listen(3000);`;
    const { run, number } = await review([{ filename: 'src/api.ts', previousFilename: 'src/old-api.ts', status: 'renamed', patch, content: ROUTE_FILE }], { withRoute: false });
    expect(run.conclusion).toBe('failure');
    const comments = [...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === number);
    expect(new Set(comments.map((comment) => `${comment.path}:${comment.line}`))).toEqual(new Set([`src/api.ts:${ROUTE_LINE}`]));
  });

  it('no patch (GitHub leaves it out of large diffs): the whole file is reviewed, its findings go to the check run, none inline', async () => {
    const { run, number } = await review([{ filename: 'src/large-diff.ts', status: 'modified', patch: null, content: ROUTE_FILE.replace('/users/', '/accounts/') }], { withRoute: false });
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('POST /accounts/:id/delete');
    expect([...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === number)).toEqual([]);
  });

  it('binary patches, a deleted file, a submodule and symlinks: none is parsed as code, none fails the review', async () => {
    serveContentEntry('src/sdk.ts', { type: 'submodule', size: 0, submodule_git_url: 'https://github.com/octo-org/sdk.git' });
    serveContentEntry('src/config.ts', { type: 'symlink', size: 16, target: '../../etc/passwd' });
    const { run, number } = await review([
      { filename: 'assets/logo.png', status: 'added', patch: null },
      { filename: 'src/removed.ts', status: 'removed', patch: '@@ -1,2 +0,0 @@\n-export const x = 1;\n-export const y = 2;' },
      { filename: 'vendor/sdk', status: 'modified', patch: '@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n+Subproject commit 2222222222222222222222222222222222222222' },
      { filename: 'src/sdk.ts', status: 'modified', patch: '@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n+Subproject commit 2222222222222222222222222222222222222222' },
      { filename: 'src/config.ts', status: 'added', patch: '@@ -0,0 +1 @@\n+../../etc/passwd\n\\ No newline at end of file' },
    ]);
    expectRouteReviewed(run, number);
    expect(skippedLine(run, 'src/sdk.ts')).toContain('is a submodule, not a file');
    expect(skippedLine(run, 'src/config.ts')).toContain('is a symlink, not a file');
    // The deleted file and the non-source entries were never fetched at the head.
    const fetched = fake.requestsTo('GET', '/repos/{owner}/{repo}/contents/{path+}').map((request) => decodeURIComponent(request.path));
    expect(fetched.filter((path) => /removed\.ts|logo\.png|vendor\/sdk$/.test(path) && !path.includes('?'))).toEqual(
      fetched.filter((path) => path.endsWith('src/removed.ts')),
    );
  });

  it("3,000 files (GitHub's maximum), five of them API code: every page is read, only the API files are fetched and reviewed", async () => {
    const docs: SeedPullRequestFile[] = Array.from({ length: 2_995 }, (_, i) => ({ filename: `docs/page-${i}.md`, status: 'added', patch: `@@ -0,0 +1 @@\n+page ${i}` }));
    const api: SeedPullRequestFile[] = Array.from({ length: 4 }, (_, i) => {
      const text = ROUTE_FILE.replace('/users/', `/team${i}/`);
      return { filename: `src/routes/team${i}.ts`, status: 'added', patch: patchForAddedFile(text), content: text };
    });
    const since = fake.requests.length;
    const { run, number } = await review([...docs, ...api]);
    expectRouteReviewed(run, number);
    for (let i = 0; i < 4; i++) expect(run.output.summary).toContain(`POST /team${i}/:id/delete`);
    const listed = fake.requests.slice(since).filter((request) => request.method === 'GET' && request.path === `/repos/${FULL_NAME}/pulls/${number}/files`);
    // 100 per page, read at least once for the review (and again to check comment lines after a refusal, if any).
    expect(listed.length).toBeGreaterThanOrEqual(30);
    const contents = fake.requests.slice(since).filter((request) => request.method === 'GET' && /\/contents\/docs/.test(request.url));
    expect(contents).toEqual([]);
  }, 120_000);
});

/** Files under `directory` (a few levels deep) changed since `since` and small enough to read, with their path. */
function recentFiles(directory: string, since: number, depth = 4): string[] {
  const found: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(directory, entry);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory() && depth > 0) found.push(...recentFiles(path, since, depth - 1));
    else if (stat.isFile() && stat.mtimeMs >= since && stat.size < 2 * MB) found.push(path);
  }
  return found;
}

/**
 * A listed file's text, or '' when it is gone: other test files run at the same time and remove their
 * own temp directories between the listing and the read. Only this review could write this test's
 * random marker, so a file deleted by another test cannot be the one it looks for.
 */
function textOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

describe('the code of the pull request', () => {
  it('is never run or required, and never written to disk', async () => {
    const started = Date.now() - 1_000;
    const marker = `pr-marker-${randomBytes(8).toString('hex')}`;
    const sentinel = join(tmpdir(), `asr-executed-${marker}`);
    const hostile = [
      `// ${marker}`,
      "import express from 'express';",
      `require('fs').writeFileSync(${JSON.stringify(sentinel)}, 'ran at require');`,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(sentinel)}, 'ran at exit'));`,
      'const app = express();',
      `app.get('/run', (req, res) => { require('child_process').execSync('touch ${sentinel}'); res.json({}); });`,
      '',
    ].join('\n');
    const { run, number } = await review([{ filename: 'src/hostile.ts', status: 'added', patch: patchForAddedFile(hostile), content: hostile }]);
    expectRouteReviewed(run, number);
    expect(run.output.summary).toContain('GET /run');
    expect(existsSync(sentinel)).toBe(false);
    // No file written during the review (temp directory, working directory) holds the PR's code.
    const written = [...recentFiles(tmpdir(), started), ...recentFiles(process.cwd(), started, 2)];
    expect(written.filter((path) => textOrEmpty(path).includes(marker))).toEqual([]);
  });
});
