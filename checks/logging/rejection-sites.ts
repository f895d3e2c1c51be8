/**
 * Where code turns a caller away: the 401 of a failed identity check and
 * the 403 / not-owner 404 of a denied permission, each with the branch it
 * sits in (the `if` arm, the `catch` block, the callback or helper body)
 * and whether that branch records a security event. Shared by the logging
 * checks.
 */
import { ts, SyntaxKind, getDecorators, isArrowFunction, isCallExpression, isCaseClause, isCatchClause, isConditionalExpression, isDefaultClause, isFunctionExpression, isFunctionLike, isIdentifier, isIfStatement, isPropertyAccessExpression, isStatement, isThrowStatement, isTryStatement } from '../lang/ts/parse.js';
import { calleeName, expressionPath, plainCalleePath, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import { koaAppNames } from '../frameworks/koa.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf } from '../frameworks/endpoint.js';
import { isOwnerField } from '../authorization/owner-fields.js';
import { isLogCall, logCallIn } from './security-log-calls.js';
import { isComparedOrCase } from '../rate-limiting/limiter-signals.js';
import { fileMentions } from '../rate-limiting/text-hints.js';
import { KeySlots } from '../lang/key-slots.js';

export type RejectionKind = 'auth' | 'denial';

export interface RejectionSite {
  kind: RejectionKind;
  /** The status or exception as written: `401`, `ForbiddenException`, `HttpStatus.FORBIDDEN`. */
  what: string;
  node: ts.Node;
  index: SourceIndex;
  /** The arm of code the rejection belongs to: an `if` arm, a `catch` block, a callback or helper body. */
  branch: ts.Node;
  /**
   * `respond`: the code answers the client itself, so it must log there;
   * `throw`: the error goes to the framework's error handler, which may log.
   */
  style: 'respond' | 'throw';
  /** The first log call in the branch, if any. */
  logged?: ts.CallExpression;
}

const AUTH_EXCEPTION = /^(?:UnauthorizedException|UnauthorizedError|AuthenticationError|UnauthenticatedError|NotAuthenticatedError)$/;
const DENIAL_EXCEPTION = /^(?:ForbiddenException|ForbiddenError|PermissionDenied\w*|AccessDenied\w*|NotAuthorizedError|AuthorizationError)$/;
/** A "not found" exception hides a record from a caller who does not own it: a denial only in a not-owner branch. */
const NOT_FOUND_EXCEPTION = /^NotFound(?:Exception|Error)$/;
const STATUS_NAME: Record<string, RejectionKind> = { UNAUTHORIZED: 'auth', FORBIDDEN: 'denial' };
/** Calls that end a request as unauthenticated or forbidden: Next.js `unauthorized()` / `forbidden()`, Boom, http-errors. */
const REJECTING_CALL = /^(?:unauthorized|forbidden|Unauthorized|Forbidden|notFound)$/;
/** Code that passes an error on instead of answering: `throw`, `ctx.throw(401)`, `next(createError(401))`, `reply.send(err)` is not one. */
const PASSES_ON = /^(?:ctx\.throw|context\.throw|next|done|callback|cb|reject)$/;

/** The arm of code a node belongs to: the nearest `if` arm, `catch` block, `case`, or enclosing function body. */
export function branchOf(node: ts.Node): ts.Node {
  let child: ts.Node = node;
  for (let current = node.parent; current !== undefined; child = current, current = current.parent) {
    if (isIfStatement(current) && child !== current.expression) return child;
    if (isCatchClause(current)) return current.block;
    if (isCaseClause(current) || isDefaultClause(current)) return current;
    if (isConditionalExpression(current) && child !== current.condition) return child;
    if (isFunctionLike(current)) return current;
  }
  return child;
}

function styleOf(node: ts.Node): 'respond' | 'throw' {
  for (let current = node.parent, depth = 0; current !== undefined && depth < 8; current = current.parent, depth++) {
    if (isThrowStatement(current)) return 'throw';
    if (isCallExpression(current) && PASSES_ON.test(plainCalleePath(current))) return 'throw';
    if (isStatement(current) || isFunctionLike(current)) break;
  }
  return 'respond';
}

/** `if (invoice.ownerId !== userId) return notFound()`: the 404 of a not-owner branch. */
function notOwnerBranch(index: SourceIndex, node: ts.Node): boolean {
  for (let current = node.parent, depth = 0; current !== undefined && depth < 12; current = current.parent, depth++) {
    if (isIfStatement(current)) {
      return index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, [scopeOf(current.expression)]).some((access) => isOwnerField(access.name.text));
    }
    if (isFunctionLike(current)) return false;
  }
  return false;
}

