/**
 * The GitHub Action, run as the runner runs it: the Actions environment
 * variables (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_API_URL,
 * GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE, INPUT_*), a real
 * `pull_request` payload from @octokit/webhooks-examples written to a file,
 * and the local fake GitHub API with a token it issued, as the workflow's
 * GITHUB_TOKEN would be.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { pino } from 'pino';
import type * as Sarif from 'sarif';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { fileSystemActionIo, runAction } from '../../src/action/run-action.js';
import { FINGERPRINT_KEY } from '../../src/render/sarif-log.js';
import { patchForAddedFile, startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { adaptPullRequestPayload, loadPullRequestExample, type PullRequestTarget } from '../e2e/pull-request-payload.js';

const OWNER = 'octo-org';
const REPO = 'billing-api';
const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
const INSTALLATION_ID = 77;

const UNAUTHENTICATED = [
  "import express from 'express';",
  'const app = express();',
  "app.delete('/invoices/:id', async (req, res) => { await db.invoice.delete({ where: { id: req.params.id } }); res.sendStatus(204); });",
  'app.listen(3000);',
  '',
].join('\n');
const ROUTE_LINE = 3;

const AUTHENTICATED = [
  "import express from 'express';",
  "import { requireAuth } from './auth';",
  'const app = express();',
  "app.delete('/invoices/:id', requireAuth, async (req, res) => { await db.invoice.delete({ where: { id: req.params.id, ownerId: req.user.id } }); res.sendStatus(204); });",
  'app.listen(3000);',
  '',
].join('\n');
const AUTH_MODULE = "export function requireAuth(req, res, next) { if (!req.user) return res.status(401).json({ error: 'unauthorized' }); next(); }\n";

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const validateSarif = addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);

let fake: FakeGitHub;
let workDir: string;
let nextNumber = 1;

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  // The workflow's GITHUB_TOKEN: an installation token of the GitHub Actions app on this repository.
  fake.store.tokens.set(TOKEN, { token: TOKEN, installationId: INSTALLATION_ID, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# billing-api\n', 'src/auth.ts': AUTH_MODULE } });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'asr-action-'));
  fake.clearFaults();
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** A pull request with one added file, and the target its payload is adapted to. */
function seedPullRequest(content: string, extraHeadFiles: Record<string, string> = {}): PullRequestTarget {
  const target: PullRequestTarget = {
    owner: OWNER,
    repo: REPO,
    number: nextNumber++,
    headRef: `feature-${nextNumber}`,
    headSha: randomBytes(20).toString('hex'),
    baseRef: 'main',
    baseSha: randomBytes(20).toString('hex'),
    installationId: INSTALLATION_ID,
  };
  fake.store.addPullRequest(`${OWNER}/${REPO}`, {
    number: target.number,
    head: { ref: target.headRef, sha: target.headSha },
    base: { ref: target.baseRef, sha: target.baseSha },
    files: [{ filename: 'src/app.ts', status: 'added', patch: patchForAddedFile(content), content }],
  });
  for (const [path, text] of Object.entries(extraHeadFiles)) fake.store.setFile(`${OWNER}/${REPO}`, target.headSha, path, text);
  return target;
}

interface ActionRun {
  code: number;
  stdout: string;
  summary: string;
  outputs: string;
}

/** Runs the action with the runner's environment for `target`; `payloadEdit` changes the event payload (a fork). */
async function runActionFor(target: PullRequestTarget, inputs: Record<string, string> = {}, options: { eventName?: string; payloadEdit?: (payload: any) => void } = {}): Promise<ActionRun> {
  const payload = adaptPullRequestPayload(loadPullRequestExample('opened'), target);
  options.payloadEdit?.(payload);
  const eventPath = join(workDir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(payload));
  const summaryPath = join(workDir, 'step-summary.md');
  const outputPath = join(workDir, 'output.txt');
  writeFileSync(summaryPath, '');
  writeFileSync(outputPath, '');
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: fake.apiUrl,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_RUN_ID: '1234',
    GITHUB_WORKSPACE: workDir,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    // action.yml's defaults, as the runner passes them.
    'INPUT_GITHUB-TOKEN': TOKEN,
    INPUT_CONFIG: '',
    'INPUT_FAIL-ON': '',
    'INPUT_MAX-COMMENTS': '',
    'INPUT_SARIF-FILE': '',
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  let stdout = '';
  const code = await runAction(fileSystemActionIo(env, { write: (chunk: string) => (stdout += chunk) }), { log: pino({ level: 'silent' }) });
  const run = { code, stdout, summary: readFileSync(summaryPath, 'utf8'), outputs: readFileSync(outputPath, 'utf8') };
  onTestFailed(() => {
    const traffic = fake.requests.map((request) => `${request.method} ${request.path} -> ${request.status}${request.fault ? ' (fault)' : ''}`).join('\n');
    console.error(`exit ${code}\n--- stdout ---\n${stdout}\n--- summary ---\n${run.summary}\n--- requests ---\n${traffic}`);
  });
  return run;
}

