/**
 * How TypeScript/JavaScript code says "this request is rate limited":
 * limiter middleware (express-rate-limit, express-slow-down, koa-ratelimit,
 * hono-rate-limiter, NestJS ThrottlerGuard), limiter objects consumed in
 * code (rate-limiter-flexible `consume`, Upstash `ratelimit.limit()`, Arcjet
 * `aj.protect()`), a 429 answer, and the project's own `rate_limit.functions`.
 */
import { ts, SyntaxKind, isArrowFunction, isAwaitExpression, isBinaryExpression, isCallExpression, isCaseClause, isExpressionStatement, isFunctionExpression, isIdentifier, isNewExpression, isObjectLiteralExpression, isParenthesizedExpression, isPropertyAccessExpression, isPropertyAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { accessRoot, calleeName, calleeObject, expressionPath, importSources, plainCalleePath, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Control } from '../frameworks/endpoint.js';
import { fileMentions } from './text-hints.js';
import { KeySlots } from '../lang/key-slots.js';
import { answerOnce } from '../lang/answer-once.js';

export interface LimiterSignal {
  node: ts.Node;
  index: SourceIndex;
  /** What was recognised, e.g. "loginLimiter = rateLimit(...) (express-rate-limit)". */
  note: string;
}

/** Packages whose exports limit request rates. */
const LIMITER_MODULE =
  /^(?:express-rate-limit|express-slow-down|rate-limiter-flexible|@upstash\/ratelimit|hono-rate-limiter|@hono-rate-limiter\/.+|koa-ratelimit|koa2-ratelimit|@nestjs\/throttler|@fastify\/rate-limit|fastify-rate-limit|express-brute|limiter|@arcjet\/.+|next-rate-limit|lambda-rate-limiter)$/;
/** Project modules named for rate limiting: `import { protect } from './middleware/rate-limit'`. */
const LIMITER_PATH = /rate[-_.]?limit|throttl|limiter/i;
/** Names that mean a limiter by convention: `loginLimiter`, `rateLimit`, `apiThrottle`, `slowDown`, `ThrottlerGuard`. */
const LIMITER_NAME = /rate[-_]?limit|(?:^|[^e])limiter|throttl|slow[-_]?down|speed[-_]?limit|brute/i;
/** Factories that build limiter middleware or objects. */
const LIMITER_FACTORY = /^(?:rateLimit|RateLimit|rateLimiter|expressRateLimit|slowDown|ratelimit|honoRateLimiter|arcjet)$/;
/** Classes that build limiter objects: rate-limiter-flexible, @upstash/ratelimit, limiter. */
const LIMITER_CLASS = /^(?:RateLimiter\w*|BurstyRateLimiter|Ratelimit|RateLimit|TokenBucket|ExpressBrute|Throttler\w*)$/;
/** Methods that ask a limiter object for a token: `limiter.consume(ip)`, `ratelimit.limit(id)`, `aj.protect(req)`. */
const CONSUME_METHOD = /^(?:consume|limit|protect|removeTokens|tryRemoveTokens|check|hit|penalty|take|blockDuration)$/;

function configuredName(path: string, configured: readonly string[]): boolean {
  if (configured.length === 0) return false;
  const last = path.split('.').pop() ?? path;
  return configured.includes(path) || configured.includes(last);
}

/** Whether a control expression is or carries a function: `(req, res, next) => ...`, `asyncHandler(async () => ...)`. */
function containsFunction(node: ts.Expression): boolean {
  if (isArrowFunction(node) || isFunctionExpression(node)) return true;
  return isCallExpression(node) && node.arguments.some((argument) => isArrowFunction(unwrapExpression(argument)) || isFunctionExpression(unwrapExpression(argument)));
}

/** Whether the file may say anything about rate limits at all: most files never do. */
function mayLimit(index: SourceIndex): boolean {
  return fileMentions(index, 'limiter', /[Ll]imit|[Tt]hrottl|[Ss]low.?[Dd]own|[Bb]rute|arcjet|429/);
}

/** Whether an expression builds a limiter: `rateLimit({...})`, `new RateLimiterRedis({...})`, `new Ratelimit({...})`. */
export function limiterConstruction(index: SourceIndex, expression: ts.Expression): string | undefined {
  const value = unwrapExpression(expression);
  if (isNewExpression(value)) {
    const name = isIdentifier(value.expression) ? value.expression.text : isPropertyAccessExpression(value.expression) ? value.expression.name.text : '';
    if (LIMITER_CLASS.test(name)) return `new ${expressionPath(value.expression)}(...)`;
    return undefined;
  }
  if (!isCallExpression(value)) return undefined;
  const imports = limiterImports(index);
  const module = imports.size === 0 ? undefined : imports.get(accessRoot(value.expression) ?? '');
  if (module !== undefined) return `${expressionPath(value.expression)}(...) from ${module}`;
  if (LIMITER_FACTORY.test(calleeName(value))) return `${expressionPath(value.expression)}(...)`;
  return undefined;
}

/** The file's names imported from limiter packages, with the package: asked of every call that may build a limiter, and most files have none. */
function limiterImports(index: SourceIndex): ReadonlyMap<string, string> {
  return index.memo('limiterImports', () => {
    const imports = new Map<string, string>();
    for (const [name, source] of importSources(index)) if (LIMITER_MODULE.test(source.module)) imports.set(name, source.module);
    return imports;
  });
}

/**
 * Whether a name of `index` holds a limiter: bound to a limiter construction,
 * imported from a limiter package or a project module named for rate
 * limiting, or named like one. Memoized per file and name.
 */
export function limiterBinding(index: SourceIndex, name: string): string | undefined {
  const known = index.memo('limiterBindings', () => new Map<string, string | undefined>());
  if (known.has(name)) return known.get(name);
  let note: string | undefined;
  const initializer = variablesByName(index).get(name)?.initializer;
  const built = initializer === undefined ? undefined : limiterConstruction(index, initializer);
  if (built !== undefined) note = `${name} = ${built}`;
  else {
    const source = importSources(index).get(name);
    if (source !== undefined && (LIMITER_MODULE.test(source.module) || (source.module.startsWith('.') || source.module.startsWith('@/') || source.module.startsWith('~/')) && LIMITER_PATH.test(source.module))) {
      note = `${name} from ${source.module}`;
    } else if (LIMITER_NAME.test(name)) note = `${name} (recognised by name)`;
  }
  known.set(name, note);
  return note;
}

/**
 * Whether a control around the handler limits the rate: by its name or the
 * configured `rate_limit.functions`, by what its names are bound to in the
 * file it is written in (`const limiter = rateLimit(...)`; `wrap(limiter)`),
 * or, when its body is in view, by a limiter it calls there.
 */
export function controlLimiter(control: Control, endpointIndex: SourceIndex, configured: readonly string[]): LimiterSignal | undefined {
  const index = control.index ?? endpointIndex;
  // A router's middleware is a control of each of its routes: answered once per control node of the file
  // (the answer depends on the node, its name, its definition and the configuration).
  const answers = index.memo('controlLimiters', () => new Map<ts.Node, ControlLimiterAnswer[]>());
  let known = answers.get(control.node);
  const same = known?.find((answer) => answer.name === control.name && answer.definition === control.definition && answer.definitionIndex === control.definitionIndex && answer.configured === configured);
  if (same !== undefined) return same.signal;
  const signal = computeControlLimiter(control, index, configured);
  if (known === undefined) answers.set(control.node, (known = []));
  known.push({ name: control.name, definition: control.definition, definitionIndex: control.definitionIndex, configured, signal });
  return signal;
}

interface ControlLimiterAnswer {
  name: string;
  definition: Control['definition'];
  definitionIndex: Control['definitionIndex'];
  configured: readonly string[];
  signal: LimiterSignal | undefined;
}

function computeControlLimiter(control: Control, index: SourceIndex, configured: readonly string[]): LimiterSignal | undefined {
  const plain = control.name.replace(/\(\)/g, '');
  if (configuredName(plain, configured)) return { node: control.node, index, note: `${control.name} (configured in rate_limit.functions)` };
  if (/^@?SkipThrottle\b/.test(control.name)) return undefined;
  const node = unwrapExpression(control.node as ts.Expression);
  if (isCallExpression(node) || isNewExpression(node)) {
    const built = limiterConstruction(index, node);
    if (built !== undefined) return { node: control.node, index, note: built };
  }
  // Names the control is built from: `limiter`, `wrap(limiter)`, `rateLimits.login`. An inline
  // function (or a wrapper around the handler) is judged by its body below, not by every name in it.
  if (mayLimit(index) && !containsFunction(node)) {
    for (const identifier of index.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier, [scopeOf(control.node)])) {
      const bound = limiterBinding(index, identifier.text);
      if (bound !== undefined) return { node: control.node, index, note: bound };
    }
  }
  if (LIMITER_NAME.test(plain.split('.').pop() ?? plain)) return { node: control.node, index, note: `${control.name} (recognised by name)` };
  if (control.definition !== undefined) {
    const definitionIndex = control.definitionIndex ?? index;
    const inside = limiterCallsIn(definitionIndex, [scopeOf(control.definition)], configured)[0];
    if (inside !== undefined) return { node: control.node, index, note: `${control.name} calls ${inside.note} (${definitionIndex.path}:${definitionIndex.lineOf(inside.node)})` };
  }
  return undefined;
}

