/**
 * Webhook deliveries are answered as soon as their signature is checked, and
 * handled after the answer is written. GitHub asks for exactly this ("respond
 * within 10 seconds ... process the payload asynchronously"), and a burst
 * shows why: Probot's own middleware answers only after every handler ran,
 * and before the handlers it builds an authenticated Octokit for the event.
 * That work is small (2-3 ms) but serial on the event loop, so in a burst
 * each answer waited for the handlers of the deliveries before it.
 *
 * What an answer still promises: the delivery was GitHub's (the HMAC over
 * the exact body), complete (the three headers) and JSON. What it no longer
 * carries: a handler's failure as a 500. Handlers here only enqueue a review
 * whose outcome is the check run, so that failure is logged instead; GitHub
 * does not redeliver on a 500 either.
 *
 * Installed like webhook-body-limit.ts, in front of the server's `request`
 * listeners; that one reads the bounded body first and hands it on as
 * `req.body`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pathOf } from './webhook-body-limit.js';

/** The part of Probot's `app.webhooks` this needs. */
export interface WebhookReceiver {
  verify(payload: string, signature: string): Promise<boolean>;
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The two log calls made here (pino's logger in the app). */
export interface AcknowledgeLog {
  debug(details: object, message: string): void;
  error(details: object, message: string): void;
}

const REQUIRED_HEADERS = ['x-github-event', 'x-hub-signature-256', 'x-github-delivery'] as const;

export function acknowledgeWebhooks(server: Server, options: { path: string; webhooks: () => WebhookReceiver | undefined; log: AcknowledgeLog }): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const webhooks = options.webhooks();
    const body = (req as IncomingMessage & { body?: unknown }).body;
    if (req.method !== 'POST' || pathOf(req) !== options.path || webhooks === undefined || typeof body !== 'string') {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    void acknowledge(req, res, body, webhooks, options.log);
  });
}

async function acknowledge(req: IncomingMessage, res: ServerResponse, body: string, webhooks: WebhookReceiver, log: AcknowledgeLog): Promise<void> {
  const missing = REQUIRED_HEADERS.filter((header) => typeof req.headers[header] !== 'string');
  if (missing.length > 0) return refuse(res, `Required headers missing: ${missing.join(', ')}`);
  const name = req.headers['x-github-event'] as string;
  const id = req.headers['x-github-delivery'] as string;
  let verified: boolean;
  try {
    verified = await webhooks.verify(body, req.headers['x-hub-signature-256'] as string);
  } catch {
    verified = false;
  }
  // The same words as @octokit/webhooks, which Probot's middleware answered with before.
  if (!verified) return refuse(res, '[@octokit/webhooks] signature does not match event payload and secret');
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return refuse(res, 'the body is not JSON');
  }
  res.writeHead(202, { 'content-type': 'text/plain' }).end('accepted\n');
  log.debug({ id, name }, 'webhook accepted');
  // After the answer is on its way: the handlers' work is never in front of this delivery's answer.
  setImmediate(() => {
    webhooks.receive({ id, name, payload }).catch((error: unknown) => log.error({ err: error, id, name }, 'a webhook handler failed'));
  });
}

function refuse(res: ServerResponse, message: string): void {
  res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
}
