/**
 * The action's entry (action.yml `runs.main` runs its bundle,
 * action/dist/index.js): the real process's environment and files, a JSON
 * logger on stderr (workflow commands own stdout), the exit code on the
 * process.
 */
import { pino } from 'pino';
import { fileSystemActionIo, runAction } from './run-action.js';

// RUNNER_DEBUG=1 when the run is re-run with debug logging.
const log = pino({ level: process.env.RUNNER_DEBUG === '1' ? 'debug' : 'info', base: undefined }, pino.destination(2));

process.exitCode = await runAction(fileSystemActionIo(), { log });
