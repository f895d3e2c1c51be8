/**
 * Next.js Pages Router API routes: `pages/api/**` files whose default export
 * answers every method. The handler usually dispatches on `req.method`, so
 * each method branch becomes its own endpoint, routed by the file path.
 */
import { isDataAccessCall } from './http-idioms.js';
import { ts, SyntaxKind, canHaveModifiers, getModifiers, isArrayLiteralExpression, isBinaryExpression, isBlock, isCallExpression, isCaseClause, isDefaultClause, isExportAssignment, isExportDeclaration, isExpressionStatement, isFunctionDeclaration, isIdentifier, isIfStatement, isNamedExports, isObjectBindingPattern, isPrefixUnaryExpression, isPropertyAccessExpression, isReturnStatement, isSourceFile, isThrowStatement } from '../lang/ts/parse.js';
import {
  boundNames,
  calleeName,
  calleeObject,
  calleePath,
  expressionPath,
  functionsByName,
  isFunctionNode,
  stringValue,
  unwrapExpression,
  variablesByName,
  type FunctionNode,
  plainCalleePath,
} from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Control, type Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';

const API_FILE = /(?:^|\/)pages\/api\/(.+)\.(?:ts|tsx|js|jsx|mjs|cjs)$/;
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route of a Pages Router API file, or undefined when the path is not
 * one: `pages/api/users/[id].ts` gives `/api/users/[id]`, an `index` file
 * gives its folder's route. Test files beside the routes are not routes.
 */
export function nextPagesApiRoute(path: string): string | undefined {
  const match = API_FILE.exec(path);
  if (match === null) return undefined;
  const segments = match[1].split('/').filter((segment) => segment.length > 0);
  if (segments.length === 0) return undefined;
  if (segments.some((segment) => segment === '__tests__' || segment === '__mocks__')) return undefined;
  if (/\.(?:test|spec)$/.test(segments[segments.length - 1])) return undefined;
  if (segments[segments.length - 1] === 'index') segments.pop();
  return segments.length === 0 ? '/api' : `/api/${segments.join('/')}`;
}

interface DefaultExport {
  /** The statement that exports the handler. */
  registration: ts.Node;
  /** What it exports; undefined for a re-export from another module. */
  target?: ts.Expression | FunctionNode;
  reference?: string;
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return canHaveModifiers(node) && (getModifiers(node) ?? []).some((modifier) => modifier.kind === kind);
}

function findDefaultExport(index: SourceIndex): DefaultExport | undefined {
  for (const statement of index.sourceFile.statements) {
    if (isFunctionDeclaration(statement) && hasModifier(statement, SyntaxKind.ExportKeyword) && hasModifier(statement, SyntaxKind.DefaultKeyword)) {
      return { registration: statement, target: statement };
    }
    if (isExportAssignment(statement)) return { registration: statement, target: statement.expression };
    if (isExportDeclaration(statement) && statement.exportClause !== undefined && isNamedExports(statement.exportClause)) {
      const element = statement.exportClause.elements.find((candidate) => candidate.name.text === 'default');
      if (element === undefined) continue;
      const module = stringValue(statement.moduleSpecifier);
      if (module !== undefined) return { registration: statement, reference: `${(element.propertyName ?? element.name).text} from '${module}'` };
      const local = element.propertyName ?? element.name;
      return isIdentifier(local) ? { registration: statement, target: local } : { registration: statement, reference: local.text };
    }
    // CommonJS: `module.exports = handler`.
    if (
      isExpressionStatement(statement) &&
      isBinaryExpression(statement.expression) &&
      statement.expression.operatorToken.kind === SyntaxKind.EqualsToken &&
      expressionPath(statement.expression.left) === 'module.exports'
    ) {
      return { registration: statement, target: statement.expression.right };
    }
  }
  return undefined;
}

/** A wrapper is called by name (`withAuth(...)`, `auth0.withApiAuthRequired(...)`), not through a chain of calls. */
function isWrapperCall(call: ts.CallExpression): boolean {
  const path = expressionPath(call.expression);
  return !path.includes('()') && !path.includes('?') && !path.includes('[]');
}

