/**
 * Where a Python endpoint turns a caller away, and whether that path logs:
 * `raise HTTPException(status_code=401)`, DRF `AuthenticationFailed` /
 * `PermissionDenied`, Flask `abort(403)`, `return Response(status=403)`,
 * `return jsonify(...), 401`, `HttpResponseForbidden()`, and a 404 answered
 * in a not-owner branch. Shared by the two Python logging checks, like
 * checks/logging/rejection-sites.ts for TypeScript.
 */
import { assignmentsTo, calleeName, childByField, decoratorsOf, dictEntries, expressionPath, moduleAssignments, namedChild, positionalArguments, stringValue, unwrapExpression } from '../../lang/py/queries.js';
import { fileOfNode, type PyNode, type PySourceIndex } from '../../lang/py/source-index.js';
import type { PyEndpoint } from '../endpoint.js';
import { ScopedFacts, scopesKey } from '../../lang/py/scoped-facts.js';
import { isLogCall } from '../output-safety/pii-in-logs.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const ABORT_CALL = /^abort$/;
const ERROR_HANDLER_REGISTRATION_CALL = /^(?:add_exception_handler|register_error_handler)$/;
const FASTAPI_APP_CALL = /^FastAPI$/;
const FLASK_APP_CALL = /^Flask$/;

export interface RejectionSite {
  node: PyNode;
  status: 401 | 403 | 404;
  /** The statement as the message names it: "`raise HTTPException(status_code=401)`". */
  what: string;
  /** Raised to the framework (its exception handlers answer), rather than returned. */
  raised: boolean;
}

/** Exceptions the frameworks answer with a rejection, and its status (identity-not-enforced reads the same table). */
export const REJECTION_STATUS: Readonly<Record<string, 401 | 403 | 404>> = {
  AuthenticationFailed: 401,
  NotAuthenticated: 401,
  Unauthorized: 401,
  InvalidToken: 401,
  PermissionDenied: 403,
  Forbidden: 403,
  Http404: 404,
  NotFound: 404,
};
const NOT_OWNER = /owner|user|author|created_by|creator|tenant|org|member|account/i;
/** Calls that record a security event besides logger calls. */
const AUDIT_CALL = /^(?:audit\w*|log_\w+|record_\w*(?:fail|denial|attempt)\w*|security_event|report_\w*failure)$/;

export function isSecurityLogCall(call: PyNode): boolean {
  return isLogCall(call) || AUDIT_CALL.test(calleeName(call));
}