function checkRunsOf(target: PullRequestTarget) {
  return [...fake.store.checkRuns.values()].filter((run) => run.headSha === target.headSha);
}

function writesFor(target: PullRequestTarget) {
  return [
    ...fake.requestsTo('POST', '/repos/{owner}/{repo}/check-runs'),
    ...fake.requestsTo('POST', `/repos/${OWNER}/${REPO}/pulls/${target.number}/reviews`),
  ].filter((request) => request.status < 400 && JSON.stringify(request.body ?? '').includes(target.headSha));
}

describe('with a token that can write (a pull request from a branch of the repository)', () => {
  it('posts the check run and the review as the App does, writes the checklist to the job summary, and exits 1', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target);
    expect(run.code).toBe(1);
    const runs = checkRunsOf(target);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'API Security Review', status: 'completed', conclusion: 'failure' });
    expect(runs[0]!.output.summary).toContain('DELETE /invoices/:id');
    const comments = [...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === target.number);
    expect(comments.length).toBeGreaterThan(0);
    expect(comments.every((comment) => comment.path === 'src/app.ts' && comment.line === ROUTE_LINE)).toBe(true);
    expect(comments.some((comment) => comment.body.includes('missing-authentication'))).toBe(true);
    expect(run.summary).toContain('Posted the **API Security Review** check run');
    expect(run.summary).toContain('DELETE /invoices/:id');
    expect(run.outputs).toContain('mode=check-run');
    expect(run.outputs).toContain('conclusion=failure');
    // Posted: no annotations of its own (the check run has them).
    expect(run.stdout).not.toContain('::error file=');
  });

  it('a secure pull request gets a successful check run and exit 0', async () => {
    const target = seedPullRequest(AUTHENTICATED, { 'src/auth.ts': AUTH_MODULE });
    const run = await runActionFor(target);
    expect(run.code).toBe(0);
    expect(checkRunsOf(target)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('fail-on: critical lets a high finding pass (check run and exit code alike)', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, { 'fail-on': 'critical' });
    expect(run.code).toBe(0);
    expect(checkRunsOf(target)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('max-comments: 0 posts no inline comment; the finding stays in the check run', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, { 'max-comments': '0' });
    expect(run.code).toBe(1);
    expect([...fake.store.reviewComments.values()].filter((comment) => comment.pullNumber === target.number)).toEqual([]);
    expect(checkRunsOf(target)[0]!.output.summary).toContain('DELETE /invoices/:id');
  });

  it('config: reads the given file from the default branch', async () => {
    fake.store.setFile(`${OWNER}/${REPO}`, 'main', '.github/security-review.yml', 'rules:\n  missing-authentication: off\n  missing-ownership-check: off\n');
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, { config: '.github/security-review.yml' });
    expect(run.code).toBe(0);
    expect(fake.requestsTo('GET', '/repos/{owner}/{repo}/contents/{path+}').some((request) => decodeURIComponent(request.path).endsWith('/contents/.github/security-review.yml'))).toBe(true);
  });

  it('an invalid configuration fails with exit 2 and the table of problems', async () => {
    fake.store.setFile(`${OWNER}/${REPO}`, 'main', '.github/broken.yml', 'fail_on: sometimes\n');
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, { config: '.github/broken.yml' });
    expect(run.code).toBe(2);
    expect(checkRunsOf(target)[0]).toMatchObject({ conclusion: 'failure' });
    expect(run.summary).toContain('fail_on');
  });

  it('a 403 on creating the check run degrades to annotations and the job summary, saying why', async () => {
    fake.fail({ method: 'POST', path: '/repos/{owner}/{repo}/check-runs' }, { status: 403, body: { message: 'Resource not accessible by integration' }, times: Infinity });
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target);
    expect(run.code).toBe(1);
    expect(writesFor(target)).toEqual([]);
    expect(run.stdout).toMatch(new RegExp(`::error file=src/app.ts,line=${ROUTE_LINE},title=high%3A missing-authentication \\(DELETE /invoices/%3Aid\\)::`));
    expect(run.summary).toContain("the workflow's token may not create check runs (GitHub answered 403: Resource not accessible by integration)");
    expect(run.summary).toContain('DELETE /invoices/:id');
    expect(run.outputs).toContain('mode=annotations');
  });
});

