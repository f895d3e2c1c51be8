/**
 * Worker threads for the CPU-bound analysis, so that the event loop that
 * answers webhooks never waits for a parse or a check: a pool sized to the
 * cores, one file per job, several jobs per worker (a job waiting for a
 * context file leaves the thread to another). Context files are read in
 * the main thread, where the review's reader (GitHub client, cache) is.
 *
 * Where workers cannot start (the Action's single-file bundle, a missing
 * build), jobs run in the calling thread, with the same result. A job that
 * runs far past its budget has its worker stopped and is reported skipped:
 * a hostile file cannot hold a core forever.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalysisResult } from '../../checks/model.js';
import type { ContextFileReader } from '../../checks/project-context.js';
import type { Config } from '../config/schema.js';
import type { AnalyseRequest, FromWorker, ToWorker } from './analysis-pool-messages.js';
import { analyzeFiles, type SourceInput } from './analyze-files.js';
import { formatDuration, type AnalysisBudget } from './review-budget.js';

/** Jobs one worker takes at once: enough to overlap context reads, few enough to spread files over the cores. */
const JOBS_PER_WORKER = 3;
/** A job may run this many times its per-file budget before its worker is stopped (the budget is only checked between endpoints). */
const HANG_FACTOR = 4;
/** The limit for a job without a budget (the posture's analyses, the CLI has no pool). */
const DEFAULT_JOB_LIMIT_MS = 60_000;

export interface AnalysisPoolOptions {
  /** Worker threads; the number of cores by default. */
  size?: number;
  /** Runs a job in the calling thread when workers cannot start; `analyzeFiles([input])` by default. */
  fallback?: (input: SourceInput, settings: JobSettings, context: ContextFileReader | undefined) => Promise<AnalysisResult>;
  /** Called once if workers cannot start, with the reason (the pool then runs every job in the calling thread). */
  onUnavailable?: (reason: string) => void;
}

export interface JobSettings {
  config: Config;
  budget?: Pick<AnalysisBudget, 'deadline' | 'perFileMs'>;
}

interface Job {
  id: number;
  input: SourceInput;
  settings: JobSettings;
  context: ContextFileReader | undefined;
  resolve: (result: AnalysisResult) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface PoolWorker {
  thread: Worker;
  /** Its modules loaded (it said 'ready'). */
  online: boolean;
  jobs: Map<number, Job>;
}

export interface AnalysisPoolStats {
  size: number;
  /** Jobs run by workers. */
  inWorkers: number;
  /** Jobs run in the calling thread because workers could not start. */
  inThread: number;
  /** Jobs stopped for running too long. */
  stopped: number;
  /** Workers that died and were replaced. */
  crashed: number;
}

export class AnalysisPool {
  readonly size: number;
  private readonly workers: PoolWorker[] = [];
  private readonly waiting: Job[] = [];
  private nextJobId = 0;
  private unavailable: string | undefined;
  private closed = false;
  private readonly counts = { inWorkers: 0, inThread: 0, stopped: 0, crashed: 0 };

  constructor(private readonly options: AnalysisPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    const entry = workerEntry();
    if (entry === undefined) this.markUnavailable('the analysis worker file is not next to the pool (a bundled build); analysing in the calling thread');
  }

  get stats(): AnalysisPoolStats {
    return { size: this.size, ...this.counts };
  }

  /** Why jobs run in the calling thread; undefined while workers are used. */
  get unavailableReason(): string | undefined {
    return this.unavailable;
  }

  /** One file's analysis, as `analyzeFiles([input])` would return it. */
  analyze(input: SourceInput, settings: JobSettings, context: ContextFileReader | undefined): Promise<AnalysisResult> {
    if (this.closed) return Promise.reject(new Error('the analysis pool is closed'));
    if (this.unavailable !== undefined) return this.runInThread(input, settings, context);
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextJobId++, input, settings, context, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers; jobs not finished are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('the analysis pool was closed'));
    await Promise.all(this.workers.splice(0).map((worker) => this.stop(worker, new Error('the analysis pool was closed'))));
  }

