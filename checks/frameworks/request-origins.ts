/**
 * Which expressions of an endpoint carry data the caller chose: route
 * params, query string, body. A small tracer over the endpoint's own scopes
 * (no type checker): it binds local names to where they came from, so that
 * `const { id } = await params` makes `id` read as `params.id`, while
 * `req.user.id` or `userId` from `auth()` stay the caller's own.
 *
 * Where the request comes in depends on the framework: the handler's first
 * parameter (Express, Koa, Hono, Fastify, Next.js), the parameters a NestJS
 * handler decorates (`@Param('id') id`, `@Body() dto`, `@Req() req`), or the
 * `input` of a tRPC resolver's options (`{ ctx, input }`), whose `ctx` is the
 * server's (`ctx.session.user.id` is the caller's own id).
 */
import { ts, SyntaxKind, canHaveDecorators, getDecorators, isArrayBindingPattern, isBinaryExpression, isCallExpression, isConditionalExpression, isElementAccessExpression, isIdentifier, isNewExpression, isPropertyAccessExpression, isStringLiteral, isTemplateExpression } from '../lang/ts/parse.js';
import { calleeName, functionsByName, stringValue, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { Endpoint } from './endpoint.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { KeySlots } from '../lang/key-slots.js';

/** `request`: an object whose `params`/`query`/`body` are caller data; `data`: caller data itself. */
export interface RequestOrigin {
  /** How the code names it, e.g. `params.id`, `req.body.invoiceId`, `searchParams.get('id')`, `input.id`. */
  label: string;
  kind: 'request' | 'data';
  /**
   * For a `request` whose caller data sits under other names than an HTTP
   * request's: a tRPC resolver's options carry it in `input` only.
   */
  dataKeys?: ReadonlySet<string>;
}

/** Properties of a request object that hold what the caller sent. */
const DATA_PROPERTIES = new Set(['params', 'query', 'body', 'searchParams', 'nextUrl', 'url', 'rawBody']);
/** Properties of a request-like object that are themselves the request: `ctx.request`, `c.req`. */
const NESTED_REQUEST = new Set(['request', 'req']);
/** Methods of a request object that return caller data: `req.json()`, `c.req.param('id')`, `req.param('id')`. */
const DATA_METHODS = new Set(['json', 'formData', 'text', 'param', 'query', 'valid', 'params']);
/** Conversions that keep the caller's value: `Number(id)`, `new ObjectId(id)`, `schema.parse(body)`. */
const PASS_THROUGH_FUNCTIONS = new Set(['Number', 'String', 'BigInt', 'parseInt', 'parseFloat', 'decodeURIComponent', 'ObjectId', 'toNumber', 'toString']);
const PASS_THROUGH_METHODS = new Set(['parse', 'parseAsync', 'validate', 'validateAsync', 'validateSync', 'cast', 'toString', 'trim', 'toLowerCase', 'toUpperCase', 'ObjectId', 'createFromHexString']);
/** Methods of caller data that still give caller data: `ids.map(...).join(',')`, `id.split(',')`. */
const DATA_DERIVING_METHODS = new Set(['map', 'filter', 'slice', 'join', 'split', 'at', 'flat', 'concat']);
/** The names that hold the request by convention in helpers the handler calls with it; origins are never changed, so shared. */
const REQ: RequestOrigin = { label: 'req', kind: 'request' };
const REQUEST: RequestOrigin = { label: 'request', kind: 'request' };
/** NestJS parameter decorators that hand the handler what the caller sent, with the request part each reads. */
const NEST_DATA_DECORATORS: ReadonlyMap<string, string> = new Map([
  ['Param', 'params'],
  ['Query', 'query'],
  ['Body', 'body'],
  ['Headers', 'headers'],
]);
/** NestJS parameter decorators that hand over the whole (Express or Fastify) request. */
const NEST_REQUEST_DECORATORS = new Set(['Req', 'Request']);
/** What a tRPC resolver's options carry from the caller: the parsed `input` (`rawInput` in tRPC 10). */
const TRPC_INPUT_KEYS: ReadonlySet<string> = new Set(['input', 'rawInput']);

/** Whether `key` of a request-like origin is caller data. */
function isDataKey(origin: RequestOrigin, key: string): boolean {
  return (origin.dataKeys ?? DATA_PROPERTIES).has(key);
}

/** Whether `key` of a request-like origin is the request again (`ctx.request`); a tRPC `ctx` never is. */
function isNestedRequest(origin: RequestOrigin, key: string): boolean {
  return origin.dataKeys === undefined && NESTED_REQUEST.has(key);
}

export class RequestOrigins {
  /**
   * The answers given, by expression: several checks ask one endpoint's tracer about the same expressions.
   * A Map of this tracer's, not properties on the compiler's nodes: a property added to a node changes its
   * hidden class, which every reader of nodes (the parser's own code, every check) then has to tell apart.
   * Made on the first question.
   */
  private answers: Map<ts.Expression, RequestOrigin | undefined> | undefined;

  constructor(private readonly bindings: ReadonlyMap<string, RequestOrigin>) {}

  /** Where an expression comes from, when it comes from the request. */
  of(expression: ts.Expression): RequestOrigin | undefined {
    const answers = (this.answers ??= new Map());
    const known = answers.get(expression);
    if (known !== undefined || answers.has(expression)) return known;
    const origin = originOf(expression, this.bindings, 0);
    answers.set(expression, origin);
    return origin;
  }

  /** The label of request data in `expression` (`params.id`), or undefined for anything else, including the request object itself. */
  dataLabel(expression: ts.Expression): string | undefined {
    const origin = this.of(expression);
    return origin?.kind === 'data' ? origin.label : undefined;
  }
}

function originOf(node: ts.Expression, bindings: ReadonlyMap<string, RequestOrigin>, depth: number): RequestOrigin | undefined {
  if (depth > 32) return undefined;
  const expression = unwrapExpression(node);
  // Recursion by a direct call, not through a closure made on every step: this runs for every expression checks ask about.
  const inner = depth + 1;
  if (isIdentifier(expression)) return bindings.get(expression.text);
  if (isPropertyAccessExpression(expression) || isElementAccessExpression(expression)) {
    const key = isPropertyAccessExpression(expression) ? expression.name.text : stringValue(expression.argumentExpression);
    const base = originOf(expression.expression, bindings, inner);
    if (base === undefined) return undefined;
    // The label is built only for an answer: most members read of a request (`req.user.id`) are none.
    if (base.kind === 'data') return { label: key === undefined ? `${base.label}[]` : join(base.label, key), kind: 'data' };
    if (key === undefined) return undefined;
    if (isDataKey(base, key)) return { label: join(base.label, key), kind: 'data' };
    if (isNestedRequest(base, key)) return { label: join(base.label, key), kind: 'request' };
    // req.user, req.session, req.auth, req.headers: the caller's own identity, not data they chose.
    return undefined;
  }
  if (isCallExpression(expression)) return callOrigin(expression, bindings, inner);
  if (isNewExpression(expression)) {
    // new URL(req.url), new ObjectId(params.id), new mongoose.Types.ObjectId(id)
    const first = expression.arguments?.[0];
    const origin = first === undefined ? undefined : originOf(first, bindings, inner);
    // `new URL(req.url).searchParams` reads best as `searchParams`.
    if (origin !== undefined && isIdentifier(expression.expression) && expression.expression.text === 'URL') return { label: '', kind: 'data' };
    return origin;
  }
  if (isConditionalExpression(expression)) return originOf(expression.whenTrue, bindings, inner) ?? originOf(expression.whenFalse, bindings, inner);
  if (isBinaryExpression(expression)) {
    const operator = expression.operatorToken.kind;
    if (operator === SyntaxKind.QuestionQuestionToken || operator === SyntaxKind.BarBarToken) return originOf(expression.left, bindings, inner) ?? originOf(expression.right, bindings, inner);
    return undefined;
  }
  if (isTemplateExpression(expression)) {
    for (const span of expression.templateSpans) {
      const origin = originOf(span.expression, bindings, inner);
      if (origin?.kind === 'data') return origin;
    }
  }
  return undefined;
}

/** `params` + `id` gives `params.id`; an unnamed root (App Router `{ params }`, `new URL(...)`) adds nothing. */
function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

function callOrigin(call: ts.CallExpression, bindings: ReadonlyMap<string, RequestOrigin>, inner: number): RequestOrigin | undefined {
  const callee = unwrapExpression(call.expression);
  const name = calleeName(call);
  const firstArgument = call.arguments[0];
  const argumentText = stringValue(firstArgument);
  if (isPropertyAccessExpression(callee)) {
    const base = originOf(callee.expression, bindings, inner);
    if (base?.kind === 'request' && base.dataKeys === undefined && DATA_METHODS.has(name)) {
      if (name === 'json' || name === 'formData' || name === 'text') return { label: join(base.label, 'body'), kind: 'data' };
      return { label: join(base.label, argumentText === undefined ? `${name}()` : `${name}('${argumentText}')`), kind: 'data' };
    }
    if (base?.kind === 'data') {
      if (name === 'get' || name === 'getAll') return { label: join(base.label, argumentText === undefined ? `${name}()` : `${name}('${argumentText}')`), kind: 'data' };
      if (PASS_THROUGH_METHODS.has(name) || DATA_DERIVING_METHODS.has(name) || name === 'then') return base;
    }
  }
  if (PASS_THROUGH_FUNCTIONS.has(name) || PASS_THROUGH_METHODS.has(name)) {
    for (const argument of call.arguments) {
      const origin = originOf(argument, bindings, inner);
      if (origin?.kind === 'data') return origin;
    }
  }
  return undefined;
}

/** Binds the names of a destructuring pattern to the parts of `origin` they take. */
function bindPattern(name: ts.BindingName, origin: RequestOrigin, bindings: Map<string, RequestOrigin>): void {
  if (isIdentifier(name)) {
    if (!bindings.has(name.text)) bindings.set(name.text, origin);
    return;
  }
  if (isArrayBindingPattern(name)) return;
  for (const element of name.elements) {
    if (element.dotDotDotToken !== undefined) {
      // The rest of tRPC options still holds `ctx` beside `input`: it stays the options, not data.
      const restLabel = origin.label === '' && isIdentifier(element.name) ? element.name.text : origin.label;
      bindPattern(element.name, origin.dataKeys !== undefined ? { ...origin, label: restLabel } : { label: origin.label, kind: 'data' }, bindings);
      continue;
    }
    const key = element.propertyName === undefined ? (isIdentifier(element.name) ? element.name.text : undefined) : isIdentifier(element.propertyName) || isStringLiteral(element.propertyName) ? element.propertyName.text : undefined;
    if (key === undefined) continue;
    const label = join(origin.label, key);
    const part: RequestOrigin | undefined =
      origin.kind === 'data' || isDataKey(origin, key) ? { label, kind: 'data' } : isNestedRequest(origin, key) ? { label, kind: 'request' } : undefined;
    if (part !== undefined) bindPattern(element.name, part, bindings);
  }
}

/** Binds a handler parameter to `origin`: a plain name takes it whole, a pattern its parts. */
function bindParameter(parameter: ts.ParameterDeclaration, origin: RequestOrigin, bindings: Map<string, RequestOrigin>): void {
  // A handler's own parameter shadows the conventional `req` / `request`.
  if (isIdentifier(parameter.name)) bindings.set(parameter.name.text, { ...origin, label: origin.label === '' ? parameter.name.text : origin.label });
  else bindPattern(parameter.name, origin, bindings);
}

/**
 * A NestJS handler gets request data only through decorated parameters:
 * `@Param('id') id` is `params.id`, `@Body() dto` is the body (named `dto`),
 * `@Req() req` the request. Other parameters (`@CurrentUser() user`,
 * `@Res() res`, `@Ip() ip`) are not what the caller chose.
 */
function bindNestParameters(handler: FunctionNode, bindings: Map<string, RequestOrigin>): void {
  for (const parameter of handler.parameters) {
    const decorators = canHaveDecorators(parameter) ? (getDecorators(parameter) ?? []) : [];
    for (const decorator of decorators) {
      const expression = unwrapExpression(decorator.expression);
      const call = isCallExpression(expression) ? expression : undefined;
      const name = call === undefined ? (isIdentifier(expression) ? expression.text : '') : calleeName(call);
      const part = NEST_DATA_DECORATORS.get(name);
      if (part !== undefined) {
        const key = stringValue(call?.arguments[0]);
        // Keyed: `params.id`. Whole: the parameter's own name (`dto.title`), or the part for a pattern (`body.title`).
        const label = key !== undefined ? `${part}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `['${key}']`}` : isIdentifier(parameter.name) ? '' : part;
        bindParameter(parameter, { label, kind: 'data' }, bindings);
        break;
      }
      if (NEST_REQUEST_DECORATORS.has(name)) {
        bindParameter(parameter, { label: '', kind: 'request' }, bindings);
        break;
      }
    }
  }
}

/** A tRPC resolver's options: `({ ctx, input })` makes `input` caller data; `opts` reads as `opts.input`. */
function bindTrpcOptions(handler: FunctionNode, bindings: Map<string, RequestOrigin>): void {
  const options = handler.parameters[0];
  if (options !== undefined) bindParameter(options, { label: '', kind: 'request', dataKeys: TRPC_INPUT_KEYS }, bindings);
}

/** The handler's parameters: the request first; in the App Router the second holds `params`. */
function bindHandlerParameters(endpoint: Endpoint, handler: FunctionNode, bindings: Map<string, RequestOrigin>): void {
  if (endpoint.framework === 'nestjs') return bindNestParameters(handler, bindings);
  if (endpoint.framework === 'trpc') return bindTrpcOptions(handler, bindings);
  // Indexed, not destructured: an array pattern goes through the iterator protocol, for every endpoint.
  const first = handler.parameters[0];
  const second = handler.parameters[1];
  if (first !== undefined) {
    if (isIdentifier(first.name)) bindings.set(first.name.text, { label: first.name.text, kind: 'request' });
    else bindPattern(first.name, { label: 'req', kind: 'request' }, bindings);
  }
  if (second !== undefined && endpoint.framework === 'nextjs-app-router') {
    if (isIdentifier(second.name)) bindings.set(second.name.text, { label: second.name.text, kind: 'request' });
    // `{ params }` reads as `params`, not `context.params`: the name the code uses.
    else bindPattern(second.name, { label: '', kind: 'request' }, bindings);
  }
}

const tracedByEndpoint = new KeySlots<Endpoint, RequestOrigins>('requestOrigins');

/**
 * Traces request data through the endpoint's code: handler parameters,
 * `const` / `let` declarations (with destructuring), and the parameters of
 * same-file helpers the handler calls with request data. Traced once per
 * endpoint: the ownership, tenant, injection and cost checks all ask.
 */
export function traceRequestOrigins(endpoint: Endpoint): RequestOrigins {
  let origins = tracedByEndpoint.get(endpoint);
  if (origins === undefined) {
    origins = computeRequestOrigins(endpoint);
    tracedByEndpoint.set(endpoint, origins);
  }
  return origins;
}

function computeRequestOrigins(endpoint: Endpoint): RequestOrigins {
  const bindings = new Map<string, RequestOrigin>();
  bindings.set('req', REQ);
  bindings.set('request', REQUEST);
  if (endpoint.handler !== undefined) bindHandlerParameters(endpoint, endpoint.handler, bindings);
  const index = endpoint.index;
  const declarations = index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes);
  const functions = functionsByName(index);
  // Calls of same-file helpers: their parameters take what the handler passes. Looked up by the names
  // of the file's called helpers rather than by testing every call of the endpoint.
  const helperCalls = helperCallsWithArguments(index, endpoint.scopes, functions);
  // A second round only when a helper took request data: its body may sit above the handler.
  for (let round = 0; round < 2; round++) {
    for (const declaration of declarations) {
      if (declaration.initializer === undefined) continue;
      const origin = originOf(declaration.initializer, bindings, 0);
      if (origin !== undefined) bindPattern(declaration.name, origin, bindings);
    }
    let boundParameter = false;
    for (const call of helperCalls) {
      const target = functions.get((call.expression as ts.Identifier).text)!;
      const count = Math.min(call.arguments.length, target.parameters.length);
      for (let position = 0; position < count; position++) {
        const origin = originOf(call.arguments[position], bindings, 0);
        if (origin !== undefined) {
          bindPattern(target.parameters[position].name, origin, bindings);
          boundParameter = true;
        }
      }
    }
    if (!boundParameter) break;
  }
  return new RequestOrigins(bindings);
}

const NO_CALLS: readonly ts.CallExpression[] = Object.freeze([]);

/** Calls of the file's functions that pass something; most endpoints call none, and then no list is made. */
function helperCallsWithArguments(index: SourceIndex, scopes: readonly Scope[], functions: ReadonlyMap<string, FunctionNode>): readonly ts.CallExpression[] {
  const names = calledHelperNames(index);
  if (names.length === 0) return NO_CALLS;
  const calls: ts.CallExpression[] = [];
  for (const call of index.callsNamedIn(names, scopes)) if (isIdentifier(call.expression) && functions.has(call.expression.text) && call.arguments.length > 0) calls.push(call);
  return calls;
}

/**
 * The names of the file's functions (functionsByName) that some call of the file names, once per file:
 * tracers look up the calls of these few instead of testing every call of an endpoint.
 */
export function calledHelperNames(index: SourceIndex): readonly string[] {
  return index.memo('calledHelperNames', () => {
    const called: string[] = [];
    for (const name of functionsByName(index).keys()) if (index.callsNamedIn([name]).length > 0) called.push(name);
    return called;
  });
}
