/**
 * What log calls write: the secrets and personal data in their arguments
 * (by the names the code gives them), whole request bodies, headers,
 * cookies and user records; and how the logger masks them (pino `redact`
 * paths, a masking helper around the value).
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isAsExpression, isAwaitExpression, isBinaryExpression, isCallExpression, isElementAccessExpression, isIdentifier, isNumericLiteral, isObjectLiteralExpression, isParenthesizedExpression, isPrivateIdentifier, isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isSpreadAssignment, isTemplateExpression } from '../lang/ts/parse.js';
import { calleeName, expressionPath, importSources, plainCalleePath, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { carriedBy, isSecretField } from './sensitive-data.js';
import { propertyValue } from '../input-validation/upload-parsers.js';

const LOG_LEVEL = /^(?:log|info|warn|warning|error|debug|trace|fatal|verbose|silly|http|notice)$/;
/** Receivers that are loggers: console, pino/winston/bunyan instances, Nest's Logger, req.log. */
const LOGGER = /^(?:console|log|logger|_logger|\w*[lL]ogger|winston|pino|bunyan|Logger|(?:req|request|fastify|app|server|ctx|c\.var)\.log|this\.(?:logger|log|_logger|\w*Logger))$/;
/** Personal data and credentials by name (besides the secret fields of sensitive-data.ts). */
const PII_NAME = /^(?:email|emailAddress|mail|phone|phoneNumber|mobile|tel|ssn|dob|dateOfBirth|birthDate|address|streetAddress|iban|authorization|cookie|cookies|token|jwt|bearer|otp|pin|nationalId|passportNumber|taxId|credentials?)$/i;
const PII_SUFFIX = /(?:Email|Phone|PhoneNumber|Token|Password|Ssn|Jwt)$/;
const MASKING = /mask|redact|hash|anonymi[sz]e|obfuscate|truncate|sanitize|scrub|censor|pseudonymi[sz]e|hide|last4/i;
const WHOLE_REQUEST_PART = /^(?:req|request|ctx\.request|ctx|c\.req)\.(?:body|headers|cookies|signedCookies)$/;
const RECORD_NAME = /^(?:user|account|customer|member|profile|patient|employee)s?$/i;

export function isPersonalName(name: string): boolean {
  return isSecretField(name) || PII_NAME.test(name) || PII_SUFFIX.test(name);
}

export interface LogLeak {
  /** The argument, property or element that carries the data. */
  node: ts.Node;
  /** How the message names it, e.g. "`req.body.password`", "the whole request body". */
  what: string;
  /** Dotted path as the logger sees it (object keys), for matching pino redact paths. */
  path: string;
  /** The list `node` is an element of, for a one-line fix that drops it. */
  list?: ts.NodeArray<ts.Node>;
}

export function isLoggerCall(call: ts.CallExpression): boolean {
  if (!LOG_LEVEL.test(calleeName(call))) return false;
  const path = plainCalleePath(call);
  const dot = path.lastIndexOf('.');
  return dot > 0 && LOGGER.test(path.slice(0, dot));
}

/** Whether a call masks its argument: `mask(email)`, `redactEmail(x)`, `hash(token)`. */
function isMasked(node: ts.Expression): boolean {
  const expression = unwrapExpression(node);
  return isCallExpression(expression) && MASKING.test(plainCalleePath(expression));
}

function keyOf(name: ts.PropertyName | ts.Expression | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (isIdentifier(name) || isPrivateIdentifier(name)) return name.text;
  return stringValue(name);
}

/** Whether a local is the whole request body: `const body = await req.json()`. */
function isWholeBody(endpoint: Endpoint, name: string): boolean {
  const initializer = variablesByName(endpoint.index).get(name)?.initializer;
  if (initializer === undefined) return false;
  let value = unwrapExpression(initializer);
  if (isAwaitExpression(value)) value = unwrapExpression(value.expression);
  return (isCallExpression(value) && /^(?:req|request|c\.req|ctx\.request)\.(?:json|formData|parseBody)$/.test(plainCalleePath(value))) || WHOLE_REQUEST_PART.test(expressionPath(value));
}