  private runInThread(input: SourceInput, settings: JobSettings, context: ContextFileReader | undefined): Promise<AnalysisResult> {
    this.counts.inThread++;
    if (this.options.fallback !== undefined) return this.options.fallback(input, settings, context);
    return analyzeFiles([input], { config: settings.config, budget: settings.budget, context });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      if (this.unavailable !== undefined) {
        for (const job of this.waiting.splice(0)) this.runInThread(job.input, job.settings, job.context).then(job.resolve, job.reject);
        return;
      }
      const worker = this.leastBusy();
      if (worker === undefined) return;
      this.assign(worker, this.waiting.shift()!);
    }
  }

  /** The worker with the fewest jobs and room for one more; a new one while the pool is not full. */
  private leastBusy(): PoolWorker | undefined {
    const idle = this.workers.find((worker) => worker.jobs.size === 0);
    if (idle !== undefined) return idle;
    if (this.workers.length < this.size) return this.spawn();
    let best: PoolWorker | undefined;
    for (const worker of this.workers) if (worker.jobs.size < JOBS_PER_WORKER && (best === undefined || worker.jobs.size < best.jobs.size)) best = worker;
    return best;
  }

  private assign(worker: PoolWorker, job: Job): void {
    worker.jobs.set(job.id, job);
    worker.thread.ref();
    const limitMs = job.settings.budget === undefined ? DEFAULT_JOB_LIMIT_MS : Math.max(job.settings.budget.perFileMs * HANG_FACTOR, 1000);
    job.timer = setTimeout(() => this.stopHungJob(worker, job, limitMs), limitMs);
    const { input } = job;
    const request: AnalyseRequest = {
      kind: 'analyse',
      jobId: job.id,
      input: input.changedLines === undefined ? { path: input.path, text: input.text } : { path: input.path, text: input.text, changedLines: input.changedLines },
      config: job.settings.config,
      budget: job.settings.budget === undefined ? undefined : { deadline: job.settings.budget.deadline, perFileMs: job.settings.budget.perFileMs },
      context: job.context === undefined ? 'none' : job.context.exists === undefined ? 'read' : 'read+exists',
    };
    worker.thread.postMessage(request satisfies ToWorker);
  }

  private spawn(): PoolWorker | undefined {
    const entry = workerEntry();
    if (entry === undefined) {
      this.markUnavailable('the analysis worker file is missing; analysing in the calling thread');
      return undefined;
    }
    let thread: Worker;
    try {
      thread = entry.source ? new Worker(tsxBootstrap(entry.url), { eval: true }) : new Worker(entry.url);
    } catch (error) {
      this.markUnavailable(`analysis workers cannot start (${(error as Error).message}); analysing in the calling thread`);
      return undefined;
    }
    const worker: PoolWorker = { thread, online: false, jobs: new Map() };
    thread.unref();
    thread.on('message', (message: FromWorker) => this.onMessage(worker, message));
    thread.on('error', (error) => this.onWorkerGone(worker, error));
    thread.on('exit', (code) => this.onWorkerGone(worker, new Error(`the analysis worker exited with code ${code}`)));
    this.workers.push(worker);
    return worker;
  }

  private onMessage(worker: PoolWorker, message: FromWorker): void {
    if (message.kind === 'ready') {
      worker.online = true;
      return;
    }
    const job = worker.jobs.get(message.jobId);
    if (job === undefined) return;
    if (message.kind === 'context') {
      void this.answer(worker, job, message.requestId, message.op, message.path);
      return;
    }
    this.finish(worker, job);
    if (message.kind === 'done') {
      this.counts.inWorkers++;
      job.resolve(message.result);
    } else {
      job.reject(Object.assign(new Error(message.message), { stack: message.stack }));
    }
  }

  private async answer(worker: PoolWorker, job: Job, requestId: number, op: 'read' | 'exists', path: string): Promise<void> {
    let reply: ToWorker;
    try {
      if (job.context === undefined) throw new Error('no access to other files of the repository');
      const value = op === 'read' ? await job.context.read(path) : ((await job.context.exists?.(path)) ?? false);
      reply = { kind: 'context-reply', requestId, ok: true, value };
    } catch (error) {
      reply = { kind: 'context-reply', requestId, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    // The worker may have been stopped meanwhile.
    if (this.workers.includes(worker)) worker.thread.postMessage(reply);
  }

  private finish(worker: PoolWorker, job: Job): void {
    clearTimeout(job.timer);
    worker.jobs.delete(job.id);
    if (worker.jobs.size === 0) worker.thread.unref();
    this.dispatch();
  }

  private stopHungJob(worker: PoolWorker, job: Job, limitMs: number): void {
    if (!worker.jobs.has(job.id)) return;
    this.counts.stopped++;
    worker.jobs.delete(job.id);
    job.resolve({
      endpoints: [],
      findings: [],
      suppressed: [],
      errors: [],
      skipped: [{ file: job.input.path, reason: `not analysed: the analysis ran past ${formatDuration(limitMs)} and was stopped` }],
    });
    // The other jobs of that worker did nothing wrong: they start again on another.
    this.removeWorker(worker);
    this.waiting.unshift(...worker.jobs.values());
    for (const other of worker.jobs.values()) clearTimeout(other.timer);
    worker.jobs.clear();
    void worker.thread.terminate();
    this.dispatch();
  }

  private onWorkerGone(worker: PoolWorker, error: Error): void {
    if (!this.removeWorker(worker)) return;
    if (!worker.online && this.workers.every((other) => !other.online)) {
      // It never started: the entry file cannot load here. Everything runs in the calling thread from now on.
      this.markUnavailable(`analysis workers cannot start (${error.message}); analysing in the calling thread`);
      this.waiting.unshift(...worker.jobs.values());
      for (const job of worker.jobs.values()) clearTimeout(job.timer);
      worker.jobs.clear();
      this.dispatch();
      return;
    }
    this.counts.crashed++;
    for (const job of worker.jobs.values()) {
      clearTimeout(job.timer);
      job.reject(new Error(`the analysis worker crashed: ${error.message}`));
    }
    worker.jobs.clear();
    this.dispatch();
  }

  private removeWorker(worker: PoolWorker): boolean {
    const index = this.workers.indexOf(worker);
    if (index < 0) return false;
    this.workers.splice(index, 1);
    return true;
  }

  private async stop(worker: PoolWorker, error: Error): Promise<void> {
    for (const job of worker.jobs.values()) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    worker.jobs.clear();
    await worker.thread.terminate();
  }

  private markUnavailable(reason: string): void {
    if (this.unavailable !== undefined) return;
    this.unavailable = reason;
    this.options.onUnavailable?.(reason);
  }
}

/**
 * The worker's entry: the compiled `analysis-worker.js` next to this file
 * (dist/, `npm start`), or the TypeScript source run through tsx (tests,
 * `tsx` scripts). Undefined when neither is there (a bundle).
 */
function workerEntry(): { url: URL; source: boolean } | undefined {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(source ? './analysis-worker.ts' : './analysis-worker.js', import.meta.url);
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) return undefined;
  return { url, source };
}

/** A worker that registers tsx's loader, then imports the TypeScript entry. */
function tsxBootstrap(entry: URL): string {
  // tsx's ES-module entry: require.resolve would give its CommonJS one.
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
  return `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
}
