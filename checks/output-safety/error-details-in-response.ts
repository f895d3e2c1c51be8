import { ts } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { expressionPath, plainCalleePath, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Endpoint } from '../frameworks/endpoint.js';
import { isResponseCall } from '../frameworks/http-idioms.js';

/** Properties of an error that describe the system: message, stack, driver and ORM details. */
const DETAIL_PROPERTY = /^(?:message|stack|sqlMessage|sql|detail|details|meta|cause|original|parent|errno|syscall|path|hostname|address)$/;
/** Conversions that turn the whole error into text for the client. */
const STRINGIFY_CALL = /^(?:String|JSON\.stringify|util\.inspect|inspect|util\.format|format)$/;
/** `new Response(...)` and friends: a response built by hand. */
const RESPONSE_CONSTRUCTOR = /^(?:Response|NextResponse|HttpResponse)$/;
const GENERIC_MESSAGE = "'Internal server error'";

interface Leak {
  /** The leaking expression, e.g. `err.message`. */
  node: ts.Expression;
  what: string;
  stack: boolean;
}

/** A place an error is named: a catch clause variable or an Express error handler's first parameter. */
interface ErrorBinding {
  name: string;
  /** The code where that name is the error: the catch block, the handler body. */
  scope: ts.Node;
}

function errorBindings(index: SourceIndex, scopes: readonly Scope[]): ErrorBinding[] {
  const bindings: ErrorBinding[] = [];
  for (const clause of index.nodesOfKind<ts.CatchClause>(ts.SyntaxKind.CatchClause, scopes)) {
    const declaration = clause.variableDeclaration;
    if (declaration !== undefined && ts.isIdentifier(declaration.name)) bindings.push({ name: declaration.name.text, scope: clause.block });
  }
  return bindings;
}

/** Express error handlers of the file: 4-parameter functions given to `use`. */
function expressErrorHandlers(index: SourceIndex): FunctionNode[] {
  return index.memo('expressErrorHandlers', () => {
    const handlers: FunctionNode[] = [];
    for (const call of index.callsNamed(/^use$/)) {
      for (const argument of call.arguments) {
        const fn = unwrapExpression(argument);
        if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters.length === 4) handlers.push(fn);
      }
    }
    return handlers;
  });
}

/** Whether `node` sits under an `if (err instanceof X)` / `err.name === '...'` branch: an error the app made for clients. */
function underClientErrorGuard(node: ts.Node, errorName: string, stop: ts.Node): boolean {
  let current: ts.Node | undefined = node.parent;
  while (current !== undefined && current !== stop) {
    if (ts.isIfStatement(current) || ts.isConditionalExpression(current)) {
      const condition = ts.isIfStatement(current) ? current.expression : current.condition;
      const text = condition.getText();
      if (new RegExp(`\\b${errorName}\\s+instanceof\\b|\\b${errorName}\\.(?:name|code|status|statusCode|expose|isOperational)\\b`).test(text)) return true;
    }
    current = current.parent;
  }
  return false;
}

