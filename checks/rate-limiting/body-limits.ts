/**
 * How large a request body an endpoint accepts, per framework: Express and
 * Koa body parsers (`express.json({ limit })`, 100 kB / 1 MB by default),
 * Fastify `bodyLimit` (1 MiB by default), the Next.js Pages
 * `config.api.bodyParser.sizeLimit` (1 MB by default), Hono's `bodyLimit`
 * middleware (no limit without it), and a `content-length` check in code.
 */
import { ts, SyntaxKind, getDecorators, isBinaryExpression, isCallExpression, isIdentifier, isNoSubstitutionTemplateLiteral, isNumericLiteral, isObjectLiteralExpression, isPropertyAccessExpression, isStatement, isStringLiteral } from '../lang/ts/parse.js';
import { calleeName, expressionPath, plainCalleePath, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from '../frameworks/endpoint.js';
import { bootstrapCandidates } from '../frameworks/express-mounts.js';
import { nestFactoryCall } from '../logging/nest-app-logging.js';
import type { ProjectContext } from '../project-context.js';
import { propertyOf } from './limiter-signals.js';

/** Above this a JSON or form body is a memory and CPU lever, not a payload. */
export const LARGE_BODY_BYTES = 10 * 1024 * 1024;

export type BodyLimit =
  | { kind: 'bounded'; node: ts.Node; note: string }
  | { kind: 'large'; node: ts.Node; index: SourceIndex; size: string }
  | { kind: 'unbounded'; node: ts.Node; note: string }
  | { kind: 'unknown'; reason: string };

const UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, kib: 1024, mb: 1024 ** 2, m: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3, gib: 1024 ** 3 };

/** Bytes of a size as the body parsers take it: `1048576`, `'50mb'`, `1_048_576`, `10 * 1024 * 1024`, `Infinity`. */
export function sizeInBytes(node: ts.Expression): number | undefined {
  const value = unwrapExpression(node);
  if (isNumericLiteral(value)) return Number(value.text.replace(/_/g, ''));
  if (isStringLiteral(value) || isNoSubstitutionTemplateLiteral(value)) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value.text);
    if (match === null) return undefined;
    const unit = UNITS[match[2].toLowerCase() || 'b'];
    return unit === undefined ? undefined : Number(match[1]) * unit;
  }
  if (isIdentifier(value) && value.text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (isPropertyAccessExpression(value) && /^Number\.(?:MAX_SAFE_INTEGER|MAX_VALUE|POSITIVE_INFINITY)$/.test(expressionPath(value))) return Number.POSITIVE_INFINITY;
  if (isBinaryExpression(value) && value.operatorToken.kind === SyntaxKind.AsteriskToken) {
    const left = sizeInBytes(value.left);
    const right = sizeInBytes(value.right);
    return left === undefined || right === undefined ? undefined : left * right;
  }
  return undefined;
}

