/**
 * Starts the sweeps that complete check runs an interrupted review left in
 * progress (see review/sweep-open-check-runs.ts): one at start-up, then one
 * every `intervalMs`. Both processes that review run them: the webhook
 * server with the in-process queue, and each `npm run worker`.
 */
import type { Logger } from 'pino';
import type { Probot } from 'probot';
import type { GitHubClient } from '../github/client.js';
import type { OpenCheckRunLedger } from '../review/open-check-run-ledger.js';
import { staleCheckRunAfterMs } from '../review/review-budget.js';
import { sweepOpenCheckRuns } from '../review/sweep-open-check-runs.js';

export interface OpenCheckRunSweepOptions {
  app: Pick<Probot, 'auth'> & { log: Logger };
  ledger: OpenCheckRunLedger;
  /** The review budget: a run older than twice this is no live review's. */
  timeoutMs: number;
  /** Milliseconds between sweeps after the first; 0 turns the periodic sweep off. Twice the budget when absent. */
  intervalMs?: number;
}

export function startOpenCheckRunSweeps(options: OpenCheckRunSweepOptions): void {
  const { app, ledger, timeoutMs } = options;
  const sweep = () =>
    sweepOpenCheckRuns({
      ledger,
      auth: async (installationId) => (await app.auth(installationId)) as GitHubClient,
      staleAfterMs: staleCheckRunAfterMs(timeoutMs),
      log: app.log.child({ name: 'check-run-sweep' }),
    }).catch((error: unknown) => app.log.warn({ err: error }, 'the sweep of left-behind check runs failed'));
  void sweep();
  const interval = options.intervalMs ?? staleCheckRunAfterMs(timeoutMs);
  // unref: the sweep never keeps a stopping process alive.
  if (interval > 0) setInterval(() => void sweep(), interval).unref();
}
