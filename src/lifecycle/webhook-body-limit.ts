/**
 * GitHub caps webhook payloads at 25 MB and never sends more, so a larger
 * body on the webhook path is not GitHub: it is refused with 413 before it
 * is buffered, parsed or its signature computed. Probot's own middleware
 * buffers whatever arrives, without a limit.
 *
 * Installed in front of the HTTP server's `request` listeners (Probot's
 * server among them): the body is read here, bounded, and handed on as
 * `req.body`, which @octokit/webhooks' middleware takes instead of reading
 * the stream again.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** GitHub's documented maximum webhook payload. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Wraps the server's `request` listeners so that POSTs to `path` over `maxBytes` are answered 413 and dropped. */
export function limitWebhookBodies(server: Server, options: { path: string; maxBytes?: number }): void {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const dispatch = () => {
      for (const listener of listeners) listener.call(server, req, res);
    };
    if (req.method !== 'POST' || pathOf(req) !== options.path) {
      dispatch();
      return;
    }
    readBounded(req, maxBytes).then(
      (body) => {
        if (body === undefined) {
          refuse(req, res, maxBytes);
          return;
        }
        // Decoded as @octokit/webhooks decodes the stream (UTF-8, not fatal); the signature is checked on it.
        (req as IncomingMessage & { body?: string }).body = new TextDecoder('utf-8', { fatal: false }).decode(body);
        dispatch();
      },
      () => {
        // The client went away mid-body: nothing to answer.
        req.destroy();
      },
    );
  });
}

/** The request's path without query or trailing slashes, as the webhook path is compared. */
export function pathOf(req: IncomingMessage): string {
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
      if (!over) resolve(Buffer.concat(chunks));
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
