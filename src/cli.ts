/**
 * The command-line entry: `api-security-review scan [paths...]`.
 * `main` is the whole program as a function of its arguments and I/O, so
 * tests run it in-process; run directly (tsx, or bin/api-security-review.js
 * over the build) it uses the real process.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_CLEAN, EXIT_USAGE, processIo, type CliIo } from './cli/io.js';
import { parseCommandLine, USAGE } from './cli/parse-args.js';
import { runScan } from './cli/run-scan.js';
import { readPackageVersion } from './cli/version.js';

export type { CliIo, CliStream } from './cli/io.js';

/**
 * Runs the CLI with `argv` (the arguments after the executable, e.g.
 * `['scan', 'src', '--format', 'json']`) and returns the exit code:
 * 0 clean, 1 findings at or above --fail-on, 2 usage or config error.
 * Never throws: an unexpected failure is reported on stderr with exit 2.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const command = parseCommandLine(argv);
  switch (command.kind) {
    case 'help':
      io.stdout.write(USAGE);
      return EXIT_CLEAN;
    case 'version':
      io.stdout.write(`${await readPackageVersion()}\n`);
      return EXIT_CLEAN;
    case 'usage-error':
      io.stderr.write(`error: ${command.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    case 'scan':
      try {
        return await runScan(command.options, io);
      } catch (error) {
        io.stderr.write(`error: the scan failed unexpectedly: ${(error as Error).stack ?? String(error)}\n`);
        return EXIT_USAGE;
      }
  }
}

/**
 * Runs the CLI as the process: real arguments and streams, exit code set on
 * the process. Used by bin/api-security-review.js and by `tsx src/cli.ts`.
 */
export async function runAsProcess(): Promise<void> {
  // `scan | head` closes stdout early: that ends the output, it is no crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_CLEAN);
    throw error;
  });
  // exitCode rather than exit(): let stdout drain when it is a pipe.
  process.exitCode = await main(process.argv.slice(2));
}

/** True when this module is the program node started, not an import. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await runAsProcess();
