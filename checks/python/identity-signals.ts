/**
 * What shows, in Python, that the caller's identity is verified: FastAPI
 * dependencies, DRF permission classes, Flask decorators and before_request
 * hooks, and identity checks written in the handler. Shared by the Python
 * authentication and authorization checks.
 */
import { calleeName, childByField, lastSegment, plainCalleePath } from '../lang/py/queries.js';
import type { PyNode } from '../lang/py/source-index.js';
import type { PyDependency, PyEndpoint } from './endpoint.js';

/** FastAPI dependency names that authenticate (`get_current_user`, `verify_token`, `require_auth`...). */
export const AUTH_DEPENDENCY = /(?:current_?(?:active_?)?user|authenticat|(?:^|_)auth(?:$|_|orize)|verify_?(?:token|jwt|api_?key|session|user)|(?:^|_)token(?:$|_)|jwt|require_?(?:user|login|auth)|login_?required|api_?key|principal|session_?user|get_?user$)/i;

/** DRF permission classes that require an authenticated caller. */
export const AUTHENTICATED_PERMISSION = /^(?:IsAuthenticated|IsAdminUser|DjangoModelPermissions|DjangoObjectPermissions|TokenHasScope|TokenHasReadWriteScope|TokenHasResourceScope|IsAuthenticatedOrTokenHasScope|HasAPIKey|Is\w*(?:Owner|Member|Staff|Admin|Superuser|User|Author|Creator)\w*)$/;

/** Flask (and DRF function-view) decorators that authenticate. */
export const AUTH_DECORATOR = /^(?:login_required|jwt_required|fresh_jwt_required|jwt_refresh_token_required|token_required|auth_required|requires_auth|require_auth|authenticated|roles_required|roles_accepted|permission_required|admin_required|api_key_required|verify_token|oidc\.require_login|auth\.login_required|\w+\.login_required|\w+_required)$/;

/** Calls that verify identity inside a handler or hook. */
const IDENTITY_CALL = /^(?:verify_jwt_in_request|get_jwt_identity|get_current_user|authenticate|check_auth|require_login|require_user|verify_id_token|verify_token|decode_token)$/;

/** `request.user.is_authenticated`, `current_user.is_anonymous`. */
const IDENTITY_ATTRIBUTE = /^(?:is_authenticated|is_anonymous)$/;

export function isAuthDependency(dependency: PyDependency, configured: readonly string[]): boolean {
  if (dependency.kind === 'Security') return true;
  const name = lastSegment(dependency.callable);
  return configured.includes(name) || configured.includes(dependency.callable) || AUTH_DEPENDENCY.test(name);
}

export function isAuthDecorator(name: string, configured: readonly string[]): boolean {
  return configured.includes(name) || configured.includes(lastSegment(name)) || AUTH_DECORATOR.test(name) || AUTH_DECORATOR.test(lastSegment(name));
}

/** An identity check in the endpoint's code (handler, hooks, same-file helpers): the node and what it shows. */
export function identityCheckIn(endpoint: PyEndpoint, scopes = endpoint.scopes): { node: PyNode; note: string } | undefined {
  const call = endpoint.index.callsNamed(IDENTITY_CALL, scopes)[0];
  const attribute = endpoint.index.nodesOfType('attribute', scopes).find((node) => IDENTITY_ATTRIBUTE.test(childByField(node, 'attribute')?.name ?? ''));
  const first = call !== undefined && (attribute === undefined || call.pos < attribute.pos) ? call : attribute;
  if (first === undefined) return undefined;
  const text = first.type === 'call' ? `${plainCalleePath(first)}()` : endpoint.index.textOf(first);
  return { node: first, note: `identity checked in the code: ${text}${first.type === 'call' && calleeName(first) === 'get_jwt_identity' ? ' (flask-jwt-extended)' : ''}` };
}