/** The argument of a wrapper call that is the wrapped handler (`withIronSessionApiRoute(handler, options)` takes it first). */
function wrappedArgument(call: ts.CallExpression, functions: Map<string, FunctionNode>, variables: Map<string, ts.VariableDeclaration>): ts.Expression | undefined {
  const args = call.arguments.map((argument) => unwrapExpression(argument));
  const isResolvable = (argument: ts.Expression) => {
    if (!isIdentifier(argument)) return false;
    if (functions.has(argument.text)) return true;
    const initializer = variables.get(argument.text)?.initializer;
    return initializer !== undefined && isCallExpression(unwrapExpression(initializer));
  };
  return (
    args.find((argument) => isFunctionNode(argument)) ??
    args.find(isResolvable) ??
    args.find((argument) => isCallExpression(argument)) ??
    args.find((argument) => isIdentifier(argument))
  );
}

/** Peels `withAuth(withLogging(handler))` into its wrappers (outermost first, the order they run) and the handler. */
function peelWrappers(
  index: SourceIndex,
  expression: ts.Expression | FunctionNode,
  functions: Map<string, FunctionNode>,
  variables: Map<string, ts.VariableDeclaration>,
): { handler?: FunctionNode; handlerReference?: string; wrappers: Control[] } {
  const wrappers: Control[] = [];
  let current: ts.Node = isFunctionNode(expression) ? expression : unwrapExpression(expression);
  const followed = new Set<ts.Node>();
  for (let depth = 0; depth < 16; depth++) {
    if (isFunctionNode(current)) return { handler: current, wrappers };
    if (isIdentifier(current)) {
      const local = functions.get(current.text);
      if (local !== undefined) return { handler: local, wrappers };
      // `const handler = withAuth(async (req, res) => ...)`, then `export default handler`.
      const initializer = variables.get(current.text)?.initializer;
      if (initializer !== undefined && !followed.has(initializer)) {
        followed.add(initializer);
        current = unwrapExpression(initializer);
        continue;
      }
      return { handlerReference: current.text, wrappers };
    }
    if (isCallExpression(current) && isWrapperCall(current)) {
      const callee = current.expression;
      wrappers.push({
        kind: 'wrapper',
        name: expressionPath(callee),
        node: current,
        line: index.lineOf(current),
        definition: isIdentifier(callee) ? functions.get(callee.text) : undefined,
      });
      const inner = wrappedArgument(current, functions, variables);
      if (inner === undefined) return { handlerReference: index.textOf(current), wrappers };
      current = inner;
      continue;
    }
    // `router.handler()` of next-connect and other builders: the handler is not a function of this file.
    return { handlerReference: index.textOf(current), wrappers };
  }
  return { handlerReference: index.textOf(expression), wrappers };
}

/** Reads of the request method inside a handler: `req.method`, or a `method` destructured from `req`. */
function methodReader(index: SourceIndex, handler: FunctionNode): (node: ts.Expression) => boolean {
  const first = handler.parameters[0];
  const requestName = first !== undefined && isIdentifier(first.name) ? first.name.text : undefined;
  const aliases = new Set<string>();
  if (first !== undefined && isObjectBindingPattern(first.name)) {
    for (const element of first.name.elements) {
      const property = element.propertyName ?? element.name;
      if (isIdentifier(property) && property.text === 'method') for (const name of boundNames(element.name)) aliases.add(name);
    }
  }
  const isRequestMethod = (node: ts.Expression): boolean => {
    const unwrapped = unwrapExpression(node);
    return isPropertyAccessExpression(unwrapped) && unwrapped.name.text === 'method' && requestName !== undefined && expressionPath(unwrapped.expression) === requestName;
  };
  if (requestName !== undefined) {
    for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, [scopeOf(handler)])) {
      if (variable.initializer === undefined) continue;
      const initializer = unwrapExpression(variable.initializer);
      if (isIdentifier(variable.name) && isRequestMethod(initializer)) aliases.add(variable.name.text);
      if (isObjectBindingPattern(variable.name) && isIdentifier(initializer) && initializer.text === requestName) {
        for (const element of variable.name.elements) {
          const property = element.propertyName ?? element.name;
          if (isIdentifier(property) && property.text === 'method') for (const name of boundNames(element.name)) aliases.add(name);
        }
      }
    }
  }
  const reads = (node: ts.Expression): boolean => {
    const unwrapped = unwrapExpression(node);
    if (isIdentifier(unwrapped)) return aliases.has(unwrapped.text);
    // `req.method?.toUpperCase()`
    if (isCallExpression(unwrapped) && unwrapped.arguments.length === 0 && /^to(?:Upper|Lower)Case$/.test(calleeName(unwrapped))) {
      const object = calleeObject(unwrapped);
      return object !== undefined && reads(object);
    }
    return isRequestMethod(unwrapped);
  };
  return reads;
}

