/**
 * missing-authentication for Python (authn.identity): the TypeScript check's
 * idea and id, read from FastAPI dependencies, DRF permission classes
 * (decorator, class, or the project's REST_FRAMEWORK defaults) and Flask
 * decorators / before_request hooks.
 */
import { publicRouteReason } from '../../authentication/public-routes.js';
import tsCheck from '../../authentication/missing-authentication.js';
import { childByField, definitionName, methodsOf } from '../../lang/py/queries.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { AUTHENTICATED_PERMISSION, identityCheckIn, isAuthDecorator, isAuthDependency } from '../identity-signals.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PUBLIC_PERMISSION = /^(?:AllowAny)$/;
const READ_ONLY_PUBLIC = /^(?:IsAuthenticatedOrReadOnly|DjangoModelPermissionsOrAnonReadOnly)$/;

/** Whether the handler does anything: a GET whose body calls nothing has nothing to protect. */
function doesWork(endpoint: PyEndpoint): boolean {
  if (endpoint.handler === undefined) return true;
  const body = childByField(endpoint.handler, 'body');
  return body === undefined || endpoint.index.calls([{ pos: body.pos, end: body.end }]).length > 0 || endpoint.index.nodesOfType('attribute', [{ pos: body.pos, end: body.end }]).length > 0;
}

/** `OrderViewSet` / `delete_order`: the view a DRF policy is written on. */
function viewName(endpoint: PyEndpoint): string {
  const definition = endpoint.viewClass ?? endpoint.handler;
  return definition === undefined ? `${endpoint.method} ${endpoint.route}` : `The view ${definitionName(definition)}`;
}

