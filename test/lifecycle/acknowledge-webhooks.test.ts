/**
 * acknowledge-webhooks.ts on a real HTTP server, with @octokit/webhooks' own
 * signing and verification (Probot's `app.webhooks`), reading bodies through
 * webhook-body-limit.ts as start-server.ts installs it.
 */
import { createServer, request, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgeWebhooks } from '../../src/lifecycle/acknowledge-webhooks.js';

const SECRET = 'acknowledge-test';
const PATH = '/api/github/webhooks';

interface Harness {
  url: string;
  webhooks: Webhooks;
  /** What reached the server's own listener (Probot's, in the app). */
  passedOn: string[];
  errors: string[];
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(limits: { maxBytes?: number; maxHandlerDelayMs?: number } = {}): Promise<Harness> {
  const webhooks = new Webhooks({ secret: SECRET });
  const passedOn: string[] = [];
  const errors: string[] = [];
  server = createServer((req, res) => {
    passedOn.push(`${req.method} ${req.url}`);
    res.writeHead(200).end('probot\n');
  });
  const log = { debug: () => undefined, error: (_: unknown, message: string) => void errors.push(message) };
  acknowledgeWebhooks(server, { path: PATH, webhooks, log, ...limits });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, webhooks, passedOn, errors };
}

async function deliver(harness: Harness, body: string, headers: Record<string, string | undefined> = {}) {
  const all: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': 'ping',
    'x-github-delivery': 'delivery-1',
    'x-hub-signature-256': await harness.webhooks.sign(body),
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete all[name];
    else all[name] = value;
  }
  const response = await fetch(`${harness.url}${PATH}`, { method: 'POST', headers: all, body });
  return { status: response.status, text: await response.text() };
}

/** A delivery whose body is sent in part: `first` now, the rest when the test ends the request. Resolves once the server has it. */
async function openDelivery(harness: Harness, first: string): Promise<ClientRequest> {
  const arrived = new Promise((resolve) => server!.once('request', resolve));
  const { hostname, port } = new URL(harness.url);
  const slow = request({
    host: hostname,
    port,
    path: PATH,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'slow', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
  });
  slow.write(first);
  await arrived;
  return slow;
}

const PING = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });

describe('webhook deliveries are answered once verified, handled after', () => {
  it('answers 202 without waiting for the handler, which then runs with the parsed payload', async () => {
    const harness = await start();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let received: unknown;
    let finished = false;
    harness.webhooks.on('ping', async ({ id, payload }) => {
      received = { id, payload };
      // Held until the test has its answer: an answer that waited for the handler would never come.
      await gate;
      finished = true;
    });
    const answer = await deliver(harness, PING);
    expect(answer).toEqual({ status: 202, text: 'accepted\n' });
    expect(finished).toBe(false);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(true);
    expect(received).toEqual({ id: 'delivery-1', payload: JSON.parse(PING) });
    expect(harness.passedOn).toEqual([]);
  });

  it('a handler that fails is logged; the delivery was already answered 202', async () => {
    const harness = await start();
    harness.webhooks.on('ping', async () => {
      throw new Error('queue unavailable');
    });
    expect((await deliver(harness, PING)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.errors).toEqual(['a webhook handler failed']);
  });

  it('refuses a forged signature, a valid one on a modified body, missing headers and a body that is not JSON, running no handler', async () => {
    const harness = await start();
    let ran = 0;
    harness.webhooks.onAny(() => void ran++);
    const forged = await deliver(harness, PING, { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) });
    const replayed = await deliver(harness, PING.replace('failure', 'success'), { 'x-hub-signature-256': await harness.webhooks.sign(PING) });
    const malformed = await deliver(harness, PING, { 'x-hub-signature-256': 'sha1=abc' });
    const unsigned = await deliver(harness, PING, { 'x-hub-signature-256': undefined });
    const notJson = await deliver(harness, 'zen=1');
    for (const answer of [forged, replayed, malformed]) {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error).toContain('signature does not match');
    }
    expect(unsigned.status).toBe(400);
    expect(JSON.parse(unsigned.text).error).toBe('Required headers missing: x-hub-signature-256');
    expect(notJson.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toBe(0);
  });

  it('handles every delivery of a burst exactly once', async () => {
    const harness = await start();
    const handled: string[] = [];
    harness.webhooks.on('ping', ({ id }) => void handled.push(id));
    const ids = Array.from({ length: 20 }, (_, index) => `delivery-${index}`);
    const answers = await Promise.all(ids.map((id) => deliver(harness, PING, { 'x-github-delivery': id })));
    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 202));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...handled].sort()).toEqual([...ids].sort());
  });

  it("refuses a body over the limit with 413 before reading it, declared or not, and takes the next delivery", async () => {
    const harness = await start({ maxBytes: 1024 });
    let ran = 0;
    harness.webhooks.onAny(() => void ran++);
    const large = JSON.stringify({ zen: 'x'.repeat(2048) });
    const declared = await deliver(harness, large);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).error).toBe('Payload too large: webhook bodies are at most 1024 bytes');
    // A streamed body has no content-length: it is counted as it arrives.
    const streamed = await fetch(`${harness.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'delivery-2', 'x-hub-signature-256': await harness.webhooks.sign(large) },
      body: new Blob([large]).stream(),
      duplex: 'half',
    } as RequestInit).then(
      (response) => response.status,
      () => 'reset',
    );
    // The server answers 413 and closes; a client still writing may see the reset instead.
    expect([413, 'reset']).toContain(streamed);
    expect((await deliver(harness, PING)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toBe(1);
    expect(harness.passedOn).toEqual([]);
  });

  it('runs no handler while another delivery is still being read; runs it once that one is answered', async () => {
    const harness = await start({ maxHandlerDelayMs: 60_000 });
    const handled = new Promise<string>((resolve) => harness.webhooks.on('ping', ({ id }) => resolve(id)));
    let ran = false;
    void handled.then(() => (ran = true));
    const slow = await openDelivery(harness, 'half of a body');
    expect((await deliver(harness, PING)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran).toBe(false);
    // The rest of the slow body: answered 400 (not signed for it), and the waiting handler runs.
    const slowStatus = new Promise<number>((resolve) => slow.once('response', (response) => resolve(response.statusCode ?? 0)));
    slow.end(' and the rest');
    expect(await slowStatus).toBe(400);
    expect(await handled).toBe('delivery-1');
  });

  it('a delivery that is never finished holds the handlers back at most maxHandlerDelayMs', async () => {
    const harness = await start({ maxHandlerDelayMs: 20 });
    const handled = new Promise<string>((resolve) => harness.webhooks.on('ping', ({ id }) => resolve(id)));
    const slow = await openDelivery(harness, 'half of a body');
    slow.on('error', () => undefined);
    expect((await deliver(harness, PING)).status).toBe(202);
    expect(await handled).toBe('delivery-1');
    slow.destroy();
  });

  it('other paths and methods go to the server as before', async () => {
    const harness = await start();
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${harness.url}${PATH}`)).status).toBe(200);
    expect(harness.passedOn).toEqual(['GET /healthz', `GET ${PATH}`]);
  });
});
