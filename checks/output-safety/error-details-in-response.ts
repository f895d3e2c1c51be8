/**
 * error-details-in-response (output.errors): error messages, stacks, raw
 * error objects or the whole environment sent to the client. Where errors
 * are named is in error-bindings.ts, what counts as a leak in error-leaks.ts,
 * when a leak is fine (client errors, development) in client-safe-conditions.ts.
 */
import { createCheck } from '../create-check.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { errorBindingsOf, errorHandlerBindings, type ErrorBinding } from './error-bindings.js';
import { endpointSentValues, environmentLeaks, findLeaks, sentValuesIn, type Leak } from './error-leaks.js';

const GENERIC_MESSAGE = "'Internal server error'";

/** The whole line with the leaking expression replaced by a generic message, when that is safe to offer. */
function suggestionFor(index: SourceIndex, leak: Leak, leaksOnLine: number): { line: number; endLine: number; replacement: string } | undefined {
  if (!leak.replaceable || leaksOnLine !== 1) return undefined;
  const line = index.lineOf(leak.node);
  if (index.endLineOf(leak.node) !== line) return undefined;
  const lineStart = index.sourceFile.getPositionOfLineAndCharacter(line - 1, 0);
  const text = index.lineText(line);
  const from = leak.node.getStart(index.sourceFile) - lineStart;
  const to = leak.node.end - lineStart;
  if (from < 0 || to > text.length) return undefined;
  return { line, endLine: line, replacement: `${text.slice(0, from)}${GENERIC_MESSAGE}${text.slice(to)}` };
}

/** How the framework answers an error nobody caught: pass with a note, or why a human must look. */
function uncaughtDefault(endpoint: Endpoint): { safe: true; note: string } | { safe: false; reason: string } {
  switch (endpoint.framework) {
    case 'nextjs-app-router':
    case 'nextjs-pages':
      return { safe: true, note: 'uncaught errors give Next.js’s generic 500 in production' };
    case 'hono':
      return { safe: true, note: "uncaught errors give Hono's generic 'Internal Server Error'" };
    case 'koa':
      return { safe: true, note: 'Koa does not expose the message of 5xx errors (expose is false)' };
    case 'nestjs':
      return endpoint.index.callsNamed(/^(?:UseFilters|Catch)$/).length > 0
        ? { safe: false, reason: 'an exception filter of this file decides what errors send; check that it hides the details of 5xx errors' }
        : { safe: true, note: "Nest's built-in exception filter answers unexpected errors with a generic 500" };
    case 'fastify':
      return { safe: false, reason: "no catch here: Fastify's default error handler sends error.message; check the app's setErrorHandler" };
    case 'trpc':
      return { safe: false, reason: "no catch here: tRPC sends an uncaught error's message to the client unless the errorFormatter of initTRPC hides it" };
    default:
      return { safe: false, reason: "no catch here: errors go to the app's error handler, which is not in this file" };
  }
}

const EVIDENCE_NOTE: Record<ErrorBinding['kind'], string> = {
  catch: 'the catch block answers without error details',
  'promise-catch': 'the .catch() callback answers without error details',
  callback: 'the callback answers errors without their details',
  'error-handler': 'the error handler answers without error details',
};

interface Found {
  leak: Leak;
  fromErrorHandler: boolean;
}

/**
 * Judges one place that names a caught error: its leaks join `found`; true when it answers the
 * request without leaking (a catch that only logs and rethrows, or calls next(err), answers nothing
 * itself).
 */
function judge(endpoint: Endpoint, binding: ErrorBinding, fromErrorHandler: boolean, found: Found[]): boolean {
  const sent = sentValuesIn(endpoint, binding.body);
  const leaks = findLeaks(endpoint.index, binding, sent);
  for (const leak of leaks) if (!found.some((known) => known.leak.node === leak.node)) found.push({ leak, fromErrorHandler });
  return leaks.length === 0 && sent.length > 0;
}

export default createCheck({
  id: 'error-details-in-response',
  items: ['output.errors'],
  description: 'Error messages, stacks, raw error objects or the environment are sent to the client.',
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-209'],
  owasp: ['API8:2023'],
  messages: {
    leak: '{{endpoint}} sends {{what}} to the client.',
    handlerLeak: "This file's Express error handler sends {{what}} to the client, for every route it serves.",
  },
  why: 'Error details tell an attacker about the system: SQL and table names, file paths, library versions, internal hosts; stacks show the code itself (Security Misconfiguration).',
  fix: {
    'nextjs-app-router': "Log the error on the server and answer with a generic message: `console.error(err); return NextResponse.json({ error: 'Internal server error' }, { status: 500 });`.",
    'nextjs-pages': "Log the error on the server and answer with a generic message: `console.error(err); return res.status(500).json({ error: 'Internal server error' });`.",
    express: "Log it and answer generically: `logger.error({ err }, 'request failed'); res.status(500).json({ error: 'Internal server error' });`, or `next(err)` to one error handler that hides details of 5xx errors.",
    fastify: "Log it with `request.log.error(err)` and answer `reply.code(500).send({ error: 'Internal server error' })`; in `setErrorHandler`, send `error.message` only for 4xx errors you created.",
    nestjs: 'Log it with `this.logger.error(err)` and throw `new InternalServerErrorException()` without the error\'s message (Nest answers it with a generic 500).',
    trpc: "Log it and throw `new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', cause: err })`: tRPC sends the message, not the cause.",
    default: "Log the error on the server and answer with a generic message such as 'Internal server error'.",
  },
  run(context) {
    const { endpoint } = context;
    const index = endpoint.index;
    const name = `${endpoint.method} ${endpoint.route}`;

    const found: Found[] = [];
    for (const leak of environmentLeaks(index, endpoint.scopes, () => endpointSentValues(endpoint))) found.push({ leak, fromErrorHandler: false });
    let answering: ErrorBinding | undefined;
    for (const binding of errorBindingsOf(index, endpoint.scopes, endpoint.handler)) if (judge(endpoint, binding, false, found)) answering ??= binding;
    // The file's Express error handlers answer for its routes' errors.
    if (endpoint.framework === 'express') for (const binding of errorHandlerBindings(index)) if (judge(endpoint, binding, true, found)) answering ??= binding;

    if (found.length > 0) {
      const perLine = new Map<number, number>();
      for (const { leak } of found) perLine.set(index.lineOf(leak.node), (perLine.get(index.lineOf(leak.node)) ?? 0) + 1);
      for (const { leak, fromErrorHandler } of found) {
        context.report({
          // The error handler's finding is the same for every route of the file: one message, one fingerprint.
          messageId: fromErrorHandler ? 'handlerLeak' : 'leak',
          node: leak.node,
          data: fromErrorHandler ? { what: leak.what } : { endpoint: name, what: leak.what },
          severity: leak.stack ? 'high' : 'medium',
          suggestion: suggestionFor(index, leak, perLine.get(index.lineOf(leak.node)) ?? 0),
        });
      }
      return;
    }
    if (answering !== undefined) {
      context.pass('output.errors', { node: answering.site, note: EVIDENCE_NOTE[answering.kind] });
      return;
    }
    const fallback = uncaughtDefault(endpoint);
    if (fallback.safe) context.pass('output.errors', { node: endpoint.registration, note: fallback.note });
    else context.unknown('output.errors', fallback.reason);
  },
});
