/**
 * The ways code verifies that the caller may touch a record after (or
 * instead of) scoping the query: comparing the record's owner with the
 * caller and leaving with 403/404, or asking an authorization library
 * (CASL `ability.can`, `authorize()`, a policy object).
 */
import { ts, SyntaxKind, isArrowFunction, isBlock, isCallExpression, isConditionalExpression, isFunctionExpression, isIdentifier, isIfStatement, isLiteralExpression, isParenthesizedExpression, isPrefixUnaryExpression, isPropertyAccessExpression, isReturnStatement, isSourceFile, isThrowStatement, isVariableStatement } from '../lang/ts/parse.js';
import { accessRoot, calleeName, identifiersIn, unwrapExpression, plainCalleePath } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Control } from '../frameworks/endpoint.js';
import { isOwnerField } from './owner-fields.js';
import type { RequestOrigins } from '../frameworks/request-origins.js';
import { answerOnce } from '../lang/answer-once.js';

/** `record.ownerId !== userId` (or `.equals(...)`) deciding an `if` that leaves, or an assertion. */
export interface OwnerComparison {
  node: ts.Node;
  /** The variable holding the record: `invoice` in `invoice.ownerId !== userId`. */
  record: string;
  pos: number;
  note: string;
}

/** A call to an authorization helper or library, with the names it is given. */
export interface AuthorizationCall {
  node: ts.CallExpression;
  /** Identifiers in its arguments (and in the chain it is called on): the record or id it is about. */
  names: ReadonlySet<string>;
  pos: number;
  note: string;
}

const EQUALITY = new Set([SyntaxKind.EqualsEqualsEqualsToken, SyntaxKind.ExclamationEqualsEqualsToken, SyntaxKind.EqualsEqualsToken, SyntaxKind.ExclamationEqualsToken]);
/** Calls that end a request as denied: `notFound()`, `forbidden()`, `res.sendStatus(403)`, `res.status(404)...`. */
const DENIAL_CALL = /^(?:notFound|forbidden|unauthorized|redirect|sendStatus|status|code|abort|error|deny)$/;
const COLLECTION_TEST = /^(?:some|every|find|findIndex)$/;
const ASSERTION_CALL = /^(?:assert|invariant|ok|strictEqual|equal|ensure)$/;
const AUTHORIZATION_CALL =
  /^(?:can|cannot|authorize\w*|checkPermissions?|hasPermissions?|assertCan\w*|assertAccess\w*|throwUnlessCan|checkAccess\w*|canAccess\w*|verifyAccess\w*|ensureCan\w*|assert\w*Owner\w*|check\w*Owner\w*|ensure\w*Owner\w*|verify\w*Owner\w*|require\w*Owner\w*|is\w*Owner|enforce|hasAccess\w*)$/i;
/** Middleware names that load and authorize the resource: `checkOwnership(Invoice)`, `canAccessInvoice`, `requireProjectMember`. */
const OWNERSHIP_CONTROL = /owner|ownership|canAccess|checkAccess|belongsTo|requireMember|isMember|authorizeResource|loadAndAuthorize/i;

/**
 * The record an owner access reads: `invoice.ownerId` gives `invoice`;
 * `invoice.members.some((m) => m.userId === userId)` gives `invoice` too,
 * by stepping out of the callback to the collection it walks.
 */
function recordOf(access: ts.PropertyAccessExpression): string | undefined {
  const root = accessRoot(access);
  if (root === undefined) return undefined;
  let node: ts.Node | undefined = access.parent;
  for (let depth = 0; node !== undefined && depth < 32; depth++, node = node.parent) {
    if (!isArrowFunction(node) && !isFunctionExpression(node)) continue;
    const isParameter = node.parameters.some((parameter) => isIdentifier(parameter.name) && parameter.name.text === root);
    if (!isParameter) return root;
    const call = node.parent;
    if (isCallExpression(call) && isPropertyAccessExpression(call.expression)) return accessRoot(call.expression.expression);
    return undefined;
  }
  return root;
}

/** Owner accesses inside `node` (itself included): the records whose owner it reads. */
function ownerRecordsIn(index: SourceIndex, node: ts.Node): string[] {
  const records: string[] = [];
  for (const access of index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, [scopeOf(node)])) {
    if (!isOwnerField(access.name.text)) continue;
    const record = recordOf(access);
    if (record !== undefined && !records.includes(record)) records.push(record);
  }
  return records;
}

