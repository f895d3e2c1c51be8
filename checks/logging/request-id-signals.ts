/**
 * How a request gets an id that follows it through the logs and back to the
 * caller: request-id middleware (express-request-id, cls-rtracer,
 * hono/request-id, koa-requestid, nestjs-cls), pino-http (`genReqId`), a
 * middleware or handler that sets `X-Request-ID` or binds an id to a child
 * logger, Fastify's built-in `request.id`.
 */
import { ts, SyntaxKind, isBinaryExpression, isCallExpression, isIdentifier, isObjectLiteralExpression, isPropertyAccessExpression, isStringLiteral, isVariableDeclaration } from '../lang/ts/parse.js';
import { calleeName, expressionPath, importSources, plainCalleePath, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Control } from '../frameworks/endpoint.js';
import { propertyOf } from '../rate-limiting/limiter-signals.js';
import { fileMentions } from '../rate-limiting/text-hints.js';
import { KeySlots } from '../lang/key-slots.js';

export interface RequestIdSignal {
  node: ts.Node;
  note: string;
}

const REQUEST_ID_MODULE = /^(?:express-request-id|cls-rtracer|hono\/request-id|koa-requestid|@koa\/request-id|koa-request-id|express-correlation-id|correlation-id|request-id|nestjs-cls|@fastify\/request-context|express-http-context|@nestjs-cls\/.+)$/;
const PINO_HTTP_MODULE = /^(?:pino-http|express-pino-logger|hono-pino|koa-pino-logger|nestjs-pino)$/;
/** Middleware names that assign request ids by convention. */
const REQUEST_ID_NAME = /request[-_]?id|req[-_]?id|correlation|trace[-_]?id|rtracer|requestTracer|ClsMiddleware|ClsInterceptor|ClsGuard/i;
/** Header names of request and correlation ids. */
const ID_HEADER = /^(?:x-)?(?:request|correlation|trace|amzn-trace)-id$|^traceparent$/i;
/** Properties that carry an id in a log record or a child logger's bindings. */
const ID_PROPERTY = /^(?:requestId|reqId|request_id|req_id|correlationId|correlation_id|traceId|trace_id)$/;
/**
 * Whether a text may be an id header at all: every name ID_HEADER matches ends in `d` (`-id`) or `t`
 * (`traceparent`), in either case. Asked of every string and property name of the endpoint first, the pattern
 * after, only of the few that may.
 */
function mayBeIdHeader(text: string): boolean {
  const last = text.charCodeAt(text.length - 1) | 0x20;
  return last === 0x64 /* d */ || last === 0x74 /* t */;
}
const HEADER_SETTER = /^(?:set|setHeader|header|append|appendHeader)$/;
const ID_GENERATOR = /^(?:randomUUID|uuid|v4|uuidv4|nanoid|ulid|cuid|createId|randomBytes)$/;

function rootIdentifier(expression: ts.Expression): string | undefined {
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < 16; depth++) {
    if (isIdentifier(current)) return current.text;
    if (isPropertyAccessExpression(current) || isCallExpression(current)) current = unwrapExpression(current.expression);
    else return undefined;
  }
  return undefined;
}

/** pino-http and friends: `pinoHttp({ genReqId })`, also through `const httpLogger = pinoHttp(...)`. */
function pinoHttpSignal(index: SourceIndex, node: ts.Expression): RequestIdSignal | undefined {
  let value = unwrapExpression(node);
  if (isIdentifier(value)) {
    const initializer = variablesByName(index).get(value.text)?.initializer;
    if (initializer === undefined) return undefined;
    value = unwrapExpression(initializer);
  }
  if (!isCallExpression(value)) return undefined;
  const root = rootIdentifier(value.expression);
  const source = root === undefined ? undefined : importSources(index).get(root);
  if (!(source !== undefined && PINO_HTTP_MODULE.test(source.module)) && !/^(?:pinoHttp|pinoHttpLogger|expressPino)$/.test(calleeName(value))) return undefined;
  const options = value.arguments[0] === undefined ? undefined : unwrapExpression(value.arguments[0]);
  const genReqId = options !== undefined && isObjectLiteralExpression(options) ? propertyOf(options, 'genReqId') : undefined;
  if (genReqId !== undefined) return { node: genReqId, note: `pino-http genReqId gives each request an id, bound to req.log (${index.textOf(genReqId).replace(/\s+/g, ' ').slice(0, 60)})` };
  return { node: value, note: `${expressionPath(value.expression)}() binds req.id to req.log (a per-process counter unless genReqId is set)` };
}

