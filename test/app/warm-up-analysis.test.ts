/**
 * The server starts its analysis workers, and loads what a webhook's
 * acknowledgement needs, before it listens (src/server.ts), so that a burst
 * of webhooks after a deploy does not wait for them.
 */
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { Probot } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { warmUpAnalysis } from '../../src/lifecycle/warm-up-analysis.js';
import { warmUpWebhookPath } from '../../src/lifecycle/warm-up-webhook-path.js';
import { AnalysisPool } from '../../src/review/analysis-pool.js';

function recordingLog() {
  const lines: { level: 'info' | 'warn'; msg: string }[] = [];
  const line = (level: 'info' | 'warn') => (first: unknown, second?: unknown) => lines.push({ level, msg: String(typeof first === 'string' ? first : second) });
  return { lines, log: { info: line('info'), warn: line('warn') } as never };
}

let pool: AnalysisPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('warmUpAnalysis', () => {
  it('starts every worker of the pool and runs the TypeScript and Python samples in them', async () => {
    pool = new AnalysisPool({ size: 2 });
    const { lines, log } = recordingLog();

    await warmUpAnalysis({ pool, close: async () => {} }, log);

    expect(pool.stats).toMatchObject({ size: 2, inWorkers: 6, inThread: 0, crashed: 0 });
    expect(lines).toEqual([{ level: 'info', msg: 'analysis workers ready' }]);
  }, 120_000);

  it('without a pool (ANALYSIS_THREADS=0) there is nothing to start', async () => {
    const { lines, log } = recordingLog();

    await warmUpAnalysis({ close: async () => {} }, log);

    expect(lines).toEqual([]);
  });

  it('a pool that cannot analyse is reported, and the server still starts', async () => {
    pool = new AnalysisPool({ size: 1 });
    await pool.close();
    const { lines, log } = recordingLog();

    await expect(warmUpAnalysis({ pool, close: async () => {} }, log)).resolves.toBeUndefined();

    expect(lines).toEqual([{ level: 'warn', msg: '3 warm-up analyses failed; the workers start on the first review instead' }]);
  });
});

describe('warmUpWebhookPath', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

  it('signs and checks a webhook signature, signs an app JWT and runs fetch, all without a request', async () => {
    const { lines, log } = recordingLog();
    // Port 9 (discard) on loopback: any request to "GitHub" would fail, and the failure would be reported.
    const app = new Probot({ appId: 1, privateKey, secret: 'warm-up-secret', baseUrl: 'http://127.0.0.1:9', log: pino({ level: 'silent' }) });
    // As when the app function runs: Probot 14 sets up its webhooks asynchronously.
    await app.ready();

    await warmUpWebhookPath(app, log);

    expect(lines).toEqual([]);
  });

  it('an app that cannot sign (no private key) is reported, and the server still starts', async () => {
    const { lines, log } = recordingLog();
    const app = new Probot({ appId: 1, privateKey: 'not a key', secret: 'warm-up-secret', log: pino({ level: 'silent' }) });
    await app.ready();

    await expect(warmUpWebhookPath(app, log)).resolves.toBeUndefined();

    expect(lines).toEqual([{ level: 'warn', msg: 'warming up the webhook path failed; the first webhook loads what it needs' }]);
  });
});
