/**
 * Graceful shutdown and /healthz: the lifecycle with a real review queue and
 * a real HTTP server, so "stops taking jobs" and "finishes the running ones"
 * are observed, not assumed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, ProcessLifecycle, shutdownTimeoutFromEnv } from '../../src/lifecycle/app-lifecycle.js';
import { createHealthzHandler } from '../../src/lifecycle/healthz.js';
import { InProcessReviewQueue } from '../../src/queue/in-process-review-queue.js';
import type { ReviewJob } from '../../src/queue/review-queue.js';

function job(pullNumber: number): ReviewJob {
  return { installationId: 1, owner: 'octo-org', repo: 'shop-api', pullNumber, headSha: `${pullNumber}`.padStart(40, '0'), trigger: 'pull_request.opened' };
}

interface LogLine {
  level: string;
  message: string;
}

function recordingLog(lines: LogLine[]) {
  const record = (level: string) => (first: unknown, second?: unknown) => lines.push({ level, message: typeof first === 'string' ? first : String(second) });
  return { info: record('info'), warn: record('warn'), error: record('error') } as never;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.listening) await new Promise((resolve) => server.close(resolve));
});

async function serve(lifecycle: ProcessLifecycle): Promise<{ server: Server; url: string }> {
  const healthz = createHealthzHandler(lifecycle);
  const server = createServer((req, res) => {
    if (!healthz(req, res)) res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('shutdown', () => {
  it('finishes the running and queued reviews, refuses new ones, then reports drained', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 1 });
    const finished: number[] = [];
    queue.start(async (entry) => {
      await delay(80);
      finished.push(entry.pullNumber);
    });
    const lines: LogLine[] = [];
    const lifecycle = new ProcessLifecycle();
    lifecycle.attach(() => queue.close(), recordingLog(lines));
    queue.enqueue(job(1));
    queue.enqueue(job(2));

    let stopped = false;
    const shutdown = lifecycle.shutDown({ stop: async () => void (stopped = true) }, 5_000);
    expect(lifecycle.stopping).toBe(true);
    queue.enqueue(job(3));
    const outcome = await shutdown;

    expect(outcome.kind).toBe('drained');
    expect(stopped).toBe(true);
    expect(finished).toEqual([1, 2]);
    expect(lines.map((line) => line.level)).toEqual(['info', 'info']);
    expect(lines[1]?.message).toContain('every accepted review finished');
  });

  it('gives up after the bound when a review does not finish, and says so', async () => {
    const queue = new InProcessReviewQueue({ concurrency: 1 });
    queue.start(() => new Promise<void>(() => {}));
    queue.enqueue(job(1));
    const lines: LogLine[] = [];
    const lifecycle = new ProcessLifecycle();
    lifecycle.attach(() => queue.close(), recordingLog(lines));
    const started = Date.now();
    const outcome = await lifecycle.shutDown({ stop: async () => {} }, 100);
    expect(outcome.kind).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(lines.at(-1)).toEqual({ level: 'warn', message: expect.stringContaining('still running after 100 ms') });
  });

  it('a second signal joins the shutdown under way instead of starting another', async () => {
    const lifecycle = new ProcessLifecycle();
    let stops = 0;
    const server = { stop: async () => void stops++ };
    const first = lifecycle.shutDown(server, 1_000);
    const second = lifecycle.shutDown(server, 1_000);
    expect(second).toBe(first);
    await first;
    expect(stops).toBe(1);
  });

  it('reads SHUTDOWN_TIMEOUT_MS, and falls back to 25 s with the reason for a bad value', () => {
    expect(shutdownTimeoutFromEnv(undefined)).toEqual({ timeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS });
    expect(DEFAULT_SHUTDOWN_TIMEOUT_MS).toBe(25_000);
    expect(shutdownTimeoutFromEnv('5000')).toEqual({ timeoutMs: 5_000 });
    expect(shutdownTimeoutFromEnv('soon')).toEqual({ timeoutMs: 25_000, problem: expect.stringContaining('SHUTDOWN_TIMEOUT_MS="soon"') });
    expect(shutdownTimeoutFromEnv('-1').problem).toBeDefined();
  });
});

describe('GET /healthz', () => {
  it('answers 200 while serving and 503 once shutting down; other paths are not its business', async () => {
    const lifecycle = new ProcessLifecycle();
    const { url } = await serve(lifecycle);
    const ok = await fetch(`${url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/healthz?probe=1`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/healthzz`)).status).toBe(404);

    // Shutting down without closing this test server: the answer changes while connections remain.
    void lifecycle.shutDown(undefined, 1_000);
    const stopping = await fetch(`${url}/healthz`);
    expect(stopping.status).toBe(503);
    expect(await stopping.json()).toEqual({ status: 'stopping' });
  });
});
