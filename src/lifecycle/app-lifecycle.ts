/**
 * The server process's life: serving, then stopping. On SIGTERM (what
 * `docker stop` and Kubernetes send) the app stops taking new work and
 * finishes the reviews it already accepted, within a bound, then exits:
 *
 * 1. `/healthz` answers 503, so a load balancer stops routing to it;
 * 2. the HTTP server stops listening: no new webhook, so no new job;
 * 3. the review queue closes (new jobs are refused) and the running and
 *    queued reviews finish; each completes its check run;
 * 4. after at most `SHUTDOWN_TIMEOUT_MS` (25 s by default, inside Docker's
 *    and Kubernetes' usual 30 s grace period when started with `-t 30`)
 *    the process exits anyway. A check run a cut-off review left in
 *    progress is completed by the next start's sweep of the open-run record.
 *
 * A queue worker process (`npm run worker`) has no HTTP server: its drain is
 * the BullMQ worker's close, and at the bound it hands the jobs still
 * running back to the queue (its `cutOff`) for another worker.
 */
import type { Logger } from 'pino';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

type LifecycleLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface AppLifecycle {
  /** True from the moment a shutdown starts. */
  readonly stopping: boolean;
  /**
   * The app hands over what must finish before the process exits (the queue's `close`) and its logger;
   * `cutOff` runs when the bound is reached with work still running (a queue worker re-queues it).
   */
  attach(drain: () => Promise<void>, log: LifecycleLog, cutOff?: () => Promise<unknown>): void;
}

export type ShutdownOutcome = { kind: 'drained'; ms: number } | { kind: 'timed-out'; ms: number } | { kind: 'failed'; ms: number; error: unknown };

/** What a shutdown needs of Probot's server: to stop listening. */
export interface StoppableServer {
  stop(): Promise<void>;
}

export class ProcessLifecycle implements AppLifecycle {
  private drains: (() => Promise<void>)[] = [];
  private cutOffs: (() => Promise<unknown>)[] = [];
  private log: LifecycleLog | undefined;
  private shutdown: Promise<ShutdownOutcome> | undefined;

  get stopping(): boolean {
    return this.shutdown !== undefined;
  }

  attach(drain: () => Promise<void>, log: LifecycleLog, cutOff?: () => Promise<unknown>): void {
    this.drains.push(drain);
    if (cutOff !== undefined) this.cutOffs.push(cutOff);
    this.log = log;
  }

  /** A deployment problem worth a line in the log (the app's logger once attached, else stderr). */
  warn(message: string): void {
    if (this.log !== undefined) this.log.warn(message);
    else process.stderr.write(`${message}\n`);
  }

  /**
   * Stops serving and waits for the attached work, at most `timeoutMs`.
   * Idempotent: a second signal joins the shutdown already under way.
   */
  shutDown(server: StoppableServer | undefined, timeoutMs: number): Promise<ShutdownOutcome> {
    this.shutdown ??= this.runShutdown(server, timeoutMs);
    return this.shutdown;
  }

  private async runShutdown(server: StoppableServer | undefined, timeoutMs: number): Promise<ShutdownOutcome> {
    const started = Date.now();
    this.log?.info({ timeoutMs }, 'shutting down: no new webhooks; finishing the reviews already accepted');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    });
    try {
      const finished = (async () => {
        // Stop listening first and drain at the same time: server.stop() waits for open connections.
        await Promise.all([server?.stop().catch((error: unknown) => this.log?.warn({ err: error }, 'the HTTP server did not close cleanly')), ...this.drains.map((drain) => drain())]);
        return 'drained' as const;
      })();
      const result = await Promise.race([finished, deadline]);
      const ms = Date.now() - started;
      if (result === 'timed-out') {
        this.log?.warn({ ms }, `reviews still running after ${timeoutMs} ms; exiting anyway (the next start completes their check runs)`);
        await Promise.allSettled(this.cutOffs.map((cutOff) => cutOff()));
      } else this.log?.info({ ms }, 'shut down cleanly: every accepted review finished');
      return { kind: result, ms };
    } catch (error) {
      const ms = Date.now() - started;
      this.log?.error({ err: error, ms }, 'shutdown failed');
      return { kind: 'failed', ms, error };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `SHUTDOWN_TIMEOUT_MS`: a whole number of milliseconds from 0 to 10 minutes, else the default with the reason. */
export function shutdownTimeoutFromEnv(value: string | undefined): { timeoutMs: number; problem?: string } {
  if (value === undefined || value.trim() === '') return { timeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS };
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 600_000) {
    return { timeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS, problem: `SHUTDOWN_TIMEOUT_MS=${JSON.stringify(value)} is not a whole number of milliseconds from 0 to 600000; using ${DEFAULT_SHUTDOWN_TIMEOUT_MS}` };
  }
  return { timeoutMs: parsed };
}

/**
 * Installs the SIGTERM handler of the server process: shut down, then exit
 * (0 when every review finished, 1 when the bound cut some off).
 */
export function exitOnSigterm(lifecycle: ProcessLifecycle, server: StoppableServer | undefined, env: NodeJS.ProcessEnv = process.env, exit: (code: number) => void = (code) => process.exit(code)): void {
  const { timeoutMs, problem } = shutdownTimeoutFromEnv(env.SHUTDOWN_TIMEOUT_MS);
  if (problem !== undefined) lifecycle.warn(problem);
  process.once('SIGTERM', () => {
    void lifecycle.shutDown(server, timeoutMs).then((outcome) => exit(outcome.kind === 'drained' ? 0 : 1));
  });
}