interface MethodTest {
  methods: string[];
  /** `req.method !== 'POST'`: the test is true for every other method. */
  negated: boolean;
}

function httpMethod(node: ts.Node | undefined): string | undefined {
  const value = stringValue(node)?.toUpperCase();
  return value !== undefined && HTTP_METHODS.has(value) ? value : undefined;
}

/** What a condition says about the request method, if it is a test of it. */
function methodTest(node: ts.Expression, reads: (node: ts.Expression) => boolean): MethodTest | undefined {
  const condition = unwrapExpression(node);
  if (isPrefixUnaryExpression(condition) && condition.operator === SyntaxKind.ExclamationToken) {
    const inner = methodTest(condition.operand, reads);
    return inner === undefined ? undefined : { methods: inner.methods, negated: !inner.negated };
  }
  if (isBinaryExpression(condition)) {
    const operator = condition.operatorToken.kind;
    const equality = operator === SyntaxKind.EqualsEqualsEqualsToken || operator === SyntaxKind.EqualsEqualsToken;
    const inequality = operator === SyntaxKind.ExclamationEqualsEqualsToken || operator === SyntaxKind.ExclamationEqualsToken;
    if (equality || inequality) {
      const method = reads(condition.left) ? httpMethod(condition.right) : reads(condition.right) ? httpMethod(condition.left) : undefined;
      return method === undefined ? undefined : { methods: [method], negated: inequality };
    }
    const or = operator === SyntaxKind.BarBarToken;
    const and = operator === SyntaxKind.AmpersandAmpersandToken;
    if (!or && !and) return undefined;
    const left = methodTest(condition.left, reads);
    const right = methodTest(condition.right, reads);
    if (left !== undefined && right !== undefined) {
      // `m === 'GET' || m === 'HEAD'` and `m !== 'GET' && m !== 'HEAD'` name a set of methods; other mixes do not.
      if (left.negated === right.negated && (or ? !left.negated : left.negated)) return { methods: [...left.methods, ...right.methods], negated: left.negated };
      return undefined;
    }
    // `req.method === 'POST' && isAdmin`: the branch still runs only for POST.
    const only = left ?? right;
    return and && only !== undefined && !only.negated ? only : undefined;
  }
  // `['GET', 'HEAD'].includes(req.method)`
  if (isCallExpression(condition) && calleeName(condition) === 'includes' && condition.arguments.length === 1 && reads(condition.arguments[0])) {
    const list = calleeObject(condition);
    if (list === undefined || !isArrayLiteralExpression(unwrapExpression(list))) return undefined;
    const methods = (unwrapExpression(list) as ts.ArrayLiteralExpression).elements.map(httpMethod).filter((m): m is string => m !== undefined);
    return methods.length > 0 ? { methods, negated: false } : undefined;
  }
  return undefined;
}

/** Code of the handler that runs only for some methods; `other` runs only for methods no branch names (the 405 answer). */
interface MethodBranch {
  methods: ReadonlySet<string> | 'other';
  range: Scope;
  line: number;
  /** The branch ends in `return` or `throw`: code after the dispatch never runs for its methods. */
  exits: boolean;
}

function endsInExit(statements: readonly ts.Statement[]): boolean {
  const last = statements[statements.length - 1];
  if (last === undefined) return false;
  if (isReturnStatement(last) || isThrowStatement(last)) return true;
  return isBlock(last) && endsInExit(last.statements);
}

