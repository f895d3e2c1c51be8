/**
 * The server's logger: Probot's own (pino through @probot/pino, so
 * LOG_LEVEL, LOG_FORMAT, LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY and SENTRY_DSN
 * work as documented), plus `redact` for every place a credential can sit
 * in a logged object. Octokit already masks the `authorization` header of
 * the errors it throws; this is the net under everything else: a request
 * or error logged by a plugin, an access-token response, the app's options.
 * Values inside message strings cannot be redacted by path: the app never
 * puts a credential in a message (test/security/log-redaction.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseEnv } from 'node:util';
import { getTransformStream } from '@probot/pino';
import { pino, type Logger } from 'pino';

/** pino paths (one `*` is one level) replaced with `[REDACTED]`. */
export const LOG_REDACT_PATHS: readonly string[] = [
  // HTTP requests and responses, and errors that carry them (Octokit's RequestError, pino-http's req).
  ...['authorization', 'cookie', 'x-hub-signature', 'x-hub-signature-256'].flatMap((header) => [
    `headers.${header}`,
    `req.headers.${header}`,
    `request.headers.${header}`,
    `err.request.headers.${header}`,
    `err.response.headers.${header}`,
    `*.headers.${header}`,
  ]),
  // Installation access tokens (`POST /app/installations/{id}/access_tokens` answers `{ token }`), JWTs, keys, secrets.
  ...['token', 'jwt', 'privateKey', 'private_key', 'secret', 'webhookSecret', 'clientSecret', 'client_secret', 'password'].flatMap((key) => [
    key,
    `*.${key}`,
    `err.response.data.${key}`,
  ]),
];

export interface AppLoggerSettings {
  level?: string;
  logFormat?: 'json' | 'pretty';
  logLevelInString?: boolean;
  logMessageKey?: string;
  sentryDsn?: string;
}

/** The settings Probot reads from the environment for its logger (see probot's read-env-options). */
export function loggerSettingsFromEnv(env: NodeJS.ProcessEnv): AppLoggerSettings {
  const format: string | undefined = env.LOG_FORMAT;
  return {
    level: env.LOG_LEVEL,
    logFormat: format !== undefined && format !== '' ? (format === 'pretty' ? 'pretty' : 'json') : env.NODE_ENV === 'production' ? 'json' : 'pretty',
    logLevelInString: env.LOG_LEVEL_IN_STRING === 'true',
    logMessageKey: env.LOG_MESSAGE_KEY,
    sentryDsn: env.SENTRY_DSN,
  };
}

/** The environment as Probot's `run` sees it: `.env` in the working directory (if any) over the process's. */
export function environmentWithDotEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NodeJS.ProcessEnv {
  try {
    return { ...env, ...parseEnv(readFileSync(join(cwd, '.env'), 'utf8')) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw error;
  }
}

/** Probot's logger with redaction; lines go to `destination` (stdout by default). */
export async function createAppLogger(settings: AppLoggerSettings, destination?: Writable): Promise<Logger> {
  const transform = await getTransformStream({ logFormat: settings.logFormat, logLevelInString: settings.logLevelInString, sentryDsn: settings.sentryDsn });
  transform.pipe(destination ?? (pino.destination(1) as unknown as Writable));
  return pino(
    {
      level: settings.level || 'info',
      name: 'probot',
      messageKey: settings.logMessageKey || 'msg',
      redact: { paths: [...LOG_REDACT_PATHS], censor: '[REDACTED]' },
    },
    transform,
  );
}
