/**
 * How TypeScript/JavaScript code says "who is calling": provider calls inside
 * a handler, authentication middleware and wrappers around it. Shared by the
 * authentication checks (and, later, logging and authorization ones).
 */
import { ts, SyntaxKind, isCallExpression, isClassLike, isIdentifier, isMethodDeclaration, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { calleeName, plainCalleePath, stringValue, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf } from '../frameworks/endpoint.js';
import { isInertCall, isRequestRead, isResponseCall } from '../frameworks/http-idioms.js';
import { isAuthOptOutMarker } from '../frameworks/nestjs.js';
import { KeySlots } from '../lang/key-slots.js';
import { answerOnce } from '../lang/answer-once.js';

export interface IdentitySignal {
  node: ts.Node;
  /** What was recognised, e.g. "auth() (Clerk)". */
  note: string;
}

/** Calls whose full callee path verifies the caller, with the provider's name. */
const IDENTITY_CALL_PATHS: ReadonlyArray<[RegExp, string]> = [
  [/^(?:auth|auth\.protect|currentUser|getAuth|clerkClient\.authenticateRequest)$/, 'Clerk / Auth.js'],
  [/^(?:getServerSession|getToken|getSession|unstable_getServerSession)$/, 'NextAuth'],
  [/\.auth\.getUser$|\.auth\.getClaims$/, 'Supabase'],
  [/\.verifyIdToken$|\.verifySessionCookie$/, 'Firebase Admin'],
  [/^(?:validateRequest|validateSessionToken)$|\.validateSession$|^lucia\.validateSession$/, 'Lucia'],
  [/^(?:jwt|jsonwebtoken)\.verify$|^verify$|^jwtVerify$|^jose\.jwtVerify$/, 'JWT verification'],
  [/\.isAuthenticated$/, 'Passport'],
  [/^passport\.authenticate$/, 'Passport'],
  [/^getIronSession$/, 'iron-session'],
  [/^auth\.api\.getSession$/, 'better-auth'],
  [/^getKindeServerSession$/, 'Kinde'],
  [/^(?:getAccessToken|getSession|withApiAuthRequired)$/, 'Auth0'],
  [/\.jwtVerify$/, '@fastify/jwt'],
  [/\.jwt\.verify$/, '@fastify/jwt'],
  [/(?:^|\.)jwtService\.verify(?:Async)?$/, '@nestjs/jwt JwtService'],
  // Authentication middleware called by hand inside a middleware: `(c, next) => jwt({ secret: c.env.SECRET })(c, next)`.
  [/^(?:jwt|jwk|bearerAuth|basicAuth)$/, 'hono/jwt, hono/bearer-auth, hono/basic-auth or koa-jwt middleware'],
  [/^(?:requireAuth|requireUser|requireSession|getCurrentUser|getAuthenticatedUser|getUserFromRequest|getUserFromToken|verifyToken|verifyJwt|verifyJWT|verifyAuth|authenticate|authenticateRequest|ensureAuthenticated|checkAuth)$/, 'authentication helper'],
];

/** Middleware and wrapper names that conventionally authenticate (last segment of the name). */
const AUTH_CONTROL_NAME =
  /^(?:authenticate\w*|auth|authMiddleware|authenticated|requireAuth\w*|ensureAuth\w*|ensureLoggedIn|isAuthenticated|isAuth|isLoggedIn|loggedIn|requireLogin|requireUser|requireSession|verifyToken|verifyJwt|verifyJWT|verifyAuth|validateToken|checkAuth|checkJwt|checkJWT|checkToken|jwtAuth|jwtCheck|jwtMiddleware|protect|protectRoute|isSignedIn|requireSignedIn|expressjwt|expressJwt|withAuth\w*|withSession|withUser|withApiAuthRequired|withPageAuthRequired|authed|authorized|requireRoles?|requirePermissions?|authorize|hasRole|checkRole|restrictTo|required|jwt|jwk|koaJwt|\w*bearerAuth|basicAuth)$/i;

/** Wrapper names that mean "authenticated" even when not in the list above. */
const AUTH_WRAPPER_HINT = /auth|session|protect|signedin|loggedin|guard/i;

/**
 * NestJS guards that authenticate: `@nestjs/passport`'s `AuthGuard('jwt')`
 * (not with the `anonymous` strategy, which lets everyone through) and guard
 * classes named for a credential: `JwtAuthGuard`, `ClerkAuthGuard`, `SessionGuard`.
 * `RolesGuard`, `ThrottlerGuard` and CSRF token guards are not authentication.
 */
const NEST_AUTH_GUARD =
  /^(?:(?!Csrf|Xsrf|CSRF|XSRF)\w*(?:Auth|Authentication|Authenticated|Jwt|JWT|Session|Token|Bearer|ApiKey|Clerk|Firebase|Supabase|Passport|Cognito|Keycloak|LoggedIn|SignedIn)\w*Guard|AuthGuard(?:\((?![^)]*anonymous)[^)]*\))?)$/;

