/**
 * What in a response carries error details: `err.message`, `err.stack`,
 * driver fields, the error as text (`String(err)`, `${err}`), the raw error
 * object, a local copy of any of those, or the whole `process.env`. A value
 * counts when it flows into what is sent: an argument of a response call, a
 * property of the body, a template, a concatenation, a string method.
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isAsExpression, isAwaitExpression, isBinaryExpression, isBindingElement, isCallExpression, isConditionalExpression, isElementAccessExpression, isFunctionLike, isIdentifier, isMethodDeclaration, isNonNullExpression, isObjectBindingPattern, isParameter, isParenthesizedExpression, isPropertyAccessExpression, isPropertyAssignment, isPropertyDeclaration, isSatisfiesExpression, isShorthandPropertyAssignment, isSpreadAssignment, isSpreadElement, isTemplateSpan, isThrowStatement, isTypeAssertionExpression, isVariableDeclaration } from '../lang/ts/parse.js';
import { expressionPath, importSources, plainCalleePath, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Endpoint, type Framework } from '../frameworks/endpoint.js';
import { KeySlots } from '../lang/key-slots.js';
import { isResponseCall } from '../frameworks/http-idioms.js';
import type { ErrorBinding } from './error-bindings.js';
import { underClientSafeCondition } from './client-safe-conditions.js';

/** Properties of an error that describe the system: message, stack, driver and ORM details. */
const DETAIL_PROPERTY = /^(?:message|stack|sqlMessage|sql|detail|details|meta|cause|original|parent|errno|syscall|path|hostname|address|query|parameters)$/;
/** Conversions that turn the whole error into text; `inspect` includes the stack. */
const STRINGIFY_CALL = /^(?:String|JSON\.stringify|util\.inspect|inspect|util\.format|format)$/;
const STACK_STRINGIFY = /^(?:util\.inspect|inspect|util\.format|format)$/;
/** String methods keep the text they are called on: `err.message.slice(0, 200)`. */
const STRING_METHOD = /^(?:slice|substring|substr|trim|trimStart|trimEnd|toUpperCase|toLowerCase|replace|replaceAll|split|concat|padStart|padEnd|toString|join)$/;
/** `new Response(...)` and friends: a response built by hand. */
const RESPONSE_CONSTRUCTOR = /^(?:Response|NextResponse|HttpResponse)$/;
/** Last names of response calls (see isResponseCall), so that only those calls are looked at. */
const RESPONSE_METHOD = /^(?:json|send|end|sendStatus|status|code|redirect|render|jsonp|text|html|body|error|write)$/;
/** Raw writes to the Node response. */
const RAW_WRITE = /^(?:res|response)\.(?:write|end)$/;
/** Error classes whose message the framework sends to the client, by the module they come from. */
const CLIENT_EXCEPTION_MODULE = /^(?:@nestjs\/common|@trpc\/server|hono\/http-exception|graphql|apollo-server(?:-\w+)?|@apollo\/server|http-errors)$/;
/** Frameworks that send what the handler returns. */
const RETURNS_RESPONSE: ReadonlySet<Framework> = new Set(['fastify', 'nestjs', 'trpc']);

export interface Leak {
  /** The leaking expression, e.g. `err.message`. */
  node: ts.Node;
  /** How the message names it, e.g. "`err.message`". */
  what: string;
  /** The stack (or the environment) goes out: high severity. */
  stack: boolean;
  /** Whether replacing `node` with a string literal keeps the line valid and removes the leak. */
  replaceable: boolean;
}

/** What a local name holds: the error itself, or details copied from it. */
interface Holder {
  alias: boolean;
  /** For copies: what was copied, e.g. "`err.message`". */
  source?: string;
  stack: boolean;
}

/** Values that reach the client from the code in `range`. */
export function sentValues(index: SourceIndex, range: readonly Scope[], handler: FunctionNode | undefined, framework: Framework): ts.Expression[] {
  const sent: ts.Expression[] = [];
  for (const { values } of sendingNodes(index, range, handler, framework)) for (const value of values) sent.push(value);
  return sent;
}

/** A node that sends (a response call, `new Response(...)`, `ctx.body =`, a returned value) and what it sends. */
interface Sending {
  node: ts.Node;
  values: readonly ts.Expression[];
}

