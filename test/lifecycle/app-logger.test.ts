import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAppLogger, loggerSettingsFromEnv } from '../../src/lifecycle/app-logger.js';

async function capture(): Promise<{ lines: () => Record<string, any>[]; log: Awaited<ReturnType<typeof createAppLogger>> }> {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const log = await createAppLogger({ level: 'trace', logFormat: 'json' }, sink);
  return { log, lines: () => text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, any>) };
}

describe('the server logger', () => {
  it('redacts credentials wherever a request, a response or an error carries them', async () => {
    const { log, lines } = await capture();
    log.info({ req: { method: 'POST', headers: { authorization: 'Bearer eyJhbGciOi.x.y', 'x-hub-signature-256': 'sha256=ab' } } }, 'incoming');
    log.error({ err: { message: 'Bad credentials', request: { headers: { authorization: 'token ghs_abc' } }, response: { data: { token: 'ghs_new' } } } }, 'failed');
    log.warn({ options: { privateKey: '-----BEGIN RSA PRIVATE KEY-----', secret: 'whsec', webhookSecret: 'whsec' }, token: 'ghs_top' }, 'settings');
    await new Promise((resolve) => setImmediate(resolve));
    const [incoming, failed, settings] = lines();
    expect(incoming.req.headers).toEqual({ authorization: '[REDACTED]', 'x-hub-signature-256': '[REDACTED]' });
    expect(incoming.req.method).toBe('POST');
    expect(failed.err.request.headers.authorization).toBe('[REDACTED]');
    expect(failed.err.response.data.token).toBe('[REDACTED]');
    expect(settings.options).toEqual({ privateKey: '[REDACTED]', secret: '[REDACTED]', webhookSecret: '[REDACTED]' });
    expect(settings.token).toBe('[REDACTED]');
  });

  it('reads its settings from the environment as Probot does', () => {
    expect(loggerSettingsFromEnv({ NODE_ENV: 'production', LOG_LEVEL: 'debug' })).toMatchObject({ level: 'debug', logFormat: 'json' });
    expect(loggerSettingsFromEnv({ LOG_FORMAT: 'pretty' })).toMatchObject({ logFormat: 'pretty' });
    expect(loggerSettingsFromEnv({})).toMatchObject({ logFormat: 'pretty' });
  });
});
