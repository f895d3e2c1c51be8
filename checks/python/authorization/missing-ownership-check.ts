/**
 * missing-ownership-check for Python (authz.ownership): a record selected by
 * an id from the request with no owner/tenant condition in the query and no
 * object-level check (`check_object_permissions`, a permission class with
 * `has_object_permission`, a `get_queryset` scoped to `request.user`, or the
 * owner compared with the caller). The TypeScript check's id and messages.
 */
import tsCheck from '../../authorization/missing-ownership-check.js';
import { classesByName, definitionName, methodsOf, namedChildren, nodeFact, plainCalleePath, classAttribute, expressionPath } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { roleCheckOf } from './missing-role-check.js';
import { OWNER_FIELD, TENANT_FIELD, filteredFields, recordLookups } from './record-lookups.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const OBJECT_CHECK_CALL = /^(?:check_object_permissions|has_object_permission|has_perm|has_perms|check_permission|authorize|enforce)$/;

const CALLER = /\b(?:current_user|request\.user|self\.request\.user|user|caller|principal|identity|get_jwt_identity\(\)|g\.user|auth\.user)\b/;
const OWNER_TEXT = /\b(?:owner|user|author|created_by|creator|account|tenant|organization|organisation|org|team|workspace)(?:_id|_pk)?\b/;
/** Permission classes known to check the object. */
const OBJECT_PERMISSION = /^(?:DjangoObjectPermissions|Is\w*(?:Owner|Author|Creator|Member)\w*|\w*Object\w*Permission\w*)$/;
const PUBLIC_READ = /^(?:AllowAny|IsAuthenticatedOrReadOnly|DjangoModelPermissionsOrAnonReadOnly)$/;
const DETAIL_ACTIONS = new Set(['retrieve', 'update', 'partial_update', 'destroy']);

