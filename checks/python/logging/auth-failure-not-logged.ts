/**
 * auth-failure-not-logged for Python (logging.auth-failures): the TypeScript
 * check's idea and id. Every 401 the endpoint's code answers (in the handler
 * or a same-file dependency such as `get_current_user`) must log on its
 * path, or reach an exception handler of the file that logs. Rejections made
 * elsewhere (an imported dependency, Flask-Login, DRF authentication
 * classes) are unknown; flask-jwt-extended / Flask-Login callbacks in the
 * file decide for their decorators.
 */
import logCheck from '../../logging/auth-failure-not-logged.js';
import { calleeName, childByField, decoratorsOf } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyDependency, PyEndpoint } from '../endpoint.js';
import { AUTHENTICATED_PERMISSION, isAuthDecorator, isAuthDependency } from '../identity-signals.js';
import { drfExceptionHandler, inRegion, isSecurityLogCall, judgeSites, rejectionSites } from './rejection-sites.js';

/** Library callbacks that answer failed authentication for decorators (flask-jwt-extended, Flask-Login). */
const FAILURE_CALLBACK = /^(?:unauthorized_loader|invalid_token_loader|expired_token_loader|revoked_token_loader|needs_fresh_token_loader|unauthorized_handler)$/;

export default createPyCheck({
  id: 'auth-failure-not-logged',
  items: ['logging.auth-failures'],
  ...siblingMetadata(logCheck),
  messages: {
    'not-logged': logCheck.messages['not-logged'],
    'not-logged-drf': "{{control}} turns unauthenticated callers away through DRF's default exception handler, which answers 401/403 without logging ({{settings}} sets no EXCEPTION_HANDLER): failed sign-ins and bad tokens leave no trace.",
  },
  fix: {
    fastapi: "Log before raising, with what identifies the attempt but no secret: `logger.warning(\"auth failure\", extra={\"event\": \"auth_failure\", \"reason\": \"invalid_token\", \"ip\": request.client.host, \"path\": request.url.path}); raise HTTPException(status_code=401, detail=\"Not authenticated\")`, or log 401s in one `@app.exception_handler(HTTPException)`.",
    'django-rest-framework': "Log before answering: `logger.warning(\"auth failure\", extra={\"event\": \"auth_failure\", \"ip\": request.META.get(\"REMOTE_ADDR\"), \"path\": request.path})`, or log 401s in a custom `REST_FRAMEWORK['EXCEPTION_HANDLER']`.",
    flask: "Log before answering: `current_app.logger.warning(\"auth failure from %s on %s\", request.remote_addr, request.path); abort(401)`, or register `@app.errorhandler(401)` / `@jwt.unauthorized_loader` callbacks that log.",
    default: logCheck.fix.default,
  },
  run(context) {
    const { endpoint, config } = context;
    const sites = rejectionSites(endpoint).filter((site) => site.status === 401 || (site.status === 403 && inIdentityBranch(endpoint, site.node)));
    if (sites.length > 0) {
      const verdict = judgeSites(endpoint, sites);
      if (verdict.kind === 'unlogged') context.report({ messageId: 'not-logged', node: verdict.site.node, data: { what: verdict.site.what } });
      else if (verdict.kind === 'unknown') context.unknown('logging.auth-failures', verdict.reason);
      else for (const { evidence, note } of verdict.logged) context.pass('logging.auth-failures', { node: evidence, note });
      return;
    }
    const control = identityControl(endpoint, config.auth.functions);
    if (control === undefined) {
      context.notApplicable('logging.auth-failures', 'the endpoint has no identity check, so there is no authentication failure to log');
      return;
    }
    // An imported dependency (one hop): its 401s, judged against the handlers of the entry file.
    if (control.kind === 'dependency' && control.dependency?.definitionIndex !== undefined) {
      const region = (endpoint.externalCode ?? []).find((candidate) => candidate.index === control.dependency!.definitionIndex);
      const seen = region === undefined ? undefined : inRegion(endpoint, region);
      const external = seen === undefined ? [] : rejectionSites(seen).filter((site) => site.status === 401);
      if (seen !== undefined && external.length > 0) {
        const verdict = judgeSites(seen, external);
        if (verdict.kind === 'unlogged') context.report({ messageId: 'not-logged', node: verdict.site.node, data: { what: `${verdict.site.what} (in ${seen.file})` } });
        else if (verdict.kind === 'unknown') context.unknown('logging.auth-failures', verdict.reason);
        else for (const { evidence, note } of verdict.logged) context.pass('logging.auth-failures', { node: evidence, note: `${note} (${seen.file})` });
        return;
      }
    }
    if (control.kind === 'drf') {
      const handler = drfExceptionHandler(endpoint);
      if (handler?.kind === 'default') {
        const policy = endpoint.permissionClasses!;
        context.report({ messageId: 'not-logged-drf', node: policy.source === 'settings' ? undefined : policy.node, line: policy.source === 'settings' ? endpoint.line : undefined, data: { control: control.what, settings: handler.file } });
        return;
      }
      if (handler?.kind === 'custom') {
        context.unknown('logging.auth-failures', `DRF answers failed authentication through the EXCEPTION_HANDLER ${handler.path} (set in ${handler.file}), in a module that was not read; check that it logs`);
        return;
      }
    }
    const callback = failureCallback(endpoint);
    if (callback !== undefined && control.kind === 'decorator') {
      if (callback.logs !== undefined) context.pass('logging.auth-failures', { node: callback.logs, note: `the ${callback.name} callback at line ${callback.node.line} logs failed authentication` });
      else context.report({ messageId: 'not-logged', node: callback.node, data: { what: `\`@${callback.name}\` callback` } });
      return;
    }
    context.unknown('logging.auth-failures', `the identity check ${control.what} rejects callers in code that is not in view (${control.where}); whether failures are logged could not be seen`);
  },
});


