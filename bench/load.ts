/**
 * `npm run load`: N pull requests at once through the real server
 * (`src/server.ts` in a child process, as `npm start` runs it) and the local
 * fake GitHub API, for N = 1, 10, 50 (or `--n 5,20`). Not a unit test: it
 * prints what it measured.
 *
 * Per N, a fresh server process:
 * - the N `pull_request.opened` deliveries are built and signed first, then sent
 *   at once, from a thread of their own that only times acknowledgements (this
 *   thread also plays GitHub for the reviews);
 * - while their reviews are in flight, a probe delivery (`pull_request.labeled`,
 *   acknowledged and ignored by the app) every 25 ms: the acknowledgement time
 *   a webhook sees while the server is busy reviewing, which GitHub caps at 10 s
 *   (target here: p99 under 50 ms with 50 reviews in flight);
 * - review latency: from the delivery to the completed check run;
 * - peak RSS of the server process (VmHWM from /proc, Linux);
 * - errors: non-2xx acknowledgements, reviews not completed or completed
 *   `neutral`, requests the fake refused or did not know.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { patchForAddedFile, signWebhookBody, startFakeGitHub, type FakeGitHub } from '../test/support/fake-github/index.js';
import { findFreePort } from '../test/e2e/app-process.js';
import { adaptPullRequestPayload, loadPullRequestExample, type PullRequestTarget } from '../test/e2e/pull-request-payload.js';
import { percentile } from './stats.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const APP_ID = 9001;
const INSTALLATION_ID = 900;
const OWNER = 'load-org';
const REPO = 'load-api';
const WEBHOOK_SECRET = 'load-secret';
const PROBE_INTERVAL_MS = 25;
const REVIEW_TIMEOUT_MS = 600_000;

/** Three route files per PR, about 60 lines each, with findings in every one. */
function routeFile(pr: number, file: number): string {
  const lines = ["import express from 'express';", 'const router = express.Router();'];
  for (let route = 0; route < 8; route++) {
    const path = `/pr${pr}/file${file}/items${route}/:id`;
    lines.push(
      `router.delete('${path}', async (req, res) => {`,
      '  const item = await db.item.findUnique({ where: { id: req.params.id } });',
      '  if (!item) return res.status(404).json({ error: "not found" });',
      '  await db.item.delete({ where: { id: req.params.id } });',
      '  res.json({ ok: true, item });',
      '});',
    );
  }
  lines.push('export default router;', '');
  return lines.join('\n');
}

interface RunResult {
  n: number;
  ackMs: number[];
  probeAckMs: number[];
  reviewMs: number[];
  /** The same burst sent by the same client to a server that only reads each body and answers 202: the client's own floor. */
  floorAckMs: number[];
  peakRssMb: number;
  errors: string[];
  wallMs: number;
}

interface ServerProcess {
  pid: number;
  baseUrl: string;
  output(): string;
  exitCode(): number | null | undefined;
  stop(): Promise<void>;
}

/** `--cpu-prof DIR`: the server writes a V8 CPU profile there on exit (where its main thread spent the run). */
const CPU_PROFILE_DIR = (() => {
  const index = process.argv.indexOf('--cpu-prof');
  return index === -1 ? undefined : process.argv[index + 1];
})();

function startServer(env: Record<string, string>, port: number): ServerProcess {
  const profile = CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));
  return {
    pid: child.pid ?? 0,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    exitCode: () => exitCode,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), delay(30_000).then(() => false)]))) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls Probot's `GET /ping` until the server answers. */