/** What in `argument` sends error details: `err.message`, `String(err)`, `{ error: err }`, `${err}`. */
function leaksIn(index: SourceIndex, argument: ts.Node, names: ReadonlySet<string>): Leak[] {
  const leaks: Leak[] = [];
  for (const identifier of index.nodesOfKind<ts.Identifier>(ts.SyntaxKind.Identifier, [scopeOf(argument)])) {
    if (!names.has(identifier.text)) continue;
    // A property name (`{ err: 1 }`, `x.err`) is not the variable.
    const direct = identifier.parent;
    if ((ts.isPropertyAccessExpression(direct) && direct.name === identifier) || (ts.isPropertyAssignment(direct) && direct.name === identifier)) continue;
    // Look through `(err as Error)`, `err!` and parentheses to where the value is used.
    let used: ts.Expression = identifier;
    while (ts.isParenthesizedExpression(used.parent) || ts.isAsExpression(used.parent) || ts.isNonNullExpression(used.parent) || ts.isSatisfiesExpression(used.parent) || ts.isTypeAssertionExpression(used.parent)) {
      used = used.parent;
    }
    const parent = used.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === used) {
      const property = parent.name.text;
      if (DETAIL_PROPERTY.test(property)) leaks.push({ node: parent, what: `${identifier.text}.${property}`, stack: property === 'stack' });
      else if (property === 'toString' && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) leaks.push({ node: parent.parent, what: `${identifier.text}.toString()`, stack: false });
      continue; // err.status, err.code, err.issues: chosen fields, not the error
    }
    if (ts.isCallExpression(parent) && STRINGIFY_CALL.test(expressionPath(parent.expression))) {
      leaks.push({ node: parent, what: `${expressionPath(parent.expression)}(${identifier.text})`, stack: false });
      continue;
    }
    if (ts.isTemplateSpan(parent)) {
      leaks.push({ node: used, what: `\`\${${identifier.text}}\``, stack: false });
      continue;
    }
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      leaks.push({ node: used, what: `'...' + ${identifier.text}`, stack: false });
      continue;
    }
    // The error object itself in the body: `{ error: err }`, `res.send(err)`, `{ err }`.
    if (ts.isPropertyAssignment(parent) || ts.isShorthandPropertyAssignment(parent) || ts.isCallExpression(parent) || ts.isNewExpression(parent) || ts.isSpreadAssignment(parent) || ts.isArrayLiteralExpression(parent)) {
      leaks.push({ node: used, what: `the error object ${identifier.text}`, stack: true });
    }
  }
  // `process.env` as a whole (not one chosen variable).
  for (const access of index.nodesOfKind<ts.PropertyAccessExpression>(ts.SyntaxKind.PropertyAccessExpression, [scopeOf(argument)])) {
    if (access.getText() === 'process.env' && !(ts.isPropertyAccessExpression(access.parent) && access.parent.expression === access) && !ts.isElementAccessExpression(access.parent)) {
      leaks.push({ node: access, what: 'process.env', stack: true });
    }
  }
  return leaks;
}

