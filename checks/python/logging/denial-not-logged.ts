/**
 * denial-not-logged for Python (logging.denials): the TypeScript check's
 * idea and id. Every 403 (and 404 in a not-owner branch) the endpoint's
 * code answers must log on its path, or reach an exception handler of the
 * file that logs. Denials made by permission classes, role dependencies or
 * decorators outside the code read are unknown.
 */
import logCheck from '../../logging/denial-not-logged.js';
import { lastSegment } from '../../lang/py/queries.js';
import { unenforcedScopes } from '../authorization/missing-role-check.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { drfExceptionHandler, judgeSites, rejectionSites } from './rejection-sites.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const OBJECT_PERMISSION_CALL = /^(?:check_object_permissions|get_object_or_403|has_perm)$/;

const PERMISSION_CONTROL = /^(?:IsAdminUser|DjangoModelPermissions\w*|DjangoObjectPermissions|TokenHas\w+|Is\w*(?:Owner|Member|Staff|Admin|Superuser|Author|Creator)\w*|roles_required|roles_accepted|permission_required|admin_required|require_role|require_roles|requires_role|has_role|require_permission|require_admin|check_permissions?)$/;

export default createPyCheck({
  id: 'denial-not-logged',
  items: ['logging.denials'],
  ...siblingMetadata(logCheck),
  messages: {
    'not-logged': logCheck.messages['not-logged'],
    'not-logged-drf': "{{control}} denies through DRF's default exception handler, which answers 403 without logging ({{settings}} sets no EXCEPTION_HANDLER): attempts to reach other users' records or privileged actions leave no trace.",
  },
  fix: {
    fastapi: "Log before raising: `logger.warning(\"access denied\", extra={\"event\": \"access_denied\", \"user_id\": user.id, \"resource\": item_id}); raise HTTPException(status_code=403, detail=\"Forbidden\")`, or log 403s in one `@app.exception_handler(HTTPException)`.",
    'django-rest-framework': "Log before denying: `logger.warning(\"access denied\", extra={\"event\": \"access_denied\", \"user_id\": request.user.pk, \"object\": pk}); raise PermissionDenied()`, or log 403s in a custom `REST_FRAMEWORK['EXCEPTION_HANDLER']`.",
    flask: "Log before aborting: `current_app.logger.warning(\"access denied: user %s on %s\", current_user.id, request.path); abort(403)`, or log in an `@app.errorhandler(403)`.",
    default: logCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const sites = rejectionSites(endpoint).filter((site) => site.status !== 401);
    if (sites.length > 0) {
      const verdict = judgeSites(endpoint, sites);
      if (verdict.kind === 'unlogged') context.report({ messageId: 'not-logged', node: verdict.site.node, data: { what: verdict.site.what } });
      else if (verdict.kind === 'unknown') context.unknown('logging.denials', verdict.reason);
      else for (const { evidence, note } of verdict.logged) context.pass('logging.denials', { node: evidence, note });
      return;
    }
    const control = permissionControl(endpoint);
    const handler = endpoint.framework === 'django-rest-framework' && control !== undefined && endpoint.permissionClasses?.names.some((name) => control === `\`${name}\``) === true ? drfExceptionHandler(endpoint) : undefined;
    if (handler?.kind === 'default') {
      const policy = endpoint.permissionClasses!;
      context.report({ messageId: 'not-logged-drf', node: policy.source === 'settings' ? undefined : policy.node, line: policy.source === 'settings' ? endpoint.line : undefined, data: { control: control!, settings: handler.file } });
      return;
    }
    if (handler?.kind === 'custom') {
      context.unknown('logging.denials', `DRF answers denials through the EXCEPTION_HANDLER ${handler.path} (set in ${handler.file}), in a module that was not read; check that it logs`);
      return;
    }
    if (control !== undefined) {
      context.unknown('logging.denials', `the permission check ${control} denies in code that is not in view; whether denials are logged could not be seen`);
      return;
    }
    context.notApplicable('logging.denials', 'the endpoint has no 403 or not-owner path, so there is no denial to log');
  },
});

function permissionControl(endpoint: PyEndpoint): string | undefined {
  const permission = endpoint.permissionClasses?.names.find((name) => PERMISSION_CONTROL.test(name));
  if (permission !== undefined) return `\`${permission}\``;
  // Scopes the dependency never reads deny nobody (missing-role-check reports them).
  const unenforced = unenforcedScopes(endpoint);
  const scoped = endpoint.dependencies.find((dependency) => dependency !== unenforced && (dependency.scopes.length > 0 || PERMISSION_CONTROL.test(lastSegment(dependency.callable)) || /role|admin|permission/i.test(dependency.callable)));
  if (scoped !== undefined) return `\`${scoped.kind}(${scoped.callable}${scoped.scopes.length > 0 ? `, scopes=${JSON.stringify(scoped.scopes)}` : ''})\``;
  const decorator = endpoint.decorators.find((candidate) => PERMISSION_CONTROL.test(lastSegment(candidate.name)));
  if (decorator !== undefined) return `\`@${decorator.name}\``;
  const objectCheck = endpoint.index.callsNamed(OBJECT_PERMISSION_CALL, endpoint.scopes)[0];
  if (objectCheck !== undefined) return `\`${endpoint.index.textOf(objectCheck)}\``;
  return undefined;
}