/** Whether a control assigns request ids: by package, pino-http, name, or what its body does. */
export function controlRequestId(control: Control, endpointIndex: SourceIndex): RequestIdSignal | undefined {
  const index = control.index ?? endpointIndex;
  // A router's middleware is a control of each of its routes: answered once per control node of the file
  // (the answer depends on the node, its name and its definition).
  const answers = index.memo('controlRequestIds', () => new Map<ts.Node, ControlRequestIdAnswer[]>());
  let known = answers.get(control.node);
  const same = known?.find((answer) => answer.name === control.name && answer.definition === control.definition && answer.definitionIndex === control.definitionIndex);
  if (same !== undefined) return same.signal;
  const signal = computeControlRequestId(control, index);
  if (known === undefined) answers.set(control.node, (known = []));
  known.push({ name: control.name, definition: control.definition, definitionIndex: control.definitionIndex, signal });
  return signal;
}

interface ControlRequestIdAnswer {
  name: string;
  definition: Control['definition'];
  definitionIndex: Control['definitionIndex'];
  signal: RequestIdSignal | undefined;
}

function computeControlRequestId(control: Control, index: SourceIndex): RequestIdSignal | undefined {
  const node = control.node as ts.Expression;
  const pino = pinoHttpSignal(index, node);
  if (pino !== undefined) return pino;
  const root = rootIdentifier(node);
  const source = root === undefined ? undefined : importSources(index).get(root);
  if (source !== undefined && REQUEST_ID_MODULE.test(source.module)) return { node, note: `${control.name} from ${source.module}` };
  if (REQUEST_ID_NAME.test(control.name)) return { node, note: `${control.name} (recognised by name)` };
  if (control.definition !== undefined) {
    const definitionIndex = control.definitionIndex ?? index;
    const inside = requestIdIn(definitionIndex, [scopeOf(control.definition)]).signal;
    if (inside !== undefined) return { node, note: `${control.name}: ${inside.note} (${definitionIndex.path}:${definitionIndex.lineOf(inside.node)})` };
  }
  return undefined;
}

export interface RequestIdInCode {
  /** The id is passed on: set as a header, bound to a child logger, or written in log records. */
  signal?: RequestIdSignal;
  /** An id is made (`const requestId = randomUUID()`) but never passed on. */
  unused?: ts.Node;
}

const idsByScopes = new KeySlots<readonly Scope[], RequestIdInCode>('requestIds');

/** Request ids in code: header set, child logger bindings, ids generated and used or not. Memoized per scopes. */
export function requestIdIn(index: SourceIndex, scopes: readonly Scope[]): RequestIdInCode {
  const cached = idsByScopes.get(scopes);
  if (cached !== undefined) return cached;
  const result = computeRequestIdIn(index, scopes);
  idsByScopes.set(scopes, result);
  return result;
}

function propertyKey(property: ts.PropertyAssignment): string {
  return isIdentifier(property.name) || isStringLiteral(property.name) ? property.name.text : '';
}

/**
 * The file's id headers, in document order: string literals set as one
 * (`res.setHeader('X-Request-ID', id)`) and properties named as one. Listed
 * once per file; each endpoint takes the first inside its scopes.
 */
function idHeaderNodes(index: SourceIndex): { setters: readonly ts.StringLiteral[]; properties: readonly ts.PropertyAssignment[] } {
  return index.memo('logging:idHeaderNodes', () => {
    const setters: ts.StringLiteral[] = [];
    for (const literal of index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral)) {
      if (!mayBeIdHeader(literal.text) || !ID_HEADER.test(literal.text)) continue;
      const call = literal.parent;
      if (call !== undefined && isCallExpression(call) && call.arguments[0] === literal && HEADER_SETTER.test(calleeName(call)) && call.arguments.length >= 2) setters.push(literal);
    }
    const properties: ts.PropertyAssignment[] = [];
    for (const property of index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment)) {
      const key = propertyKey(property);
      if (mayBeIdHeader(key) && ID_HEADER.test(key)) properties.push(property);
    }
    return { setters, properties };
  });
}

