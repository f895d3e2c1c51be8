/**
 * The ways code verifies that the caller belongs to a tenant the request
 * names before acting in it: a membership lookup followed by an exit, a
 * helper such as `ensureMember(...)`, Clerk's `has(...)` / `protect(...)`, a
 * comparison of the caller's tenant with the requested one, or a middleware
 * whose name says so.
 */
import { ts, SyntaxKind, isAwaitExpression, isBinaryExpression, isIfStatement, isLiteralExpression, isParenthesizedExpression, isPrefixUnaryExpression, isReturnStatement, isThrowStatement } from '../lang/ts/parse.js';
import { calleeName, identifiersIn, plainCalleePath, unwrapExpression } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Endpoint } from '../frameworks/endpoint.js';
import type { RecordQuery } from './orm-queries.js';
import { isMembershipRelation, isOwnerField } from './owner-fields.js';
import { recordVariable } from './record-bindings.js';
import { isTenantField, isTenantModel } from './tenant-fields.js';

/** One membership check and the code it protects. */
export interface MembershipCheck {
  node: ts.Node;
  note: string;
  /** Whether the check runs before (or around) the query at `query`. */
  covers(query: ts.Node): boolean;
}

/** Helpers that fail unless the caller is a member: `ensureMember`, `requireOrgAccess`, `assertMembership`, `checkTeamAccess`. */
const REQUIRING_CALL = /^(?:ensure|require|assert|check|verify|validate|authorize)\w*(?:Member|Membership|Access|Tenant|Org|Organi[sz]ation|Workspace|Team)\w*$/;
/** Predicates that answer membership: `isMember`, `hasOrgAccess`, `canAccessWorkspace`, Clerk's `has`. */
const PREDICATE_CALL = /^(?:is\w*Member\w*|has\w*(?:Member|Membership|Access)\w*|canAccess\w*|has)$/;
/** Calls that may check membership: the two kinds above and Clerk's `protect`. */
const MEMBERSHIP_CALL = new RegExp(`${REQUIRING_CALL.source}|${PREDICATE_CALL.source}|^protect$`);
/** Middleware and wrappers that check membership by name. */
const MEMBERSHIP_CONTROL = /member|(?:tenant|org|organi[sz]ation|workspace|team)(?:access|guard|scope)|(?:with|require|ensure)(?:tenant|org|organi[sz]ation|workspace|team)/i;
const DENIAL_CALL = /^(?:notFound|forbidden|unauthorized|redirect|sendStatus|status|code|abort|error|deny)$/;
const EQUALITY = new Set([SyntaxKind.EqualsEqualsEqualsToken, SyntaxKind.EqualsEqualsToken, SyntaxKind.ExclamationEqualsEqualsToken, SyntaxKind.ExclamationEqualsToken]);

/** Whether a statement leaves the handler: return, throw, or a denial call. */
function exits(index: SourceIndex, statement: ts.Statement): boolean {
  if (isReturnStatement(statement) || isThrowStatement(statement)) return true;
  const scope = [scopeOf(statement)];
  if (index.nodesOfKind(SyntaxKind.ReturnStatement, scope).length > 0 || index.nodesOfKind(SyntaxKind.ThrowStatement, scope).length > 0) return true;
  return index.calls(scope).some((call) => DENIAL_CALL.test(calleeName(call)));
}

/** The `if` whose condition holds `node`, if any (through `!`, `&&`, `||`, parentheses, `await`). */
function enclosingIfCondition(node: ts.Node): ts.IfStatement | undefined {
  let child: ts.Node = node;
  for (let parent = node.parent, depth = 0; parent !== undefined && depth < 12; child = parent, parent = parent.parent, depth++) {
    if (isIfStatement(parent)) return parent.expression === child ? parent : undefined;
    if (!(isPrefixUnaryExpression(parent) || isBinaryExpression(parent) || isParenthesizedExpression(parent) || isAwaitExpression(parent))) return undefined;
  }
  return undefined;
}

const before = (node: ts.Node) => (query: ts.Node) => node.end <= query.pos;

