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
 * The body is read, within GitHub's 25 MB, by webhook-body-limit.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { interceptWebhookBodies } from './webhook-body-limit.js';

/** The part of Probot's `app.webhooks` this needs. */
export interface WebhookReceiver {
  verify(payload: string, signature: string): Promise<boolean>;
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
}

/** The two log calls made here (pino's logger in the app). */
export interface AcknowledgeLog {
  debug(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface AcknowledgeOptions {
  path: string;
  webhooks: WebhookReceiver;
  log: AcknowledgeLog;
  /** GitHub's 25 MB when absent. */
  maxBytes?: number;
  /** The longest an answered delivery's handler waits for the deliveries still being read or answered; 250 ms when absent. */
  maxHandlerDelayMs?: number;
}

/**
 * Bounds how long a delivery that is read slowly (or never finished: anyone
 * may open a request to the webhook path) holds the handlers back.
 */
export const MAX_HANDLER_DELAY_MS = 250;

const REQUIRED_HEADERS = ['x-github-event', 'x-hub-signature-256', 'x-github-delivery'] as const;

export function acknowledgeWebhooks(server: Server, options: AcknowledgeOptions): void {
  const { webhooks, log } = options;
  const maxDelayMs = options.maxHandlerDelayMs ?? MAX_HANDLER_DELAY_MS;
  // Answers come before handlers. A handler waits while any delivery is still being read or answered (at most
  // maxDelayMs), and then they run one per turn of the event loop, so that a delivery arriving in between is
  // read and answered before the next one. In a burst, every handler, and the reviews they start, would
  // otherwise take the event loop between the burst's answers. Measured on 50 simultaneous deliveries
  // (bench/load.ts): the same CPU time, answered sooner.
  const waiting: { handle: () => void; answeredAt: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let immediate = false;
  const wake = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (immediate) return;
    immediate = true;
    setImmediate(handleNext);
  };
  const handleNext = (): void => {
    immediate = false;
    const next = waiting[0];
    if (next === undefined) return;
    const waitedMs = performance.now() - next.answeredAt;
    if (intake.inProgress() > 0 && waitedMs < maxDelayMs) {
      // onSettled wakes this sooner.
      timer ??= setTimeout(wake, maxDelayMs - waitedMs);
      return;
    }
    waiting.shift();
    next.handle();
    if (waiting.length > 0) wake();
  };
  const intake = interceptWebhookBodies(server, {
    path: options.path,
    maxBytes: options.maxBytes,
    onBody: (req, res, body) => {
      acknowledge(req, res, body, webhooks).then(
        (event) => {
          if (event === undefined) return;
          log.debug({ id: event.id, name: event.name }, 'webhook accepted');
          waiting.push({
            answeredAt: performance.now(),
            handle: () => {
              webhooks.receive(event).catch((error: unknown) => log.error({ err: error, id: event.id, name: event.name }, 'a webhook handler failed'));
            },
          });
          wake();
        },
        (error: unknown) => log.error({ err: error }, 'answering a webhook delivery failed'),
      );
    },
    onSettled: () => {
      if (waiting.length > 0) wake();
    },
  });
}

/** Answers the delivery: 202 with the event to handle, or 400 and undefined. */
async function acknowledge(req: IncomingMessage, res: ServerResponse, body: string, webhooks: WebhookReceiver): Promise<{ id: string; name: string; payload: unknown } | undefined> {
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
  return { id, name, payload };
}

function refuse(res: ServerResponse, message: string): undefined {
  res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
  return undefined;
}
