/**
 * `npm run worker`: a review worker for the Redis-backed queue. With
 * `REDIS_URL` set, `npm start` only takes webhooks and puts review jobs into
 * Redis (BullMQ); any number of these processes, on any machine, run them.
 *
 * It needs what the server needs to act as the app: APP_ID and PRIVATE_KEY
 * (or PRIVATE_KEY_PATH), GHE_HOST for GitHub Enterprise, and REDIS_URL, which
 * also gives Probot's request throttling a shared state, so that all
 * replicas and workers together keep to GitHub's limits per installation.
 * Not needed: WEBHOOK_SECRET, PORT.
 *
 * The record of the check runs it opens is kept in Redis, so that any worker's
 * sweep completes a run that a dead worker left in progress.
 *
 * On SIGTERM it takes no new job, lets the running reviews finish for at
 * most SHUTDOWN_TIMEOUT_MS, hands those still running back to the queue and
 * exits. A worker killed outright loses nothing either: its jobs' locks
 * expire and another worker runs them again.
 */
import { createProbot } from 'probot';
import { createAppOctokit } from './github/octokit-options.js';
import { createAppLogger, environmentWithDotEnv, loggerSettingsFromEnv } from './lifecycle/app-logger.js';
import { startOpenCheckRunSweeps } from './lifecycle/open-check-run-sweeps.js';
import { exitWorkerOnSigterm } from './lifecycle/worker-shutdown.js';
import { BullmqReviewWorker } from './queue/bullmq-review-worker.js';
import { concurrencyFromEnv } from './queue/in-process-review-queue.js';
import { RedisOpenCheckRunLedger } from './queue/redis-open-check-run-ledger.js';
import { connectRedis, redisQueueSettingsFromEnv } from './queue/redis-queue-settings.js';
import { createReviewJobHandler } from './queue/review-job-handler.js';
import { analysisServicesFromEnv } from './review/analysis-services.js';
import { budgetFromEnv } from './review/review-budget.js';

// `.env` over the environment, as for the server.
Object.assign(process.env, environmentWithDotEnv());
const settings = redisQueueSettingsFromEnv();
if (settings === undefined) {
  process.stderr.write('REDIS_URL is not set: the worker takes its jobs from Redis. Without Redis, `npm start` runs the reviews itself.\n');
  process.exit(2);
}

// The server's logger (app-logger.ts): Probot's settings from the environment, credentials redacted.
const app = createProbot({
  env: process.env,
  overrides: { Octokit: createAppOctokit(), log: await createAppLogger(loggerSettingsFromEnv(process.env)) },
});
// Probot 14 sets itself up asynchronously (logger, Octokit with the Redis throttling connection).
await app.ready();
const log = app.log.child({ name: 'review-worker' });

const { settings: budget, problems } = budgetFromEnv();
const { concurrency, problem } = concurrencyFromEnv(process.env.REVIEW_CONCURRENCY);
for (const warning of [...problems, ...(problem === undefined ? [] : [problem])]) log.warn(warning);

// In Redis, not on this machine's disk: a run this worker leaves behind (crash, lost machine) is swept by any worker.
const ledgerRedis = connectRedis(settings.url);
const ledger = new RedisOpenCheckRunLedger(ledgerRedis, settings.prefix);
// Worker threads and the result cache, as in the server (ANALYSIS_THREADS, ANALYSIS_CACHE_ENTRIES).
const analysis = analysisServicesFromEnv(log);
const worker = new BullmqReviewWorker({
  ...settings,
  concurrency,
  log,
  handler: createReviewJobHandler(app, { timeoutMs: budget.totalMs, fileTimeoutMs: budget.perFileMs, ledger, analysis }),
});
await worker.start();
startOpenCheckRunSweeps({ app, ledger, timeoutMs: budget.totalMs });
log.info({ concurrency, prefix: settings.prefix }, 'review worker taking jobs');
exitWorkerOnSigterm(
  {
    close: async () => {
      await worker.close();
      await analysis.close();
      await ledgerRedis.quit();
    },
    requeueInFlight: () => worker.requeueInFlight(),
  },
  log,
);
