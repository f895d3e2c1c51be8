/**
 * The review pipeline end to end, on loopback: the real app (Probot behind
 * its Node middleware on a local HTTP server, deliveries answered once
 * verified and handled after as the server does, the in-process queue, the
 * analysis pool and cache) against the fake GitHub API of
 * test/support/fake-github. Measures:
 *
 * - GitHub requests per review, counted at the fake GitHub, against the
 *   target of (API files fetched) + 6 for a PR whose files fit one page;
 * - the latency of a 20-file PR from the webhook delivery to the completed
 *   check run (p50/p99 over the runs), each run a new PR with new contents,
 *   so nothing comes from the cache; and the same head reviewed again;
 * - the webhook acknowledgement time while 20 such reviews are in flight,
 *   against the same deliveries with nothing in flight.
 *
 * Each figure with analysis in worker threads and in the event loop's own
 * thread, measured in the same run, the two taking turns. Probot's spacing of writes (one a
 * second per installation, GitHub's advice against secondary limits) is
 * turned off: it would add a second per write and measure nothing of ours.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Bottleneck from 'bottleneck';
import { pino } from 'pino';
import { Probot, createNodeMiddleware } from 'probot';
import { createApp } from '../src/index.js';
import { acknowledgeWebhooks } from '../src/lifecycle/acknowledge-webhooks.js';
import { createAppOctokit } from '../src/github/octokit-options.js';
import { InProcessReviewQueue } from '../src/queue/in-process-review-queue.js';
import { AnalysisCache } from '../src/review/analysis-cache.js';
import { AnalysisPool } from '../src/review/analysis-pool.js';
import { FileOpenCheckRunLedger } from '../src/review/open-check-run-ledger.js';
import { pullRequestPayload } from '../test/app/pull-request-fixtures.js';
import { deliverWebhook, patchForAddedFile, signWebhookBody, startFakeGitHub, type FakeGitHub, type RecordedRequest } from '../test/support/fake-github/index.js';
import { generateCorpus, type CorpusFile } from './corpus/generate.js';
import { summarize, type TimingSummary } from './stats.js';

const APP_ID = 4321;
const INSTALLATION_ID = 99;
const OWNER = 'bench-org';
const REPO = 'bench-api';
const FULL_NAME = `${OWNER}/${REPO}`;
const SECRET = 'pipeline-bench';
/** Files of the PR that are not API code: listed by GitHub, never fetched. */
const NON_SOURCE_FILES: Record<string, string> = {
  'README.md': '# bench-api\n\nThe API.\n',
  'docs/endpoints.md': '## Endpoints\n\n- GET /api/orders\n',
  'package.json': '{ "name": "bench-api", "private": true }\n',
  'src/styles/app.css': 'body { margin: 0; }\n',
};
/** Overhead allowed per review over the files fetched (the issue's target). */
export const REQUEST_OVERHEAD_TARGET = 6;

export interface PipelineOptions {
  /** Files per PR (API source files plus the non-source files above). */
  prFiles: number;
  /** Reviews timed end to end, one after another. */
  runs: number;
  /** Reviews of the same head again (every file from the cache). */
  cachedRuns: number;
  /** Reviews in flight while acknowledgements are timed. */
  inFlight: number;
  /** Acknowledgements timed with nothing in flight, and at most while the reviews run. */
  ackSamples: number;
}

export interface RequestCount {
  total: number;
  /** Contents requests for the PR's own files (head and base versions). */
  filesFetched: number;
  /**
   * Check-run updates that only append annotations: GitHub takes 50 per
   * request, so findings beyond the first 50 cost one request per 50, like
   * files cost one each. Not overhead.
   */
  annotationBatches: number;
  /** Everything else: the PR, its files, the configuration, check run, comments, review, context files. */
  overhead: number;
  /** Requests by `METHOD route`, for the review of the last timed run. */
  byRoute: Record<string, number>;
}