function exits(statement: ts.Statement): boolean {
  return endsInExit([statement]);
}

/** The statements after `statement` in its block: what an early-return guard protects. */
function restOfBlock(statement: ts.Statement): Scope {
  const parent = statement.parent;
  if (isBlock(parent) || isSourceFile(parent) || isCaseClause(parent) || isDefaultClause(parent)) return { pos: statement.end, end: parent.end };
  return { pos: statement.end, end: statement.end };
}

function findMethodBranches(index: SourceIndex, handler: FunctionNode): { branches: MethodBranch[]; dispatchEnd: number } {
  const reads = methodReader(index, handler);
  const branches: MethodBranch[] = [];
  let dispatchEnd = -1;
  const handlerScope = [scopeOf(handler)];

  for (const statement of index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, handlerScope)) {
    const test = methodTest(statement.expression, reads);
    if (test === undefined) continue;
    dispatchEnd = Math.max(dispatchEnd, statement.end);
    const line = index.lineOf(statement);
    const methods = new Set(test.methods);
    if (!test.negated) {
      branches.push({ methods, range: scopeOf(statement.thenStatement), line, exits: exits(statement.thenStatement) });
      const otherwise = statement.elseStatement;
      // An `else if` on the method is a branch of its own; a plain `else` only runs for methods not named.
      if (otherwise !== undefined && !(isIfStatement(otherwise) && methodTest(otherwise.expression, reads) !== undefined)) {
        branches.push({ methods: 'other', range: scopeOf(otherwise), line: index.lineOf(otherwise), exits: exits(otherwise) });
      }
    } else {
      branches.push({ methods: 'other', range: scopeOf(statement.thenStatement), line, exits: exits(statement.thenStatement) });
      branches.push({ methods, range: statement.elseStatement !== undefined ? scopeOf(statement.elseStatement) : restOfBlock(statement), line, exits: false });
    }
  }

  for (const statement of index.nodesOfKind<ts.SwitchStatement>(SyntaxKind.SwitchStatement, handlerScope)) {
    if (!reads(statement.expression)) continue;
    dispatchEnd = Math.max(dispatchEnd, statement.end);
    // `case 'GET': case 'HEAD': { ... }` shares one body between the grouped labels.
    let pending: string[] = [];
    let groupStart: ts.CaseOrDefaultClause | undefined;
    for (const clause of statement.caseBlock.clauses) {
      groupStart ??= clause;
      if (isCaseClause(clause)) {
        const method = httpMethod(clause.expression);
        if (method !== undefined) pending.push(method);
      }
      if (clause.statements.length === 0) continue;
      const range = { pos: groupStart.pos, end: clause.end };
      const isDefault = isDefaultClause(clause) || pending.length === 0;
      branches.push({ methods: isDefault ? 'other' : new Set(pending), range, line: index.lineOf(groupStart), exits: endsInExit(clause.statements) });
      pending = [];
      groupStart = undefined;
    }
  }
  return { branches, dispatchEnd };
}

/** `base` without the `holes`, as sorted disjoint scopes. */
function subtractScopes(base: Scope, holes: readonly Scope[]): Scope[] {
  const sorted = holes.filter((hole) => hole.end > base.pos && hole.pos < base.end).sort((a, b) => a.pos - b.pos);
  const pieces: Scope[] = [];
  let cursor = base.pos;
  for (const hole of sorted) {
    if (hole.pos > cursor) pieces.push({ pos: cursor, end: hole.pos });
    cursor = Math.max(cursor, hole.end);
  }
  if (cursor < base.end) pieces.push({ pos: cursor, end: base.end });
  return pieces;
}