/** The status a node answers with, from `status_code=401`, `status.HTTP_403_FORBIDDEN`, `abort(403)`, `(body, 401)`. */
function statusIn(text: string): number | undefined {
  const match = /HTTP_(\d{3})_/.exec(text) ?? /status(?:_code)?\s*=\s*(\d{3})\b/.exec(text) ?? /^\w+(?:\.\w+)*\(\s*(\d{3})\b/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** The 401/403/404 answers in the endpoint's code; they depend on its index and scopes only, so endpoints with the same scopes share them. */
export function rejectionSites(endpoint: PyEndpoint): readonly RejectionSite[] {
  return SITES.get(endpoint.index, endpoint.scopes, () => endpoint.index.memo(`py:rejectionSites:${scopesKey(endpoint.scopes)}`, () => findRejectionSites(endpoint)));
}

const SITES = new ScopedFacts<readonly RejectionSite[]>('py:rejectionSites');

function findRejectionSites(endpoint: PyEndpoint): RejectionSite[] {
  const { index } = endpoint;
  const sites: RejectionSite[] = [];
  const add = (node: PyNode, status: number | undefined, raised: boolean) => {
    if (status !== 401 && status !== 403 && status !== 404) return;
    if (status === 404 && !inNotOwnerBranch(endpoint, node)) return;
    sites.push({ node, status, raised, what: `\`${index.textOf(node).replace(/\s+/g, ' ').slice(0, 80)}\`` });
  };
  for (const statement of index.nodesOfType('raise_statement', endpoint.scopes)) {
    const raised = namedChild(statement, 0);
    if (raised === undefined) continue;
    let target = unwrapExpression(raised);
    // `raise credentials_exception`, with `credentials_exception = HTTPException(status_code=401, ...)` above.
    if (target.type === 'identifier') {
      const assigned = assignmentsTo(index, target.name ?? '', endpoint.scopes).filter((assignment) => assignment.pos < statement.pos).pop();
      const right = assigned === undefined ? undefined : childByField(assigned, 'right');
      if (right !== undefined) target = unwrapExpression(right);
    }
    const name = target.type === 'call' ? calleeName(target) : expressionPath(target, false).split('.').pop() ?? '';
    add(statement, REJECTION_STATUS[name] ?? (/Exception$/.test(name) ? statusIn(index.textOf(target)) : undefined), true);
  }
  for (const call of index.callsNamed(ABORT_CALL, endpoint.scopes)) {
    const first = positionalArguments(call)[0];
    add(call.parent?.type === 'expression_statement' ? call.parent : call, first?.type === 'integer' ? Number(index.textOf(first)) : statusIn(index.textOf(call)), true);
  }
  for (const statement of index.nodesOfType('return_statement', endpoint.scopes)) {
    const value = namedChild(statement, 0);
    if (value === undefined) continue;
    const target = unwrapExpression(value);
    if (target.type === 'tuple' || target.type === 'expression_list') {
      const status = namedChild(target, 1);
      if (status?.type === 'integer') add(statement, Number(index.textOf(status)), false);
      else if (status !== undefined) add(statement, statusIn(`status=${index.textOf(status)}`), false);
      continue;
    }
    if (target.type !== 'call') continue;
    const name = calleeName(target);
    if (name === 'HttpResponseForbidden') add(statement, 403, false);
    else if (/Response$|^jsonify$|^make_response$/.test(name)) add(statement, statusIn(index.textOf(target)) ?? trailingStatus(target, index.textOf.bind(index)), false);
  }
  return sites.sort((a, b) => a.node.pos - b.node.pos);
}

function trailingStatus(call: PyNode, text: (node: PyNode) => string): number | undefined {
  const last = positionalArguments(call).at(-1);
  return last?.type === 'integer' && positionalArguments(call).length > 1 ? Number(text(last)) : undefined;
}

/** A 404 counts as a denial only in a branch that compares the record's owner with the caller. */
function inNotOwnerBranch(endpoint: PyEndpoint, node: PyNode): boolean {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (current.type === 'function_definition') return false;
    if (current.type === 'if_statement' || current.type === 'elif_clause') {
      const condition = childByField(current, 'condition');
      if (condition !== undefined && NOT_OWNER.test(endpoint.index.textOf(condition)) && /!=|==|\bnot in\b|\bis not\b/.test(endpoint.index.textOf(condition))) return true;
    }
  }
  return false;
}

/** A log call on the site's path: earlier in the same block, or in an enclosing block before it (within the function). */
export function logBefore(endpoint: PyEndpoint, site: PyNode): PyNode | undefined {
  const { index } = endpoint;
  for (let block = site.parent; block !== undefined; block = block.parent) {
    if (block.type === 'block' || block.type === 'module') {
      const call = index.calls([{ pos: block.pos, end: site.pos }]).find((candidate) => isSecurityLogCall(candidate) && directlyIn(candidate, block!, site));
      if (call !== undefined) return call;
    }
    if (block.type === 'function_definition') return undefined;
  }
  return undefined;
}

/** Whether `call` runs on the way to `site`: not inside another branch or nested function of `block`. */
function directlyIn(call: PyNode, block: PyNode, site: PyNode): boolean {
  for (let current = call.parent; current !== undefined && current !== block; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'lambda') return false;
    if ((current.type === 'if_statement' || current.type === 'for_statement' || current.type === 'while_statement' || current.type === 'try_statement') && !(current.pos <= site.pos && current.end >= site.end)) return false;
  }
  return true;
}

/** What an exception handler's registration names for each status it answers. */
const HANDLED_BY: Record<number, RegExp> = {
  401: /\b(?:401|HTTPException|StarletteHTTPException|HTTP_401\w*|Exception|Unauthorized|AuthenticationFailed|NotAuthenticated)\b/,
  403: /\b(?:403|HTTPException|StarletteHTTPException|HTTP_403\w*|Exception|Forbidden|PermissionDenied)\b/,
  404: /\b(?:404|HTTPException|StarletteHTTPException|HTTP_404\w*|Exception|NotFound|Http404)\b/,
};

/** Exception handlers of the endpoint's file for these statuses: FastAPI `exception_handler`, Flask `errorhandler`; with whether they log. */
export function fileErrorHandlers(endpoint: PyEndpoint, status: number): readonly ErrorHandler[] {
  return errorHandlersIn(endpoint.index, status);
}

type ErrorHandler = { node: PyNode; logs: PyNode | undefined };

/** The memo key of each status's handlers (constant strings: a key built per call would be hashed per call). */
const HANDLERS_KEY: Record<number, string> = { 401: 'py:errorHandlers:401', 403: 'py:errorHandlers:403', 404: 'py:errorHandlers:404' };

/**
 * Exception handlers registered in `index` for this status, with whether they log: the same for every site of
 * every endpoint of the file, so read once per file and status (shared and read-only).
 */
export function errorHandlersIn(index: PySourceIndex, status: number): readonly ErrorHandler[] {
  const key = HANDLERS_KEY[status];
  return key === undefined ? findErrorHandlers(index, status) : index.memo(key, () => findErrorHandlers(index, status));
}

