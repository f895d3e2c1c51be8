/**
 * What "records a security event" looks like in TypeScript/JavaScript: a
 * logger call at info level or above (console, pino, winston, bunyan, the
 * Nest `Logger`, Fastify's `request.log`, `req.log` of pino-http), or a
 * project helper named for it (`logSecurityEvent`, `auditLog`,
 * `recordFailedLogin`). Debug and trace levels do not count: production
 * runs without them.
 */
import { ts, isIdentifier } from '../lang/ts/parse.js';
import { functionsByName, plainCalleePath } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf } from '../frameworks/endpoint.js';

/** Last names worth a closer look: logger levels and helpers named for security events. */
const CANDIDATE_NAME = /^(?:info|warn|warning|error|fatal|notice|critical|crit|alert|emerg|log|audit|security|captureMessage|captureException)$|^(?:log|audit|record|report|track|emit)\w*$/i;
/** Objects that are loggers: `console`, `logger`, `this.logger`, `req.log`, `fastify.log`, `Logger`, `winston`, `Sentry`. */
const LOGGER_RECEIVER = /(?:^|\.)(?:console|log|logger|_logger|\w*Logger|\w*logger|audit\w*|security\w*|winston|pino|bunyan|Sentry|signale|consola)$/;
const LEVEL = /^(?:info|warn|warning|error|fatal|notice|critical|crit|alert|emerg|log|audit|security|captureMessage|captureException)$/i;
/** Free functions named for recording a security event. */
const EVENT_HELPER = /^(?:log|audit|record|report|track|emit)\w*(?:Security|Auth|Login|Signin|SignIn|Fail|Failure|Denied|Denial|Forbidden|Unauthori[sz]ed|Event|Attempt|Access|Violation|Incident)\w*$|^(?:auditLog|securityLog|logEvent|auditEvent|securityEvent)$/;

/** Whether a call records something through a logger (not at debug/trace level). */
export function isLogCall(call: ts.CallExpression): boolean {
  const path = plainCalleePath(call);
  const dot = path.lastIndexOf('.');
  if (dot < 0) return EVENT_HELPER.test(path);
  const method = path.slice(dot + 1);
  const receiver = path.slice(0, dot);
  if (EVENT_HELPER.test(method)) return true;
  return LEVEL.test(method) && LOGGER_RECEIVER.test(receiver);
}

/**
 * The first log call inside `node`, also one level into same-file helpers
 * it calls (`return unauthorized(res)` where `unauthorized` logs).
 */
export function logCallIn(index: SourceIndex, node: ts.Node): ts.CallExpression | undefined {
  const scopes: Scope[] = [scopeOf(node)];
  const direct = index.callsNamed(CANDIDATE_NAME, scopes).find(isLogCall);
  if (direct !== undefined) return direct;
  const functions = functionsByName(index);
  for (const call of index.calls(scopes)) {
    if (!isIdentifier(call.expression)) continue;
    const helper = functions.get(call.expression.text);
    if (helper === undefined || (helper.pos <= node.pos && helper.end >= node.end)) continue;
    const inside = index.callsNamed(CANDIDATE_NAME, [scopeOf(helper)]).find(isLogCall);
    if (inside !== undefined) return inside;
  }
  return undefined;
}
