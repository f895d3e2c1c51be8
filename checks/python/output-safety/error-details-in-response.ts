/**
 * error-details-in-response for Python (output.errors): the TypeScript
 * check's idea and id. `str(e)` / `repr(e)` / `f"{e}"` / `e.args` of a caught
 * exception, or `traceback.format_exc()`, in what the endpoint answers
 * (`return`, `HTTPException(detail=...)`, `Response`, `jsonify`, `abort`);
 * and debug mode switched on in the file (`DEBUG = True`,
 * `FastAPI(debug=True)`, `app.run(debug=True)`, `app.debug = True`), which
 * sends tracebacks for every unhandled error. Exceptions the app defines and
 * validation errors answered with a 4xx are the caller's business.
 */
import tsCheck from '../../output-safety/error-details-in-response.js';
import { booleanValue, calleeName, childByField, classesByName, expressionPath, keywordArgument, lastSegment, moduleAssignments, namedChildren, plainCalleePath, stringValue } from '../../lang/py/queries.js';
import { fileOfNode, type PyNode, type PySourceIndex } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import { appFilesOf, type PyEndpoint } from '../endpoint.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const APP_OR_RUN_CALL = /^(?:FastAPI|run|Flask|Starlette)$/;
const CONFIG_UPDATE_CALL = /^(?:update|from_mapping)$/;
const FASTAPI_APP_CALL = /^FastAPI$/;
const FLASK_APP_CALL = /^Flask$/;

const ANSWER_CALL = /^(?:HTTPException|JSONResponse|JsonResponse|Response|HttpResponse|HttpResponseServerError|HttpResponseBadRequest|jsonify|make_response|abort|APIException|ValidationError|ORJSONResponse|PlainTextResponse)$/;
const TRACEBACK_CALL = /^(?:format_exc|format_exception|format_tb|format_stack|exc_info|print_exc)$/;
/** Exceptions whose text is meant for the caller. */
const CLIENT_ERROR = /^(?:ValidationError|RequestValidationError|ValueError|DoesNotExist|ObjectDoesNotExist|Http404|NotFound|PermissionDenied|BadRequest|ParseError|InvalidToken|ExpiredSignatureError|KeyError)$/;

