/**
 * identity-not-enforced for Python (authn.invalid-token): an identity check
 * whose failure does not end the request, or ends it with 200/500 instead of
 * 401/403. Read in the endpoint's code, its same-file and imported FastAPI
 * dependencies (one hop), Flask decorators and before_request hooks defined
 * in the file, and DRF authentication classes' `authenticate()` of the file:
 * an `except jwt.PyJWTError:` that passes or returns None, an `if not user:`
 * that goes on, an identity result never tested, `verify_jwt_in_request(
 * optional=True)` followed by an unchecked identity.
 */
import tsCheck from '../../authentication/identity-not-enforced.js';
import {
  assignmentsTo,
  booleanValue,
  calleeName,
  childByField,
  classesByName,
  decoratorPath,
  definitionName,
  expressionPath,
  functionsByName,
  importSources,
  keywordArgument,
  lastSegment,
  methodsOf,
  namedChild, namedChildren,
  parametersOf,
  plainCalleePath,
  positionalArguments,
  unwrapExpression,
} from '../../lang/py/queries.js';
import { fileOfNode, type PyNode, type PySourceIndex, type Scope } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { AUTHENTICATED_PERMISSION, isAuthDecorator, isAuthDependency } from '../identity-signals.js';
import { REJECTION_STATUS } from '../logging/rejection-sites.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const ABORT_CALL = /^abort$/;
const VERIFY_JWT_IN_REQUEST_CALL = /^verify_jwt_in_request$/;

/** Calls that verify a token or a session; an `except` around them is the failure path. */
const VERIFY_CALL = /^(?:decode|decode_token|decode_jwt|decode_access_token|verify|verify_\w+|validate_token|check_token|get_current_user|authenticate|authenticate_credentials|verify_jwt_in_request|get_jwt_identity|get_user_from_token|load_user_from_token|loads)$/;
/** Calls whose result says who the caller is, or whether the token is good; None/False means "not signed in". */
const RESULT_CALL = /^(?:authenticate|get_jwt_identity|get_current_user|check_token|validate_token|verify_token|verify_access_token|decode_token|get_user_from_token|load_user_from_token|check_auth|is_valid_token|is_authenticated)$/;
/** Identity results known to be None on failure even when their definition is elsewhere. */
const NONE_ON_FAILURE: Record<string, RegExp> = { authenticate: /^django\.contrib\.auth/, get_jwt_identity: /^flask_jwt_extended/ };
/** Attributes that test whether the caller is signed in. */
const IDENTITY_ATTRIBUTE = /\b(?:is_authenticated|is_anonymous)\b/;
/** DRF authentication classes that raise AuthenticationFailed on a bad credential. */
const DRF_BUILT_IN_AUTH = /^(?:SessionAuthentication|BasicAuthentication|TokenAuthentication|RemoteUserAuthentication|JWTAuthentication|JWTStatelessUserAuthentication|JWTTokenUserAuthentication|JSONWebTokenAuthentication|OAuth2Authentication|KnoxTokenAuthentication|TokenAuthentication\w*)$/;
/** Raised exceptions and the status the frameworks answer them with. */
const RAISED_STATUS: Readonly<Record<string, number>> = {
  ...REJECTION_STATUS,
  Exception: 500,
  ValueError: 500,
  RuntimeError: 500,
  KeyError: 500,
  TypeError: 500,
  AssertionError: 500,
};
/** Custom exceptions that name an auth failure: the app's handler answers them (401/403 assumed). */
const AUTH_EXCEPTION = /(?:Unauthori[sz]ed|Forbidden|Authenticat\w*(?:Failed|Error)|Auth\w*Error|InvalidToken\w*|TokenError|Credentials\w*|PermissionDenied|NotAuthenticated|Denied)\w*$/;
/** Calls that end a request: Flask `abort(401)`, redirects to a login page. */
const ENDING_CALL = /^(?:abort|redirect|redirect_to_login|unauthorized|login_manager\.unauthorized)$/;

type Role = 'handler' | 'continuing' | 'drf-authenticate';

/** What a failure branch does: ends the request (with a status when it can be read), lets it go on, or lets DRF treat the caller as anonymous. */
type Outcome = { kind: 'ends'; status?: number; node: PyNode } | { kind: 'continues'; node: PyNode } | { kind: 'anonymous'; node: PyNode };

