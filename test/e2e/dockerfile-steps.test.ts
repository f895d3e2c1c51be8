/**
 * The Dockerfile without a Docker engine (none on our machines): its
 * runtime stage is read and performed in a clean temporary directory:
 * ENV, WORKDIR, COPY (from the repository, or the build stage's output),
 * `npm ci --omit=dev`, USER, then its CMD is started and its HEALTHCHECK
 * command run. The server must start from production dependencies alone,
 * answer /healthz, log JSON lines to stdout, and on SIGTERM finish the
 * review it is running before it exits 0.
 *
 * The build stage (`npm ci` + `npm run build`) is performed as the same
 * compilation of tsconfig.build.json into the temporary directory, with the
 * checkout's dev dependencies. `npm cache clean --force` is left out: it
 * would empty the shared npm cache of this machine, and it only shrinks the
 * image.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { deliverWebhook, patchForAddedFile, signWebhookBody, startFakeGitHub, waitFor, type FakeGitHub } from '../support/fake-github/index.js';
import { findFreePort, REPO_ROOT } from './app-process.js';
import { adaptPullRequestPayload, loadPullRequestExample, type PullRequestTarget } from './pull-request-payload.js';

const run = promisify(execFile);

interface DockerInstruction {
  keyword: string;
  args: string;
}

/** The instructions of one stage of the Dockerfile, continuation lines joined, comments dropped. */
function readStage(dockerfile: string, stageName: string): DockerInstruction[] {
  const logical = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const instructions = logical.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
  const start = instructions.findIndex((entry) => entry.keyword === 'FROM' && new RegExp(`\\bAS\\s+${stageName}$`, 'i').test(entry.args));
  if (start < 0) throw new Error(`no stage "${stageName}" in the Dockerfile`);
  const end = instructions.findIndex((entry, index) => index > start && entry.keyword === 'FROM');
  return instructions.slice(start + 1, end < 0 ? undefined : end);
}

/** `KEY=value KEY2=value2` of an ENV instruction. */
function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((match) => [match[1]!, match[2]!.replace(/^"|"$/g, '')]));
}

/** The exec form `["node", "-e", "..."]` of CMD and HEALTHCHECK ... CMD. */
function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

const APP_ID = 424242;
const WEBHOOK_SECRET = 'docker-steps-secret';
const INSTALLATION_ID = 9001;
const OWNER = 'octo-org';
const REPO = 'billing-api';
const APP_FILE = [
  "import express from 'express';",
  'const app = express();',
  "app.delete('/invoices/:id', async (req, res) => { await db.invoice.delete({ where: { id: req.params.id } }); res.sendStatus(204); });",
  'app.listen(3000);',
  '',
].join('\n');

const target: PullRequestTarget = {
  owner: OWNER,
  repo: REPO,
  number: 7,
  headRef: 'delete-invoices',
  headSha: randomBytes(20).toString('hex'),
  baseRef: 'main',
  baseSha: randomBytes(20).toString('hex'),
  installationId: INSTALLATION_ID,
};

let workDir: string;
let appDir: string;
let fake: FakeGitHub;
let child: ChildProcess | undefined;
let output = '';
let exitCode: number | null | undefined;
let exited: Promise<void>;
let port: number;
let stage: DockerInstruction[];
let imageEnv: Record<string, string>;
const hostEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

