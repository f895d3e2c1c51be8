/**
 * missing-role-check for Python (authz.roles): a privileged route (admin,
 * internal, role or permission management, deleting accounts) with no role
 * check: DRF `IsAdminUser` / model or custom permissions, FastAPI
 * `Security(..., scopes=[...])` or a role dependency, Flask
 * `@roles_required` / `@admin_required`, or `is_staff` / `is_superuser` /
 * `role` / `has_perm` checks in the code. The TypeScript check's id and
 * message.
 */
import tsCheck from '../../authorization/missing-role-check.js';
import { childByField, lastSegment, plainCalleePath } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex, Scope } from '../../lang/py/source-index.js';
import { ScopedFacts } from '../../lang/py/scoped-facts.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyDependency, PyEndpoint } from '../endpoint.js';

const PRIVILEGED_SEGMENT = /^(?:admin|admins|administration|internal|manage|management|staff|superuser|backoffice|back-office|sudo|ops)$/i;
const PERMISSION_SEGMENT = /^(?:roles?|permissions?|grants?|privileges?|memberships?|members|invitations?|api-keys|apikeys|api_keys)$/i;
const ACCOUNT_SEGMENT = /^(?:users|accounts|members|customers|employees)$/i;

/** DRF permission classes that check a role or a permission (not only identity). */
const ROLE_PERMISSION = /^(?:IsAdminUser|DjangoModelPermissions|DjangoModelPermissionsOrAnonReadOnly|DjangoObjectPermissions|TokenHasScope|TokenHasReadWriteScope|TokenMatchesOASRequirements|Is\w*(?:Admin|Staff|Superuser|Manager|Moderator|Owner)\w*|Has\w*(?:Role|Permission|Scope)\w*|\w+Permission)$/;
/** FastAPI dependencies and Flask decorators named for a role check. */
const ROLE_NAME = /(?:admin|role|permission|scope|superuser|staff|privilege|require_?perm|has_?perm)/i;
/** Attributes and calls in code that read the caller's role. */
const ROLE_ATTRIBUTE = /^(?:is_staff|is_superuser|is_admin|role|roles|scopes|permissions|groups)$/;
const ROLE_CALL = /^(?:has_perm|has_perms|has_role|has_roles|require_role|require_roles|require_admin|check_role|check_permission|has_permission)$/;

/**
 * The three segment patterns unanchored: a route that none of them matches anywhere has no segment they match, and
 * is not split at all (most routes). Made from the patterns so that it cannot fall behind them.
 */
const PRIVILEGE_HINT = new RegExp([PRIVILEGED_SEGMENT, PERMISSION_SEGMENT, ACCOUNT_SEGMENT].map((pattern) => pattern.source.replace(/^\^|\$$/g, '')).join('|'), 'i');