async function waitUntilListening(server: ServerProcess): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (server.exitCode() !== undefined) throw new Error(`the server exited with ${String(server.exitCode())}`);
    try {
      if ((await fetch(`${server.baseUrl}/ping`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  throw new Error('the server did not listen within 60 s');
}

/** Peak resident set size of a process so far, in MB (Linux `VmHWM`); NaN elsewhere. */
function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

type ClientMessage =
  | { kind: 'sent'; number: number; at: number }
  | { kind: 'ack'; number: number; ms: number; status: number }
  | { kind: 'probe'; ms: number; status: number };

/**
 * The clock that times acknowledgements runs in a thread of its own: this
 * thread also serves the fake GitHub (token signatures, file contents for
 * every review), and an acknowledgement read here would wait for that work,
 * which is not the app's. It sends the deliveries at once, then a probe every
 * `intervalMs` until told to stop. Plain JavaScript (evaluated), so that it
 * needs no TypeScript loader.
 */
function startTimingClient(data: { webhookUrl: string; deliveries: { number: number; body: string; signature: string }[]; probe: { body: string; signature: string }; intervalMs: number }): Worker {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { randomUUID } = require('node:crypto');
    const now = () => performance.timeOrigin + performance.now();
    let stopped = false;
    parentPort.on('message', (message) => { if (message === 'stop') stopped = true; });
    async function deliver(body, signature) {
      const response = await fetch(workerData.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/load', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
        body,
      });
      await response.text();
      return response.status;
    }
    (async () => {
      // Node loads its HTTP client (undici) on a thread's first fetch, some 40 ms: paid here, untimed, or the
      // first deliveries' acknowledgements would include the load generator's own start-up.
      await (await fetch(new URL('/ping', workerData.webhookUrl))).text();
      await Promise.all(workerData.deliveries.map(async ({ number, body, signature }) => {
        const sent = now();
        parentPort.postMessage({ kind: 'sent', number, at: sent });
        const status = await deliver(body, signature);
        parentPort.postMessage({ kind: 'ack', number, ms: now() - sent, status });
      }));
      while (!stopped) {
        const sent = now();
        const status = await deliver(workerData.probe.body, workerData.probe.signature);
        parentPort.postMessage({ kind: 'probe', ms: now() - sent, status });
        await new Promise((resolve) => setTimeout(resolve, workerData.intervalMs));
      }
      parentPort.close();
    })();
  `;
  return new Worker(source, { eval: true, workerData: data });
}

/**
 * The burst's baseline, measured in the same run: the same deliveries, from
 * the same kind of timing thread, to an HTTP server in this process that
 * reads each body and answers 202 and does nothing else. Fifty fetches opened
 * at once from one thread take tens of milliseconds on their own (new
 * connections, 50 bodies written by one event loop); the app's burst figure
 * is read against this floor.
 */
async function measureClientFloor(deliveries: { number: number; body: string; signature: string }[], probe: { body: string; signature: string }): Promise<number[]> {
  const floor = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.writeHead(202, { 'content-type': 'text/plain' }).end('accepted\n'));
  });
  await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
  const { port } = floor.address() as AddressInfo;
  const acks: number[] = [];
  const client = startTimingClient({ webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`, deliveries, probe, intervalMs: PROBE_INTERVAL_MS });
  const done = new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('exit', () => resolve());
  });
  client.on('message', (message: ClientMessage) => {
    if (message.kind !== 'ack') return;
    acks.push(message.ms);
    if (acks.length === deliveries.length) client.postMessage('stop');
  });
  await done;
  await new Promise<void>((resolve) => floor.close(() => resolve()));
  return acks;
}

async function runLoad(n: number, keys: { privateKey: string; publicKey: string }): Promise<RunResult> {
  const fake: FakeGitHub = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': '# load\n' } });
  const targets: PullRequestTarget[] = [];
  for (let pr = 1; pr <= n; pr++) {
    const target: PullRequestTarget = { owner: OWNER, repo: REPO, number: pr, headRef: `load-${pr}`, headSha: randomBytes(20).toString('hex'), baseRef: 'main', baseSha: randomBytes(20).toString('hex'), installationId: INSTALLATION_ID };
    const files = [0, 1, 2].map((file) => {
      const content = routeFile(pr, file);
      return { filename: `src/routes/pr${pr}-${file}.ts`, status: 'added' as const, patch: patchForAddedFile(content), content };
    });
    fake.store.addPullRequest(`${OWNER}/${REPO}`, { number: pr, head: { ref: target.headRef, sha: target.headSha }, base: { ref: 'main', sha: target.baseSha }, files });
    targets.push(target);
  }

  const server = startServer(
    {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      REVIEW_STATE_DIR: mkdtempSync(join(tmpdir(), 'asr-load-state-')),
      // The budgets are about GitHub's patience, not this machine's: a queue of 50 on 2 shared cores must not time out here.
      REVIEW_BUDGET_MS: String(REVIEW_TIMEOUT_MS),
      REVIEW_FILE_BUDGET_MS: '60000',
    },
    await findFreePort(),
  );
  const webhookUrl = `${server.baseUrl}/api/github/webhooks`;
  const errors: string[] = [];
  let floorAckMs: number[] = [];
  try {
    await waitUntilListening(server);
    const sentAt = new Map<number, number>();
    const completedAt = new Map<number, number>();
    const started = now();
    const ackMs: number[] = [];
    const probeAckMs: number[] = [];

    // Every body is built and signed before the first is sent: the example file is 4 MB of JSON (~100 ms to
    // parse), and building the 50th body while the 1st is in flight held the clock's event loop (an earlier
    // version measured its own 5 s that way).
    const example = loadPullRequestExample('opened');
    const deliveries = targets.map((target) => {
      const body = JSON.stringify(adaptPullRequestPayload(example, target));
      return { number: target.number, body, signature: signWebhookBody(body, WEBHOOK_SECRET) };
    });
    const probeBody = JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('labeled'), targets[0]!));
    const probe = { body: probeBody, signature: signWebhookBody(probeBody, WEBHOOK_SECRET) };
    floorAckMs = await measureClientFloor(deliveries, probe);
    const client = startTimingClient({ webhookUrl, deliveries, probe, intervalMs: PROBE_INTERVAL_MS });
    client.on('message', (message: ClientMessage) => {
      if (message.kind === 'sent') sentAt.set(message.number, message.at);
      else if (message.kind === 'ack') ackMs.push(message.ms);
      else if (message.kind === 'probe' && completedAt.size < n) probeAckMs.push(message.ms);
      if ((message.kind === 'ack' || message.kind === 'probe') && (message.status < 200 || message.status >= 300)) errors.push(`${message.kind}: webhook answered ${message.status}`);
    });
    const clientDone = new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.once('exit', () => resolve());
    });

    // Completion polling while the reviews run; the client thread probes meanwhile.
    const deadline = performance.now() + REVIEW_TIMEOUT_MS;
    while (completedAt.size < n && performance.now() < deadline) {
      for (const run of fake.store.checkRuns.values()) {
        const target = targets.find((candidate) => candidate.headSha === run.headSha);
        if (target !== undefined && run.status === 'completed' && !completedAt.has(target.number)) {
          completedAt.set(target.number, now());
          if (run.conclusion !== 'failure') errors.push(`PR #${target.number}: check run ${run.conclusion}: ${run.output.title ?? ''}`);
        }
      }
      await delay(PROBE_INTERVAL_MS);
    }
    client.postMessage('stop');
    await clientDone;
    const wallMs = now() - started;
    for (const target of targets) if (!completedAt.has(target.number)) errors.push(`PR #${target.number}: no completed check run`);
    const refused = fake.requests.filter((request) => request.unexpected || request.status >= 500 || (request.status >= 400 && request.status !== 404));
    for (const request of refused.slice(0, 5)) errors.push(`fake GitHub: ${request.method} ${request.path} -> ${request.status}`);
    if (refused.length > 5) errors.push(`fake GitHub: ${refused.length - 5} more refused requests`);
    const reviewMs = targets.filter((target) => completedAt.has(target.number)).map((target) => completedAt.get(target.number)! - sentAt.get(target.number)!);
    return { n, ackMs, probeAckMs, reviewMs, floorAckMs, peakRssMb: peakRssMb(server.pid), errors, wallMs };
  } catch (error) {
    errors.push(`${error instanceof Error ? error.message : String(error)}\n${server.output().slice(-3000)}`);
    return { n, ackMs: [], probeAckMs: [], reviewMs: [], floorAckMs, peakRssMb: peakRssMb(server.pid), errors, wallMs: Number.NaN };
  } finally {
    await server.stop();
    await fake.close();
  }
}