interface Region {
  index: PySourceIndex;
  scopes: readonly Scope[];
}

interface Finding {
  messageId: 'unused' | 'falls-through' | 'catch-continues' | 'wrong-status' | 'optional' | 'returns-user';
  node: PyNode;
  data?: Record<string, string>;
  severity?: 'low';
}

function statusIn(text: string): number | undefined {
  const match = /HTTP_(\d{3})_/.exec(text) ?? /status(?:_code)?\s*=\s*(\d{3})\b/.exec(text) ?? /^[\w.]+\(\s*(\d{3})\b/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

function enclosingFunctionOf(node: PyNode): PyNode | undefined {
  for (let current = node.parent; current !== undefined; current = current.parent) if (current.type === 'function_definition') return current;
  return undefined;
}

/** The handler answers what it returns; other code (dependencies, helpers, hooks, decorator wrappers returning the view) goes on after a plain return. */
function roleOf(fn: PyNode | undefined, endpoint: PyEndpoint): Role {
  if (fn === undefined) return 'continuing';
  if (fn === endpoint.handler) return 'handler';
  const cls = fn.parent?.parent?.type === 'class_definition' ? fn.parent.parent : undefined;
  if (cls !== undefined && definitionName(fn) === 'authenticate') return 'drf-authenticate';
  return 'continuing';
}

/**
 * Server-rendered pages: a login form re-rendered with its error is how
 * Django and Flask answer bad credentials (Django's own LoginView answers 200
 * with the form), not an API answering success to an unauthenticated caller.
 */
const RENDERED_PAGE = /^(?:render|render_template|render_template_string|render_to_response|TemplateResponse)$/;

/**
 * What the returned value answers in the handler: a status from `(body, 401)`,
 * `Response(status=401)`, else 200; undefined for a re-rendered page without
 * an explicit status, which ends the request without claiming success.
 */
function returnedStatus(value: PyNode, index: PySourceIndex): number | undefined {
  const target = unwrapExpression(value);
  if (target.type === 'call' && RENDERED_PAGE.test(calleeName(target))) return statusIn(index.textOf(target));
  if (target.type === 'tuple' || target.type === 'expression_list') {
    const status = namedChild(target, 1);
    return status?.type === 'integer' ? Number(index.textOf(status)) : (status !== undefined ? statusIn(`status=${index.textOf(status)}`) : undefined) ?? 200;
  }
  if (target.type === 'call') {
    if (calleeName(target) === 'HttpResponseForbidden') return 403;
    if (/Unauthori[sz]ed|NotAuthenticated/.test(calleeName(target))) return 401;
    if (/^(?:redirect|RedirectResponse|HttpResponseRedirect)$/.test(calleeName(target))) return 302;
    const text = index.textOf(target);
    const trailing = positionalArguments(target).at(-1);
    return statusIn(text) ?? (trailing?.type === 'integer' && positionalArguments(target).length > 1 ? Number(index.textOf(trailing)) : 200);
  }
  return 200;
}

/** The outcome of the statements of a failure branch. */
function outcomeOf(statements: readonly PyNode[], role: Role, index: PySourceIndex, inExcept: boolean): Outcome {
  for (const statement of statements) {
    const scope = [{ pos: statement.pos, end: statement.end }];
    // Only what runs in this branch: a nested function's raise does not end the request.
    const direct = (node: PyNode) => {
      for (let current = node.parent; current !== undefined && current !== statement.parent; current = current.parent) if (current.type === 'function_definition' || current.type === 'lambda') return false;
      return true;
    };
    const raise = [statement, ...index.nodesOfType('raise_statement', scope)].find((node) => node.type === 'raise_statement' && direct(node));
    if (raise !== undefined) {
      const raised = namedChild(raise, 0);
      if (raised === undefined) return { kind: 'ends', status: inExcept ? 500 : undefined, node: raise };
      let target = unwrapExpression(raised);
      if (target.type === 'identifier') {
        const assigned = assignmentsTo(index, target.name ?? '').filter((assignment) => assignment.pos < raise.pos).pop();
        const right = assigned === undefined ? undefined : childByField(assigned, 'right');
        if (right !== undefined) target = unwrapExpression(right);
      }
      const name = lastSegment(target.type === 'call' ? plainCalleePath(target) : expressionPath(target, false));
      const status = /Exception$|^APIException$/.test(name) && name !== 'Exception' ? statusIn(index.textOf(target)) : RAISED_STATUS[name] ?? (AUTH_EXCEPTION.test(name) ? 401 : undefined);
      return { kind: 'ends', status, node: raise };
    }
    const ending = index.calls(scope).find((call) => ENDING_CALL.test(plainCalleePath(call)) && direct(call));
    if (ending !== undefined) {
      const first = positionalArguments(ending)[0];
      return { kind: 'ends', status: calleeName(ending) === 'abort' ? (first?.type === 'integer' ? Number(index.textOf(first)) : statusIn(index.textOf(ending))) : 302, node: ending };
    }
    const returned = [statement, ...index.nodesOfType('return_statement', scope)].find((node) => node.type === 'return_statement' && direct(node));
    if (returned !== undefined) {
      const value = namedChild(returned, 0);
      const none = value === undefined || value.type === 'none' || value.type === 'false';
      if (role === 'drf-authenticate') return none ? { kind: 'anonymous', node: returned } : { kind: 'continues', node: returned };
      if (role === 'continuing') {
        // A dependency or hook that returns a response object ends the request only in Flask hooks; a None/False goes on.
        if (none) return { kind: 'continues', node: returned };
        const status = returnedStatus(value, index);
        return status === 200 && !/Response|jsonify|abort/.test(index.textOf(value)) ? { kind: 'continues', node: returned } : { kind: 'ends', status, node: returned };
      }
      return { kind: 'ends', status: value === undefined ? 200 : returnedStatus(value, index), node: returned };
    }
    if (statement.type === 'continue_statement' || statement.type === 'break_statement') return { kind: 'continues', node: statement };
  }
  return { kind: 'continues', node: statements[0] ?? statements[statements.length - 1] };
}

function blockStatements(block: PyNode | undefined): PyNode[] {
  return block === undefined ? [] : namedChildren(block).filter((child) => child.type !== 'comment');
}

/** Whether an `if` condition tests for the failure (`not user`, `user is None`, `not user.is_authenticated`, `user.is_anonymous`). */
function testsFailure(condition: PyNode, index: PySourceIndex): boolean {
  const text = index.textOf(condition);
  if (/\bis_anonymous\b/.test(text) && !/\bnot\b/.test(text)) return true;
  return /^\s*not\b/.test(text) || /\bis None\b|==\s*None\b|==\s*False\b|\bis False\b/.test(text) || /\bor not\b/.test(text);
}

/** The failure branch of an `if` on the identity: the consequence for `if not user:`, the else (or what follows) for `if user:`. */
function failureBranch(statement: PyNode, index: PySourceIndex): PyNode[] {
  const condition = childByField(statement, 'condition')!;
  if (testsFailure(condition, index)) return blockStatements(childByField(statement, 'consequence'));
  const alternative = statement.children.find((child) => child.type === 'else_clause');
  if (alternative !== undefined) return blockStatements(childByField(alternative, 'body'));
  const parent = statement.parent;
  if (parent === undefined) return [];
  const siblings = blockStatements(parent);
  return siblings.slice(siblings.indexOf(statement) + 1);
}

function mentions(node: PyNode, index: PySourceIndex, names: readonly string[]): boolean {
  return index.nodesOfType('identifier', [{ pos: node.pos, end: node.end }]).some((identifier) => names.includes(identifier.name ?? '') && !(identifier.parent?.type === 'attribute' && identifier.field === 'attribute'));
}

/** The first `if` after `after` in the same function that tests one of `names`. */
function guardOf(index: PySourceIndex, fn: PyNode | undefined, names: readonly string[], after: number): PyNode | undefined {
  const scope = fn === undefined ? undefined : [{ pos: fn.pos, end: fn.end }];
  return index.nodesOfType('if_statement', scope).find((statement) => statement.pos >= after && mentions(childByField(statement, 'condition')!, index, names) && enclosingFunctionOf(statement) === fn);
}

/** The `if` whose condition holds `call`: `if not authenticate(...):`. */
function enclosingTest(call: PyNode): PyNode | undefined {
  let node = call;
  while (node.parent !== undefined && /^(?:await|parenthesized_expression|not_operator|boolean_operator|comparison_operator)$/.test(node.parent.type)) node = node.parent;
  const parent = node.parent;
  return (parent?.type === 'if_statement' || parent?.type === 'elif_clause') && node.field === 'condition' ? parent : undefined;
}

/** The names `call`'s result is bound to; undefined when it is tested or used where it is called. */
function resultNames(call: PyNode): string[] | undefined {
  let node = call;
  while (node.parent !== undefined && (node.parent.type === 'await' || node.parent.type === 'parenthesized_expression')) node = node.parent;
  const parent = node.parent;
  if (parent?.type === 'assignment' && node.field === 'right') {
    const left = childByField(parent, 'left');
    if (left?.type === 'identifier') return [left.name ?? ''];
    if (left?.type === 'pattern_list' || left?.type === 'tuple_pattern') return namedChildren(left).filter((child) => child.type === 'identifier').map((child) => child.name ?? '');
    return undefined;
  }
  if (parent?.type === 'expression_statement') return [];
  return undefined;
}

function judge(outcome: Outcome, what: string, findings: Finding[], evidence: { node: PyNode; note: string }[], continuesAs: Finding['messageId'], test?: PyNode): void {
  if (outcome.kind === 'continues') {
    findings.push({ messageId: continuesAs, node: test ?? outcome.node, data: { call: what } });
    return;
  }
  if (outcome.kind === 'anonymous') {
    evidence.push({ node: outcome.node, note: `${what}: authenticate() returns None, so DRF treats the caller as anonymous and the permission classes answer 401/403` });
    return;
  }
  if (outcome.status === 200 || outcome.status === 500) {
    findings.push({ messageId: 'wrong-status', node: outcome.node, data: { status: String(outcome.status) }, severity: 'low' });
    return;
  }
  evidence.push({ node: outcome.node, note: `${what} ends the request${outcome.status === undefined ? '' : ` (${outcome.status})`}` });
}

/** The except clauses around a verification call in `region`, judged. */
function judgeExcepts(endpoint: PyEndpoint, region: Region, findings: Finding[], evidence: { node: PyNode; note: string }[]): void {
  const { index } = region;
  for (const tryStatement of index.nodesOfType('try_statement', region.scopes)) {
    const body = childByField(tryStatement, 'body');
    if (body === undefined) continue;
    const verification = index.callsNamed(VERIFY_CALL, [{ pos: body.pos, end: body.end }]).find((call) => isVerification(call, index));
    if (verification === undefined) continue;
    const role = roleOf(enclosingFunctionOf(tryStatement), endpoint);
    for (const clause of tryStatement.children.filter((child) => child.type === 'except_clause')) {
      const caught = namedChildren(clause).find((child) => child.type !== 'block');
      const what = `\`except${caught === undefined ? '' : ` ${index.textOf(caught).replace(/\s+as\s+\w+$/, '')}`}\` around ${plainCalleePath(verification)}()`;
      const outcome = outcomeOf(blockStatements(namedChildren(clause).find((child) => child.type === 'block')), role, index, true);
      if (role === 'drf-authenticate' && outcome.kind === 'continues') {
        findings.push({ messageId: 'returns-user', node: outcome.node, data: { call: what } });
        continue;
      }
      judge(outcome, what, findings, evidence, 'catch-continues');
    }
  }
}

/** `jwt.decode` only from PyJWT / python-jose; `loads` only on an itsdangerous serializer; the rest by name. */
function isVerification(call: PyNode, index: PySourceIndex): boolean {
  const name = calleeName(call);
  if (name === 'decode') {
    const source = importSources(index).get(plainCalleePath(call).split('.')[0]);
    return source !== undefined && /^(?:jwt|jose)(?:\.|$)/.test(source.module);
  }
  if (name === 'loads') return /serializer|signer/i.test(plainCalleePath(call));
  if (name === 'verify') return /token|jwt|signature|signer|key/i.test(plainCalleePath(call));
  return true;
}

/** Whether the same-file definition of `name` raises or aborts: then its result needs no test. */
function definitionEnforces(index: PySourceIndex, name: string): boolean | undefined {
  const definition = functionsByName(index).get(name);
  if (definition === undefined) return undefined;
  const scope = [{ pos: definition.pos, end: definition.end }];
  return index.nodesOfType('raise_statement', scope).length > 0 || index.callsNamed(ABORT_CALL, scope).length > 0;
}

/** Identity results (`user = authenticate(...)`, `identity = get_jwt_identity()`) and whether a failing one ends the request. */
function judgeResults(endpoint: PyEndpoint, region: Region, optional: boolean, findings: Finding[], evidence: { node: PyNode; note: string }[]): void {
  const { index } = region;
  for (const call of index.callsNamed(RESULT_CALL, region.scopes)) {
    const name = calleeName(call);
    const path = `${plainCalleePath(call)}()`;
    if (name === 'get_jwt_identity' && !optional) continue;
    const enforces = definitionEnforces(index, name);
    if (enforces === true) {
      evidence.push({ node: call, note: `${path} raises when the caller is not signed in` });
      continue;
    }
    const source = importSources(index).get(plainCalleePath(call).split('.')[0]);
    const noneOnFailure = enforces === false || (NONE_ON_FAILURE[name] !== undefined && source !== undefined && NONE_ON_FAILURE[name].test(source.module));
    if (!noneOnFailure) continue;
    const fn = enclosingFunctionOf(call);
    const test = enclosingTest(call);
    if (test !== undefined) {
      judge(outcomeOf(failureBranch(test, index), roleOf(fn, endpoint), index, false), `\`if ${index.textOf(childByField(test, 'condition')!).replace(/\s+/g, ' ')}:\``, findings, evidence, 'falls-through', test);
      continue;
    }
    const names = resultNames(call);
    // Returned or passed on where it is called: whoever receives it decides.
    if (names === undefined) continue;
    const guard = names.length === 0 ? undefined : guardOf(index, fn, names, call.end);
    if (guard === undefined) {
      findings.push({ messageId: name === 'get_jwt_identity' ? 'optional' : 'unused', node: call, data: { call: path } });
      continue;
    }
    judge(outcomeOf(failureBranch(guard, index), roleOf(fn, endpoint), index, false), `\`if ${index.textOf(childByField(guard, 'condition')!)}:\``, findings, evidence, 'falls-through', guard);
  }
}

/**
 * `if not request.user.is_authenticated:` / `if current_user.is_anonymous:`
 * anywhere in the code read; in the handler, failure tests of a parameter
 * bound to an auth dependency; in an auth dependency, failure tests of the
 * token it receives or the identity it returns (`if user is None:`).
 */
function judgeIdentityTests(endpoint: PyEndpoint, region: Region, parameters: readonly string[], dependencies: readonly PyNode[], findings: Finding[], evidence: { node: PyNode; note: string }[]): void {
  const { index } = region;
  for (const statement of index.nodesOfType('if_statement', region.scopes)) {
    const condition = childByField(statement, 'condition')!;
    const text = index.textOf(condition);
    const fn = enclosingFunctionOf(statement);
    const names = fn === undefined ? [] : fn === endpoint.handler && region.index === endpoint.index ? parameters : dependencies.includes(fn) ? identityNamesOf(fn, index) : [];
    const onIdentity = IDENTITY_ATTRIBUTE.test(text) || (names.length > 0 && testsName(text, names) && testsFailure(condition, index));
    if (!onIdentity) continue;
    // `if not current_user.is_authenticated or not current_user.is_admin:`: one branch ends for both.
    judge(outcomeOf(failureBranch(statement, index), roleOf(fn, endpoint), index, false), `\`if ${text.replace(/\s+/g, ' ')}:\``, findings, evidence, 'falls-through', statement);
  }
}

/** Whether a condition tests one of `names` itself (`not user`, `user is None`, `not token or ...`), not a field of it (`user.roles`). */
function testsName(text: string, names: readonly string[]): boolean {
  return text.split(/\s+(?:or|and)\s+/).some((part) => {
    const match = /^\(?\s*(?:not\s+)?(\w+)(?:\s+is\s+(?:not\s+)?(?:None|False)|\s*[!=]=\s*(?:None|False))?\s*\)?$/.exec(part.trim());
    return match !== null && names.includes(match[1]);
  });
}

const TOKEN_PARAMETER = /token|credential|authorization|api_?key|bearer/i;

/** What an auth dependency tests: its token parameters and the names it returns (`return user`). */
function identityNamesOf(fn: PyNode, index: PySourceIndex): string[] {
  const names = parametersOf(fn).filter((parameter) => TOKEN_PARAMETER.test(parameter.name)).map((parameter) => parameter.name);
  for (const statement of index.nodesOfType('return_statement', [{ pos: fn.pos, end: fn.end }])) {
    const value = namedChild(statement, 0);
    if (value?.type === 'identifier' && enclosingFunctionOf(statement) === fn) names.push(value.name ?? '');
  }
  return names;
}

/** Code regions read for the endpoint: its own, imported dependencies, same-file decorators and DRF authentication classes. */
function regionsOf(endpoint: PyEndpoint): Region[] {
  const { index } = endpoint;
  const regions: Region[] = [{ index, scopes: endpoint.scopes }, ...(endpoint.externalCode ?? [])];
  const functions = functionsByName(index);
  for (const decorator of endpoint.decorators) {
    const definition = functions.get(decorator.name.replace(/\(.*$/, ''));
    if (definition !== undefined && definition !== endpoint.handler) regions.push({ index, scopes: [{ pos: definition.pos, end: definition.end }] });
  }
  const classes = classesByName(index);
  for (const name of endpoint.authenticationClasses?.names ?? []) {
    const cls = classes.get(name);
    const authenticate = cls === undefined ? undefined : methodsOf(cls).find((method) => definitionName(method) === 'authenticate');
    if (authenticate !== undefined) regions.push({ index, scopes: [{ pos: authenticate.pos, end: authenticate.end }] });
  }
  return regions;
}

/** `verify_jwt_in_request(optional=True)` in the code, or `@jwt_required(optional=True)` on the view. */
function optionalJwt(endpoint: PyEndpoint, regions: readonly Region[]): PyNode | undefined {
  const decorator = endpoint.decorators.find((candidate) => /^jwt_required$/.test(lastSegment(candidate.name)) && candidate.node.type === 'call' && booleanValue(keywordArgument(candidate.node, 'optional')) === true);
  if (decorator !== undefined) return decorator.node;
  for (const region of regions) {
    const call = region.index.callsNamed(VERIFY_JWT_IN_REQUEST_CALL, region.scopes).find((candidate) => booleanValue(keywordArgument(candidate, 'optional')) === true);
    if (call !== undefined) return call;
  }
  return undefined;
}

/** Handler parameters bound to an authentication dependency: `user = Depends(get_current_user)`. */
function authParameterNames(endpoint: PyEndpoint, configured: readonly string[]): string[] {
  // Flask and DRF endpoints have no dependencies: nothing to filter.
  if (endpoint.handler === undefined || endpoint.dependencies.length === 0) return [];
  const parameters = parametersOf(endpoint.handler);
  return endpoint.dependencies
    .filter((dependency) => dependency.level === 'parameter' && isAuthDependency(dependency, configured))
    .flatMap((dependency) => parameters.filter((parameter) => parameter.node.pos <= dependency.node.pos && dependency.node.end <= parameter.node.end).map((parameter) => parameter.name));
}

export default createPyCheck({
  id: 'identity-not-enforced',
  items: ['authn.invalid-token'],
  ...siblingMetadata(tsCheck),
  messages: {
    unused: 'The result of {{call}} is never tested: the request goes on for a caller who is not signed in.',
    'falls-through': '{{call}} does not end the request when the caller is not signed in: the code goes on.',
    'catch-continues': '{{call}} lets the request go on when the token is invalid: nothing raises or answers 401.',
    'wrong-status': tsCheck.messages['wrong-status'],
    optional: 'The token is verified with optional=True, and {{call}} is used without testing for None: requests without a token go on as if signed in.',
    'returns-user': '{{call}} returns a user when the credentials are invalid: DRF treats the request as authenticated. Raise AuthenticationFailed (or return None when no credentials were sent).',
  },
  fix: {
    fastapi: 'In the dependency, turn every failure into `raise HTTPException(status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})`: in `except jwt.PyJWTError:` and when no user is found; never `return None` or `pass`.',
    'django-rest-framework': 'In `authenticate()`, `raise AuthenticationFailed(...)` for bad credentials and `return None` only when none were sent; in a view, let the permission classes answer, or `return Response(status=status.HTTP_401_UNAUTHORIZED)`.',
    flask: 'End the request on failure: `abort(401)` or `return jsonify(error="unauthorized"), 401` in the except block or the `if not user:` branch; with `verify_jwt_in_request(optional=True)`, test `get_jwt_identity() is None` before using it, or use `@jwt_required()`.',
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const configured = context.config.auth.functions;
    const regions = regionsOf(endpoint);
    const findings: Finding[] = [];
    const evidence: { node: PyNode; note: string }[] = [];
    const optional = optionalJwt(endpoint, regions);
    const parameters = authParameterNames(endpoint, configured);
    const dependencyDefinitions = endpoint.dependencies.filter((dependency) => isAuthDependency(dependency, configured) && dependency.definition !== undefined).map((dependency) => dependency.definition!);
    for (const region of regions) {
      judgeExcepts(endpoint, region, findings, evidence);
      judgeResults(endpoint, region, optional !== undefined, findings, evidence);
      judgeIdentityTests(endpoint, region, parameters, dependencyDefinitions, findings, evidence);
    }
    const reported = new Set<PyNode>();
    for (const finding of findings) {
      if (reported.has(finding.node)) continue;
      reported.add(finding.node);
      context.report({ messageId: finding.messageId, node: finding.node, data: finding.data, severity: finding.severity });
    }
    if (findings.length > 0) return;
    if (evidence.length > 0) {
      const first = evidence[0];
      const file = fileOfNode(first.node);
      context.pass('authn.invalid-token', { node: first.node, note: `${first.note}${file !== undefined && file !== endpoint.file ? ` (${file})` : ''}` });
      return;
    }
    if (optional !== undefined) {
      context.pass('authn.invalid-token', { node: optional, note: 'optional token verification, and the identity is not used as if required' });
      return;
    }

    // No failure path in the code read: the framework's own control decides.
    const dependency = endpoint.dependencies.find((candidate) => isAuthDependency(candidate, configured));
    if (dependency !== undefined) {
      if (dependency.callable !== '' && dependency.definition === undefined) {
        context.unknown('authn.invalid-token', `the failure path of ${dependency.callable} is in another file that was not analysed`);
        return;
      }
      context.unknown('authn.invalid-token', `${dependency.kind}(${dependency.callable}) neither raises nor returns on a bad token in the code read; check what it does when verification fails`);
      return;
    }
    const decorator = endpoint.decorators.find((candidate) => isAuthDecorator(candidate.name, configured));
    if (decorator !== undefined) {
      const source = importSources(endpoint.index).get(decorator.name.split('.')[0])?.module ?? '';
      if (/^(?:flask_login|flask_jwt_extended|flask_httpauth|flask_security|flask_praetorian)/.test(source)) {
        context.pass('authn.invalid-token', { node: decorator.node, note: `@${decoratorPath(decorator.node)} (${source.split('.')[0]}) answers 401 when the caller is not signed in` });
        return;
      }
      context.unknown('authn.invalid-token', `the failure path of @${decorator.name} is in another file that was not analysed`);
      return;
    }
    if (endpoint.framework === 'django-rest-framework') {
      const permission = endpoint.permissionClasses?.names.find((name) => AUTHENTICATED_PERMISSION.test(name) || configured.includes(name));
      if (permission === undefined) {
        context.notApplicable('authn.invalid-token', 'the view requires no signed-in caller');
        return;
      }
      const authentication = endpoint.authenticationClasses;
      const custom = authentication?.names.find((name) => !DRF_BUILT_IN_AUTH.test(name));
      if (custom !== undefined) {
        context.unknown('authn.invalid-token', `the authentication class ${custom} is defined in another file that was not analysed; check that authenticate() raises AuthenticationFailed on bad credentials`);
        return;
      }
      const policy = endpoint.permissionClasses!;
      context.pass('authn.invalid-token', { node: policy.node, file: policy.file, line: policy.line, note: `${permission}${authentication === undefined ? '' : ` with ${authentication.names.join(', ')}`}: DRF answers 401/403 when authentication fails` });
      return;
    }
    context.notApplicable('authn.invalid-token', 'the endpoint does no identity check of its own');
  },
});