/**
 * tRPC procedures and middlewares named for authentication, for when their
 * definition cannot be read: `protectedProcedure`, `authedProcedure`,
 * `privateProcedure`; `isAuthed`, `enforceUserIsAuthed`. `publicProcedure` is not.
 */
const TRPC_AUTH_NAME = /^(?:(?:protected|private|authed|authenticated|auth|loggedIn|signedIn|user(?:Is)?Authed)Procedure|isAuthed|enforce\w*Auth\w*)$/i;

/** All provider patterns in one, to rule out the many calls that are none of them in a single test. */
const ANY_IDENTITY_CALL = new RegExp(IDENTITY_CALL_PATHS.map(([pattern]) => `(?:${pattern.source})`).join('|'));

/** Every pattern above ends in a name containing one of these: a cheap first test on the short name. */
const IDENTITY_NAME_HINT = /auth|protect|user|session|token|claims|verif|validate|jwt|jwk/i;

export function isAuthCallee(path: string, name: string, configured: readonly string[]): string | undefined {
  if (configured.length > 0 && (configured.includes(path) || configured.includes(name))) return 'configured auth function';
  if (!IDENTITY_NAME_HINT.test(name) || !ANY_IDENTITY_CALL.test(path)) return undefined;
  for (const [pattern, provider] of IDENTITY_CALL_PATHS) if (pattern.test(path)) return provider;
  return undefined;
}

/**
 * Answers for the names of controls when no auth function is configured (the
 * usual case), wrappers apart: every authentication check asks about every
 * control of every endpoint, and the same few names recur across files.
 * Middleware and router middleware are named alike, so they share answers.
 */
const controlNameAnswers = {
  wrapper: answerOnce((path: string) => authControlName(path, [], 'wrapper'), 10_000),
  other: answerOnce((path: string) => authControlName(path, [], 'middleware'), 10_000),
};

export function isAuthControlName(path: string, configured: readonly string[], kind: 'middleware' | 'router-middleware' | 'wrapper'): boolean {
  if (configured.length > 0) return authControlName(path, configured, kind);
  return kind === 'wrapper' ? controlNameAnswers.wrapper(path) : controlNameAnswers.other(path);
}

function authControlName(path: string, configured: readonly string[], kind: 'middleware' | 'router-middleware' | 'wrapper'): boolean {
  const last = path.split('.').pop() ?? path;
  if (configured.includes(path) || configured.includes(last)) return true;
  if (last === 'required' && !/auth|jwt/i.test(path)) return false;
  // `@Public()` and the like switch authentication off; they never count as it.
  if (isAuthOptOutMarker(path)) return false;
  if (NEST_AUTH_GUARD.test(path) || NEST_AUTH_GUARD.test(last) || TRPC_AUTH_NAME.test(last)) return true;
  if (AUTH_CONTROL_NAME.test(last) || AUTH_CONTROL_NAME.test(path.replace(/\(\)/g, ''))) return true;
  return kind === 'wrapper' && AUTH_WRAPPER_HINT.test(last);
}

const signalsByScopes = new KeySlots<readonly Scope[], { configured: readonly string[]; signals: IdentitySignal[] }>('identityCalls');

/**
 * Recognised identity calls inside the given scopes, in document order.
 * Memoized per scopes array: the authentication checks all ask about the same
 * endpoint regions.
 */
export function identityCallsIn(index: SourceIndex, scopes: readonly Scope[], configured: readonly string[]): IdentitySignal[] {
  const cached = signalsByScopes.get(scopes);
  if (cached !== undefined && cached.configured === configured) return cached.signals;
  const signals = computeIdentityCalls(index, scopes, configured);
  signalsByScopes.set(scopes, { configured, signals });
  return signals;
}

/** Names worth a full look: the provider hint, plus the last names of the configured auth functions. */
function candidateNames(configured: readonly string[]): RegExp {
  if (configured.length === 0) return IDENTITY_NAME_HINT;
  const names = configured.map((entry) => (entry.split('.').pop() ?? entry).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`${IDENTITY_NAME_HINT.source}|^(?:${names.join('|')})$`, 'i');
}

function computeIdentityCalls(index: SourceIndex, scopes: readonly Scope[], configured: readonly string[]): IdentitySignal[] {
  const signals: IdentitySignal[] = [];
  for (const call of index.callsNamed(candidateNames(configured), scopes)) {
    const path = plainCalleePath(call);
    const provider = isAuthCallee(path, calleeName(call), configured);
    if (provider !== undefined) signals.push({ node: call, note: `${index.textOf(call.expression)}() (${provider})` });
  }
  return signals;
}

/**
 * Does a middleware defined in this file really authenticate? Its name is not
 * enough when its body is right here: it must verify something or reject the
 * caller with 401.
 */
