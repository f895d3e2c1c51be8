/**
 * pii-in-logs (output.pii-logs): passwords, tokens, authorization headers,
 * cookies, whole request bodies or user records, emails and phone numbers
 * written to logs unmasked. What a log argument carries, and how pino
 * `redact` masks it, is in log-payloads.ts.
 */
import type { ts } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { removeListElement } from '../lang/ts/line-edits.js';
import { plainCalleePath } from '../lang/ts/queries.js';
import { isLoggerCall, isRedacted, leaksIn, loggerOrigin, redactPaths, type LogLeak } from './log-payloads.js';

export default createCheck({
  id: 'pii-in-logs',
  items: ['output.pii-logs'],
  description: 'Secrets or personal data (passwords, tokens, authorization headers, cookies, request bodies, user records, emails) are logged unmasked.',
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-532', 'CWE-359'],
  owasp: ['API8:2023'],
  messages: {
    logged: '{{call}} logs {{what}} unmasked.',
  },
  why: 'Logs are copied to aggregators, backups and support tools with wider access than the database: a logged password or token is a credential anyone there can use, and logged personal data breaks data-protection duties.',
  fix: {
    nestjs: 'Log ids, not values: `this.logger.log(`login for user ${user.id}`)`; mask what you must keep (`maskEmail(email)`).',
    default:
      "Log ids and outcomes, not values: `logger.info({ userId: user.id }, 'login')`; mask what you must keep (`maskEmail(email)`), and configure pino's `redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token']`.",
  },
  run(context) {
    const { endpoint } = context;
    const index = endpoint.index;
    const calls = index.callsNamed(/^(?:log|info|warn|warning|error|debug|trace|fatal|verbose|silly|http|notice)$/, endpoint.scopes).filter(isLoggerCall);
    if (calls.length === 0) {
      context.notApplicable('output.pii-logs', 'the endpoint logs nothing');
      return;
    }
    const redact = redactPaths(endpoint);
    let reported = false;
    let elsewhere: string | undefined;
    let redacted: ts.Node | undefined;
    for (const call of calls) {
      const leaks: LogLeak[] = [];
      for (const argument of call.arguments) leaksIn(endpoint, argument, '', call.arguments, leaks);
      if (leaks.length === 0) continue;
      const origin = loggerOrigin(endpoint, call);
      const open = redact === undefined ? leaks : leaks.filter((leak) => !isRedacted(leak, redact.paths));
      if (open.length < leaks.length) redacted ??= redact?.node;
      if (open.length === 0) continue;
      if (origin.configuredElsewhere !== undefined) {
        elsewhere ??= `${plainCalleePath(call)}() at line ${index.lineOf(call)} logs ${open[0].what}; its logger is configured in ${origin.configuredElsewhere}, which may redact it`;
        continue;
      }
      for (const leak of open) {
        const suggestion = open.length === 1 && leak.list !== undefined ? removeListElement(index, leak.list, leak.node) : undefined;
        context.report({ messageId: 'logged', node: leak.node, data: { call: `\`${plainCalleePath(call)}()\``, what: leak.what }, suggestion });
        reported = true;
      }
    }
    if (reported) return;
    if (elsewhere !== undefined) {
      context.unknown('output.pii-logs', elsewhere);
      return;
    }
    if (redacted !== undefined) {
      context.pass('output.pii-logs', { node: redacted, note: 'pino `redact` masks the sensitive paths these log calls write' });
      return;
    }
    context.pass('output.pii-logs', { node: calls[0], note: `${calls.length === 1 ? 'the log call writes' : `its ${calls.length} log calls write`} no secrets or personal data` });
  },
});