/** Which sending nodes other than response calls a file can have at all. */
interface FileSenders {
  /** `new Response(...)` or a client exception thrown (`throw new BadRequestException(...)`). */
  constructors: boolean;
  /** `ctx.body = ...`. */
  contextBody: boolean;
}

/**
 * Read once per file from its identifiers and imports: a `new Response(...)`
 * needs the identifier `Response` (or `NextResponse`, `HttpResponse`), a
 * client exception a `throw` and an import from a module that has them,
 * `ctx.body =` the identifier `ctx` or `context`. Most files have none, and their endpoints
 * then skip a path built for every `new` and every assignment.
 */
function fileSenders(index: SourceIndex): FileSenders {
  return index.memo('output:fileSenders', () => {
    const has = (name: string) => index.mayHaveIdentifier(name);
    return {
      constructors: has('Response') || has('NextResponse') || has('HttpResponse') || (index.nodesOfKind(SyntaxKind.ThrowStatement).length > 0 && importsClientExceptions(index)),
      contextBody: has('ctx') || has('context'),
    };
  });
}

function importsClientExceptions(index: SourceIndex): boolean {
  for (const { module } of importSources(index).values()) if (CLIENT_EXCEPTION_MODULE.test(module)) return true;
  return false;
}

/** The nodes in `range` that send values to the client, grouped by kind as sentValues lists their values. */
function sendingNodes(index: SourceIndex, range: readonly Scope[], handler: FunctionNode | undefined, framework: Framework): Sending[] {
  const sending: Sending[] = [];
  for (const call of index.callsNamed(RESPONSE_METHOD, range)) {
    const path = plainCalleePath(call);
    if (isResponseCall(path) || RAW_WRITE.test(path)) sending.push({ node: call, values: call.arguments });
  }
  const senders = fileSenders(index);
  for (const created of senders.constructors ? index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, range) : NO_NEW) {
    const name = expressionPath(created.expression);
    const clientException = isThrowStatement(created.parent) && CLIENT_EXCEPTION_MODULE.test(importSources(index).get(name)?.module ?? '');
    if (RESPONSE_CONSTRUCTOR.test(name) || clientException) sending.push({ node: created, values: created.arguments ?? [] });
  }
  for (const assignment of senders.contextBody ? index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, range) : NO_BINARY) {
    if (assignment.operatorToken.kind === SyntaxKind.EqualsToken && /^(?:ctx|context)\.(?:body|response\.body)$/.test(expressionPath(assignment.left))) sending.push({ node: assignment, values: [assignment.right] });
  }
  if (RETURNS_RESPONSE.has(framework) && handler !== undefined) {
    for (const statement of index.nodesOfKind<ts.ReturnStatement>(SyntaxKind.ReturnStatement, range)) {
      if (statement.expression !== undefined && nearestFunction(statement) === handler) sending.push({ node: statement, values: [statement.expression] });
    }
  }
  return sending;
}

const NO_NEW: readonly ts.NewExpression[] = [];
const NO_BINARY: readonly ts.BinaryExpression[] = [];

/** An endpoint's sending nodes, found once: the response check sends them all, the error check asks per catch block. */
const sendingByEndpoint = new KeySlots<Endpoint, Sending[]>('sendingNodes');

function endpointSending(endpoint: Endpoint): Sending[] {
  let sending = sendingByEndpoint.get(endpoint);
  if (sending === undefined) {
    sending = sendingNodes(endpoint.index, endpoint.scopes, endpoint.handler, endpoint.framework);
    sendingByEndpoint.set(endpoint, sending);
  }
  return sending;
}

/** Values the endpoint's code sends to the client: sentValues over its scopes, shared by the checks that ask. */
export function endpointSentValues(endpoint: Endpoint): ts.Expression[] {
  const sent: ts.Expression[] = [];
  for (const { values } of endpointSending(endpoint)) for (const value of values) sent.push(value);
  return sent;
}

/**
 * Values sent from the code of `node` (a catch block, a callback): picked from
 * the endpoint's when the node lies inside the endpoint's scopes, which gives
 * what sentValues over the node would, without asking the index again.
 */