const limiterCallsByScopes = new KeySlots<readonly Scope[], { configured: readonly string[]; signals: LimiterSignal[] }>('limiterCalls');

/**
 * Limiter use inside code: a limiter object asked for a token, a limiter or
 * configured function called, a 429 answer. In document order; memoized per
 * scopes array (several items ask about the same endpoint regions).
 */
export function limiterCallsIn(index: SourceIndex, scopes: readonly Scope[], configured: readonly string[]): LimiterSignal[] {
  const cached = limiterCallsByScopes.get(scopes);
  if (cached !== undefined && cached.configured === configured) return cached.signals;
  const signals: LimiterSignal[] = [];
  if (configured.length === 0 && !mayLimit(index)) {
    limiterCallsByScopes.set(scopes, { configured, signals });
    return signals;
  }
  for (const call of index.callsNamed(limiterCallNames(index, configured), scopes)) {
    const path = plainCalleePath(call);
    const name = calleeName(call);
    if (configuredName(path, configured)) {
      signals.push({ node: call, index, note: `${path}() (configured in rate_limit.functions)` });
      continue;
    }
    if (CONSUME_METHOD.test(name)) {
      const receiver = calleeObject(call);
      const root = receiver === undefined ? undefined : accessRoot(receiver);
      const bound = root === undefined ? undefined : limiterBinding(index, root);
      if (bound !== undefined) {
        signals.push({ node: call, index, note: `${path}() on ${bound}` });
        continue;
      }
    }
    const callee = unwrapExpression(call.expression);
    const bound = isIdentifier(callee) ? limiterBinding(index, callee.text) : undefined;
    if (bound !== undefined) signals.push({ node: call, index, note: `${path}() (${bound})` });
    else if (LIMITER_NAME.test(name) || LIMITER_FACTORY.test(name)) signals.push({ node: call, index, note: `${path}()` });
  }
  for (const literal of index.nodesOfKind<ts.NumericLiteral>(SyntaxKind.NumericLiteral, scopes)) {
    // `if (upstream.status === 429)` reads someone else's limit; only an answer of 429 is this endpoint's.
    if (literal.text === '429' && !isComparedOrCase(literal)) signals.push({ node: literal, index, note: 'answers 429 Too Many Requests' });
  }
  signals.sort((a, b) => a.node.pos - b.node.pos);
  limiterCallsByScopes.set(scopes, { configured, signals });
  return signals;
}