/** Whether the other side names the caller: not a literal, not request data. */
function isCallerSide(side: ts.Expression, origins: RequestOrigins): boolean {
  const value = unwrapExpression(side);
  if (isLiteralExpression(value) || value.kind === SyntaxKind.NullKeyword || (isIdentifier(value) && value.text === 'undefined')) return false;
  return origins.dataLabel(value) === undefined && identifiersIn(value).length > 0;
}

function exits(index: SourceIndex, statement: ts.Statement): boolean {
  const scope = [scopeOf(statement)];
  if (isReturnStatement(statement) || isThrowStatement(statement)) return true;
  if (index.nodesOfKind(SyntaxKind.ReturnStatement, scope).length > 0 || index.nodesOfKind(SyntaxKind.ThrowStatement, scope).length > 0) return true;
  return index.calls(scope).some((call) => DENIAL_CALL.test(calleeName(call)));
}

/**
 * Whether a comparison decides something: the condition of an `if` that
 * leaves (403/404, throw) or guards the work (`===`), of a ternary, or an
 * assertion's argument.
 */
function decides(index: SourceIndex, comparison: ts.Node, negative: boolean): boolean {
  let child: ts.Node = comparison;
  for (let node = comparison.parent, depth = 0; node !== undefined && depth < 12; child = node, node = node.parent, depth++) {
    if (isIfStatement(node)) return node.expression === child && (!negative || exits(index, node.thenStatement));
    if (isConditionalExpression(node)) return node.condition === child;
    if (isCallExpression(node)) {
      if (ASSERTION_CALL.test(calleeName(node))) return true;
      // `invoice.members.some((m) => m.userId === userId)`: the callback's answer is the call's.
      if (!COLLECTION_TEST.test(calleeName(node)) || node.expression === child) return false;
      continue;
    }
    if (isArrowFunction(node) || isFunctionExpression(node)) {
      if (isBlock(node.body)) return false;
      continue;
    }
    if (isBlock(node) || isSourceFile(node) || isVariableStatement(node)) return false;
  }
  return false;
}

/** Whether `node` is read under an odd number of `!`: `!invoice.owner.equals(id)`. */
function isNegated(node: ts.Node): boolean {
  let negated = false;
  for (let current = node.parent; current !== undefined && (isPrefixUnaryExpression(current) || isParenthesizedExpression(current)); current = current.parent) {
    if (isPrefixUnaryExpression(current) && current.operator === SyntaxKind.ExclamationToken) negated = !negated;
  }
  return negated;
}

/** The records whose owner `side` reads, when `other` is the caller and the comparison decides. */
function deciding(index: SourceIndex, binary: ts.BinaryExpression, side: ts.Expression, other: ts.Expression, negative: boolean, origins: RequestOrigins): string[] | undefined {
  const records = ownerRecordsIn(index, side);
  return records.length === 0 || !isCallerSide(other, origins) || !decides(index, binary, negative) ? undefined : records;
}

/** Comparisons of a record's owner field with the caller that decide what happens next. */
export function findOwnerComparisons(index: SourceIndex, scopes: readonly Scope[], origins: RequestOrigins): OwnerComparison[] {
  const comparisons: OwnerComparison[] = [];
  for (const binary of index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, scopes)) {
    const operator = binary.operatorToken.kind;
    if (!EQUALITY.has(operator)) continue;
    const negative = operator === SyntaxKind.ExclamationEqualsEqualsToken || operator === SyntaxKind.ExclamationEqualsToken ? !isNegated(binary) : isNegated(binary);
    // The left side as the record's first, then the right: the first side that decides gives the records.
    const records = deciding(index, binary, binary.left, binary.right, negative, origins) ?? deciding(index, binary, binary.right, binary.left, negative, origins);
    if (records === undefined) continue;
    for (const record of records) comparisons.push({ node: binary, record, pos: binary.pos, note: `\`${index.textOf(binary)}\`` });
  }
  // Mongoose ObjectIds: `invoice.owner.equals(req.user._id)`. A property access callee is grouped by its name as written.
  for (const call of index.callsNamedIn(['equals'], scopes)) {
    if (call.arguments.length !== 1 || !isPropertyAccessExpression(call.expression)) continue;
    const records = ownerRecordsIn(index, call.expression.expression);
    if (records.length === 0 || !isCallerSide(call.arguments[0], origins) || !decides(index, call, isNegated(call))) continue;
    for (const record of records) comparisons.push({ node: call, record, pos: call.pos, note: `\`${index.textOf(call)}\`` });
  }
  return comparisons;
}

