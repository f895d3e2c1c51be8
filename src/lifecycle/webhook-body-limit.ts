/**
 * The one place a webhook delivery's body is read. GitHub caps webhook
 * payloads at 25 MB and never sends more, so a larger body on the webhook
 * path is not GitHub: it is refused with 413 before it is buffered, parsed
 * or its signature computed. Probot's own middleware buffers whatever
 * arrives, without a limit.
 *
 * Installed in front of the HTTP server's `request` listeners (Probot's
 * server among them): a POST to the webhook path is read here, bounded, and
 * its body handed to `onBody`, which answers it; everything else goes to
 * those listeners untouched.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** GitHub's documented maximum webhook payload. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface WebhookBodyOptions {
  path: string;
  maxBytes?: number;
  /** Takes a POST to `path` whose body was read in full and within the limit; it answers the request. */
  onBody(req: IncomingMessage, res: ServerResponse, body: string): void;
  /** Called when the last POST to `path` in progress (being read or answered) is done. */
  onSettled?(): void;
}

/** The webhook POSTs the server is reading or answering. */
export interface WebhookIntake {
  inProgress(): number;
}

// Decoded as @octokit/webhooks decodes the stream (UTF-8, not fatal); the signature is checked on it.
const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Takes over the server's `request` listeners: POSTs to `path` go to `onBody` (or 413), the rest to the listeners. */
export function interceptWebhookBodies(server: Server, options: WebhookBodyOptions): WebhookIntake {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BODY_BYTES;
  let inProgress = 0;
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || pathOf(req) !== options.path) {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    inProgress++;
    // Answered, refused, or the connection lost: `close` comes once in every case.
    res.once('close', () => {
      if (--inProgress === 0) options.onSettled?.();
    });
    readBounded(req, maxBytes).then(
      (body) => (body === undefined ? refuse(req, res, maxBytes) : options.onBody(req, res, UTF8.decode(body))),
      // The client went away mid-body: nothing to answer.
      () => req.destroy(),
    );
  });
  return { inProgress: () => inProgress };
}

/** The request's path without query or trailing slashes, as the webhook path is compared. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0].replace(/\/+$/, '');
}

/** The body, or undefined as soon as it is (or is declared to be) over `maxBytes`. */
function readBounded(req: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function refuse(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const body = JSON.stringify({ error: `Payload too large: webhook bodies are at most ${maxBytes} bytes` });
  // Close the connection: the rest of the body is not read.
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(body, () => req.destroy());
}