/** `key` under the key path `path`. */
function atPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Records a leak of `expression`, pointing at the element of `list` (argument, property) that
 * carries it: what a one-line fix would drop.
 */
function pushLeak(expression: ts.Expression, path: string, list: ts.NodeArray<ts.Node> | undefined, out: LogLeak[], what: string): void {
  let carrier: ts.Node = expression;
  while (list !== undefined && !list.includes(carrier) && carrier.parent !== undefined && (isParenthesizedExpression(carrier.parent) || isAsExpression(carrier.parent) || isShorthandPropertyAssignment(carrier.parent) || isPropertyAssignment(carrier.parent))) carrier = carrier.parent;
  const inList = list !== undefined && list.includes(carrier);
  out.push({ node: inList ? carrier : expression, what, path: path === '' ? leafName(expression) : path, list: inList ? list : undefined });
}

/** The leaks in one log argument. `path` is the key path the logger prints it under. */
export function leaksIn(endpoint: Endpoint, node: ts.Expression, path: string, list: ts.NodeArray<ts.Node> | undefined, out: LogLeak[], depth = 0): LogLeak[] {
  if (depth > 5 || isMasked(node)) return out;
  const expression = unwrapExpression(node);
  if (isObjectLiteralExpression(expression)) {
    for (const property of expression.properties) {
      const key = keyOf(property.name);
      if (isSpreadAssignment(property)) leaksIn(endpoint, property.expression, path, undefined, out, depth + 1);
      else if (isShorthandPropertyAssignment(property)) leaksIn(endpoint, property.name, atPath(path, property.name.text), expression.properties, out, depth + 1);
      else if (isPropertyAssignment(property) && key !== undefined) {
        if (isPersonalName(key) && !isMasked(property.initializer) && !isFixed(property.initializer)) out.push({ node: property, what: `\`${key}\``, path: atPath(path, key), list: expression.properties });
        else leaksIn(endpoint, property.initializer, atPath(path, key), expression.properties, out, depth + 1);
      }
    }
    return out;
  }
  if (isTemplateExpression(expression)) {
    for (const span of expression.templateSpans) leaksIn(endpoint, span.expression, path, undefined, out, depth + 1);
    return out;
  }
  if (isBinaryExpression(expression) && expression.operatorToken.kind === SyntaxKind.PlusToken) {
    leaksIn(endpoint, expression.left, path, undefined, out, depth + 1);
    return leaksIn(endpoint, expression.right, path, undefined, out, depth + 1);
  }
  if (isCallExpression(expression) && /^(?:get|header)$/.test(calleeName(expression)) && /(?:^|\.)(?:headers|cookies\(\)|cookies|req|request)\.\w+$/.test(plainCalleePath(expression))) {
    // request.headers.get('authorization'), req.header('cookie'), cookies().get('session')
    const key = stringValue(expression.arguments[0]);
    if (key !== undefined && (isPersonalName(key) || /^(?:session|sid|connect\.sid|x-api-key)$/i.test(key))) {
      out.push({ node: expression, what: `\`${endpoint.index.textOf(expression)}\``, path: path === '' ? key : path, list: list !== undefined && list.includes(expression) ? list : undefined });
    }
    return out;
  }
  if (isCallExpression(expression)) {
    // JSON.stringify(req.body), util.inspect(user), String(token): the text of the value.
    if (/^(?:JSON\.stringify|String|util\.inspect|inspect)$/.test(plainCalleePath(expression)) && expression.arguments[0] !== undefined) leaksIn(endpoint, expression.arguments[0], path, undefined, out, depth + 1);
    return out;
  }
  if (isPropertyAccessExpression(expression) || isElementAccessExpression(expression)) {
    const full = expressionPath(expression);
    if (WHOLE_REQUEST_PART.test(full)) {
      pushLeak(expression, path, list, out, `the whole request ${full.split('.').pop()} (\`${full}\`)`);
      return out;
    }
    const key = isPropertyAccessExpression(expression) ? expression.name.text : keyOf(expression.argumentExpression);
    if (key !== undefined && isPersonalName(key)) pushLeak(expression, path, list, out, `\`${endpoint.index.textOf(expression)}\``);
    return out;
  }
  if (isIdentifier(expression)) {
    const name = expression.text;
    if (/^(?:req|request)$/.test(name) && importSources(endpoint.index).get(name) === undefined) {
      pushLeak(expression, path, list, out, `the whole request object (\`${name}\`, headers and cookies included)`);
      return out;
    }
    if (isPersonalName(name)) {
      pushLeak(expression, path, list, out, `\`${name}\``);
      return out;
    }
    if (isWholeBody(endpoint, name)) {
      pushLeak(expression, path, list, out, `the whole request body (\`${name}\`)`);
      return out;
    }
    const carried = carriedBy(endpoint, expression);
    const record = carried.find((item) => item.kind === 'record');
    const narrowed = carried.some((item) => item.kind === 'narrowed');
    if (record !== undefined && record.kind === 'record') pushLeak(expression, path, list, out, `the whole ${record.model} record (\`${name}\`)`);
    else if (!narrowed && RECORD_NAME.test(name) && variablesByName(endpoint.index).has(name)) pushLeak(expression, path, list, out, `the whole ${name.replace(/s$/, '')} record (\`${name}\`)`);
  }
  return out;
}