/** Names in `scope` that hold error details: the error itself and `const msg = err.message`-style copies. */
function detailNames(index: SourceIndex, binding: ErrorBinding): Set<string> {
  const names = new Set([binding.name]);
  for (const declaration of index.nodesOfKind<ts.VariableDeclaration>(ts.SyntaxKind.VariableDeclaration, [scopeOf(binding.scope)])) {
    if (!ts.isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
    if (leaksIn(index, declaration.initializer, new Set([binding.name])).length > 0) names.add(declaration.name.text);
  }
  return names;
}

/** The responses sent inside `scope`: response calls, `new Response(...)`, `ctx.body = ...`. */
function responseArguments(index: SourceIndex, scope: ts.Node): ts.Node[] {
  const range = [scopeOf(scope)];
  const sent: ts.Node[] = [];
  for (const call of index.calls(range)) {
    if (isResponseCall(plainCalleePath(call))) sent.push(...call.arguments);
  }
  for (const created of index.nodesOfKind<ts.NewExpression>(ts.SyntaxKind.NewExpression, range)) {
    if (RESPONSE_CONSTRUCTOR.test(expressionPath(created.expression))) sent.push(...(created.arguments ?? []));
  }
  for (const assignment of index.nodesOfKind<ts.BinaryExpression>(ts.SyntaxKind.BinaryExpression, range)) {
    if (assignment.operatorToken.kind === ts.SyntaxKind.EqualsToken && /^(?:ctx|context)\.(?:body|response\.body)$/.test(expressionPath(assignment.left))) sent.push(assignment.right);
  }
  return sent;
}

/** The whole line with the leaking expression replaced by a generic message, when that is safe to offer. */
function suggestionFor(index: SourceIndex, leak: Leak): { line: number; endLine: number; replacement: string } | undefined {
  const parent = leak.node.parent;
  if (ts.isShorthandPropertyAssignment(parent) || ts.isTemplateSpan(parent) || ts.isBinaryExpression(parent) || ts.isSpreadAssignment(parent)) return undefined;
  const line = index.lineOf(leak.node);
  if (index.endLineOf(leak.node) !== line) return undefined;
  const text = index.lineText(line);
  const expression = index.textOf(leak.node);
  if (text.indexOf(expression) < 0 || text.indexOf(expression) !== text.lastIndexOf(expression)) return undefined;
  return { line, endLine: line, replacement: text.replace(expression, GENERIC_MESSAGE) };
}

/** How the framework answers an error nobody caught. */
function uncaughtDefault(endpoint: Endpoint): { safe: boolean; note: string } | undefined {
  switch (endpoint.framework) {
    case 'nextjs-app-router':
    case 'nextjs-pages':
      return { safe: true, note: 'uncaught errors give Next.js’s generic 500 in production' };
    case 'hono':
      return { safe: true, note: "uncaught errors give Hono's generic 'Internal Server Error'" };
    case 'koa':
      return { safe: true, note: 'Koa does not expose the message of 5xx errors (expose is false)' };
    default:
      return undefined;
  }
}

export default createCheck({
  id: 'error-details-in-response',
  items: ['output.errors'],
  description: 'Error messages, stacks, raw error objects or the environment are sent to the client.',
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-209'],
  owasp: ['API8:2023'],
  messages: {
    leak: '{{endpoint}} sends {{what}} to the client.',
  },
  why: 'Error details tell an attacker about the system: SQL and table names, file paths, library versions, internal hosts; stacks show the code itself (Security Misconfiguration).',
  fix: {
    'nextjs-app-router': "Log the error on the server and answer with a generic message: `console.error(err); return NextResponse.json({ error: 'Internal server error' }, { status: 500 });`.",
    'nextjs-pages': "Log the error on the server and answer with a generic message: `console.error(err); return res.status(500).json({ error: 'Internal server error' });`.",
    express: "Log it and answer generically: `logger.error({ err }, 'request failed'); res.status(500).json({ error: 'Internal server error' });`, or `next(err)` to one error handler that hides details of 5xx errors.",
    fastify: "Log it with `request.log.error(err)` and answer `reply.code(500).send({ error: 'Internal server error' })`; in `setErrorHandler`, send `error.message` only for 4xx errors you created.",
    default: "Log the error on the server and answer with a generic message such as 'Internal server error'.",
  },
  run(context) {
    const { endpoint } = context;
    const index = endpoint.index;
    const name = `${endpoint.method} ${endpoint.route}`;
    let leaked = false;
    let guarded: ts.Node | undefined;

    const bindings = errorBindings(index, endpoint.scopes);
    // Express error handlers of the file apply to its routes.
    const errorHandlers = endpoint.framework === 'express' ? expressErrorHandlers(index) : [];
    for (const handler of errorHandlers) {
      const first = handler.parameters[0];
      if (ts.isIdentifier(first.name) && handler.body !== undefined) bindings.push({ name: first.name.text, scope: handler.body });
    }

    for (const binding of bindings) {
      const names = detailNames(index, binding);
      let bindingLeaked = false;
      for (const argument of responseArguments(index, binding.scope)) {
        for (const leak of leaksIn(index, argument, names)) {
          if (leak.what !== 'process.env' && underClientErrorGuard(leak.node, binding.name, binding.scope)) continue;
          context.report({
            messageId: 'leak',
            node: leak.node,
            data: { endpoint: name, what: leak.what === 'process.env' ? 'the whole `process.env`' : `\`${leak.what.replace(/^the error object /, '')}\`${leak.what.startsWith('the error object') ? ' (the raw error object)' : ''}` },
            severity: leak.stack ? 'high' : 'medium',
            suggestion: suggestionFor(index, leak),
          });
          leaked = bindingLeaked = true;
        }
      }
      if (!bindingLeaked) guarded ??= binding.scope.parent ?? binding.scope;
    }
    if (leaked) return;
    if (guarded !== undefined) {
      context.pass('output.errors', { node: guarded, note: ts.isCatchClause(guarded) ? 'the catch block answers without error details' : 'the error handler answers without error details' });
      return;
    }
    const fallback = uncaughtDefault(endpoint);
    if (fallback?.safe === true) {
      context.pass('output.errors', { node: endpoint.registration, note: fallback.note });
      return;
    }
    context.unknown(
      'output.errors',
      endpoint.framework === 'fastify'
        ? "no catch here: Fastify's default error handler sends error.message; check the app's setErrorHandler"
        : "no catch here: errors go to the app's error handler, which is not in this file",
    );
  },
});