export function sentValuesIn(endpoint: Endpoint, node: ts.Node): ts.Expression[] {
  const inside = endpoint.scopes.some((scope) => node.pos >= scope.pos && node.end <= scope.end);
  if (!inside) return sentValues(endpoint.index, [scopeOf(node)], endpoint.handler, endpoint.framework);
  const sent: ts.Expression[] = [];
  for (const sending of endpointSending(endpoint)) {
    if (sending.node.pos < node.pos || sending.node.end > node.end) continue;
    for (const value of sending.values) sent.push(value);
  }
  return sent;
}

function nearestFunction(node: ts.Node): ts.Node | undefined {
  let current = node.parent;
  while (current !== undefined && !isFunctionLike(current)) current = current.parent;
  return current;
}

/** Steps up through what does not change a value: `(x)`, `x as T`, `x!`. */
function throughWrappers(node: ts.Expression): ts.Expression {
  let current = node;
  while (isParenthesizedExpression(current.parent) || isAsExpression(current.parent) || isNonNullExpression(current.parent) || isSatisfiesExpression(current.parent) || isTypeAssertionExpression(current.parent)) {
    current = current.parent;
  }
  return current;
}

/**
 * Whether the value at `node` ends up in `root` (a sent value) unchanged
 * enough to carry its text: through objects, arrays, spreads, templates,
 * concatenations, `??` / `||`, conditional branches and string methods, but
 * not through a comparison, a property read or a helper call.
 */
function flowsInto(node: ts.Expression, root: ts.Node): boolean {
  let current: ts.Node = throughWrappers(node);
  for (let guard = 0; guard < 64; guard++) {
    if (current === root) return true;
    const parent = current.parent;
    if (parent === undefined) return false;
    if (isParenthesizedExpression(parent) || isAsExpression(parent) || isNonNullExpression(parent) || isSatisfiesExpression(parent) || isAwaitExpression(parent)) {
      current = parent;
    } else if (isPropertyAssignment(parent) && parent.initializer === current) {
      current = parent.parent;
    } else if (isShorthandPropertyAssignment(parent) || isSpreadAssignment(parent) || isTemplateSpan(parent)) {
      current = parent.parent;
    } else if (isArrayLiteralExpression(parent) || isSpreadElement(parent)) {
      current = parent;
    } else if (isConditionalExpression(parent) && parent.condition !== current) {
      current = parent;
    } else if (isBinaryExpression(parent) && isTextKeepingOperator(parent, current)) {
      current = parent;
    } else if (isPropertyAccessExpression(parent) && parent.expression === current && STRING_METHOD.test(parent.name.text) && isCallExpression(parent.parent) && parent.parent.expression === parent) {
      current = parent.parent;
    } else if (isCallExpression(parent) && parent.arguments.includes(current as ts.Expression) && STRINGIFY_CALL.test(expressionPath(parent.expression))) {
      current = parent;
    } else {
      return false;
    }
  }
  return false;
}

function isTextKeepingOperator(binary: ts.BinaryExpression, operand: ts.Node): boolean {
  switch (binary.operatorToken.kind) {
    case SyntaxKind.PlusToken:
    case SyntaxKind.QuestionQuestionToken:
    case SyntaxKind.BarBarToken:
      return true;
    case SyntaxKind.AmpersandAmpersandToken:
      return binary.right === operand;
    default:
      return false;
  }
}

/** Whether the leak node can be swapped for a string literal: it is a whole argument, property value or array element. */
function isWholeValue(node: ts.Expression, root: ts.Node): boolean {
  const value = throughWrappers(node);
  const parent = value.parent;
  if (value === root) return true;
  return (isPropertyAssignment(parent) && parent.initializer === value) || isArrayLiteralExpression(parent) || (isCallExpression(parent) && parent.arguments.includes(value));
}