/**
 * A 403 in the callback of a token verification (`jwt.verify(token, key,
 * (err) => { if (err) return res.sendStatus(403) })`) or in the catch of a
 * try that verifies: the Express seed answers a bad token with 403, and it is
 * an authentication failure, not a permission denial.
 */
function inVerificationFailure(index: SourceIndex, node: ts.Node): boolean {
  for (let current = node.parent, depth = 0; current !== undefined && depth < 16; current = current.parent, depth++) {
    if (isCatchClause(current)) {
      const tryStatement = current.parent;
      return isTryStatement(tryStatement) && /verif|authenticat|decode|jwt|token/i.test(index.textOf(tryStatement.tryBlock));
    }
    if ((isArrowFunction(current) || isFunctionExpression(current)) && current.parent !== undefined && isCallExpression(current.parent)) {
      return /verif|authenticat/i.test(calleeName(current.parent));
    }
  }
  return false;
}

function siteKind(index: SourceIndex, node: ts.Node, status: string): RejectionKind | undefined {
  if (status === '401') return 'auth';
  if (status === '403') return inVerificationFailure(index, node) ? 'auth' : 'denial';
  if (status === '404') return notOwnerBranch(index, node) ? 'denial' : undefined;
  return undefined;
}

/** Every rejection below is written with one of these. */
const REJECTION_HINT = /^40[134]$|nauthori[sz]ed|orbidden|^notFound$|^NotFound(?:Exception|Error)$|^NOT_FOUND$|^UNAUTHORIZED$|^FORBIDDEN$|Authenticat\w*Error|AccessDenied|PermissionDenied|NotAuthorized|AuthorizationError/;

const sitesByScopes = new KeySlots<readonly Scope[], RejectionSite[]>('rejectionSites');

