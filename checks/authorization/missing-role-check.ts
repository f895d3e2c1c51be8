import { ts, SyntaxKind, isCallExpression, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { expressionPath, stringValue, plainCalleePath } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { lowerBound } from '../lang/scopes.js';
import { answerOnce } from '../lang/answer-once.js';

/** Path segments that mark an administrative or internal route. */
const PRIVILEGED_SEGMENT = /^(?:admin|admins|administration|internal|manage|management|staff|superuser|backoffice|back-office|sudo|ops)$/i;
/** Segments whose state-changing routes manage who may do what. */
const PERMISSION_SEGMENT = /^(?:roles?|permissions?|grants?|privileges?|memberships?|members|invitations?|api-keys|apikeys)$/i;

/** Middleware / wrapper / call names that check a role or a permission. */
const ROLE_CHECK_NAME =
  /^(?:require(?:Role|Roles|Admin|Permission|Permissions|Scope|Scopes)|ensure(?:Admin|Role|Permission)|is(?:Admin|SuperAdmin|Staff)|has(?:Role|Roles|Permission|Permissions|Scope)|check(?:Role|Roles|Permission|Permissions|Scope|Admin)|authorize|authorized|restrictTo|permit|allow|can|cannot|throwUnlessCan|enforce|withRole|withAdmin|withPermission|adminOnly|onlyAdmin|requiredScopes|guard)$/i;

/** Answers of ROLE_CHECK_NAME by name: every endpoint's middleware names (`authenticate`, `validateBody`) are asked, and they repeat. */
const isRoleCheckName = answerOnce((name: string) => ROLE_CHECK_NAME.test(name), 10_000);

/** Last names of calls that may check a role: the names above and Clerk's `protect`. */
const ROLE_CALL_NAME = new RegExp(`${ROLE_CHECK_NAME.source}|^protect$`, 'i');

/** Identifiers that, compared in an `if`, show a role check: `user.role !== 'admin'`, `isAdmin`. */
const ROLE_PROPERTY = /^(?:role|roles|isAdmin|admin|permissions|scopes|scope|orgRole|isSuperuser|isStaff)$/;

/** `session.user`, `req.user`, `claims`, `currentUser`: the caller, not data from the request body. */
function isCallerExpression(text: string): boolean {
  return /(?:user|session|auth|claims|token|caller|actor|member|principal|identity|me)\b/i.test(text) && !/\b(?:body|params|query|input|data|payload|dto)\b/.test(text);
}

/** A collection of accounts: deleting one of its items is user management. */
const ACCOUNT_SEGMENT = /^(?:users|accounts|members|customers|employees)$/i;

/**
 * The non-empty parts of a path between `/` and `.`: `served.split(/[/.]/)`
 * without the regex split, which copies its regex (species constructor) on
 * every call, once per endpoint.
 */
function pathSegments(path: string): string[] {
  const segments: string[] = [];
  let start = 0;
  for (let at = 0; at <= path.length; at++) {
    if (at < path.length && path[at] !== '/' && path[at] !== '.') continue;
    if (at > start) segments.push(path.slice(start, at));
    start = at + 1;
  }
  return segments;
}

function privilegeOf(endpoint: Endpoint): string | undefined {
  // Served path: the mount prefix of an Express router (`/admin` + `/users/:id`) counts too.
  const served = `${endpoint.mountedAt?.prefix ?? ''}${endpoint.route}`;
  const segments = pathSegments(served);
  const privileged = segments.find((segment) => PRIVILEGED_SEGMENT.test(segment));
  if (privileged !== undefined) return `the route is under /${privileged}`;
  if (endpoint.method !== 'GET' && endpoint.method !== 'HEAD' && endpoint.method !== 'OPTIONS') {
    const permissions = segments.find((segment) => PERMISSION_SEGMENT.test(segment));
    if (permissions !== undefined) return `it changes ${permissions}`;
  }
  // DELETE /users/:id removes someone's account; DELETE /users/me (one's own) is not privileged.
  if (endpoint.method === 'DELETE' || endpoint.method === 'ALL') {
    const at = segments.findIndex((segment) => ACCOUNT_SEGMENT.test(segment));
    const item = at >= 0 ? segments[at + 1] : undefined;
    if (item !== undefined && /^(?::|\[|\{)/.test(item)) return `it deletes ${segments[at]}`;
  }
  return undefined;
}

/** The first role or permission check around or inside the endpoint, if any. */
/** Nest guards that enforce role metadata set on the route (`@Roles('admin')`, `@CheckPolicies(...)`): they let a route without it through. */
const NEST_METADATA_GUARD = /^(?:\w*(?:Roles?|Permissions?|Polic(?:y|ies)|Scopes?|Casl|Abilit(?:y|ies)|Access)Guard)$/;
/** Nest guards that are a role check by themselves. */
const NEST_ROLE_GUARD = /^(?:\w*(?:Admin|SuperUser|Superuser|Staff)Guard)$/;

/**
 * A NestJS role guard: `@UseGuards(RolesGuard)` (on the route, the class or
 * app-wide) counts only together with the metadata it reads on this route
 * (`@Roles('admin')`, `@SetMetadata('roles', ...)`, `@Permissions(...)`);
 * `AdminGuard`-style guards count alone.
 */
function nestRoleGuard(endpoint: Endpoint): { node: ts.Node; note: string } | undefined {
  if (endpoint.framework !== 'nestjs') return undefined;
  const metadata = endpoint.controls.find((control) => control.kind === 'wrapper' && /^@(?:Roles?|HasRoles?|RequireRoles?|Permissions?|RequirePermissions?|CheckPolicies|Scopes?|RequireScopes|SetMetadata\(.*(?:role|permission|scope))/i.test(control.name));
  for (const control of endpoint.controls) {
    const name = control.name.split('.').pop() ?? control.name;
    if (NEST_ROLE_GUARD.test(name)) return { node: control.node, note: `guard ${control.name}` };
    if (NEST_METADATA_GUARD.test(name) && metadata !== undefined) return { node: metadata.node, note: `guard ${control.name} enforcing ${metadata.name}(...) (line ${metadata.line})` };
  }
  return undefined;
}

function findRoleCheck(endpoint: Endpoint, configured: readonly string[]): { node: ts.Node; note: string } | undefined {
  const nest = nestRoleGuard(endpoint);
  if (nest !== undefined) return nest;
  for (const control of endpoint.controls) {
    const last = control.name.slice(control.name.lastIndexOf('.') + 1);
    if (isRoleCheckName(last) || configured.includes(control.name) || configured.includes(last)) {
      return { node: control.node, note: `${control.kind === 'wrapper' ? 'wrapper' : 'middleware'} ${control.name}` };
    }
  }
  const index = endpoint.index;
  const candidates =
    configured.length === 0
      ? index.callsNamed(ROLE_CALL_NAME, endpoint.scopes)
      : index.callsNamed(new RegExp(`${ROLE_CALL_NAME.source}|^(?:${configured.map((name) => (name.split('.').pop() ?? name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`, 'i'), endpoint.scopes);
  for (const call of candidates) {
    const path = plainCalleePath(call);
    const last = path.split('.').pop() ?? path;
    if (ROLE_CHECK_NAME.test(last) || configured.includes(path) || configured.includes(last)) return { node: call, note: `${path}()` };
    // Clerk: auth.protect({ role: 'org:admin' }) / has({ permission: ... })
    if (/(?:^|\.)protect$/.test(path) && call.arguments.length > 0) return { node: call, note: `${path}() with a role condition` };
  }
  const accesses = index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression);
  const literals = index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral);
  for (const statement of index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, endpoint.scopes)) {
    const condition = statement.expression;
    const mentionsRole = someInside(accesses, condition, (access) => ROLE_PROPERTY.test(access.name.text) && isCallerExpression(index.textOf(access.expression)));
    if (mentionsRole || someInside(literals, condition, (literal) => /admin|owner|staff|moderator|superuser|manager/i.test(literal.text))) {
      return { node: statement, note: `\`${index.textOf(condition)}\`` };
    }
  }
  return undefined;
}

/**
 * Whether a node of the file-wide list `all` (document order) inside `node` passes `test`: the
 * index's answer for `[scopeOf(node)]`, read in place rather than copied out for each condition.
 */
function someInside<T extends ts.Node>(all: readonly T[], node: ts.Node, test: (found: T) => boolean): boolean {
  for (let at = lowerBound(all, node.pos); at < all.length && all[at].pos < node.end; at++) {
    if (all[at].end <= node.end && test(all[at])) return true;
  }
  return false;
}

export default createCheck({
  id: 'missing-role-check',
  items: ['authz.roles'],
  description: 'A privileged route (admin, internal, role or permission management) has no role or permission check.',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-285'],
  owasp: ['API5:2023'],
  messages: {
    missing: '{{endpoint}} is a privileged route ({{why}}) but no role or permission check was found: any signed-in user can call it.',
  },
  why: 'Authentication says who the caller is, not what they may do: without a role check every user reaches administrative functions (Broken Function Level Authorization).',
  fix: {
    'nextjs-app-router':
      "Check the caller's role before the work, e.g. with Clerk `await auth.protect({ role: 'org:admin' })`, or `if (session.user.role !== 'admin') return NextResponse.json({ error: 'Forbidden' }, { status: 403 });`.",
    express: "Add a role middleware after authentication: `{{example}}` with `requireRole('admin')` answering 403, or check `req.user.role` in the handler.",
    default: "Check the caller's role or permission before the work and answer 403 when it is missing.",
  },
  run(context) {
    const { endpoint, config } = context;
    const evidence = findRoleCheck(endpoint, config.auth.functions);
    const privilege = privilegeOf(endpoint);
    if (evidence !== undefined) {
      context.pass('authz.roles', evidence);
      return;
    }
    if (privilege === undefined) {
      context.notApplicable('authz.roles', 'no privileged action detected (not an admin, internal or permission-management route)');
      return;
    }
    const registration = endpoint.registration;
    const example =
      isCallExpression(registration) && isPropertyAccessExpression(registration.expression)
        ? `${expressionPath(registration.expression)}('${stringValue(registration.arguments[0]) ?? endpoint.route}', authenticate, requireRole('admin'), ...)`
        : `router.${endpoint.method.toLowerCase()}('${endpoint.route}', authenticate, requireRole('admin'), ...)`;
    context.report({ messageId: 'missing', line: endpoint.line, data: { endpoint: `${endpoint.method} ${endpoint.route}`, why: privilege, example } });
  },
});
