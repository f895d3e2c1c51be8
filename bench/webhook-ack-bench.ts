/**
 * Webhook acknowledgement time: GitHub gives a webhook 10 s, and the app
 * must answer long before that, so the handler only enqueues. Measured over
 * real HTTP: a Probot instance behind `createNodeMiddleware` on a local
 * server with the server's acknowledgement in front (acknowledge-webhooks.ts:
 * answered once verified, handled after), sent signed `pull_request.opened`
 * deliveries one after another.
 */
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Probot, createNodeMiddleware, type ApplicationFunction } from 'probot';
import { acknowledgeWebhooks } from '../src/lifecycle/acknowledge-webhooks.js';
import type { ReviewJob, ReviewQueue, ReviewWorker } from '../src/queue/review-queue.js';
import { summarize, type TimingSummary } from './stats.js';

const WEBHOOK_SECRET = 'bench';
const WEBHOOK_PATH = '/api/github/webhooks';

export interface AckBenchOptions {
  requests: number;
  warmupRequests: number;
}

export interface AckBenchResult extends TimingSummary {
  requests: number;
  maxMs: number;
  /** Jobs the app handed to the queue during the timed deliveries: one each when the handler enqueues. */
  jobsEnqueued: number;
}

/**
 * A queue that only records what it is given and never runs its worker, so
 * the bench times the acknowledgement path alone (no GitHub calls).
 */
export class RecordingQueue implements ReviewQueue {
  readonly jobs: ReviewJob[] = [];
  worker: ReviewWorker | undefined;

  start(worker: ReviewWorker): void {
    this.worker = worker;
  }

  enqueue(job: ReviewJob): void {
    this.jobs.push(job);
  }

  async onIdle(): Promise<void> {}

  async close(): Promise<void> {}
}

interface Delivery {
  id: string;
  body: string;
  signature: string;
}

/** A GitHub-shaped `pull_request.opened` payload (from @octokit/webhooks-examples), with an installation. */
function pullRequestOpenedPayload(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const definitions = require('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const examples = definitions.find((definition) => definition.name === 'pull_request')?.examples ?? [];
  const opened = examples.find((example) => example.action === 'opened' && example.installation !== undefined);
  if (opened === undefined) throw new Error('@octokit/webhooks-examples has no pull_request.opened example with an installation');
  return opened;
}

/** Distinct head shas per delivery, so no layer can treat them as repeats; signed before timing starts. */
function prepareDeliveries(count: number): Delivery[] {
  const template = pullRequestOpenedPayload();
  const deliveries: Delivery[] = [];
  for (let i = 0; i < count; i++) {
    const payload = structuredClone(template) as { pull_request: { head: { sha: string } } };
    payload.pull_request.head.sha = createHash('sha1').update(`bench-${i}`).digest('hex');
    const body = JSON.stringify(payload);
    deliveries.push({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      body,
      signature: `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
    });
  }
  return deliveries;
}

function send(port: number, agent: Agent, delivery: Delivery): Promise<{ status: number; elapsedMs: number; body: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: WEBHOOK_PATH,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(delivery.body),
          'x-github-event': 'pull_request',
          'x-github-delivery': delivery.id,
          'x-hub-signature-256': delivery.signature,
          'user-agent': 'GitHub-Hookshot/bench',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, elapsedMs: performance.now() - start, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(delivery.body);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** A throwaway RSA key: Probot requires one, and no token is minted on the acknowledgement path. */
function generatePrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  }).privateKey;
}

function discardingStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

let privateKey: string | undefined;

/**
 * Times `options.requests` signed deliveries to the app built by `appFn`
 * after `options.warmupRequests` untimed ones. Throws when a delivery is not
 * answered with 2xx: a rejected webhook has no acknowledgement time.
 */
export async function measureWebhookAck(appFn: ApplicationFunction, queue: RecordingQueue, options: AckBenchOptions): Promise<AckBenchResult> {
  privateKey ??= generatePrivateKey();
  // Production logging (JSON at info) is part of the real acknowledgement cost; the lines go nowhere.
  const probot = new Probot({ appId: 1, privateKey, secret: WEBHOOK_SECRET, log: pino({ level: 'info' }, discardingStream()) });
  const middleware = await createNodeMiddleware(appFn, { probot });
  const server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  // As the server (start-server.ts): deliveries answered once verified, handled after.
  acknowledgeWebhooks(server, { path: WEBHOOK_PATH, webhooks: probot.webhooks, log: probot.log });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const port = await listen(server);
    const deliveries = prepareDeliveries(options.warmupRequests + options.requests);
    const samples: number[] = [];
    let jobsBeforeTimed = 0;
    for (const [i, delivery] of deliveries.entries()) {
      if (i === options.warmupRequests) jobsBeforeTimed = queue.jobs.length;
      const response = await send(port, agent, delivery);
      if (response.status < 200 || response.status >= 300) {
        throw new Error(`delivery ${delivery.id} got HTTP ${response.status}: ${response.body.slice(0, 200)}`);
      }
      if (i >= options.warmupRequests) samples.push(response.elapsedMs);
    }
    // The handlers run after the answers: give the last ones their turn (one job per delivery) before counting.
    const deadline = performance.now() + 5_000;
    while (queue.jobs.length < deliveries.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    return { ...summarize(samples), requests: samples.length, maxMs: Math.max(...samples), jobsEnqueued: queue.jobs.length - jobsBeforeTimed };
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
