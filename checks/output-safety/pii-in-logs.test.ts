/**
 * pii-in-logs (output.pii-logs): per logger (console, pino, winston,
 * bunyan, Nest Logger), each unmasked secret next to its masked neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './pii-in-logs.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';

async function run(path: string, text: string) {
  const result = await analyzeFiles([{ path, text }], { config: DEFAULT_CONFIG, checks: [check] });
  if (result.endpoints.length !== 1) throw new Error(`expected one endpoint, found ${result.endpoints.length}`);
  return { item: result.endpoints[0].checklist['output.pii-logs'], findings: result.findings };
}

/** An Express POST /login with `setup` on line 2 and handler lines from line 5. */
const express = (setup: string, ...lines: string[]) =>
  run(
    'src/routes/login.ts',
    `import express from 'express';
${setup}
const router = express.Router();
router.post('/login', async (req, res) => {
${lines.join('\n')}
  res.json({ ok: true });
});
export default router;
`,
  );

describe('pii-in-logs: console', () => {
  it('invalid: the whole request body, with a fix dropping it', async () => {
    const { item, findings } = await express('', "  console.log('login attempt', req.body);");
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5, severity: 'medium', cwe: ['CWE-532', 'CWE-359'] });
    expect(findings[0].message).toBe('`console.log()` logs the whole request body (`req.body`) unmasked.');
    expect(findings[0].suggestion).toEqual({ line: 5, endLine: 5, replacement: "  console.log('login attempt');" });
  });

  it('valid: only the outcome and an id', async () => {
    const { item, findings } = await express('', "  console.log('login attempt', req.body.username.length);");
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 5, note: 'the log call writes no secrets or personal data' }] });
  });

  it('invalid: the password field', async () => {
    const { findings } = await express('', '  console.log(`login ${req.body.email} / ${req.body.password}`);');
    expect(findings.map((f) => f.message)).toEqual(['`console.log()` logs `req.body.email` unmasked.', '`console.log()` logs `req.body.password` unmasked.']);
  });

  it('valid: the email masked', async () => {
    const { item } = await express('', '  console.log(`login ${maskEmail(req.body.email)}`);');
    expect(item.status).toBe('pass');
  });

  it('invalid: the authorization header', async () => {
    const { findings } = await express('', "  console.warn('auth', req.headers.authorization);");
    expect(findings[0].message).toBe('`console.warn()` logs `req.headers.authorization` unmasked.');
  });

  it('invalid: all headers', async () => {
    const { findings } = await express('', '  console.debug(req.headers);');
    expect(findings[0].message).toContain('the whole request headers');
  });

  it('invalid: cookies', async () => {
    const { findings } = await express('', "  console.info('cookies', req.cookies);");
    expect(findings).toHaveLength(1);
  });

  it('valid: a header that is not sensitive', async () => {
    const { findings } = await express('', "  console.info('agent', req.headers['user-agent']);");
    expect(findings).toEqual([]);
  });

  it('invalid: a token local', async () => {
    const { findings } = await express('', '  const token = sign(req.body);', "  console.log('issued', token);");
    expect(findings[0].message).toBe('`console.log()` logs `token` unmasked.');
  });

  it('invalid: the whole user row', async () => {
    const { findings } = await express('', '  const user = await prisma.user.findUnique({ where: { email: req.body.email } });', "  console.log('found', user);");
    expect(findings[0].message).toBe('`console.log()` logs the whole user record (`user`) unmasked.');
  });

  it('valid: the user id only', async () => {
    const { findings } = await express('', '  const user = await prisma.user.findUnique({ where: { email: req.body.email } });', "  console.log('found', user.id);");
    expect(findings).toEqual([]);
  });

  it('invalid: JSON.stringify of the body', async () => {
    const { findings } = await express('', '  console.log(JSON.stringify(req.body));');
    expect(findings).toHaveLength(1);
  });

  it('invalid: the whole request object', async () => {
    const { findings } = await express('', '  console.log(req);');
    expect(findings[0].message).toContain('the whole request object');
  });

  it('n/a: no logging', async () => {
    const { item } = await express('');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint logs nothing' });
  });
});