export interface PipelineVariant {
  label: string;
  threads: number;
  requests: RequestCount;
  e2e: TimingSummary & { runs: number };
  cachedE2e: TimingSummary & { runs: number };
  ackIdle: TimingSummary & { samples: number; maxMs: number };
  ackInFlight: TimingSummary & { samples: number; maxMs: number; reviews: number };
  /** How late the event loop ran timers while the reviews were in flight: what any delivery would wait at worst. */
  loopDelayInFlight: { p99Ms: number; maxMs: number };
}

export interface PipelineSection {
  prFiles: number;
  apiFiles: number;
  variants: PipelineVariant[];
}

interface Rig {
  fake: FakeGitHub;
  webhookUrl: string;
  pool: AnalysisPool | undefined;
  /** Resolves when no review is queued or running (a review goes on after its check run completes: thread housekeeping). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

let keys: { publicKey: string; privateKey: string } | undefined;

async function startRig(threads: number): Promise<Rig> {
  keys ??= generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const fake = await startFakeGitHub({ appId: APP_ID, appPublicKey: keys.publicKey });
  fake.store.addInstallation(INSTALLATION_ID, OWNER);
  fake.store.addRepository({ owner: OWNER, name: REPO, defaultBranch: 'main', files: { 'README.md': NON_SOURCE_FILES['README.md'] } });
  const probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKey,
    secret: SECRET,
    baseUrl: fake.apiUrl,
    // Production logging (JSON at info) is part of the cost; the lines go nowhere.
    log: process.env.BENCH_LOG ? pino({ level: 'debug' }) : pino({ level: 'info' }, new Writable({ write: (_chunk, _encoding, done) => done() })),
    Octokit: createAppOctokit({
      limiterGroups: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }) },
    }),
  });
  const pool = threads === 0 ? undefined : new AnalysisPool({ size: threads });
  const analysis = { pool, cache: new AnalysisCache(), close: async () => pool?.close() };
  const ledger = new FileOpenCheckRunLedger(join(mkdtempSync(join(tmpdir(), 'asr-pipeline-')), 'open-check-runs'));
  const queue = new InProcessReviewQueue();
  const middleware = await createNodeMiddleware(createApp({ queue, ledger, sweepIntervalMs: 0, analysis }), { probot });
  const server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  // As the server (start-server.ts): deliveries answered once verified, handled after.
  acknowledgeWebhooks(server, { path: '/api/github/webhooks', webhooks: probot.webhooks, log: probot.log });
  const port = await listen(server);
  return {
    fake,
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    pool,
    idle: () => queue.onIdle(),
    async close() {
      await queue.close();
      await analysis.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fake.close();
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

interface BenchPr {
  number: number;
  headSha: string;
  baseSha: string;
}

let nextPullNumber = 1;

/** A new PR adding `sources` (each with `salt` in a comment, so its blobs are new) and the non-source files. */
function addPullRequest(rig: Rig, sources: readonly CorpusFile[], salt: string): BenchPr {
  const pr = { number: nextPullNumber++, headSha: randomBytes(20).toString('hex'), baseSha: randomBytes(20).toString('hex') };
  const files = [
    ...sources.map((file) => ({ path: file.path, text: `// ${salt}\n${file.text}` })),
    ...Object.entries(NON_SOURCE_FILES).map(([path, text]) => ({ path, text })),
  ];
  rig.fake.store.addPullRequest(FULL_NAME, {
    number: pr.number,
    head: { ref: `feature-${pr.number}`, sha: pr.headSha },
    base: { ref: 'main', sha: pr.baseSha },
    files: files.map((file) => ({ filename: file.path, status: 'added', patch: patchForAddedFile(file.text), content: file.text })),
  });
  return pr;
}

function pullRequestDelivery(rig: Rig, pr: BenchPr, action: string) {
  const payload = pullRequestPayload(action, { owner: OWNER, repo: REPO, installationId: INSTALLATION_ID, ...pr });
  const body = JSON.stringify(payload);
  return { url: rig.webhookUrl, event: 'pull_request', body, signature: signWebhookBody(body, SECRET) };
}

async function deliver(rig: Rig, delivery: ReturnType<typeof pullRequestDelivery>): Promise<number> {
  const started = performance.now();
  const answer = await deliverWebhook(delivery);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`webhook answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
  return performance.now() - started;
}

function completedRuns(rig: Rig, headSha: string): number {
  let completed = 0;
  for (const run of rig.fake.store.checkRuns.values()) if (run.headSha === headSha && run.status === 'completed') completed++;
  return completed;
}

/** Resolves when `headSha` has `count` completed check runs; throws after `timeoutMs`. */
async function untilCompleted(rig: Rig, headSha: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (completedRuns(rig, headSha) < count) {
    if (Date.now() > deadline) throw new Error(`the review of ${headSha.slice(0, 7)} did not complete within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The route of a recorded request, with the PR number, shas and file paths folded. */
function routeOf(request: RecordedRequest): string {
  const path = request.path
    .replace(/\?.*$/, '')
    .replace(/\/contents\/.*$/, '/contents/{path}')
    .replace(/\/pulls\/\d+/, '/pulls/{n}')
    .replace(/\/issues\/\d+/, '/issues/{n}')
    .replace(/\/check-runs\/\d+/, '/check-runs/{id}')
    .replace(/\/git\/trees\/[^/]+$/, '/git/trees/{sha}')
    .replace(/\/installations\/\d+/, '/installations/{id}');
  return `${request.method} ${path}`;
}

function countRequests(requests: readonly RecordedRequest[], prPaths: ReadonlySet<string>): RequestCount {
  const byRoute: Record<string, number> = {};
  let filesFetched = 0;
  let annotationBatches = 0;
  for (const request of requests) {
    const route = routeOf(request);
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    const contents = /\/contents\/([^?]+)/.exec(request.path);
    if (contents !== null && prPaths.has(decodeURIComponent(contents[1]))) filesFetched++;
    if (isAnnotationBatch(request)) annotationBatches++;
  }
  return { total: requests.length, filesFetched, annotationBatches, overhead: requests.length - filesFetched - annotationBatches, byRoute };
}

/** A check-run update that neither completes nor changes the run: the 51st annotation onwards (completeCheckRun). */
function isAnnotationBatch(request: RecordedRequest): boolean {
  if (request.method !== 'PATCH' || !/\/check-runs\/\d+$/.test(request.path)) return false;
  const body = request.body as { status?: unknown; conclusion?: unknown; output?: { annotations?: unknown } } | null;
  return body?.status === undefined && body?.conclusion === undefined && Array.isArray(body?.output?.annotations) && body.output.annotations.length > 0;
}

/** One variant's rig and what was measured on it so far. */
interface Variant {
  label: string;
  rig: Rig;
  e2e: number[];
  requestCounts: RequestCount[];
  cached: number[];
  idle: number[];
  loaded: number[];
  loopDelayP99Ms: number[];
  loopDelayMaxMs: number[];
  last?: BenchPr;
}

/** A new PR reviewed from delivery to completed check run; returns the milliseconds and its requests. */
async function reviewNewPr(variant: Variant, sources: readonly CorpusFile[], salt: string, prPaths: ReadonlySet<string>): Promise<{ ms: number; requests: RequestCount }> {
  const { rig } = variant;
  const pr = addPullRequest(rig, sources, `${variant.label} ${salt}`);
  const since = rig.fake.requests.length;
  const started = performance.now();
  await deliver(rig, pullRequestDelivery(rig, pr, 'opened'));
  await untilCompleted(rig, pr.headSha, 1);
  const ms = performance.now() - started;
  await rig.idle();
  variant.last = pr;
  return { ms, requests: countRequests(rig.fake.requests.slice(since), prPaths) };
}

/** Acknowledgements of deliveries the app takes but does not review (a label added), so the in-flight count stays put. */
function ignoredDelivery(variant: Variant) {
  return pullRequestDelivery(variant.rig, variant.last!, 'labeled');
}

async function ackWhileReviewing(variant: Variant, sources: readonly CorpusFile[], options: PipelineOptions, round: number): Promise<void> {
  const { rig } = variant;
  const reviews = Array.from({ length: options.inFlight }, (_, i) => addPullRequest(rig, sources, `${variant.label} in flight ${round}.${i}`));
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  await Promise.all(reviews.map((pr) => deliver(rig, pullRequestDelivery(rig, pr, 'opened'))));
  const allDone = () => reviews.every((pr) => completedRuns(rig, pr.headSha) >= 1);
  let timed = 0;
  while (!allDone() && timed < options.ackSamples) {
    variant.loaded.push(await deliver(rig, ignoredDelivery(variant)));
    timed++;
  }
  await Promise.all(reviews.map((pr) => untilCompleted(rig, pr.headSha, 1, 120_000)));
  loopDelay.disable();
  await rig.idle();
  if (timed === 0) throw new Error('the reviews finished before any acknowledgement was timed');
  variant.loopDelayP99Ms.push(loopDelay.percentile(99) / 1e6);
  variant.loopDelayMaxMs.push(loopDelay.max / 1e6);
}

function resultOf(variant: Variant, options: PipelineOptions): PipelineVariant {
  const unexpected = variant.rig.fake.unexpected;
  if (unexpected.length > 0) throw new Error(`the app made requests the fake GitHub does not know: ${unexpected.slice(0, 3).map(routeOf).join(', ')}`);
  const median = [...variant.requestCounts].sort((a, b) => a.total - b.total)[Math.floor((variant.requestCounts.length - 1) / 2)];
  return {
    label: variant.label,
    threads: variant.rig.pool?.size ?? 0,
    requests: median,
    e2e: { ...summarize(variant.e2e), runs: variant.e2e.length },
    cachedE2e: { ...summarize(variant.cached), runs: variant.cached.length },
    ackIdle: { ...summarize(variant.idle), samples: variant.idle.length, maxMs: Math.max(...variant.idle) },
    ackInFlight: { ...summarize(variant.loaded), samples: variant.loaded.length, maxMs: Math.max(...variant.loaded), reviews: options.inFlight },
    loopDelayInFlight: { p99Ms: Math.max(...variant.loopDelayP99Ms), maxMs: Math.max(...variant.loopDelayMaxMs) },
  };
}

/**
 * Both variants' rigs stay up and take turns, run by run: other tenants of a
 * shared machine then slow both alike instead of whichever ran second.
 */
async function measureVariants(variants: readonly { label: string; threads: number }[], sources: readonly CorpusFile[], options: PipelineOptions): Promise<PipelineVariant[]> {
  const prPaths = new Set(sources.map((file) => file.path));
  const states: Variant[] = [];
  try {
    for (const { label, threads } of variants) {
      states.push({ label, rig: await startRig(threads), e2e: [], requestCounts: [], cached: [], idle: [], loaded: [], loopDelayP99Ms: [], loopDelayMaxMs: [] });
    }
    // Warm-up: the installation token, the workers' first parse (cold JIT), Probot's first dispatch.
    for (let i = 0; i < 3; i++) for (const state of states) await reviewNewPr(state, sources, `warm-up ${i}`, prPaths);
    for (let i = 0; i < options.runs; i++) {
      for (const state of states) {
        const { ms, requests } = await reviewNewPr(state, sources, `run ${i}`, prPaths);
        state.e2e.push(ms);
        state.requestCounts.push(requests);
      }
    }
    for (let i = 0; i < options.cachedRuns; i++) {
      for (const state of states) {
        const started = performance.now();
        await deliver(state.rig, pullRequestDelivery(state.rig, state.last!, 'reopened'));
        await untilCompleted(state.rig, state.last!.headSha, i + 2);
        state.cached.push(performance.now() - started);
        await state.rig.idle();
      }
    }
    const chunk = 20;
    for (let done = 0; done < options.ackSamples; done += chunk) {
      for (const state of states) for (let i = 0; i < chunk; i++) state.idle.push(await deliver(state.rig, ignoredDelivery(state)));
    }
    // Two rounds each, alternating, of 20 reviews in flight.
    for (let round = 0; round < 2; round++) for (const state of states) await ackWhileReviewing(state, sources, options, round);
    return states.map((state) => resultOf(state, options));
  } finally {
    for (const state of states) await state.rig.close();
  }
}

/** The PR's API files: a deterministic slice of the bench corpus, both frameworks. */
function prSources(count: number): CorpusFile[] {
  // Files of typical size: the corpus's middle by line count (its long tail would make every PR a worst case).
  const all = generateCorpus({ count: 200 });
  const byLines = [...all].sort((a, b) => a.lines - b.lines || a.path.localeCompare(b.path));
  const corpus = byLines.slice(Math.floor(byLines.length * 0.25), Math.ceil(byLines.length * 0.75));
  const express = corpus.filter((file) => file.framework === 'express');
  const next = corpus.filter((file) => file.framework === 'nextjs-app-router');
  const picked: CorpusFile[] = [];
  for (let i = 0; picked.length < count; i++) {
    const from = i % 2 === 0 ? express : next;
    const file = from[Math.floor(i / 2)];
    if (file === undefined) throw new Error('the corpus has too few files for the PR');
    picked.push(file);
  }
  return picked;
}

export async function measurePipeline(options: PipelineOptions, threads: number): Promise<PipelineSection> {
  const apiFiles = options.prFiles - Object.keys(NON_SOURCE_FILES).length;
  const sources = prSources(apiFiles);
  const variants = await measureVariants(
    [
      { label: 'worker threads', threads },
      { label: 'event-loop thread', threads: 0 },
    ],
    sources,
    options,
  );
  return { prFiles: options.prFiles, apiFiles, variants };
}

export function formatPipeline(section: PipelineSection): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const lines = [`Pipeline: a ${section.prFiles}-file PR (${section.apiFiles} API source files) on loopback against the fake GitHub`];
  for (const variant of section.variants) {
    const { requests } = variant;
    const within = requests.overhead <= REQUEST_OVERHEAD_TARGET ? 'within' : 'OVER';
    lines.push(
      `  ${variant.label}${variant.threads > 0 ? ` (${variant.threads})` : ''}:`,
      `    GitHub requests per review: ${requests.total} = ${requests.filesFetched} files fetched + ${requests.annotationBatches} annotation batches past the first 50 + ${requests.overhead} (${within} the target of files + ${REQUEST_OVERHEAD_TARGET})`,
      `    webhook -> completed check run: p50 ${ms(variant.e2e.p50Ms)}, p99 ${ms(variant.e2e.p99Ms)} over ${variant.e2e.runs} runs; same head again (cache): p50 ${ms(variant.cachedE2e.p50Ms)}, p99 ${ms(variant.cachedE2e.p99Ms)} over ${variant.cachedE2e.runs}`,
      `    webhook ack: idle p50 ${ms(variant.ackIdle.p50Ms)}, p99 ${ms(variant.ackIdle.p99Ms)}; with ${variant.ackInFlight.reviews} reviews in flight p50 ${ms(variant.ackInFlight.p50Ms)}, p99 ${ms(variant.ackInFlight.p99Ms)}, max ${ms(variant.ackInFlight.maxMs)} (${variant.ackInFlight.samples} deliveries; p99 ${(variant.ackInFlight.p99Ms / variant.ackIdle.p99Ms).toFixed(1)}x idle)`,
      `    event-loop delay while the ${variant.ackInFlight.reviews} reviews ran: p99 ${ms(variant.loopDelayInFlight.p99Ms)}, max ${ms(variant.loopDelayInFlight.maxMs)}`,
    );
  }
  const [workers, inThread] = section.variants;
  if (workers !== undefined && inThread !== undefined) {
    lines.push(
      `  worker threads vs event-loop thread: ack p99 under load ${(workers.ackInFlight.p99Ms / inThread.ackInFlight.p99Ms).toFixed(2)}x, event-loop delay max ${(workers.loopDelayInFlight.maxMs / inThread.loopDelayInFlight.maxMs).toFixed(2)}x, e2e p50 ${(workers.e2e.p50Ms / inThread.e2e.p50Ms).toFixed(2)}x`,
      `  requests of one review by route: ${Object.entries(workers.requests.byRoute)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([route, count]) => `${route} x${count}`)
        .join(', ')}`,
    );
  }
  return lines.join('\n');
}