/** Every rejection in the given code, in document order, with its branch and whether the branch logs. Memoized per scopes. */
export function rejectionSites(index: SourceIndex, scopes: readonly Scope[]): RejectionSite[] {
  const cached = sitesByScopes.get(scopes);
  if (cached !== undefined) return cached;
  const sites: RejectionSite[] = [];
  if (!fileMentions(index, 'rejections', REJECTION_HINT)) {
    sitesByScopes.set(scopes, sites);
    return sites;
  }
  const seenBranches = new Set<ts.Node>();
  const add = (kind: RejectionKind, what: string, node: ts.Node) => {
    const branch = branchOf(node);
    // One branch answers once: `res.status(401).json({ code: 401 })` is one rejection.
    if (seenBranches.has(branch)) return;
    seenBranches.add(branch);
    sites.push({ kind, what, node, index, branch, style: styleOf(node), logged: logCallIn(index, branch) });
  };
  for (const literal of index.nodesOfKind<ts.NumericLiteral>(SyntaxKind.NumericLiteral, scopes)) {
    if (literal.text !== '401' && literal.text !== '403' && literal.text !== '404') continue;
    if (isComparedOrCase(literal)) continue;
    const kind = siteKind(index, literal, literal.text);
    if (kind !== undefined) add(kind, literal.text, literal);
  }
  // Property accesses are the most numerous nodes: read them only where a status name is written.
  if (fileMentions(index, 'statusNames', /^(?:UNAUTHORIZED|FORBIDDEN)$/)) {
    for (const access of index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, scopes)) {
      const kind = STATUS_NAME[access.name.text];
      if (kind !== undefined && /^(?:HttpStatus|StatusCodes|HttpStatusCode|httpStatus|status)$/.test(expressionPath(access.expression)) && !isComparedOrCase(access)) add(kind, expressionPath(access), access);
    }
  }
  for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, scopes)) {
    const name = isIdentifier(created.expression) ? created.expression.text : isPropertyAccessExpression(created.expression) ? created.expression.name.text : '';
    if (AUTH_EXCEPTION.test(name)) add('auth', name, created);
    else if (DENIAL_EXCEPTION.test(name)) add('denial', name, created);
    else if (NOT_FOUND_EXCEPTION.test(name) && notOwnerBranch(index, created)) add('denial', name, created);
    else if (name === 'TRPCError') {
      const code = /\bcode\s*:\s*['"`](UNAUTHORIZED|FORBIDDEN|NOT_FOUND)['"`]/.exec(index.textOf(created))?.[1];
      if (code === 'NOT_FOUND') {
        if (notOwnerBranch(index, created)) add('denial', 'TRPCError NOT_FOUND', created);
      } else if (code !== undefined) add(STATUS_NAME[code], `TRPCError ${code}`, created);
    }
  }
  for (const call of index.callsNamed(REJECTING_CALL, scopes)) {
    const name = calleeName(call);
    if (name === 'notFound' && !notOwnerBranch(index, call)) continue;
    add(/nauthori/.test(name) ? 'auth' : 'denial', `${plainCalleePath(call)}()`, call);
  }
  sites.sort((a, b) => a.node.pos - b.node.pos);
  sitesByScopes.set(scopes, sites);
  return sites;
}

/**
 * An error handler of the file that logs what reaches it: Express
 * `app.use((err, req, res, next) => ...)`, Fastify `setErrorHandler`, Hono
 * `app.onError`, a Nest `@Catch()` filter, tRPC `onError`. Memoized per file.
 */
export function loggingErrorHandler(index: SourceIndex): ts.CallExpression | undefined {
  return index.memo('loggingErrorHandler', () => {
    for (const call of index.callsNamed(/^(?:use|setErrorHandler|onError)$/)) {
      const handler = call.arguments.map((argument) => unwrapExpression(argument)).find((argument) => isArrowFunction(argument) || isFunctionExpression(argument)) as ts.ArrowFunction | ts.FunctionExpression | undefined;
      if (handler === undefined) continue;
      if (calleeName(call) === 'use' && handler.parameters.length !== 4) continue;
      const logged = logCallIn(index, handler);
      if (logged !== undefined) return logged;
    }
    // Koa: `app.on('error', (err, ctx) => ...)` receives every error thrown in a request, 4xx included (context.onerror emits them all).
    for (const call of index.callsNamed(/^on$/)) {
      const callee = unwrapExpression(call.expression);
      if (stringValue(call.arguments[0]) !== 'error' || !isPropertyAccessExpression(callee) || !koaAppNames(index).has(expressionPath(callee.expression))) continue;
      const listener = call.arguments[1] === undefined ? undefined : unwrapExpression(call.arguments[1]);
      if (listener === undefined || !(isArrowFunction(listener) || isFunctionExpression(listener))) continue;
      const logged = logCallIn(index, listener);
      if (logged !== undefined) return logged;
    }
    for (const declaration of index.nodesOfKind<ts.ClassDeclaration>(SyntaxKind.ClassDeclaration)) {
      const isFilter = (getDecorators(declaration) ?? []).some((decorator) => /^Catch\b/.test(index.textOf(decorator.expression)));
      if (!isFilter) continue;
      const logged = index.calls([scopeOf(declaration)]).find(isLogCall);
      if (logged !== undefined) return logged;
    }
    for (const property of index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment)) {
      if (!isIdentifier(property.name) || property.name.text !== 'onError') continue;
      const logged = logCallIn(index, property.initializer);
      if (logged !== undefined) return logged;
    }
    return undefined;
  });
}
