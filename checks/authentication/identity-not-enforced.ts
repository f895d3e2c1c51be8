import { ts, SyntaxKind, isArrowFunction, isAsExpression, isAwaitExpression, isBinaryExpression, isBlock, isCallExpression, isConditionalExpression, isExpressionStatement, isFunctionExpression, isIdentifier, isIfStatement, isNewExpression, isNonNullExpression, isParenthesizedExpression, isPrefixUnaryExpression, isPropertyAccessExpression, isReturnStatement, isThrowStatement, isVariableDeclaration } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { boundNames, calleePath, containsNode, identifiersIn, unwrapExpression, plainCalleePath } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { codeRegions, scopeOf, type Endpoint } from '../frameworks/endpoint.js';
import { definitionAuthenticates, frameworkRejection, identityCallsIn, isAuthControlName, restoresSessionOnly } from './identity-signals.js';
import { nextMiddlewareOutcome } from './next-middleware-outcome.js';
import { jwtMiddlewareOf, jwtMiddlewareOption } from './jwt-middleware-packages.js';

/** Identity calls that reject by themselves (throw, redirect or answer 401): their result needs no guard. */
const SELF_ENFORCING = /(?:^|\.)(?:protect|requireAuth|requireUser|requireSession|ensureAuthenticated|authenticate|withApiAuthRequired)$/;
/** Calls that end the request from inside a guard. */
const REJECTING_CALL = /(?:^|\.)(?:notFound|redirect|unauthorized|forbidden|sendStatus|status|json|send|end|code|error)$/;

/** The names the result of `call` is bound to: `const { userId } = await auth()` gives userId. */
function resultNames(call: ts.CallExpression): string[] | undefined {
  let node: ts.Node = call;
  while (node.parent !== undefined && (isAwaitExpression(node.parent) || isParenthesizedExpression(node.parent) || isAsExpression(node.parent) || isNonNullExpression(node.parent))) node = node.parent;
  const parent = node.parent;
  if (parent === undefined) return undefined;
  if (isVariableDeclaration(parent) && parent.initializer === node) return boundNames(parent.name);
  if (isBinaryExpression(parent) && parent.operatorToken.kind === SyntaxKind.EqualsToken && parent.right === node) {
    return isIdentifier(parent.left) ? [parent.left.text] : identifiersIn(parent.left).map((identifier) => identifier.text);
  }
  if (isPropertyAccessExpression(parent)) {
    // `(await auth()).userId` used directly: treat the enclosing declaration.
    const declaration = parent.parent;
    if (declaration !== undefined && isVariableDeclaration(declaration)) return boundNames(declaration.name);
  }
  if (isIfStatement(parent) || isPrefixUnaryExpression(parent) || isReturnStatement(parent) || isConditionalExpression(parent) || isBinaryExpression(parent)) return ['<inline>'];
  if (isExpressionStatement(parent)) return [];
  return ['<inline>'];
}

interface Guard {
  statement: ts.IfStatement;
  statuses: string[];
}

function statusCodesIn(index: SourceIndex, node: ts.Node): string[] {
  return index.nodesOfKind<ts.NumericLiteral>(SyntaxKind.NumericLiteral, [scopeOf(node)]).map((literal) => literal.text);
}

/** An `if` on one of `names` that ends the request (return, throw, or a rejecting call). */
function findGuard(index: SourceIndex, scopes: readonly Scope[], names: readonly string[], after: number): Guard | undefined {
  for (const statement of index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, scopes)) {
    if (statement.pos < after) continue;
    const mentioned = identifiersIn(statement.expression).some((identifier) => names.includes(identifier.text));
    if (!mentioned) continue;
    const ends = containsNode(statement, (node) => isReturnStatement(node) || isThrowStatement(node) || (isCallExpression(node) && REJECTING_CALL.test(calleePath(node))));
    if (ends) return { statement, statuses: statusCodesIn(index, statement.thenStatement) };
  }
  return undefined;
}

/** Whether the file calls `next` anywhere: both rules below need a `next()` call, and many files have none. */
function callsNext(index: SourceIndex): boolean {
  return index.callsNamed(/^next$/).length > 0;
}