function isAuthorizationName(answers: Map<string, boolean>, name: string): boolean {
  let answer = answers.get(name);
  if (answer === undefined) {
    answer = AUTHORIZATION_CALL.test(name);
    answers.set(name, answer);
  }
  return answer;
}

/**
 * The calls whose callee name (`calleeName`) is an authorization name, in
 * document order: the index's calls of those names, and of its '' group (a
 * callee behind `await`, `satisfies` or `<T>`, which calleeName looks through)
 * those that pass the same test.
 */
function authorizationNamedCalls(index: SourceIndex, scopes: readonly Scope[]): readonly ts.CallExpression[] {
  const named = index.callsNamed(AUTHORIZATION_CALL, scopes);
  const unnamed = index.callsNamedIn([''], scopes).filter((call) => AUTHORIZATION_CALL.test(calleeName(call)));
  if (unnamed.length === 0) return named;
  return [...named, ...unnamed].sort((a, b) => a.pos - b.pos || b.end - a.end);
}

function authorizationCall(call: ts.CallExpression): AuthorizationCall {
  const names = new Set<string>();
  for (const argument of call.arguments) for (const identifier of identifiersIn(argument)) names.add(identifier.text);
  return { node: call, names, pos: call.pos, note: `${plainCalleePath(call)}()` };
}

/** Calls to authorization helpers and libraries: `ability.can('read', invoice)`, `authorize(user, invoice)`, `policy.update(user, invoice)`. */
export function findAuthorizationCalls(index: SourceIndex, scopes: readonly Scope[]): AuthorizationCall[] {
  // Reading a receiver's text costs a trivia scan and a string per call: not in a file that never writes "polic".
  const policies = index.memo('mentionsPolicy', () => /polic/i.test(index.text));
  // Without policy objects only the names decide: the index's calls of those names, not every call of the endpoint.
  if (!policies) return authorizationNamedCalls(index, scopes).map(authorizationCall);
  const found: AuthorizationCall[] = [];
  // The name test is answered once per callee name of the file: every call of the endpoint is asked.
  const authorizing = index.memo('authorizationCallNames', () => new Map<string, boolean>());
  for (const call of index.calls(scopes)) {
    const receiver = isPropertyAccessExpression(call.expression) ? call.expression.expression : undefined;
    const isPolicy = receiver !== undefined && /polic(?:y|ies)\b/i.test(index.textOf(receiver));
    if (!isPolicy && !isAuthorizationName(authorizing, calleeName(call))) continue;
    found.push(authorizationCall(call));
  }
  return found;
}

/** Role controls: `requireRole('admin')`, `requireAdmin`, `isAdmin`. */
const ROLE_CONTROL = /^(?:requireRoles?|requireAdmin|isAdmin|adminOnly|onlyAdmin|hasRoles?|checkRoles?|restrictTo|authorize|ensureAdmin|withAdmin|withRole)$/;

/**
 * A control that lets only administrators through: they may reach every
 * record by design, so ownership does not apply (whether the role check is
 * right is authz.roles' question).
 */
export function adminOnlyControl(index: SourceIndex, controls: readonly Control[]): Control | undefined {
  return controls.find((control) => {
    const role = roleControlOf(control.name);
    if (role === NOT_A_ROLE_CONTROL) return false;
    return role === ADMIN_BY_NAME || /admin|superuser|staff/i.test(index.textOf(control.node));
  });
}

/** A middleware or wrapper around the handler whose name says it checks ownership or membership. */
export function ownershipControl(controls: readonly Control[]): Control | undefined {
  return controls.find((control) => namesOwnershipControl(control.name));
}

/*
 * Answers by control name: every endpoint asks about its middleware (`authenticate`, `validateBody`,
 * router-level `app.use` controls), and the same names come back endpoint after endpoint.
 */
const CONTROL_NAMES_KEPT = 5000;
const NOT_A_ROLE_CONTROL = 0;
const ADMIN_BY_NAME = 1;
const ROLE_BY_NAME = 2;

const namesOwnershipControl = answerOnce((name: string) => OWNERSHIP_CONTROL.test(name), CONTROL_NAMES_KEPT);

/** Whether a control's last name is a role control, and whether that name itself says admin. */
const roleControlOf = answerOnce((name: string): number => {
  const last = name.slice(name.lastIndexOf('.') + 1);
  if (!ROLE_CONTROL.test(last)) return NOT_A_ROLE_CONTROL;
  return /admin/i.test(last) ? ADMIN_BY_NAME : ROLE_BY_NAME;
}, CONTROL_NAMES_KEPT);