/** A query on the membership (or tenant) table that involves the caller's user id. */
function isMembershipLookup(query: RecordQuery, fromRequest: (expression: ts.Expression) => boolean): boolean {
  if (!isTenantModel(query.model)) return false;
  return query.conditions.some(
    (condition) =>
      !condition.alternative &&
      !isTenantField(condition.column) &&
      (isOwnerField(condition.column) || condition.path.some((segment) => isMembershipRelation(segment))) &&
      (condition.value === undefined || !fromRequest(condition.value)),
  );
}

/**
 * Where a query's result decides whether the handler goes on: the query
 * itself for `...OrThrow`, or the first `if` after it that tests the record
 * and leaves (`if (!membership) return 404`).
 */
export function resultDecision(index: SourceIndex, query: RecordQuery, ifs: readonly ts.IfStatement[]): ts.Node | undefined {
  if (/OrThrow$|OrFail$/.test(query.method)) return query.node;
  const record = recordVariable(query.result);
  if (record === undefined) return undefined;
  return ifs.find((statement) => statement.pos > query.node.end && identifiersIn(statement.expression).some((identifier) => identifier.text === record) && exits(index, statement.thenStatement));
}

/**
 * Every membership check in the endpoint. `requestTenant` tells whether an
 * expression is a tenant the request names; `fromRequest` whether it is any
 * request data.
 */
export function findMembershipChecks(
  endpoint: Endpoint,
  queries: readonly RecordQuery[],
  requestTenant: (expression: ts.Expression) => string | undefined,
  fromRequest: (expression: ts.Expression) => boolean,
): MembershipCheck[] {
  const { index, scopes } = endpoint;
  const checks: MembershipCheck[] = [];
  for (const control of endpoint.controls) {
    if (MEMBERSHIP_CONTROL.test(control.name)) checks.push({ node: control.node, note: `${control.kind === 'wrapper' ? 'wrapper' : 'middleware'} ${control.name} checks membership`, covers: () => true });
  }
  const ifs = index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, scopes);
  for (const query of queries) {
    if (!isMembershipLookup(query, fromRequest)) continue;
    const decision = resultDecision(index, query, ifs);
    if (decision !== undefined) checks.push({ node: query.node, note: `\`${query.callee}\` looks up the caller's membership`, covers: before(decision) });
  }
  for (const call of index.callsNamed(MEMBERSHIP_CALL, scopes)) {
    const name = calleeName(call);
    const path = plainCalleePath(call);
    // Clerk: `has` destructured from auth() or called on it; `auth.protect(...)` with a condition.
    if ((name === 'has' || name === 'protect') && !(path === 'has' || /(?:^|\.)auth$/.test(path.slice(0, path.lastIndexOf('.'))))) continue;
    if (name === 'protect' && call.arguments.length === 0) continue;
    if (REQUIRING_CALL.test(name) || name === 'protect') {
      checks.push({ node: call, note: `${path}()`, covers: before(call) });
      continue;
    }
    const statement = enclosingIfCondition(call);
    if (statement !== undefined && exits(index, statement.thenStatement)) checks.push({ node: call, note: `${path}()`, covers: before(statement) });
  }
  for (const binary of index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, scopes)) {
    if (!EQUALITY.has(binary.operatorToken.kind)) continue;
    const requested = requestTenant(binary.left) ?? requestTenant(binary.right);
    const other = requestTenant(binary.left) === undefined ? binary.left : binary.right;
    if (requested === undefined || fromRequest(other) || requestTenant(other) !== undefined) continue;
    const value = unwrapExpression(other);
    if (isLiteralExpression(value) || identifiersIn(value).length === 0) continue;
    const statement = enclosingIfCondition(binary);
    if (statement === undefined) continue;
    const negative = binary.operatorToken.kind === SyntaxKind.ExclamationEqualsEqualsToken || binary.operatorToken.kind === SyntaxKind.ExclamationEqualsToken;
    const note = `\`${index.textOf(binary)}\` compares the caller's tenant with ${requested}`;
    if (negative && exits(index, statement.thenStatement)) checks.push({ node: binary, note, covers: before(statement) });
    else if (!negative) {
      const guarded = statement.thenStatement;
      checks.push({ node: binary, note, covers: (query) => query.pos >= guarded.pos && query.end <= guarded.end });
    }
  }
  return checks;
}
