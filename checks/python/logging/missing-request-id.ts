/**
 * missing-request-id for Python (logging.request-id): the TypeScript check's
 * idea and id. A request id assigned and passed on: asgi-correlation-id
 * `CorrelationIdMiddleware`, starlette-context's `RequestIdPlugin`, an HTTP
 * middleware or `after_request` hook that sets `X-Request-ID`,
 * flask-request-id / flask-log-request-id `RequestID(app)`, django-guid or
 * django-log-request-id named in the file. An id generated in the handler
 * and never sent nor bound to a logger is a finding of its own.
 */
import logCheck from '../../logging/missing-request-id.js';
import { calleeName, childByField, decoratorsOf, expressionPath, moduleAssignments, sequenceElements, stringValue } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import { appFilesOf, type PyEndpoint } from '../endpoint.js';
import { appInFile } from './rejection-sites.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const REQUEST_ID_SETUP_CALL = /^(?:add_middleware|RequestID|init_app)$/;

/** Packages and middleware that assign request ids. */
const REQUEST_ID_PACKAGE = /^(?:CorrelationIdMiddleware|RequestIdPlugin|RequestID|RequestIDMiddleware|RequestIdMiddleware|GuidMiddleware|guid_middleware|RequestIDMiddleware)$/;
const REQUEST_ID_TEXT = /x-request-id|x-correlation-id|django_guid|log_request_id|request_id\.middleware|asgi_correlation_id/i;
const ID_GENERATOR = /^(?:uuid4|uuid1|token_hex|token_urlsafe|ulid|new)$/;

export default createPyCheck({
  id: 'missing-request-id',
  items: ['logging.request-id'],
  ...siblingMetadata(logCheck),
  messages: logCheck.messages,
  fix: {
    fastapi: 'Add asgi-correlation-id: `app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")` (it reads or generates the id, returns it in the response header) and its `CorrelationIdFilter` on the log handler so every log line carries it.',
    'django-rest-framework': "Add django-guid (`'django_guid.middleware.guid_middleware'` first in `MIDDLEWARE`, `DJANGO_GUID = {'GUID_HEADER_NAME': 'X-Request-ID', 'RETURN_HEADER': True}`) with its `CorrelationId` log filter, or django-log-request-id.",
    flask: "Give every request an id: `RequestID(app)` from flask-request-id-header, or a `@app.before_request` that sets `g.request_id = request.headers.get('X-Request-ID') or uuid4().hex` with an `@app.after_request` that returns it in `X-Request-ID`, and a log filter that adds `g.request_id`.",
    default: logCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const name = `${endpoint.method} ${endpoint.route}`;
    const unused = unusedId(endpoint);
    if (unused !== undefined) {
      context.report({ messageId: 'unused', node: unused });
      return;
    }
    for (const index of appFilesOf(endpoint)) {
      const signal = requestIdSignal(index);
      if (signal !== undefined) {
        context.pass('logging.request-id', { ...signal, note: index === endpoint.index ? signal.note : `${signal.note} in ${index.path}` });
        return;
      }
    }
    if (endpoint.framework === 'django-rest-framework') {
      const settings = endpoint.settingsFile;
      if (settings === undefined) {
        context.unknown('logging.request-id', 'request ids in Django come from MIDDLEWARE in the settings (django-guid, django-log-request-id), and the settings were not found; check that one is installed and returns X-Request-ID');
        return;
      }
      const middleware = moduleAssignments(settings).get('MIDDLEWARE');
      const custom = middleware === undefined ? undefined : (sequenceElements(middleware.value) ?? []).map((element) => stringValue(element, settings) ?? '').find((path) => /request_?id|correlation|guid|trace/i.test(path));
      if (custom !== undefined) {
        context.pass('logging.request-id', { node: middleware!.node, file: settings.path, line: middleware!.node.line, note: `MIDDLEWARE in ${settings.path} installs ${custom}` });
        return;
      }
      const where = middleware === undefined ? `${settings.path} sets no MIDDLEWARE` : `MIDDLEWARE in ${settings.path} installs no request-id middleware`;
      context.report({ messageId: 'missing', node: endpoint.registration, line: endpoint.line, endLine: endpoint.line, data: { endpoint: name, note: ` (${where})` } });
      return;
    }
    if (appInFile(endpoint) === undefined && endpoint.entryFile === undefined) {
      context.unknown('logging.request-id', `the ${endpoint.framework === 'fastapi' ? 'FastAPI' : 'Flask'} app is created in another file, whose middleware decides whether requests get an id`);
      return;
    }
    const note = appInFile(endpoint) === undefined && endpoint.entryFile !== undefined ? ` (the app in ${endpoint.entryFile.path} adds no request-id middleware)` : '';
    context.report({ messageId: 'missing', node: endpoint.registration, line: endpoint.line, endLine: endpoint.line, data: { endpoint: name, note } });
  },
});

