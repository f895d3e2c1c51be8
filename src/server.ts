/**
 * `npm start`: the production entry. Probot's `run` reads APP_ID,
 * PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET, PORT and LOG_LEVEL from
 * the environment (and `.env`); without APP_ID and a private key it starts
 * the setup flow that registers the app from `app.yml` (GitHub's manifest
 * flow) and writes the credentials to `.env`. It also serves `GET /healthz`
 * and shuts down gracefully on SIGTERM.
 */
import { run } from 'probot';
import { createAppOctokit } from './github/octokit-options.js';
import { createApp } from './index.js';
import { exitOnSigterm, ProcessLifecycle } from './lifecycle/app-lifecycle.js';

const lifecycle = new ProcessLifecycle();
// Retries and rate-limit waits chosen for a review's time budget: see octokit-options.ts.
const server = await run(createApp({ lifecycle }), { Octokit: createAppOctokit() });
// SIGTERM (docker stop, Kubernetes): stop taking webhooks, finish accepted reviews (bounded), exit. See app-lifecycle.ts.
exitOnSigterm(lifecycle, server);