/**
 * The callee names worth a look in a file: limiter methods and names, the
 * configured functions, and the file's names bound to limiters
 * (`const protect = rateLimit(...)`, then `protect(req, res, next)`).
 * One pattern per file and configuration, so the index answers by name.
 */
function limiterCallNames(index: SourceIndex, configured: readonly string[]): RegExp {
  // Asked per endpoint: the pattern is built once per file and configuration, not its source string per call.
  const byConfigured = index.memo('limiterCallPatterns', () => new Map<readonly string[], RegExp>());
  let pattern = byConfigured.get(configured);
  if (pattern === undefined) {
    const bound = index.memo('limiterBoundNames', () =>
      [...variablesByName(index).values()]
        .filter((variable) => isIdentifier(variable.name) && variable.initializer !== undefined && limiterConstruction(index, variable.initializer) !== undefined)
        .map((variable) => (variable.name as ts.Identifier).text),
    );
    const extra = [...bound, ...configured.map((entry) => entry.split('.').pop() ?? entry)].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = limiterCallPattern(extra.length > 0 ? `|^(?:${extra.join('|')})$` : '');
    byConfigured.set(configured, pattern);
  }
  return pattern;
}

/**
 * Patterns by the alternative their extra names add (most files have none): one object per distinct pattern, not one per file.
 * Extra names come from the code read, hence the small limit.
 */