function privilegeOf(endpoint: PyEndpoint): string | undefined {
  if (!PRIVILEGE_HINT.test(endpoint.route)) return undefined;
  const segments = endpoint.route.split('/').filter((segment) => segment.length > 0);
  const privileged = segments.find((segment) => PRIVILEGED_SEGMENT.test(segment));
  if (privileged !== undefined) return `the route is under /${privileged}`;
  if (endpoint.method !== 'GET' && endpoint.method !== 'HEAD' && endpoint.method !== 'OPTIONS') {
    const permissions = segments.find((segment) => PERMISSION_SEGMENT.test(segment));
    if (permissions !== undefined) return `it changes ${permissions}`;
  }
  if (endpoint.method === 'DELETE') {
    const at = segments.findIndex((segment) => ACCOUNT_SEGMENT.test(segment));
    const item = at >= 0 ? segments[at + 1] : undefined;
    if (item !== undefined && /^(?::|\[|\{|<)/.test(item)) return `it deletes ${segments[at]}`;
  }
  return undefined;
}

/**
 * A `Security(dep, scopes=[...])` whose dependency is read (same file or one
 * import hop) and never takes `SecurityScopes`: FastAPI only passes the
 * scopes on, so nothing checks them.
 */
export function unenforcedScopes(endpoint: PyEndpoint): PyDependency | undefined {
  return endpoint.dependencies.find((dependency) => {
    if (dependency.scopes.length === 0 || dependency.definition === undefined) return false;
    const index = dependency.definitionIndex ?? endpoint.index;
    return !/\bSecurityScopes\b|\bsecurity_scopes\b/.test(index.textOf(dependency.definition));
  });
}

/** The first role or permission check around or inside the endpoint. */
export function roleCheckOf(endpoint: PyEndpoint): { node?: PyNode; line?: number; file?: string; note: string } | undefined {
  const permission = endpoint.permissionClasses?.names.find((name) => ROLE_PERMISSION.test(name));
  if (permission !== undefined) return { node: endpoint.permissionClasses!.node, line: endpoint.permissionClasses!.line, file: endpoint.permissionClasses!.file, note: `permission class ${permission}` };
  const unenforced = unenforcedScopes(endpoint);
  const scoped = endpoint.dependencies.find((dependency) => dependency.scopes.length > 0 && dependency !== unenforced);
  if (scoped !== undefined) return { node: scoped.node, note: `Security(${scoped.callable}, scopes=[${scoped.scopes.map((s) => JSON.stringify(s)).join(', ')}])` };
  const named = endpoint.dependencies.find((dependency) => ROLE_NAME.test(lastSegment(dependency.callable)));
  if (named !== undefined) return { node: named.node, note: `${named.kind}(${named.callable}) on the ${named.level}` };
  const decorator = endpoint.decorators.find((candidate) => ROLE_NAME.test(lastSegment(candidate.name)));
  if (decorator !== undefined) return { node: decorator.node, note: `@${decorator.name}` };
  const inCode = roleInCode(endpoint.index, endpoint.scopes);
  return inCode === undefined ? undefined : { node: inCode.node, note: inCode.note };
}

/** On the scopes: both authorization checks ask, and a ViewSet's actions share their code. */
const ROLE_IN_CODE = new ScopedFacts<{ node: PyNode; note: string } | undefined>('py:roleInCode');

/** The first role check in the code of `scopes`: a has_perm()-like call or a role attribute of the caller; it depends on the index and scopes only. */
function roleInCode(index: PySourceIndex, scopes: readonly Scope[]): { node: PyNode; note: string } | undefined {
  return ROLE_IN_CODE.get(index, scopes, () => {
    const call = index.callsNamed(ROLE_CALL, scopes)[0];
    const attribute = index.nodesOfType('attribute', scopes).find((node) => ROLE_ATTRIBUTE.test(childByField(node, 'attribute')?.name ?? '') && /(?:user|caller|principal|identity|token|claims)/i.test(index.textOf(node)));
    const first = call !== undefined && (attribute === undefined || call.pos < attribute.pos) ? call : attribute;
    if (first === undefined) return undefined;
    return { node: first, note: `role checked in the code: ${first.type === 'call' ? `${plainCalleePath(first)}()` : index.textOf(first)}` };
  });
}

export default createPyCheck({
  id: 'missing-role-check',
  items: ['authz.roles'],
  ...siblingMetadata(tsCheck),
  messages: {
    missing: tsCheck.messages.missing,
    'unenforced-scopes': '`{{security}}` declares scopes, but {{callable}} never reads `SecurityScopes`: FastAPI does not check scopes itself, so every signed-in user passes.',
  },
  fix: {
    fastapi:
      'Require the role in a dependency: `Security(get_current_user, scopes=["admin"])` with `get_current_user` checking `security_scopes.scopes` against the token and raising `HTTPException(status_code=403)`, or a `Depends(require_admin)` that raises 403 unless `user.is_admin`.',
    'django-rest-framework': 'Add a role permission: `permission_classes = [IsAuthenticated, IsAdminUser]` (or `DjangoModelPermissions`, or a custom class checking `request.user.has_perm(...)`); DRF answers 403 for the others.',
    flask: 'Check the role under the authentication decorator: `@roles_required("admin")` (Flask-Security / Flask-User), or `if not current_user.is_admin: abort(403)` at the top of the view.',
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const unenforced = unenforcedScopes(endpoint);
    const check = roleCheckOf(endpoint);
    if (unenforced !== undefined && check === undefined) {
      context.report({ messageId: 'unenforced-scopes', node: unenforced.node, data: { security: `${unenforced.kind}(${unenforced.callable}, scopes=[${unenforced.scopes.map((scope) => JSON.stringify(scope)).join(', ')}])`, callable: unenforced.callable } });
      return;
    }
    if (check !== undefined) {
      context.pass('authz.roles', check);
      return;
    }
    const privilege = privilegeOf(endpoint);
    if (privilege === undefined) {
      context.notApplicable('authz.roles', 'not a privileged route (no admin, internal or permission-management path)');
      return;
    }
    context.report({ messageId: 'missing', node: endpoint.registration, line: endpoint.line, endLine: endpoint.line, data: { endpoint: `${endpoint.method} ${endpoint.route}`, why: privilege } });
  },
});