/** The request body is read: `req.body`, `await request.json()`, `c.req.json()`, `ctx.request.body`, Nest `@Body()`. */
export function bodyRead(endpoint: Endpoint): ts.Node | undefined {
  // No file-wide hint first: nearly every file names a body, json or text, so the hint only cost its lookups.
  const { index, scopes } = endpoint;
  for (const access of index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, scopes)) {
    if (access.name.text === 'body' && /^(?:req|request|ctx\.request|context\.request|event)$/.test(expressionPath(access.expression))) return access;
  }
  for (const call of index.callsNamed(/^(?:json|formData|text|arrayBuffer|blob|parseBody|valid)$/, scopes)) {
    const path = plainCalleePath(call);
    if (/^(?:req|request|c\.req|ctx\.req)\.(?:json|formData|text|arrayBuffer|blob|parseBody)$/.test(path)) return call;
    if (path === 'c.req.valid' && /^['"`](?:json|form)['"`]$/.test(call.arguments[0] === undefined ? '' : index.textOf(call.arguments[0]))) return call;
  }
  if (endpoint.framework === 'nestjs' && endpoint.handler !== undefined) {
    for (const parameter of endpoint.handler.parameters) {
      const decorator = (getDecorators(parameter) ?? []).find((candidate) => isCallExpression(candidate.expression) && calleeName(candidate.expression) === 'Body');
      if (decorator !== undefined) return decorator;
    }
  }
  return undefined;
}

/** Body parsers as middleware: `express.json(...)`, `bodyParser.urlencoded(...)`, `json()`, `koaBody(...)`, `bodyParser()`. */
const BODY_PARSER = /^(?:express|bodyParser|bodyparser|BodyParser)\.(?:json|urlencoded|raw|text)$|^(?:json|urlencoded|koaBody|bodyParser|bodyparser)$/;
/** The option that bounds each parser's body: body-parser `limit`, koa-body / koa-bodyparser `jsonLimit` and friends. */
const LIMIT_OPTIONS = ['limit', 'jsonLimit', 'formLimit', 'textLimit'];
const DEFAULT_PARSER_LIMIT: Record<string, string> = { express: '100 kB (body-parser)', koa: '1 MB (koa-bodyparser / koa-body JSON)' };

function parserCall(control: Control, endpointIndex: SourceIndex): { call: ts.CallExpression; index: SourceIndex } | undefined {
  const index = control.index ?? endpointIndex;
  // A router's middleware is a control of each of its routes: read once per control node of the file.
  const known = index.memo('bodyParserCalls', () => new Map<ts.Node, { call: ts.CallExpression; index: SourceIndex } | null>());
  let found = known.get(control.node);
  if (found === undefined) {
    found = computeParserCall(control, index) ?? null;
    known.set(control.node, found);
  }
  return found ?? undefined;
}

function computeParserCall(control: Control, index: SourceIndex): { call: ts.CallExpression; index: SourceIndex } | undefined {
  let node = unwrapExpression(control.node as ts.Expression);
  if (isIdentifier(node)) {
    const initializer = variablesByName(index).get(node.text)?.initializer;
    if (initializer === undefined) return undefined;
    node = unwrapExpression(initializer);
  }
  if (!isCallExpression(node) || !BODY_PARSER.test(plainCalleePath(node))) return undefined;
  return { call: node, index };
}

/** What a body parser call says about the limit, whichever endpoint it runs for. */
interface ParserFacts {
  /** The first limit option above LARGE_BODY_BYTES. */
  large?: BodyLimit & { kind: 'large' };
  /** The call as written on one line, when it sets a limit option. */
  explicit?: string;
}

/** A router's parser runs for each of its routes: its options are read once per call. */
function parserFacts(call: ts.CallExpression, index: SourceIndex): ParserFacts {
  const known = index.memo('bodyParserFacts', () => new Map<ts.CallExpression, ParserFacts>());
  let facts = known.get(call);
  if (facts === undefined) {
    facts = computeParserFacts(call, index);
    known.set(call, facts);
  }
  return facts;
}

function computeParserFacts(call: ts.CallExpression, index: SourceIndex): ParserFacts {
  const facts: ParserFacts = {};
  const options = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
  if (options !== undefined && isObjectLiteralExpression(options)) {
    for (const option of LIMIT_OPTIONS) {
      const value = propertyOf(options, option);
      if (value === undefined) continue;
      const bytes = sizeInBytes(value);
      if (bytes !== undefined && bytes > LARGE_BODY_BYTES) {
        facts.large = { kind: 'large', node: value, index, size: index.textOf(value) };
        break;
      }
    }
  }
  if (call.arguments[0] !== undefined && /\b(?:limit|jsonLimit|formLimit|textLimit)\s*:/.test(index.textOf(call.arguments[0]))) facts.explicit = index.textOf(call).replace(/\s+/g, ' ');
  return facts;
}

/** Express and Koa: the body parsers among the controls, and the largest limit they set. */
function parserLimit(endpoint: Endpoint): BodyLimit {
  const parsers = endpoint.controls.map((control) => parserCall(control, endpoint.index)).filter((found) => found !== undefined);
  if (parsers.length === 0) {
    return { kind: 'unknown', reason: 'no body parser was found among the middleware that runs for it (the app entry file may register one), so its size limit could not be read' };
  }
  for (const { call, index } of parsers) {
    const large = parserFacts(call, index).large;
    if (large !== undefined) return large;
  }
  const { call, index } = parsers[0];
  const explicit = parserFacts(call, index).explicit;
  const where = index === endpoint.index ? '' : ` in ${index.path}`;
  const note = explicit !== undefined ? `${explicit} bounds the body${where}` : `${expressionPath(call.expression)}() keeps its default limit of ${DEFAULT_PARSER_LIMIT[endpoint.framework] ?? 'its parser'}${where}`;
  return { kind: 'bounded', node: call, note };
}

/** Fastify: the route's `bodyLimit`, else the server's (`Fastify({ bodyLimit })`, in this file or the entry file). */
function fastifyLimit(endpoint: Endpoint, project: ProjectContext): BodyLimit {
  const registration = endpoint.registration as ts.CallExpression;
  for (const argument of registration.arguments) {
    const options = unwrapExpression(argument);
    if (!isObjectLiteralExpression(options)) continue;
    const value = propertyOf(options, 'bodyLimit');
    if (value !== undefined) return judgeSize(value, endpoint.index, 'route option bodyLimit');
  }
  for (const index of fastifyServerFiles(endpoint, project)) {
    const factory = fastifyFactoryOptions(index);
    if (factory === undefined) continue;
    const value = factory.options === undefined ? undefined : propertyOf(factory.options, 'bodyLimit');
    if (value !== undefined) return judgeSize(value, index, `Fastify({ bodyLimit }) in ${index.path}`);
    return { kind: 'bounded', node: factory.call, note: `Fastify's default bodyLimit of 1 MiB applies (the server in ${index.path} does not raise it)` };
  }
  return { kind: 'unknown', reason: `the Fastify server is created in a file that was not read (e.g. ${bootstrapCandidates(endpoint.file).slice(0, 2).join(' or ')}); its bodyLimit decides (1 MiB by default)` };
}

/** Where a Fastify route's server may be created: its own file, then the entry files the engine loaded. */
function fastifyServerFiles(endpoint: Endpoint, project: ProjectContext): SourceIndex[] {
  const files: SourceIndex[] = [endpoint.index];
  for (const candidate of bootstrapCandidates(endpoint.file)) {
    const file = project.get(candidate);
    if (file?.status === 'found') files.push(file.index);
  }
  return files;
}

function fastifyFactoryOptions(index: SourceIndex): { call: ts.CallExpression; options?: ts.ObjectLiteralExpression } | undefined {
  return index.memo('fastifyFactoryOptions', () => {
    for (const variable of variablesByName(index).values()) {
      const initializer = variable.initializer === undefined ? undefined : unwrapExpression(variable.initializer);
      if (initializer === undefined || !isCallExpression(initializer) || !/^(?:fastify|Fastify)$/.test(expressionPath(initializer.expression))) continue;
      const options = initializer.arguments[0] === undefined ? undefined : unwrapExpression(initializer.arguments[0]);
      return { call: initializer, options: options !== undefined && isObjectLiteralExpression(options) ? options : undefined };
    }
    return undefined;
  });
}

function judgeSize(value: ts.Expression, index: SourceIndex, what: string): BodyLimit {
  const bytes = sizeInBytes(value);
  if (bytes !== undefined && bytes > LARGE_BODY_BYTES) return { kind: 'large', node: value, index, size: index.textOf(value) };
  return { kind: 'bounded', node: value, note: `${what}: ${index.textOf(value)}` };
}

/** Next.js Pages: `export const config = { api: { bodyParser: { sizeLimit } } }`, 1 MB when absent. */
function pagesLimit(endpoint: Endpoint): BodyLimit {
  const index = endpoint.index;
  const config = variablesByName(index).get('config')?.initializer;
  const object = config === undefined ? undefined : unwrapExpression(config);
  const api = object !== undefined && isObjectLiteralExpression(object) ? propertyOf(object, 'api') : undefined;
  const parser = api !== undefined && isObjectLiteralExpression(api) ? propertyOf(api, 'bodyParser') : undefined;
  if (parser !== undefined && parser.kind === SyntaxKind.FalseKeyword) {
    return { kind: 'unknown', reason: `\`bodyParser: false\` (line ${index.lineOf(parser)}) turns Next.js body parsing off; how much the handler reads from the stream decides the limit` };
  }
  const size = parser !== undefined && isObjectLiteralExpression(parser) ? propertyOf(parser, 'sizeLimit') : undefined;
  if (size !== undefined) return judgeSize(size, index, 'config.api.bodyParser.sizeLimit');
  return { kind: 'bounded', node: endpoint.registration, note: 'Next.js parses API route bodies up to its default sizeLimit of 1 MB' };
}

/** `if (Number(req.headers.get('content-length')) > MAX)`: a size check in code. */
function contentLengthCheck(endpoint: Endpoint): ts.Node | undefined {
  for (const literal of endpoint.index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral, endpoint.scopes)) {
    if (literal.text.toLowerCase() !== 'content-length') continue;
    for (let node: ts.Node | undefined = literal.parent, depth = 0; node !== undefined && depth < 8; node = node.parent, depth++) {
      if (isBinaryExpression(node) && [SyntaxKind.GreaterThanToken, SyntaxKind.GreaterThanEqualsToken, SyntaxKind.LessThanToken, SyntaxKind.LessThanEqualsToken].includes(node.operatorToken.kind)) return node;
      if (isStatement(node)) break;
    }
  }
  return undefined;
}