function identityControl(endpoint: PyEndpoint, configured: readonly string[]): { what: string; where: string; kind: 'dependency' | 'decorator' | 'drf'; dependency?: PyDependency } | undefined {
  const dependency = endpoint.dependencies.find((candidate) => isAuthDependency(candidate, configured));
  if (dependency !== undefined) {
    const where = dependency.definitionIndex !== undefined ? `defined in ${dependency.definitionIndex.path}, whose rejections go to the app's exception handlers` : dependency.definition === undefined ? 'a dependency imported from another module' : 'its failure branch raises nothing here';
    return { what: `\`${dependency.kind}(${dependency.callable})\``, where, kind: 'dependency', dependency };
  }
  const decorator = endpoint.decorators.find((candidate) => isAuthDecorator(candidate.name, configured));
  if (decorator !== undefined) return { what: `\`@${decorator.name}\``, where: 'the library behind the decorator', kind: 'decorator' };
  const policy = endpoint.permissionClasses;
  const permission = policy?.names.find((name) => AUTHENTICATED_PERMISSION.test(name));
  if (permission !== undefined) return { what: `\`${permission}\``, where: "DRF's authentication classes and exception handler", kind: 'drf' };
  return undefined;
}

/** A 403 in a branch that tests whether there is a caller at all (`if not current_user.is_authenticated`) answers an authentication failure. */
function inIdentityBranch(endpoint: PyEndpoint, node: PyNode): boolean {
  for (let current = node.parent; current !== undefined && current.type !== 'function_definition'; current = current.parent) {
    const condition = current.type === 'if_statement' || current.type === 'elif_clause' ? childByField(current, 'condition') : undefined;
    if (condition !== undefined && /is_authenticated|is_anonymous|current_user is None|user is None|not (?:request\.)?user\b/.test(endpoint.index.textOf(condition))) return true;
  }
  return false;
}

/** The file's authentication-failure callback (the same for every endpoint of the file: computed once). */
function failureCallback(endpoint: PyEndpoint): { node: PyNode; name: string; logs: PyNode | undefined } | undefined {
  return endpoint.index.memo('py:failureCallback', () => fileFailureCallback(endpoint.index));
}

function fileFailureCallback(index: PySourceIndex): { node: PyNode; name: string; logs: PyNode | undefined } | undefined {
  for (const fn of index.nodesOfType('function_definition')) {
    const decorator = decoratorsOf(fn).find((candidate) => FAILURE_CALLBACK.test(candidate.type === 'call' ? calleeName(candidate) : (index.textOf(candidate).split('.').pop() ?? '')));
    if (decorator === undefined) continue;
    return { node: decorator, name: index.textOf(decorator).replace(/\(.*$/s, ''), logs: index.calls([{ pos: fn.pos, end: fn.end }]).find(isSecurityLogCall) };
  }
  return undefined;
}
