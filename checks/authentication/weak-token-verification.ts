import { ts, SyntaxKind, isArrayLiteralExpression, isIdentifier, isObjectLiteralExpression, isPropertyAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { calleePath, enclosingFunction, functionsByName, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import { definitionAuthenticates, identityCallsIn, isAuthControlName, restoresSessionOnly, type IdentitySignal } from './identity-signals.js';
import { codeRegions, scopeOf, type CodeRegion, type Endpoint } from '../frameworks/endpoint.js';
import { nextMiddlewareOutcome } from './next-middleware-outcome.js';
import { passportJwtStrategyFor, strategyOption, type PassportJwtStrategy } from './passport-jwt-strategy.js';
import { jwtMiddlewareOf, jwtMiddlewareOption, type JwtMiddlewareUse } from './jwt-middleware-packages.js';

/** `jwt.verify` / `jsonwebtoken.verify` / `verify` imported from jsonwebtoken. */
const VERIFY = /^(?:jwt|jsonwebtoken|JWT)\.verify$/;
const DECODE = /^(?:jwt|jsonwebtoken|JWT)\.decode$|^(?:jose\.)?decodeJwt$|^jwtDecode$|^jwt_decode$/;
const JOSE_VERIFY = /^(?:jose\.)?jwtVerify$/;
/** The last names of every call above: only these calls are looked at. */
const TOKEN_CALL_NAME = /^(?:verify|decode|decodeJwt|jwtDecode|jwt_decode|jwtVerify)$/;

/** A property of an object literal argument, by name. */
function property(node: ts.Expression | undefined, name: string): ts.Expression | undefined {
  if (node === undefined) return undefined;
  const object = unwrapExpression(node);
  if (!isObjectLiteralExpression(object)) return undefined;
  for (const element of object.properties) {
    if (isPropertyAssignment(element) && (isIdentifier(element.name) || isStringLiteral(element.name)) && element.name.text === name) return element.initializer;
  }
  return undefined;
}

/** Shows that a secret was hard-coded without repeating it: the first two characters and the length. */
export function maskSecret(secret: string): string {
  if (secret.length <= 4) return `"${'*'.repeat(secret.length)}" (${secret.length} characters)`;
  return `"${secret.slice(0, 2)}${'*'.repeat(6)}" (${secret.length} characters)`;
}

function isLiteralSecret(node: ts.Expression | undefined): string | undefined {
  if (node === undefined) return undefined;
  const value = stringValue(unwrapExpression(node));
  return value !== undefined && value.length > 0 ? value : undefined;
}

type Problem = { messageId: 'decode-only' | 'ignore-expiration' | 'alg-none' | 'no-key' | 'hardcoded-secret'; node: ts.Node; data: Record<string, string>; severity?: 'critical' | 'high' | 'medium' | 'low' };

function problemsOf(calls: readonly ts.CallExpression[]): { problems: Problem[]; verified: ts.CallExpression[] } {
  const problems: Problem[] = [];
  const verified: ts.CallExpression[] = [];
  const verifiers = calls.filter((call) => {
    const path = calleePath(call);
    return VERIFY.test(path) || JOSE_VERIFY.test(path) || /\.jwtVerify$/.test(path);
  });
  for (const call of calls) {
    const path = calleePath(call);
    if (DECODE.test(path)) {
      // Decoding next to a verification of the same token (e.g. to read the header's kid first) is
      // fine; a verification in another middleware does not cover a second, decoded-only token.
      const owner = enclosingFunction(call);
      if (!verifiers.some((verifier) => enclosingFunction(verifier) === owner)) {
        problems.push({ messageId: 'decode-only', node: call, data: { call: `${path}()` }, severity: 'critical' });
      }
      continue;
    }
    if (!VERIFY.test(path) && !JOSE_VERIFY.test(path)) continue;
    const [, key, third] = call.arguments;
    const options = VERIFY.test(path) ? third : call.arguments[2];
    let sound = true;
    if (key === undefined || (isIdentifier(key) && key.text === 'undefined') || key.kind === SyntaxKind.NullKeyword || stringValue(key) === '') {
      problems.push({ messageId: 'no-key', node: call, data: { call: `${path}()` }, severity: 'critical' });
      sound = false;
    }
    const secret = isLiteralSecret(key);
    if (secret !== undefined) {
      problems.push({ messageId: 'hardcoded-secret', node: key!, data: { masked: maskSecret(secret) }, severity: 'high' });
      sound = false;
    }
    const ignoreExpiration = property(options, 'ignoreExpiration');
    if (ignoreExpiration !== undefined && ignoreExpiration.kind === SyntaxKind.TrueKeyword) {
      problems.push({ messageId: 'ignore-expiration', node: ignoreExpiration, data: {}, severity: 'high' });
      sound = false;
    }
    const algorithms = property(options, 'algorithms');
    if (algorithms !== undefined && isArrayLiteralExpression(unwrapExpression(algorithms))) {
      const none = (unwrapExpression(algorithms) as ts.ArrayLiteralExpression).elements.find((element) => stringValue(element)?.toLowerCase() === 'none');
      if (none !== undefined) {
        problems.push({ messageId: 'alg-none', node: none, data: {}, severity: 'critical' });
        sound = false;
      }
    }
    if (sound) verified.push(call);
  }
  return { problems, verified };
}

/**
 * The options a JWT library passes on to jsonwebtoken.verify (koa-jwt and
 * express-jwt's `secret`, passport-jwt's `secretOrKey`): the same weaknesses
 * as in a direct call.
 */
function verifyOptionProblems(option: (name: string) => ts.Expression | undefined, secretName: string): Problem[] {
  const problems: Problem[] = [];
  const key = option(secretName);
  const secret = isLiteralSecret(key);
  if (secret !== undefined) problems.push({ messageId: 'hardcoded-secret', node: key!, data: { masked: maskSecret(secret) }, severity: 'high' });
  const ignoreExpiration = option('ignoreExpiration');
  if (ignoreExpiration?.kind === SyntaxKind.TrueKeyword) problems.push({ messageId: 'ignore-expiration', node: ignoreExpiration, data: {}, severity: 'high' });
  const algorithms = option('algorithms');
  if (algorithms !== undefined && isArrayLiteralExpression(unwrapExpression(algorithms))) {
    const none = (unwrapExpression(algorithms) as ts.ArrayLiteralExpression).elements.find((element) => stringValue(element)?.toLowerCase() === 'none');
    if (none !== undefined) problems.push({ messageId: 'alg-none', node: none, data: {}, severity: 'critical' });
  }
  return problems;
}

const middlewareProblemsOf = (use: JwtMiddlewareUse) => verifyOptionProblems((name) => jwtMiddlewareOption(use, name), 'secret');
const strategyProblemsOf = (strategy: PassportJwtStrategy) => verifyOptionProblems((name) => strategyOption(strategy, name), 'secretOrKey');

const TRPC_CONTEXT = /^create(?:Inner)?(?:TRPC)?Context$/;

/**
 * A tRPC procedure that authenticates by checking `ctx.session` trusts the
 * session built in its module's `createTRPCContext`: that code decides how
 * the token is verified (a provider such as NextAuth `auth()`, or a
 * `jwt.verify` / `jwt.decode` of a header), so it is read with the endpoint's own.
 */
function trpcContextRegions(endpoint: Endpoint, configured: readonly string[]): CodeRegion[] {
  if (endpoint.framework !== 'trpc') return [];
  for (const control of endpoint.controls) {
    if (control.definition === undefined) continue;
    const index = control.definitionIndex ?? endpoint.index;
    if (definitionAuthenticates(index, control.definition, configured) === undefined) continue;
    const creators: ts.Node[] = [...functionsByName(index)].filter(([name]) => TRPC_CONTEXT.test(name)).map(([, node]) => node);
    for (const [name, declaration] of variablesByName(index)) if (TRPC_CONTEXT.test(name) && declaration.initializer !== undefined) creators.push(declaration.initializer);
    if (creators.length > 0) return [{ index, scopes: creators.map((creator) => scopeOf(creator)) }];
  }
  return [];
}

/** The first identity call of the regions made by a session provider (not a JWT verification or a helper of the project's). */
function firstProviderCall(regions: readonly CodeRegion[], configured: readonly string[]): IdentitySignal | undefined {
  for (const { index, scopes } of regions) {
    for (const signal of identityCallsIn(index, scopes, configured)) if (!/JWT verification|authentication helper|configured/.test(signal.note)) return signal;
  }
  return undefined;
}

export default createCheck({
  id: 'weak-token-verification',
  items: ['authn.token-expiry'],
  description: 'A token is decoded without verification, or verified with expiry, signature algorithm or key checks switched off.',
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-347', 'CWE-613'],
  owasp: ['API2:2023'],
  messages: {
    'decode-only': '{{call}} only decodes the token: its signature and expiry are never checked, so any forged or expired token is accepted.',
    'ignore-expiration': '`ignoreExpiration: true` accepts expired tokens forever.',
    'alg-none': "The allowed algorithms include 'none', which accepts unsigned tokens.",
    'no-key': '{{call}} is called without a key, so the signature cannot be verified.',
    'hardcoded-secret': 'The JWT secret is hard-coded in the source ({{masked}}); anyone with the code can mint valid tokens.',
  },
  why: 'Token verification is what makes a token proof of identity: without signature and expiry checks an attacker forges or replays tokens (Broken Authentication).',
  fix: {
    default:
      "Verify, don't decode: `jwt.verify(token, process.env.JWT_SECRET, { algorithms: ['HS256'] })` (jose: `await jwtVerify(token, key, { algorithms: ['RS256'] })`), keep expiry checks on, and load the secret from the environment or a secret manager (rotate the leaked one).",
  },
  run(context) {
    const { endpoint } = context;
    // The endpoint's own code and the imported middleware it runs (one hop).
    const regions = [...codeRegions(endpoint), ...trpcContextRegions(endpoint, context.config.auth.functions)];
    // One region is the usual case: its calls are the index's own list, read as is.
    const calls = regions.length === 1 ? regions[0].index.callsNamed(TOKEN_CALL_NAME, regions[0].scopes) : regions.flatMap(({ index, scopes }) => index.callsNamed(TOKEN_CALL_NAME, scopes));
    const { problems, verified } = problemsOf(calls);
    for (const problem of problems) {
      context.report({ messageId: problem.messageId, node: problem.node, data: problem.data, severity: problem.severity });
    }
    if (problems.length > 0) return;
    if (verified.length > 0) {
      context.pass('authn.token-expiry', { node: verified[0], note: `${calleePath(verified[0])}() checks signature and expiry` });
      return;
    }
    const jwtMiddleware = jwtMiddlewareOf(endpoint);
    if (jwtMiddleware !== undefined) {
      const middlewareProblems = middlewareProblemsOf(jwtMiddleware);
      for (const problem of middlewareProblems) context.report({ messageId: problem.messageId, node: problem.node, data: problem.data, severity: problem.severity });
      if (middlewareProblems.length === 0) {
        context.pass('authn.token-expiry', { node: jwtMiddleware.call, note: `${jwtMiddleware.package} verifies with jsonwebtoken.verify: signature and expiry checked, no option turns them off` });
      }
      return;
    }
    const strategy = passportJwtStrategyFor(endpoint);
    if (strategy !== undefined) {
      const strategyProblems = strategyProblemsOf(strategy);
      for (const problem of strategyProblems) context.report({ messageId: problem.messageId, node: problem.node, data: problem.data, severity: problem.severity });
      if (strategyProblems.length === 0) {
        context.pass('authn.token-expiry', { node: strategy.superCall, note: `the passport-jwt strategy '${strategy.name}' (${strategy.index.path}) verifies signature and expiry; no option turns them off` });
      }
      return;
    }
    const provider = firstProviderCall(regions, context.config.auth.functions);
    if (provider !== undefined) {
      context.pass('authn.token-expiry', { node: provider.node, note: `${provider.note} verifies the session and its expiry` });
      return;
    }
    const middleware = nextMiddlewareOutcome(endpoint, context.project);
    if (middleware.kind === 'pass') {
      context.pass('authn.token-expiry', { file: middleware.file, line: middleware.line, note: `${middleware.note} verifies the session token and its expiry` });
      return;
    }
    const configured = context.config.auth.functions;
    const external = endpoint.controls.find((control) => control.definition === undefined && !restoresSessionOnly(control.node) && isAuthControlName(control.name, configured, control.kind));
    if (external !== undefined) {
      context.unknown('authn.token-expiry', `tokens are verified by ${external.name}, defined in another file that was not analysed`);
      return;
    }
    const helper = identityCallsIn(endpoint.index, endpoint.scopes, configured)[0];
    if (helper !== undefined || endpoint.handler === undefined) {
      context.unknown('authn.token-expiry', helper !== undefined ? `tokens are verified by ${helper.note}, defined in another file that was not analysed` : 'the handler is defined in another file');
      return;
    }
    context.notApplicable('authn.token-expiry', 'the endpoint handles no token itself');
  },
});