/** How an identifier naming the error is used, when that use carries details. */
function errorUse(identifier: ts.Identifier, name: string): { node: ts.Expression; what: string; stack: boolean } | undefined {
  const used = throughWrappers(identifier);
  const parent = used.parent;
  if (isPropertyAccessExpression(parent) && parent.expression === used) {
    const property = parent.name.text;
    if (DETAIL_PROPERTY.test(property)) return { node: parent, what: `\`${name}.${property}\``, stack: property === 'stack' };
    if (property === 'toString' && isCallExpression(parent.parent) && parent.parent.expression === parent) return { node: parent.parent, what: `\`${name}.toString()\``, stack: false };
    // err.status, err.code, err.issues: fields the code chose, not the error.
    return undefined;
  }
  if (isCallExpression(parent) && parent.arguments.includes(used)) {
    const callee = expressionPath(parent.expression);
    if (STRINGIFY_CALL.test(callee)) return { node: parent, what: `\`${callee}(${name})\``, stack: STACK_STRINGIFY.test(callee) };
  }
  if (isTemplateSpan(parent) || (isBinaryExpression(parent) && parent.operatorToken.kind === SyntaxKind.PlusToken)) {
    return { node: used, what: `\`${name}\` (the error as text)`, stack: false };
  }
  return { node: used, what: `\`${name}\` (the raw error object)`, stack: false };
}

/** Whether an identifier is a reference to a variable, not a property name or a declaration. */
function isReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if ((isPropertyAssignment(parent) || isMethodDeclaration(parent) || isPropertyDeclaration(parent)) && parent.name === identifier) return false;
  if ((isVariableDeclaration(parent) || isParameter(parent) || isBindingElement(parent)) && parent.name === identifier) return false;
  if (isBindingElement(parent) && parent.propertyName === identifier) return false;
  return true;
}

/** Leaks of the names in `holders` inside one expression `root`. */
function leaksIn(index: SourceIndex, root: ts.Expression, holders: ReadonlyMap<string, Holder>): Leak[] {
  const leaks: Leak[] = [];
  for (const identifier of index.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier, [scopeOf(root)])) {
    const holder = holders.get(identifier.text);
    if (holder === undefined || !isReference(identifier)) continue;
    const use = holder.alias ? errorUse(identifier, identifier.text) : { node: throughWrappers(identifier), what: `\`${identifier.text}\` (which holds ${holder.source})`, stack: holder.stack };
    if (use === undefined || !flowsInto(use.node, root)) continue;
    leaks.push({ node: use.node, what: use.what, stack: use.stack, replaceable: isWholeValue(use.node, root) });
  }
  return leaks;
}

/**
 * Whether the file has an identifier `process`, which a `process.env` read needs: asked of the parser's
 * table of identifier texts, which spares most files a search of their whole text.
 */
function mayReadProcess(index: SourceIndex): boolean {
  return index.mayHaveIdentifier('process');
}

/** `process.env` read as a whole (not `process.env.X`) anywhere in the file: rare, so found once per file. */
function wholeEnvironmentReads(index: SourceIndex): readonly ts.PropertyAccessExpression[] {
  return index.memo('wholeEnvironmentReads', () =>
    !mayReadProcess(index) || !index.text.includes('process.env')
      ? []
      : index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression).filter((access) => {
      if (access.name.text !== 'env' || expressionPath(access) !== 'process.env') return false;
      const parent = throughWrappers(access).parent;
      return !isPropertyAccessExpression(parent) && !isElementAccessExpression(parent);
    }),
  );
}

/** The whole environment in a value the endpoint sends, not one chosen variable: secrets go out with it. */
export function environmentLeaks(index: SourceIndex, range: readonly Scope[], sentIn: (range: readonly Scope[]) => readonly ts.Expression[]): Leak[] {
  const reads = wholeEnvironmentReads(index).filter((access) => range.some((scope) => access.pos >= scope.pos && access.end <= scope.end));
  if (reads.length === 0) return [];
  const leaks: Leak[] = [];
  for (const root of sentIn(range)) {
    for (const access of reads) {
      if (access.pos >= root.pos && access.end <= root.end && flowsInto(access, root)) leaks.push({ node: access, what: 'the whole `process.env`', stack: true, replaceable: false });
    }
  }
  return leaks;
}

/**
 * The names that hold the error or its details in `binding.body`: the error,
 * its aliases (`const e = err as Error`), and copies (`const msg = err.message`,
 * `message = err instanceof Error ? err.message : '...'`), in document order.
 */