function findErrorHandlers(index: PySourceIndex, status: number): ErrorHandler[] {
  const handlers: ErrorHandler[] = [];
  const pattern = HANDLED_BY[status];
  const matches = (text: string) => pattern !== undefined && pattern.test(text);
  for (const fn of index.nodesOfType('function_definition')) {
    const decorator = decoratorsOf(fn).find((candidate) => candidate.type === 'call' && /^(?:exception_handler|errorhandler|app_errorhandler)$/.test(calleeName(candidate)) && matches(index.textOf(candidate)));
    if (decorator === undefined) continue;
    handlers.push({ node: decorator, logs: index.calls([{ pos: fn.pos, end: fn.end }]).find(isSecurityLogCall) });
  }
  for (const call of index.callsNamed(ERROR_HANDLER_REGISTRATION_CALL)) {
    if (!matches(index.textOf(positionalArguments(call)[0] ?? call))) continue;
    const target = positionalArguments(call)[1];
    const fn = target?.type === 'identifier' ? index.nodesOfType('function_definition').find((candidate) => childByField(candidate, 'name')?.name === target.name) : undefined;
    handlers.push({ node: call, logs: fn === undefined ? undefined : index.calls([{ pos: fn.pos, end: fn.end }]).find(isSecurityLogCall) });
  }
  return handlers;
}

/** DRF's EXCEPTION_HANDLER in the settings read for the endpoint: undefined when the settings are unknown, 'default' when unset. */
export function drfExceptionHandler(endpoint: PyEndpoint): { kind: 'default'; file: string } | { kind: 'custom'; path: string; file: string } | undefined {
  const settings = endpoint.settingsFile;
  if (settings === undefined) return undefined;
  const entries = dictEntries(moduleAssignments(settings).get('REST_FRAMEWORK')?.value, settings) ?? [];
  const entry = entries.find((candidate) => candidate.key === 'EXCEPTION_HANDLER');
  const path = entry === undefined ? undefined : stringValue(entry.value, settings);
  if (path === undefined || path === 'rest_framework.views.exception_handler') return { kind: 'default', file: settings.path };
  return { kind: 'custom', path, file: settings.path };
}

/** The app object created in this file (FastAPI() / Flask()), whose default handlers are then known. */
export function appInFile(endpoint: PyEndpoint): PyNode | undefined {
  if (endpoint.framework === 'django-rest-framework') return undefined;
  return endpoint.index.callsNamed(endpoint.framework === 'fastapi' ? FASTAPI_APP_CALL : FLASK_APP_CALL)[0];
}

/** The endpoint as seen from an imported module's code (`get_current_user` in app/auth.py): its rejection sites and log calls are read there. */
export function inRegion(endpoint: PyEndpoint, region: { index: PySourceIndex; scopes: PyEndpoint['scopes'] }): PyEndpoint {
  return { ...endpoint, index: region.index, scopes: region.scopes, file: region.index.path };
}

export type SiteVerdict =
  | { kind: 'logged'; logged: { evidence: PyNode; note: string }[] }
  | { kind: 'unlogged'; site: RejectionSite }
  | { kind: 'unknown'; reason: string };

/** Whether every site logs: on its own path, or through an exception handler of the file for raised errors. */
export function judgeSites(endpoint: PyEndpoint, sites: readonly RejectionSite[]): SiteVerdict {
  const logged: { evidence: PyNode; note: string }[] = [];
  let unknown: string | undefined;
  for (const site of sites) {
    const log = logBefore(endpoint, site.node);
    if (log !== undefined) {
      logged.push({ evidence: log, note: `the ${site.status} at line ${site.node.line} is logged first (\`${endpoint.index.textOf(log).replace(/\s+/g, ' ').slice(0, 60)}\`)` });
      continue;
    }
    if (site.raised) {
      const handler = fileErrorHandlers(endpoint, site.status)[0] ?? (endpoint.entryFile === undefined ? undefined : errorHandlersIn(endpoint.entryFile, site.status)[0]);
      if (handler?.logs !== undefined) {
        const where = fileOfNode(handler.node) === endpoint.file ? '' : ` in ${fileOfNode(handler.node)}`;
        logged.push({ evidence: handler.logs, note: `the ${site.status} raised at line ${site.node.line} reaches the exception handler at line ${handler.node.line}${where}, which logs it` });
        continue;
      }
      if (handler === undefined && endpoint.framework === 'django-rest-framework') {
        const configured = drfExceptionHandler(endpoint);
        if (configured?.kind === 'default') return { kind: 'unlogged', site: { ...site, what: `${site.what} (answered by DRF's default exception handler: ${configured.file} sets no EXCEPTION_HANDLER that logs)` } };
        if (configured?.kind === 'custom') {
          unknown ??= `the ${site.what} at line ${site.node.line} is answered by the EXCEPTION_HANDLER ${configured.path} set in ${configured.file}, in a module that was not read; check that it logs`;
          continue;
        }
      }
      if (handler === undefined && appInFile(endpoint) === undefined && endpoint.entryFile === undefined) {
        unknown ??= endpoint.framework === 'django-rest-framework'
          ? `the ${site.what} at line ${site.node.line} is answered by DRF's exception handler (REST_FRAMEWORK EXCEPTION_HANDLER, in the settings); the default one does not log, check whether a custom one does`
          : `the ${site.what} at line ${site.node.line} is raised to the app's exception handlers, registered in another file; check that they log it`;
        continue;
      }
    }
    return { kind: 'unlogged', site };
  }
  if (unknown !== undefined) return { kind: 'unknown', reason: unknown };
  return { kind: 'logged', logged };
}