describe('pii-in-logs: pino and its redact option', () => {
  it('invalid: pino without redact, with a fix dropping the property', async () => {
    const { findings } = await express("import pino from 'pino';\nconst logger = pino();", "  logger.info({ email: req.body.email, ip: req.ip }, 'login');");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, message: '`logger.info()` logs `email` unmasked.' });
    expect(findings[0].suggestion?.replacement).toBe("  logger.info({ ip: req.ip }, 'login');");
  });

  it('valid: pino redact covers the path', async () => {
    const { item, findings } = await express("import pino from 'pino';\nconst logger = pino({ redact: ['email', '*.password'] });", "  logger.info({ email: req.body.email, ip: req.ip }, 'login');");
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 3, note: 'pino `redact` masks the sensitive paths these log calls write' }] });
  });

  it('valid: redact { paths } with a wildcard covers a nested body password', async () => {
    const { item } = await express("import pino from 'pino';\nconst logger = pino({ redact: { paths: ['body.password', 'body.email'], censor: '***' } });", "  logger.info({ body: { password: req.body.password } }, 'login');");
    expect(item.status).toBe('pass');
  });

  it('invalid: redact of other paths does not cover this one', async () => {
    const { item } = await express("import pino from 'pino';\nconst logger = pino({ redact: ['req.headers.authorization'] });", '  logger.info({ password: req.body.password });');
    expect(item.status).toBe('fail');
  });

  it('valid: redact covers the authorization header', async () => {
    const { item } = await express("import pino from 'pino';\nconst logger = pino({ redact: ['req.headers.authorization'] });", "  logger.info({ req: { headers: { authorization: req.headers.authorization } } }, 'auth');");
    expect(item.status).toBe('pass');
  });

  it('unknown: req.log is configured by pino-http elsewhere', async () => {
    const { item, findings } = await express('', "  req.log.info({ password: req.body.password }, 'login');");
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('pino-http');
  });

  it('unknown: a logger imported from the project may redact', async () => {
    const { item } = await express("import { logger } from '../lib/logger';", '  logger.info({ token: req.body.token });');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('../lib/logger');
  });

  it('valid: a project logger writing only ids', async () => {
    const { item } = await express("import { logger } from '../lib/logger';", "  logger.info({ userId: req.body.userId }, 'login');");
    expect(item.status).toBe('pass');
  });
});

describe('pii-in-logs: winston, bunyan, Nest Logger, Fetch handlers', () => {
  it('invalid: winston logger with the phone number', async () => {
    const { findings } = await express("import winston from 'winston';\nconst logger = winston.createLogger({});", "  logger.warn('sms sent', { phone: req.body.phone });");
    expect(findings[0].message).toBe('`logger.warn()` logs `phone` unmasked.');
  });

  it('valid: winston with the phone masked', async () => {
    const { findings } = await express("import winston from 'winston';\nconst logger = winston.createLogger({});", "  logger.warn('sms sent', { phone: mask(req.body.phone) });");
    expect(findings).toEqual([]);
  });

  it('invalid: bunyan log.info with a refresh token', async () => {
    const { findings } = await express("import bunyan from 'bunyan';\nconst log = bunyan.createLogger({ name: 'api' });", "  log.info({ refreshToken: req.body.refreshToken }, 'refresh');");
    expect(findings).toHaveLength(1);
  });

  it('valid: bunyan logs the outcome', async () => {
    const { findings } = await express("import bunyan from 'bunyan';\nconst log = bunyan.createLogger({ name: 'api' });", "  log.info({ ok: true }, 'refresh');");
    expect(findings).toEqual([]);
  });

  const nest = (line: string) =>
    run(
      'src/auth/auth.controller.ts',
      `import { Body, Controller, Logger, Post } from '@nestjs/common';
@Controller('auth')
export class AuthController {
  private readonly logger = new Logger(AuthController.name);
  @Post('login')
  login(@Body() dto: LoginDto) {
    ${line}
    return this.auth.login(dto);
  }
}
`,
    );

  it('invalid: Nest Logger with the password', async () => {
    const { findings } = await nest('this.logger.log(`login ${dto.email} ${dto.password}`);');
    expect(findings.map((f) => f.message)).toEqual(['`this.logger.log()` logs `dto.email` unmasked.', '`this.logger.log()` logs `dto.password` unmasked.']);
  });

  it('valid: Nest Logger with nothing personal', async () => {
    const { item } = await nest("this.logger.log('login attempt');");
    expect(item.status).toBe('pass');
  });

  const next = (...lines: string[]) =>
    run(
      'app/api/signup/route.ts',
      `export async function POST(request: Request) {
  const body = await request.json();
${lines.join('\n')}
  return Response.json({ ok: true });
}
`,
    );

  it('invalid: the whole JSON body of a Next.js handler', async () => {
    const { findings } = await next("  console.log('signup', body);");
    expect(findings[0].message).toBe('`console.log()` logs the whole request body (`body`) unmasked.');
  });

  it('valid: one non-personal field of it', async () => {
    const { findings } = await next("  console.log('signup', body.plan);");
    expect(findings).toEqual([]);
  });

  it('invalid: a cookie read from the headers', async () => {
    const { findings } = await next("  console.log(request.headers.get('cookie'));");
    expect(findings[0].message).toBe("`console.log()` logs `request.headers.get('cookie')` unmasked.");
  });

  it('valid: a harmless header read', async () => {
    const { findings } = await next("  console.log(request.headers.get('user-agent'));");
    expect(findings).toEqual([]);
  });
});

describe('pii-in-logs: known gaps', () => {
  it.todo('reads the redact paths of a logger created in another project file (express-accounts GET /greeting: today unknown)');
  it.todo('follows a value into a same-file helper that logs it (logAttempt(req.body))');
});
