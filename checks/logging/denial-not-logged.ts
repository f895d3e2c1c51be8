import { createCheck } from '../create-check.js';
import type { Control, Endpoint } from '../frameworks/endpoint.js';
import { logCallIn } from './security-log-calls.js';
import { adminOnlyControl, ownershipControl } from '../authorization/ownership-guards.js';
import { judgeRejections, siteLocation } from './judge-rejections.js';
import { nestExceptionLogging } from './nest-app-logging.js';
import { answerOnce } from '../lang/answer-once.js';

/** Role and permission controls whose denial happens where this check cannot see it. */
const PERMISSION_CONTROL = /^(?:requireRoles?|requirePermissions?|hasRoles?|hasPermissions?|checkRoles?|checkPermissions?|restrictTo|authorize|can|ensureAdmin|requireAdmin|isAdmin|adminOnly|RolesGuard|PermissionsGuard|PoliciesGuard|CaslGuard|AbilitiesGuard)$/;

/**
 * Whether a control's last name (call arguments cut off) is a role or permission check: `requireRoles('admin')`, `RolesGuard`.
 * Asked about every control of every endpoint, and the same names recur across endpoints and files.
 */
const isPermissionControl = answerOnce((name: string) => PERMISSION_CONTROL.test(name.replace(/\(.*$/, '').split('.').pop() ?? ''), 10_000);

/** A control that denies by permission whose denying code is not in view. */
function denialOutOfView(endpoint: Endpoint): string | undefined {
  const external = endpoint.controls.filter((candidate) => candidate.definition === undefined);
  if (external.length === 0) return undefined;
  const control = external.find((candidate) => isPermissionControl(candidate.name)) ?? adminOnlyControl(endpoint.index, external) ?? ownershipControl(external);
  return control === undefined ? undefined : `${control.name} (line ${control.line})`;
}

/** A guard whose own code logs before it denies. */
function logsInDefinition(control: Control): boolean {
  return control.definition !== undefined && control.definitionIndex !== undefined && logCallIn(control.definitionIndex, control.definition) !== undefined;
}

export default createCheck({
  id: 'denial-not-logged',
  items: ['logging.denials'],
  description: 'A permission denial (403, or the 404 of a not-owner branch) answers the caller without recording a security event.',
  severity: 'low',
  confidence: 'medium',
  cwe: ['CWE-778'],
  owasp: ['API8:2023'],
  messages: {
    'not-logged': 'This {{what}} denies access without logging it: attempts to reach other users\' records or privileged actions leave no trace.',
    'not-logged-nest': "The guard {{guard}} rejects with ForbiddenException and nothing in this app logs it: Nest's built-in exception filter answers HttpExceptions without logging, and {{main}} and its modules register no exception filter, interceptor or request logger; attempts to reach other users\' records or privileged actions leave no trace.",
  },
  why: 'Enumeration of other users\' ids (BOLA probing) and privilege probing show up as streams of denials; unlogged, they go unnoticed until data leaks.',
  fix: {
    express: "Log before answering: `req.log.warn({ event: 'access_denied', userId: req.user?.id, resource: req.params.id, path: req.originalUrl }, 'permission denied'); return res.status(403).json({ error: 'Forbidden' });`.",
    fastify: "Log before replying: `request.log.warn({ event: 'access_denied', userId: request.user?.sub, url: request.url }, 'permission denied'); return reply.code(403).send({ error: 'Forbidden' });`.",
    nestjs: "Log before throwing: `this.logger.warn(`access denied: user ${user.id} on ${request.url}`); throw new ForbiddenException();`, or log 403s in a global exception filter.",
    'nextjs-app-router': "Log before returning: `logger.warn({ event: 'access_denied', userId, resourceId: params.id }); return NextResponse.json({ error: 'Forbidden' }, { status: 403 });`.",
    default: 'Record a structured security event (who, which resource, which action, time) on every permission denial before answering 403.',
  },
  run(context) {
    const { endpoint, project } = context;
    const verdict = judgeRejections(endpoint, project, 'denial');
    for (const site of verdict.unlogged) context.report({ messageId: 'not-logged', node: site.node, data: { what: `${site.what} (${siteLocation(endpoint, site)})` } });
    if (verdict.unlogged.length > 0) return;
    if (verdict.thrown.length > 0) {
      const site = verdict.thrown[0];
      context.unknown('logging.denials', `the ${site.what} at ${siteLocation(endpoint, site)} is thrown to the framework's error handler, which is not in the files read; check that it logs denials`);
      return;
    }
    if (verdict.logged.length > 0) {
      for (const { evidence, note } of verdict.logged) context.pass('logging.denials', { node: evidence, note });
      return;
    }
    // A Nest permission guard denies by returning false (Nest throws ForbiddenException); the app's filter decides the logging.
    const guard = endpoint.framework === 'nestjs' ? endpoint.controls.find((candidate) => isPermissionControl(candidate.name)) : undefined;
    const nest = guard === undefined || logsInDefinition(guard) ? undefined : nestExceptionLogging(endpoint);
    if (guard !== undefined && nest?.kind === 'not-logged') {
      context.report({ messageId: 'not-logged-nest', node: guard.node, data: { guard: `${guard.name} (line ${guard.line})`, main: nest.main } });
      return;
    }
    if (guard !== undefined && nest?.kind === 'logged') {
      context.pass('logging.denials', { node: nest.node, note: `${guard.name} denies through Nest: ${nest.note}` });
      return;
    }
    const control = denialOutOfView(endpoint);
    if (control !== undefined) {
      context.unknown('logging.denials', `the permission check ${control} denies in code that is not in view; whether denials are logged could not be seen`);
      return;
    }
    context.notApplicable('logging.denials', 'the endpoint has no 403 or not-owner path, so there is no denial to log');
  },
});
