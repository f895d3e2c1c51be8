/**
 * What the CLI touches of its process: two output streams, the working
 * directory and the environment. Injected so that tests run the CLI
 * in-process without touching the real process.
 */

/** The part of a writable stream the CLI uses; `process.stdout` fits. */
export interface CliStream {
  write(chunk: string): unknown;
  /** True for a terminal: enables colour (stdout) and progress (stderr). */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Absolute path; relative command-line paths and output paths are relative to it. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams, directory and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/** Exit codes of the contract: 0 clean, 1 findings at or above fail-on, 2 usage or config error. */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