/** What assigns and passes on a request id in a file (the same for every endpoint of the file: computed once). */
function requestIdSignal(index: PySourceIndex): { node: PyNode; note: string } | undefined {
  return index.memo('py:requestIdSignal', () => fileRequestIdSignal(index));
}

function fileRequestIdSignal(index: PySourceIndex): { node: PyNode; note: string } | undefined {
  // In document order, as index.calls() gives them (outer call first).
  for (const call of index.callsNamed(REQUEST_ID_SETUP_CALL)) {
    const text = index.textOf(call);
    const package_ = /\b(CorrelationIdMiddleware|RequestIdPlugin|RequestIDMiddleware|RequestIdMiddleware|RequestID)\b/.exec(text);
    if (package_ !== null && REQUEST_ID_PACKAGE.test(package_[1])) return { node: call, note: `${package_[1]} assigns every request an id and returns it (\`${text.replace(/\s+/g, ' ').slice(0, 70)}\`)` };
  }
  // An HTTP middleware or after_request hook that sets the header.
  for (const fn of index.nodesOfType('function_definition')) {
    const hook = decoratorsOf(fn).find((decorator) => /^(?:middleware|after_request|before_request)$/.test(decorator.type === 'call' ? calleeName(decorator) : (expressionPath(decorator, false).split('.').pop() ?? '')));
    if (hook === undefined) continue;
    const body = index.textOf(fn);
    if (/x-request-id|x-correlation-id/i.test(body) && /headers\s*\[|headers\.(?:set|add)\(|\.headers\.update/.test(body)) return { node: hook, note: `the hook at line ${hook.line} sets the X-Request-ID header` };
  }
  for (const statement of index.root.children) {
    const text = index.textOf(statement);
    // An import alone installs nothing; a MIDDLEWARE list naming the package does.
    if (statement.type === 'import_statement' || statement.type === 'import_from_statement') continue;
    // The literal first: the alternation would scan every class and function of the file.
    if (/MIDDLEWARE/.test(text) && REQUEST_ID_TEXT.test(text)) return { node: statement, note: `MIDDLEWARE installs request ids (line ${statement.line})` };
  }
  return undefined;
}

/** `request_id = uuid4()` in the handler, then neither sent in a header nor given to a logger. */
function unusedId(endpoint: PyEndpoint): PyNode | undefined {
  const { index } = endpoint;
  for (const assignment of index.nodesOfType('assignment', endpoint.scopes)) {
    const left = childByField(assignment, 'left');
    const right = childByField(assignment, 'right');
    if (left?.type !== 'identifier' || !/request_?id|correlation_?id|trace_?id/i.test(left.name ?? '') || right === undefined) continue;
    if (!index.calls([{ pos: right.pos, end: right.end }]).some((call) => ID_GENERATOR.test(calleeName(call)))) continue;
    const uses = index.nodesOfType('identifier', endpoint.scopes).filter((identifier) => identifier.name === left.name && identifier.pos > assignment.end);
    const passedOn = uses.some((use) => {
      for (let current = use.parent; current !== undefined && current.type !== 'block'; current = current.parent) {
        const text = index.textOf(current);
        if (/headers|bind|contextvars|extra\s*=|logger|log\.|logging|structlog|g\.|set\(|\bcontext\b|return\b/.test(text)) return true;
      }
      return false;
    });
    if (!passedOn) return assignment;
  }
  return undefined;
}
