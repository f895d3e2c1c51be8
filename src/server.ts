/**
 * `npm start`: the production entry. Probot's `run` reads APP_ID,
 * PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET, PORT and LOG_LEVEL from
 * the environment (and `.env`); without APP_ID and a private key it starts
 * the setup flow that registers the app from `app.yml` (GitHub's manifest
 * flow) and writes the credentials to `.env`.
 */
import { run } from 'probot';
import { createAppOctokit } from './github/octokit-options.js';
import app from './index.js';

// Retries and rate-limit waits chosen for a review's time budget: see octokit-options.ts.
await run(app, { Octokit: createAppOctokit() });