function computeRequestIdIn(index: SourceIndex, scopes: readonly Scope[]): RequestIdInCode {
  if (!fileMentions(index, 'requestIds', /[Rr]equest-?[Ii][Dd]|reqId|req_id|[Cc]orrelation|[Tt]race|randomUUID|uuid|nanoid|ulid|cuid|createId|randomBytes/)) return {};
  // The file's header setters and header properties are found once: every endpoint (and control) asks.
  const { setters, properties } = idHeaderNodes(index);
  const setter = index.nodesInScopes(setters, scopes)[0];
  if (setter !== undefined) {
    const call = setter.parent as ts.CallExpression;
    return { signal: { node: call, note: `sets the ${setter.text} header: ${index.textOf(call.expression)}(...)` } };
  }
  const property = index.nodesInScopes(properties, scopes)[0];
  if (property !== undefined) return { signal: { node: property, note: `sends the ${propertyKey(property)} header` } };
  for (const call of index.callsNamed(/^(?:child|info|warn|error|log|debug|fatal)$/, scopes)) {
    const name = calleeName(call);
    const bound = call.arguments.map((argument) => unwrapExpression(argument)).find((argument) => isObjectLiteralExpression(argument) && argument.properties.some((property) => property.name !== undefined && isIdentifier(property.name) && ID_PROPERTY.test(property.name.text)));
    if (bound !== undefined) return { signal: { node: call, note: name === 'child' ? `binds the request id to a child logger: ${index.textOf(call.expression)}(...)` : `logs with the request id: ${index.textOf(call.expression)}(...)` } };
  }
  for (const call of index.callsNamed(ID_GENERATOR, scopes)) {
    const declaration = call.parent !== undefined && isVariableDeclaration(call.parent) ? call.parent : undefined;
    if (declaration !== undefined && isIdentifier(declaration.name) && /^(?:request|req|correlation|trace)_?id$/i.test(declaration.name.text)) {
      const name = declaration.name.text;
      const used = index.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier, scopes).some((identifier) => identifier.text === name && identifier !== declaration.name);
      if (!used) return { unused: declaration };
      continue;
    }
    // `req.id = randomUUID()`: attached to the request for the loggers that read it.
    const assignment = call.parent;
    if (assignment !== undefined && isBinaryExpression(assignment) && assignment.operatorToken.kind === SyntaxKind.EqualsToken && /^(?:req|request|ctx|ctx\.state|res\.locals)\.(?:id|requestId|reqId)$/.test(expressionPath(assignment.left))) {
      return { signal: { node: assignment, note: `assigns ${index.textOf(assignment.left)} = ${plainCalleePath(call)}()` } };
    }
  }
  return {};
}

/** Fastify's own request ids: `Fastify({ genReqId, requestIdHeader, logger })`. */
export function fastifyServerIds(index: SourceIndex): RequestIdSignal | 'no-logger' | undefined {
  return index.memo('fastifyServerIds', () => {
    for (const variable of variablesByName(index).values()) {
      const initializer = variable.initializer === undefined ? undefined : unwrapExpression(variable.initializer);
      if (initializer === undefined || !isCallExpression(initializer) || !/^(?:fastify|Fastify)$/.test(expressionPath(initializer.expression))) continue;
      const options = initializer.arguments[0] === undefined ? undefined : unwrapExpression(initializer.arguments[0]);
      if (options === undefined || !isObjectLiteralExpression(options)) return 'no-logger';
      for (const key of ['genReqId', 'requestIdHeader']) {
        const value = propertyOf(options, key);
        if (value !== undefined && value.kind !== SyntaxKind.FalseKeyword) return { node: value, note: `Fastify ${key}: ${index.textOf(value).replace(/\s+/g, ' ').slice(0, 60)}` };
      }
      const logger = propertyOf(options, 'logger');
      if (logger !== undefined && logger.kind !== SyntaxKind.FalseKeyword) return { node: logger, note: 'Fastify gives every request an id (request.id) and its logger writes it with every request.log line' };
      return 'no-logger';
    }
    return undefined;
  });
}