beforeAll(async () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  stage = readStage(dockerfile, 'runtime');
  workDir = mkdtempSync(join(tmpdir(), 'asr-docker-steps-'));

  // Build stage: what `npm run build` produces, compiled into the build stage's /app.
  const buildDir = join(workDir, 'build');
  await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(buildDir, 'dist')], { cwd: REPO_ROOT });

  // Runtime stage, instruction by instruction.
  imageEnv = {};
  appDir = join(workDir, 'image');
  for (const { keyword, args } of stage) {
    if (keyword === 'ENV') Object.assign(imageEnv, parseEnv(args));
    else if (keyword === 'WORKDIR') {
      expect(args).toBe('/app');
      mkdirSync(appDir, { recursive: true });
    } else if (keyword === 'COPY') {
      const parts = args.split(/\s+/);
      const fromBuild = parts[0] === '--from=build';
      const paths = fromBuild ? parts.slice(1) : parts;
      const destination = paths.pop()!;
      for (const source of paths) {
        const from = fromBuild ? join(buildDir, source.replace(/^\/app\/?/, '')) : join(REPO_ROOT, source);
        const to = destination.endsWith('/') ? join(appDir, destination, source.split('/').pop()!) : join(appDir, destination);
        cpSync(from, to, { recursive: true });
      }
    } else if (keyword === 'RUN') {
      const install = args.split('&&').map((command) => command.trim()).find((command) => command.startsWith('npm ci'));
      expect(install, `RUN ${args}`).toMatch(/^npm ci --omit=dev\b/);
      // The machine's npm cache first (CI filled it with its own `npm ci`); the registry for anything missing.
      await run('npm', [...install!.split(/\s+/).slice(1), '--prefer-offline'], { cwd: appDir, env: { ...hostEnv, npm_config_update_notifier: 'false' }, timeout: 240_000 });
    }
  }

  fake = await startFakeGitHub({ appId: APP_ID });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# billing-api\n' } });
  fake.store.addPullRequest(`${OWNER}/${REPO}`, {
    number: target.number,
    head: { ref: target.headRef, sha: target.headSha },
    base: { ref: target.baseRef, sha: target.baseSha },
    files: [{ filename: 'src/app.ts', status: 'added', patch: patchForAddedFile(APP_FILE), content: APP_FILE }],
  });

  port = await findFreePort();
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const command = execForm([...stage].reverse().find((entry) => entry.keyword === 'CMD')!.args);
  expect(command[0]).toBe('node');
  child = spawn(process.execPath, command.slice(1), {
    cwd: appDir,
    env: {
      ...hostEnv,
      ...imageEnv,
      // Loopback only in tests; the image listens on 0.0.0.0.
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: 'http',
      REVIEW_STATE_DIR: join(workDir, 'state'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  exited = new Promise((resolve) => child!.once('exit', (code) => resolve(void (exitCode = code))));
}, 300_000);

afterAll(async () => {
  if (child !== undefined && exitCode === undefined) {
    child.kill('SIGKILL');
    await exited;
  }
  await fake?.close();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

function reportOnFailure(): void {
  onTestFailed(() => {
    const traffic = fake.requests.map((request) => `${request.method} ${request.path} -> ${request.status}${request.fault ? ' (fault)' : ''}`).join('\n');
    console.error(`--- fake GitHub requests ---\n${traffic}\n--- server output ---\n${output.slice(-20_000)}`);
  });
}

/** GET /healthz until it answers 200 (its JSON body), failing early if the server exits. */
async function pollHealthz(timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the server exited with ${String(exitCode)}:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.status === 200) return await response.json();
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  throw new Error(`GET /healthz did not answer 200 within ${timeoutMs} ms:\n${output}`);
}

/** The Dockerfile's HEALTHCHECK command, run as Docker would inside the container. */
async function runHealthcheck(): Promise<number> {
  const healthcheck = stage.find((entry) => entry.keyword === 'HEALTHCHECK')!;
  const [command, ...args] = execForm(healthcheck.args);
  expect(command).toBe('node');
  try {
    await run(process.execPath, args, { cwd: appDir, env: { ...hostEnv, ...imageEnv, PORT: String(port) }, timeout: 10_000 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? 1;
  }
}

describe('the Dockerfile, performed step by step', () => {
  it('installs production dependencies only and runs as a non-root user', () => {
    expect(stage.find((entry) => entry.keyword === 'USER')?.args).toBe('node');
    expect(existsSync(join(appDir, 'node_modules/probot/package.json'))).toBe(true);
    expect(existsSync(join(appDir, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(appDir, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(appDir, 'dist/src/server.js'))).toBe(true);
    expect(imageEnv.NODE_ENV).toBe('production');
  });

  it('starts: GET /healthz answers 200 and the HEALTHCHECK command succeeds', async () => {
    reportOnFailure();
    const healthy = await pollHealthz(60_000);
    expect(healthy).toEqual({ status: 'ok' });
    expect(await runHealthcheck()).toBe(0);
  }, 90_000);

  it('on SIGTERM finishes the review in flight, completes its check run, and exits 0', async () => {
    reportOnFailure();
    // The PR's file list answers slowly (a 502 after 1.5 s, then the retry succeeds): SIGTERM arrives mid-review.
    fake.fail({ method: 'GET', path: '/repos/{owner}/{repo}/pulls/{pull_number}/files' }, { status: 502, delayMs: 1_500 });
    const body = JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), target));
    const answer = await deliverWebhook({ url: `http://127.0.0.1:${port}/api/github/webhooks`, event: 'pull_request', body, signature: signWebhookBody(body, WEBHOOK_SECRET) });
    expect(answer.status, answer.text).toBeLessThan(300);
    await waitFor(() => fake.requestsTo('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files').length > 0 || undefined, { description: 'the review listing the PR files', timeoutMs: 30_000 });

    child!.kill('SIGTERM');
    await Promise.race([exited, delay(40_000)]);
    expect(exitCode).toBe(0);

    const runs = [...fake.store.checkRuns.values()].filter((checkRun) => checkRun.headSha === target.headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(runs[0]!.output.summary).toContain('DELETE /invoices/:id');

    // Logs: one JSON object per line on stdout (pino), including the shutdown.
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const parsed = lines.map((line) => JSON.parse(line) as { msg?: string; level?: number });
    expect(parsed.some((line) => line.msg?.includes('shutting down'))).toBe(true);
    expect(parsed.some((line) => line.msg?.includes('every accepted review finished'))).toBe(true);
    expect(output).not.toContain('BEGIN PRIVATE KEY');

    // Stopped: the health check now fails.
    expect(await runHealthcheck()).not.toBe(0);
  }, 60_000);
});
