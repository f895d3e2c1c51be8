/**
 * Runs the app's real production entries (`src/server.ts`, what `npm start`
 * runs compiled; `src/worker.ts`, `npm run worker`) as child processes,
 * captures their output for failure reports, and makes sure they are stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildNodeProcess {
  readonly pid: number | undefined;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Set once the child has exited. */
  exitCode(): number | null | undefined;
  /** Resolves when the child has exited. */
  exited(): Promise<void>;
  /** Sends a signal (SIGKILL: a crash the process cannot react to). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

export interface AppProcess extends ChildNodeProcess {
  readonly port: number;
  readonly baseUrl: string;
}

/** A port that was free a moment ago (the child binds it itself). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
// Last resort if the test runner exits without afterAll: never leave a server behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns `node --import tsx src/server.ts` with exactly `env` (plus PATH and
 * HOME), so nothing from the developer's shell, such as a WEBHOOK_PROXY_URL,
 * leaks in.
 */
export function startAppProcess(env: Record<string, string>, port: number): AppProcess {
  const child = startNodeProcess('src/server.ts', { ...env, PORT: String(port) });
  return Object.assign(child, { port, baseUrl: `http://127.0.0.1:${port}` });
}

/** Spawns `node --import tsx <entry>` (a path from the repository root) with exactly `env` plus PATH and HOME. */
export function startNodeProcess(entry: string, env: Record<string, string>): ChildNodeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      running.delete(child);
      resolve();
    });
  });

  return {
    pid: child.pid,
    output: () => output,
    exitCode: () => exitCode,
    exited: () => exited,
    kill: (signal) => {
      child.kill(signal);
    },
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Polls Probot's `GET /ping` until the server answers, failing early with
 * the child's output if it exits first.
 */
export async function waitUntilListening(app: AppProcess, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.exitCode() !== undefined) {
      throw new Error(`the app exited with code ${String(app.exitCode())} before listening:\n${app.output()}`);
    }
    try {
      const response = await fetch(`${app.baseUrl}/ping`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  throw new Error(`the app did not listen on ${app.baseUrl} within ${timeoutMs} ms:\n${app.output()}`);
}
