/**
 * `npm start`: the production entry. Probot's `run` reads APP_ID,
 * PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET, PORT and LOG_LEVEL from
 * the environment (and `.env`); without APP_ID and a private key it starts
 * the setup flow that registers the app from `app.yml` (GitHub's manifest
 * flow) and writes the credentials to `.env`. It also serves `GET /healthz`,
 * refuses webhook bodies over GitHub's 25 MB, redacts credentials from its
 * logs, and shuts down gracefully on SIGTERM.
 */
import { createAppOctokit } from './github/octokit-options.js';
import { createApp } from './index.js';
import { exitOnSigterm, ProcessLifecycle } from './lifecycle/app-lifecycle.js';
import { createAppLogger, environmentWithDotEnv, loggerSettingsFromEnv } from './lifecycle/app-logger.js';
import { startServer } from './lifecycle/start-server.js';

const lifecycle = new ProcessLifecycle();
// `.env` over the environment, as Probot's `run` applies it.
Object.assign(process.env, environmentWithDotEnv());
// Probot's logger with `redact` for credentials (app-logger.ts), built from the settings Probot itself reads.
const log = await createAppLogger(loggerSettingsFromEnv(process.env));
// Retries and rate-limit waits chosen for a review's time budget: see octokit-options.ts.
// Probot's server with webhook bodies limited to GitHub's 25 MB (start-server.ts).
// The analysis workers start before the server listens (warm-up-analysis.ts): a burst of webhooks right after a
// deploy must not share the cores with workers loading their parsers.
const server = await startServer(createApp({ lifecycle, warmUp: true }), { env: process.env, log, Octokit: createAppOctokit() });
// SIGTERM (docker stop, Kubernetes): stop taking webhooks, finish accepted reviews (bounded), exit. See app-lifecycle.ts.
exitOnSigterm(lifecycle, server);