function holdersOf(index: SourceIndex, binding: ErrorBinding): Map<string, Holder> {
  const holders = new Map<string, Holder>();
  if (binding.name !== undefined) holders.set(binding.name, { alias: true, stack: false });
  for (const [local, property] of binding.destructured ?? []) {
    if (DETAIL_PROPERTY.test(property)) holders.set(local, { alias: false, source: `the error's \`${property}\``, stack: property === 'stack' });
  }
  if (holders.size === 0) return holders;
  const range = [scopeOf(binding.body)];
  const assignments: { target: ts.BindingName; value: ts.Expression; node: ts.Node }[] = [];
  for (const declaration of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, range)) {
    if (declaration.initializer !== undefined) assignments.push({ target: declaration.name, value: declaration.initializer, node: declaration });
  }
  for (const binary of index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, range)) {
    if (binary.operatorToken.kind === SyntaxKind.EqualsToken && isIdentifier(binary.left)) assignments.push({ target: binary.left, value: binary.right, node: binary });
  }
  assignments.sort((a, b) => a.node.pos - b.node.pos);
  for (const { target, value } of assignments) {
    if (isObjectBindingPattern(target)) {
      // const { message, stack } = err
      const source = isIdentifier(throughWrappersDown(value)) ? holders.get((throughWrappersDown(value) as ts.Identifier).text) : undefined;
      if (source?.alias !== true) continue;
      for (const element of target.elements) {
        const property = element.propertyName === undefined ? (isIdentifier(element.name) ? element.name.text : '') : isIdentifier(element.propertyName) ? element.propertyName.text : '';
        if (isIdentifier(element.name) && DETAIL_PROPERTY.test(property)) {
          holders.set(element.name.text, { alias: false, source: `\`${expressionPath(value)}.${property}\``, stack: property === 'stack' });
        }
      }
      continue;
    }
    if (!isIdentifier(target) || holders.has(target.text)) continue;
    if (isAliasValue(value, holders)) {
      holders.set(target.text, { alias: true, stack: false });
      continue;
    }
    const copied = leaksIn(index, value, holders);
    if (copied.length > 0) holders.set(target.text, { alias: false, source: copied[0].what.replace(/ \(.*\)$/, ''), stack: copied.some((leak) => leak.stack) });
  }
  return holders;
}

function throughWrappersDown(node: ts.Expression): ts.Expression {
  let current = node;
  while (isParenthesizedExpression(current) || isAsExpression(current) || isNonNullExpression(current) || isSatisfiesExpression(current) || isTypeAssertionExpression(current)) current = current.expression;
  return current;
}

/** `err as Error`, `err instanceof Error ? err : new Error(String(err))`: the error again. */
function isAliasValue(value: ts.Expression, holders: ReadonlyMap<string, Holder>): boolean {
  const expression = throughWrappersDown(value);
  if (isIdentifier(expression)) return holders.get(expression.text)?.alias === true;
  if (isConditionalExpression(expression)) return isAliasValue(expression.whenTrue, holders) || isAliasValue(expression.whenFalse, holders);
  return false;
}

/** The names that hold the error itself (not a copy of its details). */
function aliasNames(holders: ReadonlyMap<string, Holder>): Set<string> {
  const names = new Set<string>();
  for (const [name, holder] of holders) if (holder.alias) names.add(name);
  return names;
}

/**
 * The leaks inside `binding`'s body: error details in a value sent to the
 * client, except where the code sends them only for client errors or in
 * development.
 */
export function findLeaks(index: SourceIndex, binding: ErrorBinding, sent: readonly ts.Expression[]): Leak[] {
  // Nothing sent, nothing leaked: the holders (a pass over the body's declarations) are not needed.
  if (sent.length === 0) return [];
  const holders = holdersOf(index, binding);
  if (holders.size === 0) return [];
  let errorNames: Set<string> | undefined;
  const leaks: Leak[] = [];
  for (const root of sent) {
    for (const leak of leaksIn(index, root, holders)) {
      errorNames ??= aliasNames(holders);
      if (underClientSafeCondition(leak.node, binding.body, errorNames)) continue;
      if (!leaks.some((known) => known.node === leak.node)) leaks.push(leak);
    }
  }
  return leaks;
}