/** Express callback style: `if (err) res.sendStatus(403);` with no return, then `next()` anyway. */
function fallsThroughToNext(index: SourceIndex, scopes: readonly Scope[]): ts.IfStatement | undefined {
  if (!callsNext(index)) return undefined;
  for (const statement of index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, scopes)) {
    // The tests are independent: the cheap ones (no else, inside a block) first, the walks last.
    const block = statement.parent;
    if (statement.elseStatement !== undefined || !isBlock(block)) continue;
    const condition = index.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier, [scopeOf(statement.expression)]);
    if (!condition.some((identifier) => /^(?:err|error|e)$/.test(identifier.text))) continue;
    const then = statement.thenStatement;
    const responds = containsNode(then, (node) => isCallExpression(node) && /^res\./.test(calleePath(node)));
    if (!responds || containsNode(then, (node) => isReturnStatement(node) || isThrowStatement(node))) continue;
    const later = block.statements.slice(block.statements.indexOf(statement) + 1);
    if (later.some((next) => containsNode(next, (node) => isCallExpression(node) && isIdentifier(node.expression) && node.expression.text === 'next'))) return statement;
  }
  return undefined;
}

/** `catch { next(); }` after a verification in the try block: the request goes on unauthenticated. */
function catchContinues(index: SourceIndex, scopes: readonly Scope[], configured: readonly string[]): ts.CatchClause | undefined {
  // The region's identity calls are computed once; only their position matters here.
  const signals = identityCallsIn(index, scopes, configured);
  if (signals.length === 0 || !callsNext(index)) return undefined;
  for (const tryStatement of index.nodesOfKind<ts.TryStatement>(SyntaxKind.TryStatement, scopes)) {
    const clause = tryStatement.catchClause;
    if (clause === undefined) continue;
    const block = tryStatement.tryBlock;
    if (!signals.some((signal) => signal.node.pos >= block.pos && signal.node.end <= block.end)) continue;
    const callsNext = containsNode(clause.block, (node) => isCallExpression(node) && isIdentifier(node.expression) && node.expression.text === 'next' && node.arguments.length === 0);
    if (callsNext) return clause;
  }
  return undefined;
}

function frameworkRejectionEvidence(endpoint: Endpoint, configured: readonly string[]): { node: ts.Node; note: string } | undefined {
  for (const control of endpoint.controls) {
    if (control.definition === undefined) continue;
    const index = control.definitionIndex ?? endpoint.index;
    const signal = definitionAuthenticates(index, control.definition, configured);
    if (signal !== undefined && (isNewExpression(signal.node) || isCallExpression(signal.node) || isPropertyAccessExpression(signal.node))) {
      return { node: signal.node, note: `${control.name}: ${signal.note}, which ends the request` };
    }
  }
  if ((endpoint.framework === 'trpc' || endpoint.framework === 'nestjs') && endpoint.handler !== undefined) {
    const signal = frameworkRejection(endpoint.index, endpoint.handler);
    if (signal !== undefined) return { node: signal.node, note: `${signal.note.replace(/^(?:guard|middleware)/, 'the handler')}, which ends the request` };
  }
  return undefined;
}

