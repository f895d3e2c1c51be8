/**
 * SIGTERM in a queue worker process (`npm run worker`): take no new job, let
 * the running reviews finish for at most SHUTDOWN_TIMEOUT_MS, hand those
 * still running back to the queue, exit (0 when all finished, 1 when some
 * were handed back). The server's shutdown (app-lifecycle.ts) with the
 * worker's drain and cut-off.
 */
import type { Logger } from 'pino';
import type { BullmqReviewWorker } from '../queue/bullmq-review-worker.js';
import { exitOnSigterm, ProcessLifecycle } from './app-lifecycle.js';

export function exitWorkerOnSigterm(worker: Pick<BullmqReviewWorker, 'close' | 'requeueInFlight'>, log: Pick<Logger, 'info' | 'warn' | 'error'>, env: NodeJS.ProcessEnv = process.env): ProcessLifecycle {
  const lifecycle = new ProcessLifecycle();
  lifecycle.attach(
    () => worker.close(),
    log,
    () => worker.requeueInFlight(),
  );
  exitOnSigterm(lifecycle, undefined, env);
  return lifecycle;
}