function verbOf(method: string): { verb: string; action: string } {
  if (method === 'DELETE') return { verb: 'deletes', action: 'delete' };
  if (method === 'GET' || method === 'HEAD') return { verb: 'reads', action: 'read' };
  return { verb: 'changes', action: 'change' };
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

/** An owner comparison with the caller in the endpoint's code: `if order.owner_id != current_user.id: raise ...`. */
function ownerComparison(endpoint: PyEndpoint): PyNode | undefined {
  return endpoint.index.nodesOfType('comparison_operator', endpoint.scopes).find((comparison) => {
    const [left, right] = namedChildren(comparison);
    if (left === undefined || right === undefined) return false;
    const a = endpoint.index.textOf(left);
    const b = endpoint.index.textOf(right);
    return (OWNER_TEXT.test(a) && CALLER.test(b)) || (OWNER_TEXT.test(b) && CALLER.test(a));
  });
}

/** An object-level permission check: `self.check_object_permissions(request, obj)`, `user.has_perm("change_order", obj)`. */
function objectCheckCall(endpoint: PyEndpoint): PyNode | undefined {
  return endpoint.index.callsNamed(OBJECT_CHECK_CALL, endpoint.scopes)[0];
}

/** A permission class of the view that checks the object (by name, or defined in this file with has_object_permission). */
function objectPermissionClass(endpoint: PyEndpoint): { name: string; line: number } | undefined {
  const policy = endpoint.permissionClasses;
  if (policy === undefined) return undefined;
  const classes = classesByName(endpoint.index);
  for (const name of policy.names) {
    const local = classes.get(name);
    if (local !== undefined && methodsOf(local).some((method) => definitionName(method) === 'has_object_permission')) return { name, line: policy.line };
    if (OBJECT_PERMISSION.test(name)) return { name, line: policy.line };
  }
  return undefined;
}

/** `get_queryset` of the view filtering on the caller: `Order.objects.filter(owner=self.request.user)`. */
function scopedQueryset(endpoint: PyEndpoint): PyNode | undefined {
  const view = endpoint.viewClass;
  if (view === undefined) return undefined;
  // A fact of the view class: read once for all its actions.
  return nodeFact(view, endpoint.index, 'py:scopedQueryset', () => findScopedQueryset(endpoint.index, view));
}

function findScopedQueryset(index: PySourceIndex, view: PyNode): PyNode | undefined {
  const method = methodsOf(view).find((candidate) => definitionName(candidate) === 'get_queryset');
  if (method === undefined) return undefined;
  const text = index.textOf(method);
  const fields = filteredFields(method, index);
  return CALLER.test(text) && fields.some((field) => OWNER_FIELD.test(field) || TENANT_FIELD.test(field)) ? method : undefined;
}

export default createPyCheck({
  id: 'missing-ownership-check',
  items: ['authz.ownership'],
  ...siblingMetadata(tsCheck),
  messages: {
    unscoped: tsCheck.messages.unscoped,
    'unscoped-queryset':
      "{{view}} serves `{{action}}` by the `{{id}}` in the URL from `{{query}}`, which is not limited to the caller's records, and no permission class checks the object: any signed-in user can {{verb}} another user's {{model}}.",
  },
  fix: {
    fastapi:
      "Put the owner in the query, with the caller from your authentication dependency: `{{scoped}}` (no row means 404); or load the {{model}} and `raise HTTPException(status_code=404)` when `{{comparison}}`.",
    'django-rest-framework':
      "Scope the queryset to the caller: `def get_queryset(self): return {{model}}.objects.filter(owner=self.request.user)` (lookups by id then 404 for other users' records), or in a function view `{{scoped}}`; or add an object permission class with `has_object_permission` (e.g. `IsOwner`) and call `self.check_object_permissions(request, obj)` when you load the object yourself.",
    flask:
      "Put the owner in the query, with the caller from Flask-Login / flask-jwt-extended: `{{scoped}}` (`first_or_404()`); or load the {{model}} and `abort(404)` when `{{comparison}}`.",
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const { verb, action } = verbOf(endpoint.method);

    const comparison = ownerComparison(endpoint);
    const objectCheck = objectCheckCall(endpoint);
    const permission = objectPermissionClass(endpoint);
    const queryset = scopedQueryset(endpoint);
    const guard =
      (objectCheck !== undefined && { node: objectCheck, note: `${plainCalleePath(objectCheck)}() checks the object` }) ||
      (permission !== undefined && { line: permission.line, note: `permission class ${permission.name} checks each object (has_object_permission)` }) ||
      (queryset !== undefined && { node: queryset, note: 'get_queryset() is scoped to the caller' }) ||
      (comparison !== undefined && { node: comparison, note: `owner compared with the caller: ${clip(endpoint.index.textOf(comparison))}` }) ||
      undefined;

    const role = roleCheckOf(endpoint);
    const adminOnly = role !== undefined && /admin|staff|superuser/i.test(role.note) ? role : undefined;
    const guardOrAdmin = guard ?? (adminOnly === undefined ? undefined : { ...adminOnly, note: `only administrators reach this route (${adminOnly.note}): they may act on any record` });

    const lookups = recordLookups(endpoint);
    const unscoped = lookups.filter((lookup) => !lookup.scoped);
    if (unscoped.length > 0 && guardOrAdmin === undefined) {
      for (const lookup of unscoped) {
        const idText = clip(endpoint.index.textOf(lookup.id));
        const model = lookup.model;
        const scoped =
          endpoint.framework === 'django-rest-framework'
            ? `${model}.objects.get(pk=${idText}, owner=request.user)`
            : endpoint.framework === 'flask'
              ? `${model}.query.filter_by(id=${idText}, owner_id=current_user.id).first_or_404()`
              : `select(${model}).where(${model}.id == ${idText}, ${model}.owner_id == current_user.id)`;
        context.report({
          messageId: 'unscoped',
          node: lookup.call,
          data: { query: clip(endpoint.index.textOf(lookup.chain)), verb, model, id: idText, action, scoped, comparison: `${model.toLowerCase()}.owner_id != current_user.id` },
        });
      }
      return;
    }
    if (lookups.length > 0) {
      const scopedLookup = lookups.find((lookup) => lookup.scoped);
      if (guardOrAdmin !== undefined) context.pass('authz.ownership', guardOrAdmin);
      else context.pass('authz.ownership', { node: scopedLookup!.call, note: `the query filters on the owner: ${clip(endpoint.index.textOf(scopedLookup!.chain))}` });
      return;
    }

    // A DRF detail action served by get_object() over the view's queryset.
    if (endpoint.viewClass !== undefined && endpoint.action !== undefined && DETAIL_ACTIONS.has(endpoint.action) && endpoint.handler === undefined) {
      const publicRead = endpoint.permissionClasses?.names.find((name) => PUBLIC_READ.test(name));
      if (publicRead !== undefined && (endpoint.method === 'GET' || endpoint.method === 'HEAD')) {
        context.notApplicable('authz.ownership', `reads are public by design (${publicRead}): the records are not the caller's own`);
        return;
      }
      if (guardOrAdmin !== undefined) {
        context.pass('authz.ownership', guardOrAdmin);
        return;
      }
      const attribute = classAttribute(endpoint.viewClass, 'queryset');
      const hasQuerysetHook = methodsOf(endpoint.viewClass).some((method) => definitionName(method) === 'get_queryset');
      if (attribute !== undefined && !hasQuerysetHook) {
        const model = expressionPath(attribute.value, false).split('.')[0] || 'record';
        context.report({
          messageId: 'unscoped-queryset',
          node: attribute.node,
          data: { view: definitionName(endpoint.viewClass), action: endpoint.action, id: 'pk', query: clip(endpoint.index.textOf(attribute.value)), verb: verbOf(endpoint.method).action, model, scoped: `${model}.objects.filter(owner=self.request.user)`, comparison: `obj.owner != request.user` },
        });
        return;
      }
      context.unknown('authz.ownership', 'get_queryset() decides which records this action reaches and it does not visibly filter on the caller; check that it does');
      return;
    }
    context.notApplicable('authz.ownership', 'no record is read or changed by an id from the request');
  },
});
