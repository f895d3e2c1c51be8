/**
 * Starts Probot's HTTP server the way Probot's `run` does, from the same
 * environment variables, with one addition `run` gives no hook for, in front
 * of Probot's own request handling: a delivery's body is read within
 * GitHub's 25 MB (webhook-body-limit.ts) and the delivery answered once its
 * signature is checked, before its handlers run (acknowledge-webhooks.ts).
 * Without an app id or key, `run` itself starts: its setup flow (registering
 * the app from app.yml), or in production its error.
 */
import { getPrivateKey } from '@probot/get-private-key';
import type { Logger } from 'pino';
import { Probot, ProbotOctokit, Server, run, type ApplicationFunction } from 'probot';
import { acknowledgeWebhooks, type WebhookReceiver } from './acknowledge-webhooks.js';

/** Probot's default webhook path (`WEBHOOK_PATH` overrides it). */
export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

export interface StartServerOptions {
  env: NodeJS.ProcessEnv;
  log: Logger;
  Octokit: typeof ProbotOctokit;
}

export async function startServer(appFn: ApplicationFunction, options: StartServerOptions): Promise<{ stop(): Promise<void> }> {
  const { env, log, Octokit } = options;
  let privateKey: string | null = null;
  try {
    privateKey = getPrivateKey({ env });
  } catch {
    // An unreadable key: `run` reports it as Probot always has.
  }
  const appId = Number(env.APP_ID);
  if (!appId || !privateKey) return run(appFn, { Octokit, log });

  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  const server = new Server({
    host: env.HOST,
    port: Number(env.PORT) || 3000,
    webhookPath,
    webhookProxy: env.WEBHOOK_PROXY_URL,
    log,
    Probot: Probot.defaults({
      appId,
      privateKey,
      secret: env.WEBHOOK_SECRET,
      redisConfig: env.REDIS_URL,
      baseUrl: env.GHE_HOST ? `${env.GHE_PROTOCOL || 'https'}://${env.GHE_HOST}/api/v3` : 'https://api.github.com',
      log,
      Octokit,
    }),
  });
  // The Probot instance is the app function's first argument; Server keeps it private.
  let webhooks: WebhookReceiver | undefined;
  await server.load((app, options) => {
    webhooks = app.webhooks;
    return appFn(app, options);
  });
  if (webhooks === undefined) throw new Error('Probot did not load the app function');
  const httpServer = await server.start();
  // Deliveries read within 25 MB, answered once verified and handled after (acknowledge-webhooks.ts).
  acknowledgeWebhooks(httpServer, { path: webhookPath, webhooks, log });
  return server;
}