function leafName(expression: ts.Expression): string {
  const path = expressionPath(expression);
  return path.replace(/^(?:req|request|ctx\.request|ctx|c\.req)\./, '');
}

function isFixed(node: ts.Expression): boolean {
  const value = unwrapExpression(node);
  return stringValue(value) !== undefined || isNumericLiteral(value) || value.kind === SyntaxKind.TrueKeyword || value.kind === SyntaxKind.FalseKeyword || value.kind === SyntaxKind.NullKeyword || (isIdentifier(value) && value.text === 'undefined');
}

/** The pino `redact` paths of loggers created in this file (`pino({ redact: [...] })`, `Fastify({ logger: { redact } })`). */
export function redactPaths(endpoint: Endpoint): { paths: RegExp[]; node: ts.Node } | undefined {
  const index = endpoint.index;
  return index.memo('pii:redact', () => {
    // Most files configure no logger: no pass over all their properties to find none named `redact`.
    if (!index.mayHaveIdentifier('redact')) return undefined;
    for (const property of index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment)) {
      if (keyOf(property.name) !== 'redact') continue;
      let value = unwrapExpression(property.initializer);
      if (isObjectLiteralExpression(value)) {
        const paths = propertyValue(value, 'paths');
        if (paths === undefined) continue;
        value = unwrapExpression(paths);
      }
      if (isIdentifier(value)) {
        const initializer = variablesByName(index).get(value.text)?.initializer;
        if (initializer !== undefined) value = unwrapExpression(initializer);
      }
      if (!isArrayLiteralExpression(value)) continue;
      const paths = value.elements.map((element) => stringValue(element)).filter((path): path is string => path !== undefined).map(redactPattern);
      return { paths, node: property };
    }
    return undefined;
  });
}

/** `req.headers.authorization`, `*.password`, `user["email"]` as a pattern over dotted paths (suffix match: keys nest). */
function redactPattern(path: string): RegExp {
  const segments = path.replace(/\[["']([^"']+)["']\]/g, '.$1').split('.').map((segment) => (segment === '*' ? '[^.]+' : segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')));
  return new RegExp(`(?:^|\\.)${segments.join('\\.')}(?:$|\\.)`);
}

/** Whether `leak` is redacted by `paths`: its own path, or a path inside it (for whole objects: the secrets in them). */
export function isRedacted(leak: LogLeak, paths: readonly RegExp[]): boolean {
  return paths.some((pattern) => pattern.test(leak.path));
}

/** Where the logger of a call is configured: in this file, or a module of the project (which may redact). */
export function loggerOrigin(endpoint: Endpoint, call: ts.CallExpression): { configuredElsewhere?: string } {
  const path = plainCalleePath(call);
  const root = path.split('.')[0];
  if (root === 'console') return {};
  if (/^(?:req|request|fastify|app|server)\.log\./.test(path) || /^c\.var\.log/.test(path)) return { configuredElsewhere: "the app's logger setup (pino-http / Fastify's logger options)" };
  const source = importSources(endpoint.index).get(root);
  if (source !== undefined && source.module.startsWith('.')) return { configuredElsewhere: source.module };
  return {};
}