const limiterCallPattern = answerOnce((extra: string) => new RegExp(`${CONSUME_METHOD.source}|${LIMITER_NAME.source}|${LIMITER_FACTORY.source}${extra}`, 'i'), 1_000);

/** Whether a literal is a comparison operand or a `case` label rather than a value given out. */
export function isComparedOrCase(node: ts.Node): boolean {
  const parent = node.parent;
  if (parent === undefined) return false;
  if (isCaseClause(parent)) return true;
  if (!isBinaryExpression(parent)) return false;
  const operator = parent.operatorToken.kind;
  return (
    operator === SyntaxKind.EqualsEqualsEqualsToken ||
    operator === SyntaxKind.ExclamationEqualsEqualsToken ||
    operator === SyntaxKind.EqualsEqualsToken ||
    operator === SyntaxKind.ExclamationEqualsToken ||
    operator === SyntaxKind.LessThanToken ||
    operator === SyntaxKind.GreaterThanToken ||
    operator === SyntaxKind.LessThanEqualsToken ||
    operator === SyntaxKind.GreaterThanEqualsToken
  );
}

/**
 * A limiter asked for a token whose answer is thrown away:
 * `await ratelimit.limit(ip);` as a statement limits nothing. (`consume`
 * rejects by itself when the limit is reached, so it is not one of these.)
 */
export function ignoredLimitResult(signal: LimiterSignal): boolean {
  if (!isCallExpression(signal.node) || !/^(?:limit|protect|check)$/.test(calleeName(signal.node))) return false;
  let node: ts.Node = signal.node;
  while (node.parent !== undefined && (isAwaitExpression(node.parent) || isParenthesizedExpression(node.parent))) node = node.parent;
  return node.parent !== undefined && isExpressionStatement(node.parent);
}

/** `@fastify/rate-limit` registered on an instance, with whether it applies to every route of its scope. */
export interface FastifyLimiterRegistration {
  call: ts.CallExpression;
  index: SourceIndex;
  global: boolean;
}

function isLimiterPluginReference(index: SourceIndex, node: ts.Expression): boolean {
  const plugin = unwrapExpression(node);
  if (isIdentifier(plugin)) {
    const source = importSources(index).get(plugin.text);
    if (source !== undefined) return /^(?:@fastify\/rate-limit|fastify-rate-limit)$/.test(source.module) || LIMITER_PATH.test(source.module);
    return LIMITER_NAME.test(plugin.text);
  }
  // `register(require('@fastify/rate-limit'), ...)`, `register(import('@fastify/rate-limit'), ...)`.
  if (isCallExpression(plugin)) return /^(?:@fastify\/rate-limit|fastify-rate-limit)$/.test(stringValue(plugin.arguments[0]) ?? '');
  return false;
}

/** Every `x.register(rateLimit, options)` of a file (memoized). */
export function fastifyLimiterRegistrations(index: SourceIndex): FastifyLimiterRegistration[] {
  return index.memo('fastifyLimiterRegistrations', () => {
    const found: FastifyLimiterRegistration[] = [];
    for (const call of index.callsNamed(/^register$/)) {
      if (call.arguments[0] === undefined || !isLimiterPluginReference(index, call.arguments[0])) continue;
      const options = call.arguments[1] === undefined ? undefined : unwrapExpression(call.arguments[1]);
      const globalOption = options !== undefined && isObjectLiteralExpression(options) ? propertyOf(options, 'global') : undefined;
      found.push({ call, index, global: globalOption === undefined || globalOption.kind !== SyntaxKind.FalseKeyword });
    }
    return found;
  });
}

/** The value of `name` in an object literal, for `{ name: value }` only. */
export function propertyOf(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const property of object.properties) {
    if (!isPropertyAssignment(property)) continue;
    const key = isIdentifier(property.name) || isStringLiteral(property.name) ? property.name.text : undefined;
    if (key === name) return unwrapExpression(property.initializer);
  }
  return undefined;
}

/** Whether any import of the file is a limiter package: the Next.js middleware's cheap first test. */
export function importsLimiter(index: SourceIndex): string | undefined {
  for (const source of importSources(index).values()) if (LIMITER_MODULE.test(source.module)) return source.module;
  return undefined;
}