export default createPyCheck({
  id: 'missing-authentication',
  items: ['authn.identity'],
  ...siblingMetadata(tsCheck),
  messages: {
    missing: tsCheck.messages.missing,
    'allow-any': '{{endpoint}} is open to anonymous callers: {{where}} sets `{{policy}}`, and the route is not a public one.',
  },
  fix: {
    fastapi:
      'Add an authentication dependency: `current_user: Annotated[User, Depends(get_current_user)]` as a parameter (with `get_current_user` decoding the `OAuth2PasswordBearer` token and raising `HTTPException(status_code=401)`), or `dependencies=[Depends(get_current_user)]` on the route, the `APIRouter(...)` or `include_router(...)`. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.',
    'django-rest-framework':
      "Require an authenticated caller: `@permission_classes([IsAuthenticated])` on the function view or `permission_classes = [IsAuthenticated]` on the class, or make it the project default: `REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated']}`. Keep `AllowAny` for routes that are public by design, and list those under `auth.public_routes` in `.github/api-security-review.yml`.",
    flask:
      'Decorate the view under the route decorator: `@login_required` (Flask-Login) or `@jwt_required()` (flask-jwt-extended), or check the caller for the whole blueprint in `@bp.before_request` and `abort(401)` without one. If the route is public by design, list it under `auth.public_routes` in `.github/api-security-review.yml`.',
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint, config } = context;
    const configured = config.auth.functions;
    const name = `${endpoint.method} ${endpoint.route}`;
    const severity = STATE_CHANGING.has(endpoint.method) ? 'high' : 'medium';

    const publicReason = publicRouteReason(endpoint.method, endpoint.route, config.auth.public_routes);
    if (publicReason !== undefined) {
      context.markPublic(publicReason);
      context.notApplicable('authn.identity', `public by design: ${publicReason}`);
      return;
    }

    // FastAPI: a dependency of the app, an include, the router, the route or a parameter.
    const dependency = endpoint.dependencies.find((candidate) => isAuthDependency(candidate, configured));
    if (dependency !== undefined) {
      const where = dependency.file === endpoint.file ? '' : ` in ${dependency.file}`;
      context.pass('authn.identity', { node: dependency.node, file: dependency.file, line: dependency.line, note: `${dependency.kind}(${dependency.callable}) on the ${dependency.level}${where}` });
      return;
    }

    // Flask / DRF function views: an authentication decorator.
    const decorator = endpoint.decorators.find((candidate) => isAuthDecorator(candidate.name, configured));
    if (decorator !== undefined) {
      context.pass('authn.identity', { node: decorator.node, note: `@${decorator.name}` });
      return;
    }

    // DRF: the permission policy in force.
    if (endpoint.framework === 'django-rest-framework') {
      const dynamic = endpoint.viewClass === undefined ? undefined : methodsOf(endpoint.viewClass).find((method) => definitionName(method) === 'get_permissions');
      const policy = endpoint.permissionClasses;
      const where = policy === undefined ? '' : policy.source === 'settings' ? `REST_FRAMEWORK in ${policy.file}${policy.builtIn === true ? " (DRF's default, not set there)" : ''}` : policy.source === 'decorator' ? '@permission_classes' : `${endpoint.viewClass === undefined ? 'the view' : definitionName(endpoint.viewClass)}.permission_classes`;
      if (dynamic !== undefined && (policy === undefined || policy.source === 'settings')) {
        context.unknown('authn.identity', `get_permissions() (line ${dynamic.line}) chooses the permission classes at run time; check that ${endpoint.action ?? endpoint.method} requires an authenticated caller`);
        return;
      }
      if (policy !== undefined) {
        const authenticated = policy.names.find((candidate) => AUTHENTICATED_PERMISSION.test(candidate) || configured.includes(candidate));
        if (authenticated !== undefined) {
          context.pass('authn.identity', { node: policy.node, file: policy.file, line: policy.line, note: `${authenticated} in ${where}` });
          return;
        }
        const readOnly = policy.names.find((candidate) => READ_ONLY_PUBLIC.test(candidate));
        if (readOnly !== undefined) {
          if (STATE_CHANGING.has(endpoint.method)) {
            context.pass('authn.identity', { node: policy.node, file: policy.file, line: policy.line, note: `${readOnly} in ${where}: writes need an authenticated caller` });
          } else {
            context.markPublic(`${readOnly}: reads are open to anonymous callers by design`);
            context.notApplicable('authn.identity', `public by design: ${readOnly} lets anonymous callers read`);
          }
          return;
        }
        const custom = policy.names.find((candidate) => !PUBLIC_PERMISSION.test(candidate));
        if (custom !== undefined) {
          context.unknown('authn.identity', `the permission class ${custom} (${where}) is not one the app knows; check that it rejects anonymous callers`);
          return;
        }
      }
      const check = identityCheckIn(endpoint);
      if (check !== undefined) {
        context.pass('authn.identity', { node: check.node, note: check.note });
        return;
      }
      if (policy === undefined) {
        context.unknown('authn.identity', endpoint.drfDefaultsUnknown ?? 'no permission classes are set on the view and the project defaults are unknown');
        return;
      }
      if (!doesWork(endpoint) && !STATE_CHANGING.has(endpoint.method)) {
        context.notApplicable('authn.identity', 'the handler reads no data and changes nothing');
        return;
      }
      const explicit = policy.source !== 'settings' || policy.builtIn !== true;
      context.report({
        messageId: explicit ? 'allow-any' : 'missing',
        node: policy.source === 'settings' ? undefined : policy.node,
        line: policy.source === 'settings' ? endpoint.line : undefined,
        // Named after the view, not the method: one class attribute or decorator opens every action, and is reported once.
        data: { endpoint: policy.source === 'settings' ? name : viewName(endpoint), where, policy: policy.names.length === 0 ? 'permission_classes = []' : policy.names.join(', ') },
        severity,
      });
      return;
    }

    // An identity check in the handler, a Flask before_request hook or a same-file helper.
    const check = identityCheckIn(endpoint);
    if (check !== undefined) {
      context.pass('authn.identity', { node: check.node, note: check.note });
      return;
    }
    if (endpoint.mountUnknown !== undefined) {
      context.unknown('authn.identity', endpoint.mountUnknown);
      return;
    }
    if (!doesWork(endpoint) && !STATE_CHANGING.has(endpoint.method)) {
      context.notApplicable('authn.identity', 'the handler reads no data and changes nothing');
      return;
    }
    context.report({ messageId: 'missing', node: endpoint.registration, line: endpoint.line, endLine: endpoint.line, data: { endpoint: name }, severity });
  },
});