describe('on a pull request from a fork (read-only token)', () => {
  const fromFork = (payload: any) => {
    payload.pull_request.head.repo.full_name = `contributor/${REPO}`;
    payload.pull_request.head.repo.owner.login = 'contributor';
    payload.pull_request.head.repo.fork = true;
  };

  it('posts nothing, annotates the findings on their lines, fills the job summary with the checklist and the reason, exits 1', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const before = fake.requests.length;
    const run = await runActionFor(target, {}, { payloadEdit: fromFork });
    expect(run.code).toBe(1);
    // Reads only: not even an attempt to write.
    expect(fake.requests.slice(before).filter((request) => request.method !== 'GET' && request.path !== '/graphql')).toEqual([]);
    expect(run.stdout).toContain(`::error file=src/app.ts,line=${ROUTE_LINE},`);
    expect(run.stdout).toContain('::warning::No check run or review was posted: this pull request comes from a fork (contributor/billing-api)');
    expect(run.summary).toContain('## API Security Review (read-only)');
    expect(run.summary).toContain('read-only token');
    expect(run.summary).toContain('DELETE /invoices/:id');
    expect(run.summary).toMatch(/User identity verified before processing/);
  });

  it('a control the PR deletes (the posture diff) is annotated and explained as in the check run', async () => {
    const base = [
      "import express from 'express';",
      "import jwt from 'jsonwebtoken';",
      'const app = express();',
      'app.use(requireAuth);',
      'function requireAuth(req, res, next) {',
      '  try {',
      "    req.user = jwt.verify(String(req.headers.authorization), process.env.JWT_SECRET!, { algorithms: ['HS256'] });",
      '    next();',
      '  } catch {',
      '    return res.status(401).end();',
      '  }',
      '}',
      "app.delete('/projects/:id', async (req, res) => {",
      '  await db.project.deleteMany({ where: { id: req.params.id, ownerId: req.user.sub } });',
      '  res.status(204).end();',
      '});',
      '',
    ].join('\n');
    const head = base.replace('app.use(requireAuth);\n', '');
    const patch = ['@@ -2,3 +2,2 @@', " import jwt from 'jsonwebtoken';", ' const app = express();', '-app.use(requireAuth);', ' function requireAuth(req, res, next) {'].join('\n');
    const target = seedPullRequest(head);
    const pull = fake.store.requireRepository(`${OWNER}/${REPO}`).pulls.get(target.number)!;
    pull.files[0]!.status = 'modified';
    pull.files[0]!.patch = patch;
    fake.store.setFile(`${OWNER}/${REPO}`, target.baseSha, 'src/app.ts', base);

    const run = await runActionFor(target, {}, { payloadEdit: fromFork });
    expect(run.code).toBe(1);
    expect(run.summary).toContain("### What this PR changes in your API's security posture");
    expect(run.summary).toContain('**User identity verified before processing** pass → fail: this PR deletes the line that provided it');
    expect(run.stdout).toMatch(/::error file=src\/app.ts,line=\d+,title=high%3A missing-authentication \(DELETE \/projects\/%3Aid\)::/);
  });

  it('a secure fork pull request exits 0 with no error annotation', async () => {
    const target = seedPullRequest(AUTHENTICATED, { 'src/auth.ts': AUTH_MODULE });
    const run = await runActionFor(target, {}, { payloadEdit: fromFork });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('::error');
  });

  it('pull_request_target runs have a writing token even for forks: the check run is posted', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, {}, { eventName: 'pull_request_target', payloadEdit: fromFork });
    expect(run.code).toBe(1);
    expect(checkRunsOf(target)).toHaveLength(1);
  });
});

describe('sarif-file', () => {
  it('writes valid SARIF with the finding, relative to the workspace, and names it in the outputs', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, { 'sarif-file': 'results/api-security.sarif' });
    expect(run.code).toBe(1);
    const file = join(workDir, 'results/api-security.sarif');
    const log = JSON.parse(readFileSync(file, 'utf8')) as Sarif.Log;
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const result = log.runs[0]?.results?.find((entry) => entry.ruleId === 'missing-authentication');
    expect(result?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(ROUTE_LINE);
    expect(result?.partialFingerprints?.[FINGERPRINT_KEY]).toBeDefined();
    expect(run.outputs).toContain(`sarif-file=${file}`);
  });
});

describe('misuse', () => {
  it('on another event, says it reviews pull requests and exits 2 without calling GitHub', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const before = fake.requests.length;
    const run = await runActionFor(target, {}, { eventName: 'push' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('::error::this action reviews pull requests');
    expect(fake.requests.length).toBe(before);
  });

  it('reports every invalid input at once and exits 2', async () => {
    const target = seedPullRequest(UNAUTHENTICATED);
    const run = await runActionFor(target, { 'fail-on': 'severe', 'max-comments': 'many' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('::error::Invalid input: fail-on "severe" is not one of info, low, medium, high, critical');
    expect(run.stdout).toContain('::error::Invalid input: max-comments "many"');
  });
});