export function definitionAuthenticates(index: SourceIndex, definition: FunctionNode, configured: readonly string[]): IdentitySignal | undefined {
  // Three checks ask about every control of every endpoint, and a router's middleware is a control of each of its
  // routes: answered once per definition and configuration, per file.
  const answers = index.memo('definitionAuthenticates', () => new Map<FunctionNode, { configured: readonly string[]; signal: IdentitySignal | undefined }[]>());
  let known = answers.get(definition);
  const same = known?.find((answer) => answer.configured === configured);
  if (same !== undefined) return same.signal;
  const signal = computeDefinitionAuthenticates(index, definition, configured);
  if (known === undefined) answers.set(definition, (known = []));
  known.push({ configured, signal });
  return signal;
}

function computeDefinitionAuthenticates(index: SourceIndex, definition: FunctionNode, configured: readonly string[]): IdentitySignal | undefined {
  const calls = identityCallsIn(index, [scopeOf(definition)], configured);
  if (calls.length > 0) return calls[0];
  const rejects = index
    .nodesOfKind<ts.NumericLiteral>(SyntaxKind.NumericLiteral, [scopeOf(definition)])
    .find((literal) => literal.text === '401');
  if (rejects !== undefined) return { node: rejects, note: 'middleware answers 401 for unauthenticated callers' };
  return frameworkRejection(index, definition) ?? passportGuardDelegation(index, definition);
}

/**
 * The framework's own 401: NestJS `throw new UnauthorizedException()` or
 * `HttpStatus.UNAUTHORIZED`, tRPC `throw new TRPCError({ code: 'UNAUTHORIZED' })`.
 */
export function frameworkRejection(index: SourceIndex, definition: FunctionNode): IdentitySignal | undefined {
  const scopes = [scopeOf(definition)];
  for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, scopes)) {
    const name = isIdentifier(created.expression) ? created.expression.text : '';
    if (name === 'UnauthorizedException') return { node: created, note: 'guard throws UnauthorizedException (401)' };
    if (name === 'TRPCError' && /\bcode\s*:\s*['"`]UNAUTHORIZED['"`]/.test(index.textOf(created))) {
      return { node: created, note: "middleware throws TRPCError({ code: 'UNAUTHORIZED' })" };
    }
  }
  const status = index
    .nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, scopes)
    .find((access) => access.name.text === 'UNAUTHORIZED' && isIdentifier(access.expression) && access.expression.text === 'HttpStatus');
  return status !== undefined ? { node: status, note: 'guard answers HttpStatus.UNAUTHORIZED (401)' } : undefined;
}

/**
 * A NestJS guard method of a class that `extends AuthGuard('jwt')` and calls
 * `super.canActivate(...)`: the `@nestjs/passport` strategy authenticates.
 */
function passportGuardDelegation(index: SourceIndex, definition: FunctionNode): IdentitySignal | undefined {
  const owner = definition.parent;
  if (!isMethodDeclaration(definition) || owner === undefined || !isClassLike(owner)) return undefined;
  const base = owner.heritageClauses
    ?.find((clause) => clause.token === SyntaxKind.ExtendsKeyword)
    ?.types.map((type) => type.expression)
    .find((expression) => isCallExpression(expression) && isIdentifier(expression.expression) && expression.expression.text === 'AuthGuard');
  if (base === undefined || !NEST_AUTH_GUARD.test(index.textOf(base))) return undefined;
  const delegation = index.callsNamed(/^canActivate$/, [scopeOf(definition)]).find((call) => {
    const callee = call.expression;
    return isPropertyAccessExpression(callee) && callee.expression.kind === SyntaxKind.SuperKeyword;
  });
  return delegation !== undefined ? { node: delegation, note: `guard calls super.canActivate() of ${index.textOf(base)} (@nestjs/passport)` } : undefined;
}

/**
 * The first call in a middleware body that is not `next()`, a response or an
 * inert helper: where it hands authentication to code further away.
 */
export function delegatedCall(index: SourceIndex, definition: FunctionNode): string | undefined {
  for (const call of index.calls([scopeOf(definition)])) {
    const path = plainCalleePath(call);
    if (path === 'next' || isResponseCall(path) || isInertCall(path) || isRequestRead(path)) continue;
    return path;
  }
  return undefined;
}

/**
 * `passport.authenticate('session')` (Passport 0.6's `passport.session()`)
 * restores a logged-in user when there is one and lets everyone else through:
 * it authenticates nobody by itself.
 */
export function restoresSessionOnly(node: ts.Node): boolean {
  const call = isCallExpression(node) ? node : undefined;
  if (call === undefined) return false;
  const path = plainCalleePath(call);
  return (path === 'passport.authenticate' && stringValue(call.arguments[0]) === 'session') || path === 'passport.session';
}