export default createPyCheck({
  id: 'error-details-in-response',
  items: ['output.errors'],
  ...siblingMetadata(tsCheck),
  messages: {
    leak: tsCheck.messages.leak,
    debug: '{{what}} turns on debug mode: every unhandled error answers with its traceback (source lines, paths, settings){{extra}}.',
  },
  fix: {
    fastapi: "Log the error and answer generically: `logger.exception(\"create failed\"); raise HTTPException(status_code=500, detail=\"Internal server error\")`; keep `FastAPI(debug=False)` (the default) outside development.",
    'django-rest-framework': "Log the error and answer generically: `logger.exception(\"create failed\"); return Response({\"detail\": \"Internal server error\"}, status=500)`; set `DEBUG = False` in production settings (from the environment).",
    flask: "Log the error and answer generically: `app.logger.exception(\"create failed\"); return jsonify(error=\"Internal server error\"), 500`; never `app.run(debug=True)` outside development (the Werkzeug debugger runs code).",
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const name = `${endpoint.method} ${endpoint.route}`;

    const debug = appFilesOf(endpoint).map(debugSwitch).find((found) => found !== undefined);
    if (debug !== undefined) {
      context.report({ messageId: 'debug', node: debug.node, data: { what: debug.what, extra: endpoint.framework === 'flask' ? ", and Werkzeug's interactive debugger lets anyone who triggers an error run code" : '' } });
      return;
    }

    let handled: PyNode | undefined;
    for (const clause of index.nodesOfType('except_clause', endpoint.scopes)) {
      const { errorName, types } = caught(endpoint, clause);
      const block = namedChildren(clause).find((child) => child.type === 'block');
      if (block === undefined) continue;
      for (const answer of answersIn(endpoint, block)) {
        const leak = leakIn(endpoint, answer, errorName);
        if (leak === undefined) continue;
        if (leak.kind === 'error' && types.length > 0 && types.every((type) => CLIENT_ERROR.test(type) || ownException(endpoint, type)) && !isServerError(endpoint, answer)) continue;
        context.report({ messageId: 'leak', node: answer, data: { endpoint: name, what: leak.what } });
        return;
      }
      handled ??= clause;
    }
    // A traceback outside an except clause is just as telling.
    for (const call of index.callsNamed(TRACEBACK_CALL, endpoint.scopes)) {
      const answer = answersIn(endpoint, endpoint.handler ?? call).find((candidate) => candidate.pos <= call.pos && candidate.end >= call.end);
      if (answer !== undefined) {
        context.report({ messageId: 'leak', node: answer, data: { endpoint: name, what: `the traceback (\`${plainCalleePath(call)}()\`)` } });
        return;
      }
    }
    if (handled !== undefined) {
      context.pass('output.errors', { node: handled, note: 'errors caught here are answered without their details' });
      return;
    }
    const app = appCreation(endpoint);
    if (app !== undefined) {
      const where = fileOfNode(app) === endpoint.file ? 'in this file' : `in ${fileOfNode(app)}`;
      context.pass('output.errors', { node: app, note: `${plainCalleePath(app)}() runs without debug ${where}: unhandled errors get the framework's generic 500` });
      return;
    }
    if (endpoint.settingsFile !== undefined) {
      const settings = endpoint.settingsFile;
      const setting = moduleAssignments(settings).get('DEBUG');
      if (setting === undefined || booleanValue(setting.value) === false) {
        context.pass('output.errors', { node: setting?.node, file: settings.path, line: setting?.node.line ?? 1, note: `${setting === undefined ? `${settings.path} leaves DEBUG unset (Django's default: False)` : `DEBUG = False in ${settings.path}`}: unhandled errors get a generic 500` });
        return;
      }
      context.unknown('output.errors', `the endpoint sends no error details itself; DEBUG in ${settings.path} is \`${settings.textOf(setting.value).replace(/\s+/g, ' ').slice(0, 60)}\`, decided at deploy time: check that it is False in production`);
      return;
    }
    const where = endpoint.framework === 'django-rest-framework' ? '`DEBUG` in the Django settings' : endpoint.framework === 'fastapi' ? 'the `FastAPI(debug=...)` of the app, created in another file' : "the app's `debug` setting, in another file";
    context.unknown('output.errors', `the endpoint sends no error details itself; whether unhandled errors answer with a traceback depends on ${where}`);
  },
});

/** `except (A, B) as e`: the bound name and the caught type names ([] for a bare `except:` or `Exception`). */
function caught(endpoint: PyEndpoint, clause: PyNode): { errorName?: string; types: string[] } {
  const { index } = endpoint;
  const text = index.textOf(clause).split(':')[0];
  // No two parts of the pattern can take the same whitespace: the former `[\w.,\s]*?\)?\s*...\s*$` backtracked
  // cubically (600 spaces in an except clause took 45 s; test/security/regex-backtracking.test.ts found it).
  const match = /^except(?:\s*\(([^)]*)\)|\s+([\w.]+(?:\s*,\s*[\w.]+)*))?\s*(?:as\s+(\w+))?$/.exec(text.trim());
  if (match === null) return { types: [] };
  const types = (match[1] ?? match[2] ?? '').split(',').map((type) => lastSegment(type.trim())).filter((type) => type !== '' && type !== 'Exception' && type !== 'BaseException');
  return { errorName: match[3], types };
}

function ownException(endpoint: PyEndpoint, type: string): boolean {
  return classesByName(endpoint.index).has(type);
}

/** Answers inside `node`: returned values, response calls, raised HTTP errors. */
function answersIn(endpoint: PyEndpoint, node: PyNode): PyNode[] {
  const { index } = endpoint;
  const scope = [{ pos: node.pos, end: node.end }];
  const found: PyNode[] = [...index.nodesOfType('return_statement', scope).filter((statement) => statement.children.length > 1)];
  for (const call of index.callsNamed(ANSWER_CALL, scope)) if (!found.some((outer) => outer.pos <= call.pos && outer.end >= call.end)) found.push(call);
  return found.sort((a, b) => a.pos - b.pos);
}

/** What of the error an answer carries: the error itself (`str(e)`, `f"{e}"`, `e.args`) or a traceback. */
function leakIn(endpoint: PyEndpoint, answer: PyNode, errorName: string | undefined): { kind: 'error' | 'traceback'; what: string } | undefined {
  const { index } = endpoint;
  const scope = [{ pos: answer.pos, end: answer.end }];
  const traceback = index.callsNamed(TRACEBACK_CALL, scope)[0];
  if (traceback !== undefined) return { kind: 'traceback', what: `the traceback (\`${plainCalleePath(traceback)}()\`)` };
  if (errorName === undefined) return undefined;
  for (const identifier of index.nodesOfType('identifier', scope)) {
    if (identifier.name !== errorName || identifier.field === 'attribute' || identifier.field === 'name') continue;
    const parent = identifier.parent;
    // `e.status_code` / `e.code` / `e.detail` are chosen for clients; the message and args are not.
    if (parent?.type === 'attribute' && identifier.field === 'object' && !/^(?:args|message|msg|__traceback__|__cause__|__context__|orig|strerror|filename)$/.test(childByField(parent, 'attribute')?.name ?? '')) continue;
    const wrapper = parent?.type === 'argument_list' ? parent.parent : undefined;
    const shown = wrapper?.type === 'call' && /^(?:str|repr|format)$/.test(calleeName(wrapper)) ? index.textOf(wrapper) : parent?.type === 'attribute' ? index.textOf(parent) : parent?.type === 'interpolation' ? `{${errorName}}` : errorName;
    return { kind: 'error', what: `the error's text (\`${shown}\`)` };
  }
  return undefined;
}

/** A 5xx answer, or one with no status (500 for a raised error, 200 for a returned body). */
function isServerError(endpoint: PyEndpoint, answer: PyNode): boolean {
  const text = endpoint.index.textOf(answer);
  const status = /(?:status_code|status)\s*=\s*(?:status\.HTTP_)?(\d{3})/.exec(text) ?? /^(?:HTTPException|abort)\((\d{3})/.exec(text) ?? /,\s*(\d{3})\s*\)?\s*$/.exec(text);
  return status === null || Number(status[1]) >= 500;
}

/** Debug mode switched on in a file (the endpoint's, its entry file or its Django settings). */
function debugSwitch(index: PySourceIndex): { node: PyNode; what: string } | undefined {
  return index.memo('py:debugSwitch', () => fileDebugSwitch(index));
}

function fileDebugSwitch(index: PySourceIndex): { node: PyNode; what: string } | undefined {
  const debug = moduleAssignments(index).get('DEBUG');
  if (debug !== undefined && booleanValue(debug.value) === true) return { node: debug.node, what: '`DEBUG = True`' };
  for (const call of index.callsNamed(APP_OR_RUN_CALL)) {
    if (booleanValue(keywordArgument(call, 'debug')) === true) return { node: call, what: `\`${plainCalleePath(call)}(debug=True)\`` };
  }
  // `app.config.update(DEBUG=True)`, `app.config.from_mapping(DEBUG=True, ...)`.
  for (const call of index.callsNamed(CONFIG_UPDATE_CALL)) {
    if (/\.config$/.test(expressionPath(childByField(childByField(call, 'function')!, 'object') ?? call, false)) && booleanValue(keywordArgument(call, 'DEBUG')) === true) return { node: call, what: `\`${index.textOf(call).replace(/\s+/g, ' ').slice(0, 60)}\`` };
  }
  for (const assignment of index.nodesOfType('assignment')) {
    const left = childByField(assignment, 'left');
    const right = childByField(assignment, 'right');
    if (left === undefined || booleanValue(right) !== true) continue;
    const path = left.type === 'subscript' ? `${expressionPath(childByField(left, 'value')!, false)}[${stringValue(childByField(left, 'subscript'), index) ?? ''}]` : expressionPath(left, false);
    if (/^\w+\.debug$/.test(path) || /^\w+\.config\[DEBUG\]$/.test(path)) return { node: assignment, what: `\`${index.textOf(assignment)}\`` };
  }
  return undefined;
}

/** The app created in this file or the entry file read for it (`FastAPI()`, `Flask(__name__)`), whose debug setting is then known. */
function appCreation(endpoint: PyEndpoint): PyNode | undefined {
  if (endpoint.framework === 'django-rest-framework') return undefined;
  const pattern = endpoint.framework === 'fastapi' ? FASTAPI_APP_CALL : FLASK_APP_CALL;
  return endpoint.index.callsNamed(pattern)[0] ?? endpoint.entryFile?.callsNamed(pattern)[0];
}