/** The body size limit that applies to an endpoint that reads a body. */
export function bodyLimitFor(endpoint: Endpoint, project: ProjectContext): BodyLimit {
  const checked = contentLengthCheck(endpoint);
  if (checked !== undefined) return { kind: 'bounded', node: checked, note: `the handler checks content-length: ${endpoint.index.textOf(checked)}` };
  switch (endpoint.framework) {
    case 'express':
    case 'koa':
      return parserLimit(endpoint);
    case 'fastify':
      return fastifyLimit(endpoint, project);
    case 'nextjs-pages':
      return pagesLimit(endpoint);
    case 'hono': {
      const limiter = endpoint.controls.find((control) => /(?:^|\.)bodyLimit$/.test(control.name));
      if (limiter !== undefined) {
        const call = unwrapExpression(limiter.node as ts.Expression);
        const size = isCallExpression(call) && call.arguments[0] !== undefined && isObjectLiteralExpression(unwrapExpression(call.arguments[0])) ? propertyOf(unwrapExpression(call.arguments[0]) as ts.ObjectLiteralExpression, 'maxSize') : undefined;
        if (size !== undefined) return judgeSize(size, limiter.index ?? endpoint.index, 'bodyLimit({ maxSize })');
        return { kind: 'bounded', node: limiter.node, note: `${limiter.name} middleware` };
      }
      return { kind: 'unbounded', node: endpoint.registration, note: 'Hono reads any body size unless the bodyLimit middleware (hono/body-limit) runs first' };
    }
    case 'nextjs-app-router':
      return { kind: 'unknown', reason: 'Next.js route handlers do not limit request bodies themselves; the hosting platform decides (4.5 MB on Vercel, none when self-hosted) unless the handler checks content-length' };
    case 'nestjs':
      return nestLimit(endpoint);
    default:
      return { kind: 'unknown', reason: `the body size limit of a ${endpoint.framework} endpoint is set by its adapter, which was not read` };
  }
}

