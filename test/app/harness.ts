/**
 * The app-test recipe (Probot's docs/testing.md): a real Probot with a
 * generated key, retry and throttling off, logs captured in memory, and the
 * app loaded with a queue the test can await.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import nock from 'nock';
import pino from 'pino';
import { Probot, ProbotOctokit } from 'probot';
import type { Check } from '../../checks/create-check.js';
import { createApp } from '../../src/index.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import { FileOpenCheckRunLedger } from '../../src/review/open-check-run-ledger.js';
import type { ReviewJob, ReviewQueue } from '../../src/queue/review-queue.js';

export const APP_ID = 123;
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});

export interface TestApp {
  probot: Probot;
  queue: InProcessReviewQueue;
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[];
  /** Delivers a webhook and waits for the reviews it caused. */
  receive(name: string, payload: unknown, id?: string): Promise<void>;
}

export async function createTestApp(options: { checks?: readonly Check[]; timeoutMs?: number } = {}): Promise<TestApp> {
  const queue = new InProcessReviewQueue({ concurrency: 2 });
  const { probot, logs } = await loadApp(queue, options);
  return {
    probot,
    queue,
    logs,
    async receive(name, payload, id = 'delivery-1') {
      await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
      await queue.onIdle();
    },
  };
}

/** A queue that only records: for tests of what the handlers enqueue, without running reviews. */
export class RecordingQueue implements ReviewQueue {
  readonly jobs: ReviewJob[] = [];
  start(): void {}
  enqueue(job: ReviewJob): void {
    this.jobs.push(job);
  }
  async onIdle(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface RecordingApp {
  probot: Probot;
  jobs: ReviewJob[];
  logs: Record<string, unknown>[];
  receive(name: string, payload: unknown, id?: string): Promise<void>;
}

export async function createRecordingApp(): Promise<RecordingApp> {
  const queue = new RecordingQueue();
  const { probot, logs } = await loadApp(queue, {});
  return {
    probot,
    jobs: queue.jobs,
    logs,
    async receive(name, payload, id = 'delivery-1') {
      await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
    },
  };
}

async function loadApp(queue: ReviewQueue, options: { checks?: readonly Check[]; timeoutMs?: number }): Promise<{ probot: Probot; logs: Record<string, unknown>[] }> {
  const { logs, log } = captureLogs();
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    log,
    // The function form on purpose: Probot 14 passes its own `throttle` options to every Octokit it
    // builds, which replace an object default's `throttle: { enabled: false }` (writes would then
    // wait a second each). A function sees the final options and switches both plugins off.
    Octokit: ProbotOctokit.defaults((options: Record<string, any>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...options.throttle, enabled: false },
    })),
  });
  // A ledger of its own, so no test's sweep finds another test's check runs.
  const ledger = new FileOpenCheckRunLedger(join(mkdtempSync(join(tmpdir(), 'asr-ledger-')), 'open-check-runs'));
  await probot.load(createApp({ queue, ledger, sweepIntervalMs: 0, ...options }));
  return { probot, logs };
}

/** A debug-level pino logger whose lines are kept, parsed, in `logs`: tests read what the app logged. */
export function captureLogs(): { logs: Record<string, unknown>[]; log: pino.Logger } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logs, log: pino({ level: 'debug' }, sink) };
}

/** A payload from test/fixtures/<event>/<action>.json, copied so that a test may change it. */
export function loadFixture<T = Record<string, any>>(event: string, action: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${event}/${action}.json`, import.meta.url), 'utf8')) as T;
}

/**
 * Requests nock refused (nothing mocked them). A handler that swallows the
 * error (a failed permission lookup counts as "no") would otherwise hide
 * a call it should never have made; every app test checks this list is empty.
 */
export function trackUnmatchedRequests(): { requests: string[]; stop(): void } {
  const requests: string[] = [];
  const listener = (request: { method?: string; path?: string; href?: string }) => {
    requests.push(`${request.method ?? ''} ${request.href ?? request.path ?? ''}`);
  };
  nock.emitter.on('no match', listener);
  return { requests, stop: () => nock.emitter.removeListener('no match', listener) };
}