export default createCheck({
  id: 'identity-not-enforced',
  items: ['authn.invalid-token'],
  description: 'An identity check whose failure does not stop the request, or stops it with a status other than 401/403.',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-287'],
  owasp: ['API2:2023'],
  messages: {
    unused: 'The result of {{call}} is never checked: the handler goes on for anonymous callers too.',
    'falls-through': 'When verification fails this middleware answers but does not return, so next() still runs the handler.',
    'catch-continues': 'The catch block calls next() when verification throws: an invalid token is let through.',
    'wrong-status': 'An unauthenticated caller gets {{status}} instead of 401.',
    passthrough: '`passthrough: true` makes koa-jwt let requests with a missing or invalid token continue: every route behind it must check `ctx.state.user` itself.',
  },
  why: 'Checking identity only helps if a failed check ends the request; clients and monitoring rely on 401 to tell missing credentials from other errors.',
  fix: {
    'nextjs-app-router': "Stop right after the check: `if (!userId) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });`.",
    express: 'Return after answering: `if (err) return res.sendStatus(401);` and, in a catch block, `return res.status(401).json({ error: \'Unauthorized\' })` instead of `next()`.',
    default: 'End the request with 401 as soon as the identity check fails.',
  },
  run(context) {
    const { endpoint } = context;
    const configured = context.config.auth.functions;
    let reported = false;
    let evidence: { node: ts.Node; note: string } | undefined;

    // The endpoint's own code and the imported middleware it runs (one hop).
    for (const { index, scopes } of codeRegions(endpoint)) {
      const fallthrough = fallsThroughToNext(index, scopes);
      if (fallthrough !== undefined) {
        context.report({ messageId: 'falls-through', node: fallthrough });
        reported = true;
      }
      const continues = catchContinues(index, scopes, configured);
      if (continues !== undefined) {
        context.report({ messageId: 'catch-continues', node: continues });
        reported = true;
      }

      const signals = identityCallsIn(index, scopes, configured).filter((signal) => isCallExpression(signal.node));
      for (const signal of signals) {
        const call = signal.node as ts.CallExpression;
        const path = plainCalleePath(call);
        if (SELF_ENFORCING.test(path)) {
          evidence ??= { node: call, note: `${path}() rejects unauthenticated callers itself` };
          continue;
        }
        // Callback style (jwt.verify(token, key, (err, user) => ...)) is judged by the fall-through rule above.
        if (call.arguments.some((argument) => isArrowFunction(unwrapExpression(argument)) || isFunctionExpression(unwrapExpression(argument)))) {
          evidence ??= { node: call, note: `${path}() callback handles the failure` };
          continue;
        }
        // Verifiers throw on a bad token; a catch around them is judged by the catch rule above.
        if (/verify/i.test(path)) {
          evidence ??= { node: call, note: `${path}() throws on an invalid token` };
          continue;
        }
        const names = resultNames(call);
        if (names === undefined || names.includes('<inline>')) {
          evidence ??= { node: call, note: `${path}() result is tested where it is called` };
          continue;
        }
        const guard = names.length > 0 ? findGuard(index, scopes, names, call.end) : undefined;
        if (guard === undefined) {
          context.report({ messageId: 'unused', node: call, data: { call: `${path}()` } });
          reported = true;
          continue;
        }
        const wrong = guard.statuses.find((status) => status === '200' || status === '500');
        if (wrong !== undefined && !guard.statuses.some((status) => status === '401' || status === '403')) {
          context.report({ messageId: 'wrong-status', node: guard.statement, data: { status: wrong }, severity: 'low' });
          reported = true;
          continue;
        }
        evidence ??= { node: guard.statement, note: `${index.textOf(guard.statement.expression)} ends the request${guard.statuses.length > 0 ? ` (${guard.statuses.join('/')})` : ''}` };
      }
    }
    if (reported) return;
    // A control or handler that rejects with the framework's own 401 (tRPC `throw new TRPCError({ code: 'UNAUTHORIZED' })`,
    // Nest `throw new UnauthorizedException()`, a guard delegating to @nestjs/passport): a throw always ends the request.
    evidence ??= frameworkRejectionEvidence(endpoint, configured);
    if (evidence !== undefined) {
      context.pass('authn.invalid-token', evidence);
      return;
    }
    const middleware = nextMiddlewareOutcome(endpoint, context.project);
    if (middleware.kind === 'pass') {
      context.pass('authn.invalid-token', { file: middleware.file, line: middleware.line, note: `${middleware.note} turns unauthenticated requests away before the handler` });
      return;
    }
    const jwtMiddleware = jwtMiddlewareOf(endpoint);
    if (jwtMiddleware !== undefined) {
      const passthrough = jwtMiddlewareOption(jwtMiddleware, 'passthrough');
      if (jwtMiddleware.package === 'koa-jwt' && passthrough?.kind === SyntaxKind.TrueKeyword) {
        context.report({ messageId: 'passthrough', node: passthrough });
        return;
      }
      const how = jwtMiddleware.package === 'koa-jwt' ? 'ctx.throw(401)' : 'next(new UnauthorizedError(...)), a 401';
      context.pass('authn.invalid-token', { node: jwtMiddleware.call, note: `${jwtMiddleware.package} rejects a missing or invalid token with ${how}` });
      return;
    }
    const external = endpoint.controls.find((control) => control.definition === undefined && !restoresSessionOnly(control.node) && isAuthControlName(control.name, configured, control.kind));
    if (external !== undefined) {
      context.unknown('authn.invalid-token', `the failure path of ${external.name} is in another file that was not analysed`);
      return;
    }
    context.notApplicable('authn.invalid-token', 'the endpoint does no identity check of its own');
  },
});