/**
 * Nest parses bodies with body-parser's 100 kB default unless main.ts turns
 * the parser off (`NestFactory.create(AppModule, { bodyParser: false })`, then
 * whatever replaces it decides) or sets a limit (`app.useBodyParser('json', { limit })`).
 */
function nestLimit(endpoint: Endpoint): BodyLimit {
  const main = endpoint.nestApp?.main;
  if (main === undefined) {
    return { kind: 'unknown', reason: "Nest's body parser keeps body-parser's 100 kB default unless main.ts changes it (NestFactory.create options, app.useBodyParser), and main.ts was not found" };
  }
  const create = nestFactoryCall(main);
  const options = create?.arguments[1] === undefined ? undefined : unwrapExpression(create.arguments[1]);
  const parser = options !== undefined && isObjectLiteralExpression(options) ? propertyOf(options, 'bodyParser') : undefined;
  for (const call of main.callsNamed(/^useBodyParser$/)) {
    const settings = call.arguments[1] === undefined ? undefined : unwrapExpression(call.arguments[1]);
    const limit = settings !== undefined && isObjectLiteralExpression(settings) ? propertyOf(settings, 'limit') : undefined;
    if (limit !== undefined) return judgeSize(limit, main, `app.useBodyParser(..., { limit }) in ${main.path}`);
  }
  if (parser !== undefined && parser.kind === SyntaxKind.FalseKeyword) {
    return { kind: 'unknown', reason: `${main.path} turns Nest's body parser off (bodyParser: false); the parser that replaces it was not judged` };
  }
  return { kind: 'bounded', node: create ?? main.sourceFile, note: `${main.path} keeps Nest's body parser with body-parser's 100 kB default limit` };
}

export type RequestTimeout = { kind: 'set'; node: ts.Node; note: string } | { kind: 'unset'; node: ts.Node; file: string } | undefined;

/**
 * Fastify's `requestTimeout` (and `connectionTimeout`) default to 0, no limit:
 * Fastify's docs ask for a non-zero value when no reverse proxy sits in front,
 * or a client that sends its request slowly holds a connection and a parser
 * forever. Node's own http server (Express, Koa, Nest) has had a 300 s
 * requestTimeout since Node 18, so only Fastify is judged. Undefined when the
 * endpoint is not Fastify or its server was not read.
 */
export function fastifyRequestTimeout(endpoint: Endpoint, project: ProjectContext): RequestTimeout {
  if (endpoint.framework !== 'fastify') return undefined;
  for (const index of fastifyServerFiles(endpoint, project)) {
    const factory = fastifyFactoryOptions(index);
    if (factory === undefined) continue;
    for (const option of ['requestTimeout', 'connectionTimeout']) {
      const value = factory.options === undefined ? undefined : propertyOf(factory.options, option);
      if (value !== undefined && !(isNumericLiteral(unwrapExpression(value)) && Number((unwrapExpression(value) as ts.NumericLiteral).text) === 0)) {
        return { kind: 'set', node: value, note: `Fastify({ ${option}: ${index.textOf(value)} }) in ${index.path} bounds how long a request may take to arrive` };
      }
    }
    return { kind: 'unset', node: factory.call, file: index.path };
  }
  return undefined;
}
