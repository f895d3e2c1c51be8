/**
 * `GET /healthz` for the Docker HEALTHCHECK and load balancers, served
 * through Probot's server (`addHandler`): 200 while the app takes webhooks,
 * 503 once it is shutting down so that traffic moves elsewhere. Probot's
 * own `GET /ping` answers as long as the port is open; this one says whether
 * the app wants work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppLifecycle } from './app-lifecycle.js';

export const HEALTHZ_PATH = '/healthz';

export function createHealthzHandler(lifecycle: Pick<AppLifecycle, 'stopping'>): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== HEALTHZ_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const stopping = lifecycle.stopping;
    const body = JSON.stringify({ status: stopping ? 'stopping' : 'ok' });
    res.writeHead(stopping ? 503 : 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