function format(ms: number): string {
  return Number.isNaN(ms) ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function parseCounts(argv: readonly string[]): number[] {
  const index = argv.indexOf('--n');
  if (index === -1) return [1, 10, 50];
  return (argv[index + 1] ?? '').split(',').map(Number).filter((count) => Number.isInteger(count) && count > 0);
}

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const results: RunResult[] = [];
for (const n of parseCounts(process.argv)) {
  process.stderr.write(`load: ${n} concurrent pull requests...\n`);
  results.push(await runLoad(n, keys));
}

console.log('| N | webhook ack p50 / p99 (the N deliveries) | the same burst to a server that only answers (client floor) | ack p50 / p99 while reviews run (probes) | review p50 / p99 | all done | peak RSS | errors |');
console.log('|---|---|---|---|---|---|---|---|');
for (const result of results) {
  console.log(
    `| ${result.n} | ${format(percentile(result.ackMs, 50))} / ${format(percentile(result.ackMs, 99))} | ${format(percentile(result.floorAckMs, 50))} / ${format(percentile(result.floorAckMs, 99))} | ${format(percentile(result.probeAckMs, 50))} / ${format(percentile(result.probeAckMs, 99))} (${result.probeAckMs.length}) | ${format(percentile(result.reviewMs, 50))} / ${format(percentile(result.reviewMs, 99))} | ${format(result.wallMs)} | ${result.peakRssMb.toFixed(0)} MB | ${result.errors.length} |`,
  );
}
for (const result of results) for (const error of result.errors) console.log(`N=${result.n}: ${error}`);
const fifty = results.find((result) => result.n === 50);
if (fifty !== undefined) {
  const p99 = Math.max(percentile(fifty.probeAckMs, 99), percentile(fifty.ackMs, 99));
  console.log(`\nTarget: ack p99 under 50 ms with 50 reviews in flight: ${p99 < 50 ? 'met' : 'NOT met'} (${format(p99)}).`);
  // Not subtracted (percentiles do not subtract): shown beside it, so that a burst figure near the floor reads as the client's.
  console.log(`The burst of 50 from one client thread to a server that only answers: p99 ${format(percentile(fifty.floorAckMs, 99))}.`);
}
process.exitCode = results.some((result) => result.errors.length > 0) ? 1 : 0;
