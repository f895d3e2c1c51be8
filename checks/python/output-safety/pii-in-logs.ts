/**
 * pii-in-logs for Python (output.pii-logs): the TypeScript check's idea and
 * id. Log calls (`logging`, `logger` / `log` / `app.logger`, structlog,
 * `print`) that write secrets or personal data by name (`password`,
 * `user.email`, `token=`, `extra={"ssn": ...}`) or whole request bodies,
 * headers and cookies; a masking helper around the value keeps it silent.
 */
import tsCheck from '../../output-safety/pii-in-logs.js';
import { isPersonalName } from '../../output-safety/log-payloads.js';
import { calleeName, childByField, dictEntries, expressionPath, namedChildren, plainCalleePath } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { requestDataOf } from '../input-validation/request-data.js';

const LOG_METHOD = /^(?:debug|info|warning|warn|error|exception|critical|fatal|msg|log)$/;
const LOGGER = /^(?:logging|log|logger|_logger|_log|LOGGER|LOG|audit_log|security_log|\w*_logger|\w*_log|app\.logger|current_app\.logger|self\.logger|self\.log|structlog\.get_logger\(\)|logging\.getLogger\(\)|\w+\.logger)$/;
const MASKING = /mask|redact|hash|anonymi[sz]e|obfuscate|truncate|sanitize|scrub|censor|pseudonymi[sz]e|hide|last4|^len$/i;
const WHOLE_REQUEST = /^(?:data|body|json|get_json|form|POST|GET|META|headers|cookies|COOKIES|get_data|values)$/;

/** Python spellings the TS name lists miss (snake_case secrets). */
const SNAKE_SECRET = /^(?:password\w*|\w*_password|passwd|pwd|secret|\w*_secret|api_key|\w*_api_key|access_token|refresh_token|id_token|auth_token|session_token|reset_token|\w*_token|token|jwt|otp|ssn|credit_card|card_number|cvv|email|email_address|phone|phone_number|date_of_birth|dob|authorization|cookie|cookies)$/;

/** The callee names a log call can have (print and LOG_METHOD): the index answers calls by name without reading every callee. */
const LOG_CALL_NAME = /^(?:print|debug|info|warning|warn|error|exception|critical|fatal|msg|log)$/;

export function isLogCall(call: PyNode): boolean {
  if (calleeName(call) === 'print' && childByField(call, 'function')?.type === 'identifier') return true;
  if (!LOG_METHOD.test(calleeName(call))) return false;
  const object = childByField(childByField(call, 'function')!, 'object');
  if (object === undefined) return false;
  return LOGGER.test(expressionPath(object, true)) || LOGGER.test(expressionPath(object, false));
}

function isPersonal(name: string): boolean {
  return isPersonalName(name) || SNAKE_SECRET.test(name);
}

export default createPyCheck({
  id: 'pii-in-logs',
  items: ['output.pii-logs'],
  ...siblingMetadata(tsCheck),
  messages: tsCheck.messages,
  fix: {
    default:
      "Log ids and outcomes, not values: `logger.info(\"login\", extra={\"user_id\": user.id})`; mask what you must keep (`mask_email(email)`), and filter secrets out centrally (a `logging.Filter` or a structlog processor that drops `password`, `token`, `authorization`).",
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    // In document order, as index.calls() gives them: the calls by name are the candidates, isLogCall decides.
    const calls = index.callsNamed(LOG_CALL_NAME, endpoint.scopes).filter(isLogCall);
    if (calls.length === 0) {
      context.notApplicable('output.pii-logs', 'the endpoint logs nothing');
      return;
    }
    for (const call of calls) {
      const leak = leakIn(endpoint, call);
      if (leak !== undefined) {
        context.report({ messageId: 'logged', node: call, data: { call: `\`${plainCalleePath(call)}()\``, what: leak } });
        return;
      }
    }
    context.pass('output.pii-logs', { node: calls[0], note: `${calls.length === 1 ? 'the log call writes' : `its ${calls.length} log calls write`} no secrets or personal data` });
  },
});

/** What a log call writes that it should not, named for the message. */
function leakIn(endpoint: PyEndpoint, call: PyNode): string | undefined {
  const { index } = endpoint;
  const args = childByField(call, 'arguments');
  if (args === undefined) return undefined;
  const data = requestDataOf(endpoint);
  const scope = [{ pos: args.pos, end: args.end }];
  // Keyword names (structlog `password=...`) and `extra={...}` keys.
  for (const argument of namedChildren(args)) {
    if (argument.type !== 'keyword_argument') continue;
    const name = childByField(argument, 'name')?.name ?? '';
    const value = childByField(argument, 'value');
    if (value !== undefined && masked(value, args)) continue;
    if (isPersonal(name)) return `\`${name}\``;
    if (name === 'extra') {
      const entry = (dictEntries(value, index) ?? []).find((candidate) => isPersonal(candidate.key) && !masked(candidate.value, args));
      if (entry !== undefined) return `\`${entry.key}\``;
    }
  }
  // Whole request parts.
  for (const attribute of index.nodesOfType('attribute', scope)) {
    const object = childByField(attribute, 'object');
    const name = childByField(attribute, 'attribute')?.name ?? '';
    if (object?.type === 'identifier' && data.requestNames.has(object.name ?? '') && WHOLE_REQUEST.test(name) && attribute.parent?.type !== 'attribute' && attribute.parent?.type !== 'subscript' && !masked(attribute, args)) {
      const called = attribute.parent?.type === 'call';
      const parentCall = called ? attribute.parent! : undefined;
      // `request.data.get("page")` reads one value; `request.json()` / `request.headers` is the whole thing.
      if (parentCall !== undefined && parentCall.parent?.type === 'attribute') continue;
      return `the whole request ${/headers|META/.test(name) ? 'headers' : /cookies|COOKIES/i.test(name) ? 'cookies' : 'body'} (\`${index.textOf(called ? parentCall! : attribute)}\`)`;
    }
  }
  // Names: `password`, `user.email`, `token` in the message or its arguments.
  for (const identifier of index.nodesOfType('identifier', scope)) {
    if (identifier.field === 'name' && identifier.parent?.type === 'keyword_argument') continue;
    if (identifier.parent?.type === 'attribute' && identifier.field === 'object') continue;
    if (identifier.parent?.type === 'call' && identifier.field === 'function') continue;
    if (identifier.parent?.type === 'attribute' && identifier.parent.parent?.type === 'call' && identifier.parent.field === 'function') continue;
    const name = identifier.name ?? '';
    if (!isPersonal(name) || masked(identifier, args)) continue;
    const shown = identifier.field === 'attribute' && identifier.parent !== undefined ? index.textOf(identifier.parent) : name;
    return `\`${shown}\``;
  }
  return undefined;
}

/** Whether a masking helper (or `len()`) wraps `node` inside the log call's arguments. */
function masked(node: PyNode, stop: PyNode): boolean {
  for (let current = node.parent; current !== undefined && current !== stop; current = current.parent) {
    if (current.type === 'call' && MASKING.test(calleeName(current))) return true;
  }
  return node.type === 'call' && MASKING.test(calleeName(node));
}
