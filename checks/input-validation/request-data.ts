/**
 * Which expressions carry data the caller controls, for injection checks.
 * The request-origins tracer answers for params, query, body, search params,
 * form data and JSON bodies (and follows them through local variables and
 * same-file helpers); it leaves headers and cookies out on purpose, because
 * for ownership they identify the caller. For injection they are just more
 * text the caller wrote: `req.headers['x-tenant']`, `req.cookies.sid`,
 * `request.headers.get('x-id')`, `cookies().get('sid')` from next/headers.
 */
import { ts, SyntaxKind, isCallExpression, isElementAccessExpression, isIdentifier, isObjectBindingPattern, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { calleeName, importSources, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { traceRequestOrigins, type RequestOrigins } from '../frameworks/request-origins.js';
import { KeySlots } from '../lang/key-slots.js';

/** Request properties holding headers and cookies (Express, Koa, Fetch `Request`). */
const HEADER_CONTAINER = new Set(['headers', 'cookies', 'signedCookies', 'header']);
/** next/headers accessors: `headers()`, `cookies()`. */
const NEXT_HEADER_FUNCTION = new Set(['headers', 'cookies']);
/** Methods that read one value of a container: `headers.get('x')`, `req.header('x')`, `req.get('x')`. */
const READ_METHOD = new Set(['get', 'getAll', 'header']);

export interface RequestData {
  /** How the code names the caller's data in `expression` (`req.query.name`), or undefined when it carries none that could be traced. */
  label(expression: ts.Expression): string | undefined;
}

class TracedRequestData implements RequestData {
  /**
   * Local names bound to a header/cookie container (`const h = await headers()`) or to one value of it;
   * each map made on its first binding (most endpoints read no header or cookie into a local).
   */
  private containers: Map<string, string> | undefined;
  private values: Map<string, string> | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly origins: RequestOrigins,
  ) {
    for (const declaration of endpoint.index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)) {
      if (declaration.initializer !== undefined) this.bind(declaration.name, declaration.initializer);
    }
    // `let dir = 'ASC'; if (...) dir = req.query.order;`: a later assignment brings the caller's text in.
    for (const assignment of endpoint.index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, endpoint.scopes)) {
      const operator = assignment.operatorToken.kind;
      if ((operator !== SyntaxKind.EqualsToken && operator !== SyntaxKind.PlusEqualsToken) || !isIdentifier(assignment.left)) continue;
      const value = this.label(assignment.right);
      if (value !== undefined && (this.values === undefined || !this.values.has(assignment.left.text))) this.setValue(assignment.left.text, value);
    }
  }

  private setContainer(name: string, label: string): void {
    (this.containers ??= new Map()).set(name, label);
  }

  private setValue(name: string, label: string): void {
    (this.values ??= new Map()).set(name, label);
  }

  label(expression: ts.Expression): string | undefined {
    return this.origins.dataLabel(expression) ?? this.headerValue(expression, 0);
  }

  private bind(name: ts.BindingName, initializer: ts.Expression): void {
    const container = this.container(initializer);
    if (isIdentifier(name)) {
      if (container !== undefined) this.setContainer(name.text, container);
      else {
        const value = this.headerValue(initializer, 0);
        if (value !== undefined) this.setValue(name.text, value);
      }
      return;
    }
    if (!isObjectBindingPattern(name)) return;
    // const { authorization } = req.headers; const { headers } = req
    for (const element of name.elements) {
      const key = element.propertyName === undefined ? (isIdentifier(element.name) ? element.name.text : undefined) : stringValue(element.propertyName) ?? (isIdentifier(element.propertyName) ? element.propertyName.text : undefined);
      if (key === undefined || !isIdentifier(element.name)) continue;
      if (container !== undefined) this.setValue(element.name.text, `${container}.${key}`);
      else if (HEADER_CONTAINER.has(key) && this.origins.of(initializer)?.kind === 'request') this.setContainer(element.name.text, key);
    }
  }

  /** `req.headers`, `request.cookies`, `await headers()`, a local holding one of those: its label. */
  private container(node: ts.Expression): string | undefined {
    const expression = unwrapExpression(node);
    if (isIdentifier(expression)) return this.containers?.get(expression.text);
    if (isPropertyAccessExpression(expression) && HEADER_CONTAINER.has(expression.name.text)) {
      const base = this.origins.of(expression.expression);
      if (base?.kind === 'request') return base.label === '' ? expression.name.text : `${base.label}.${expression.name.text}`;
    }
    if (isCallExpression(expression) && isIdentifier(expression.expression) && NEXT_HEADER_FUNCTION.has(expression.expression.text)) {
      if (importSources(this.endpoint.index).get(expression.expression.text)?.module === 'next/headers') return `${expression.expression.text}()`;
    }
    return undefined;
  }

  /** One header or cookie value: `req.headers['x-tenant']`, `headers.get('x')`, `req.header('x')`, `cookies().get('sid')?.value`. */
  private headerValue(node: ts.Expression, depth: number): string | undefined {
    if (depth > 8) return undefined;
    const expression = unwrapExpression(node);
    if (isIdentifier(expression)) return this.values?.get(expression.text);
    if (isPropertyAccessExpression(expression) || isElementAccessExpression(expression)) {
      const key = isPropertyAccessExpression(expression) ? expression.name.text : stringValue(expression.argumentExpression) ?? '[]';
      const container = this.container(expression.expression);
      if (container !== undefined) return `${container}${isPropertyAccessExpression(expression) ? `.${key}` : `['${key}']`}`;
      // `.value` of a cookie, `.length`-free reads of a value keep the caller's text.
      return this.headerValue(expression.expression, depth + 1);
    }
    if (isCallExpression(expression) && isPropertyAccessExpression(expression.expression)) {
      const method = calleeName(expression);
      const receiver = expression.expression.expression;
      if (READ_METHOD.has(method)) {
        const container = this.container(receiver) ?? (this.origins.of(receiver)?.kind === 'request' ? this.origins.of(receiver)!.label : undefined);
        if (container !== undefined) return `${container}.${method}('${stringValue(expression.arguments[0]) ?? '...'}')`;
      }
      // String methods keep the text: `req.headers['x-sort'].trim()`.
      return this.headerValue(receiver, depth + 1);
    }
    return undefined;
  }
}

const tracedByEndpoint = new KeySlots<Endpoint, RequestData>('requestData');

/** The caller's data in the endpoint's code: request origins plus headers and cookies. Traced once per endpoint. */
export function traceRequestData(endpoint: Endpoint): RequestData {
  let data = tracedByEndpoint.get(endpoint);
  if (data === undefined) {
    data = new TracedRequestData(endpoint, traceRequestOrigins(endpoint));
    tracedByEndpoint.set(endpoint, data);
  }
  return data;
}