/** The per-method slices of the handler: one per method its branches name, plus `ALL` when work also happens outside them. */
function methodSlices(index: SourceIndex, handler: FunctionNode, registrationLine: number): { method: string; pieces: Scope[]; line: number }[] {
  const whole = scopeOf(handler);
  const { branches, dispatchEnd } = findMethodBranches(index, handler);
  const methods: string[] = [];
  for (const branch of [...branches].sort((a, b) => a.range.pos - b.range.pos)) {
    if (branch.methods === 'other') continue;
    for (const method of branch.methods) if (!methods.includes(method)) methods.push(method);
  }
  if (methods.length === 0) return [{ method: 'ALL', pieces: [whole], line: registrationLine }];

  // `if (req.method === 'POST') { ...; return }` then unconditional code: that code serves every other method.
  const allBranches = branches.map((branch) => branch.range);
  const tail = subtractScopes({ pos: dispatchEnd, end: whole.end }, allBranches);
  const tailWork = index.calls(tail).find((call) => isDataAccessCall(plainCalleePath(call)));

  const slices = methods.map((method) => {
    const own = branches.filter((branch) => branch.methods !== 'other' && branch.methods.has(method));
    const holes = branches.filter((branch) => branch.methods === 'other' || !branch.methods.has(method)).map((branch) => branch.range);
    // The tail is the ALL endpoint's when every branch of this method returns before it.
    if (tailWork !== undefined && own.every((branch) => branch.exits)) holes.push(...tail);
    return { method, pieces: subtractScopes(whole, holes), line: Math.min(...own.map((branch) => branch.line)) };
  });
  if (tailWork !== undefined) slices.push({ method: 'ALL', pieces: subtractScopes(whole, allBranches), line: index.lineOf(tailWork) });
  return slices;
}

/** Same-file functions called from `pieces`, and what they call in turn. */
function helperScopes(index: SourceIndex, pieces: readonly Scope[], extraRoots: readonly ts.Node[], functions: Map<string, FunctionNode>, handler: FunctionNode): Scope[] {
  const roots = new Set<ts.Node>(extraRoots);
  for (const call of index.calls(pieces)) {
    if (!isIdentifier(call.expression)) continue;
    const target = functions.get(call.expression.text);
    if (target !== undefined && target !== handler) roots.add(target);
  }
  return roots.size === 0 ? [] : reachableScopes(index, [...roots], functions);
}

/**
 * Endpoints of a Pages Router API file. One endpoint per method its handler
 * branches on (`if (req.method === 'POST')`, `switch (req.method)`, an early
 * `if (req.method !== 'POST') return 405` guard), each with `scopes` narrowed
 * to its branch plus the shared code outside any branch, and `line` at its
 * branch; `ALL` at the export when the handler does not branch. Wrappers of
 * the default export (`withApiAuthRequired(handler)`) are its controls.
 */
export function discoverNextPagesRoutes(index: SourceIndex): Endpoint[] {
  const route = nextPagesApiRoute(index.path);
  if (route === undefined) return [];
  const exported = findDefaultExport(index);
  if (exported === undefined) return [];
  const functions = functionsByName(index);
  const variables = variablesByName(index);
  const { registration } = exported;
  const registrationLine = index.lineOf(registration);
  const base = { file: index.path, framework: 'nextjs-pages' as const, route, registration, index };

  if (exported.target === undefined) {
    return [{ ...base, method: 'ALL', line: registrationLine, handlerReference: exported.reference, controls: [], scopes: [scopeOf(registration)] }];
  }
  const { handler, handlerReference, wrappers } = peelWrappers(index, exported.target, functions, variables);
  const wrapperRoots = wrappers.flatMap((wrapper) => (wrapper.definition !== undefined ? [wrapper.definition] : []));
  if (handler === undefined) {
    return [{
      ...base,
      method: 'ALL',
      line: registrationLine,
      handlerReference,
      controls: wrappers,
      scopes: [scopeOf(registration), ...(wrapperRoots.length > 0 ? reachableScopes(index, wrapperRoots, functions) : [])],
    }];
  }
  // The export statement minus the handler it may contain, so that a change in one branch is not a change of every method.
  const registrationPieces = subtractScopes(scopeOf(registration), [scopeOf(handler)]);
  return methodSlices(index, handler, registrationLine).map(({ method, pieces, line }) => ({
    ...base,
    method,
    line,
    handler,
    controls: wrappers,
    scopes: [...registrationPieces, ...pieces, ...helperScopes(index, pieces, wrapperRoots, functions, handler)],
  }));
}
