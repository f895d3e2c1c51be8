/**
 * Small questions asked of raw TypeScript nodes, so that checks read as the
 * rule and not as tree plumbing.
 */
import { ts, SyntaxKind, forEachChild, isArrowFunction, isCallExpression, isElementAccessExpression, isFunctionDeclaration, isFunctionExpression, isIdentifier, isMethodDeclaration, isNamespaceImport, isNoSubstitutionTemplateLiteral, isObjectBindingPattern, isOmittedExpression, isPrivateIdentifier, isPropertyAccessExpression, isStringLiteral } from './parse.js';
import type { SourceIndex } from './source-index.js';

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

export function isFunctionNode(node: ts.Node): node is FunctionNode {
  return (
    isFunctionDeclaration(node) || isFunctionExpression(node) || isArrowFunction(node) || isMethodDeclaration(node)
  );
}

/*
 * Syntax kinds read once: `ts` is TypeScript's bundle, whose every export is a
 * getter, so `SyntaxKind.X` in a hot loop is a function call (a switch over
 * six `case SyntaxKind.X` labels made six of them for every expression that
 * is not a wrapper).
 */
const PARENTHESIZED = SyntaxKind.ParenthesizedExpression;
const AS_EXPRESSION = SyntaxKind.AsExpression;
const NON_NULL = SyntaxKind.NonNullExpression;
const AWAIT = SyntaxKind.AwaitExpression;
const SATISFIES = SyntaxKind.SatisfiesExpression;
const TYPE_ASSERTION = SyntaxKind.TypeAssertionExpression;

/** Strips the wrappers that do not change what an expression is: (x), x as T, x!, await x, x satisfies T. */
export function unwrapExpression(node: ts.Expression): ts.Expression {
  let current = node;
  // This runs for nearly every expression any check looks at.
  for (;;) {
    const kind = current.kind;
    if (kind === PARENTHESIZED || kind === AS_EXPRESSION || kind === NON_NULL || kind === AWAIT || kind === SATISFIES || kind === TYPE_ASSERTION) {
      current = (current as ts.ParenthesizedExpression | ts.AsExpression | ts.NonNullExpression | ts.AwaitExpression | ts.SatisfiesExpression | ts.TypeAssertion).expression;
    } else {
      return current;
    }
  }
}

/**
 * The identifier an access chain starts from: `invoice` for
 * `invoice.project.ownerId`, `items[0].id`, `String(invoice.owner)` is not
 * one (a call's callee is followed: `db().users` gives `db`). Undefined for
 * chains rooted elsewhere (`this`, a literal) or longer than `maxLinks`.
 */
export function accessRoot(expression: ts.Expression, maxLinks = 16): string | undefined {
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < maxLinks; depth++) {
    if (isIdentifier(current)) return current.text;
    if (isPropertyAccessExpression(current) || isElementAccessExpression(current) || isCallExpression(current)) current = unwrapExpression(current.expression);
    else return undefined;
  }
  return undefined;
}

/** Stands for `()` in a path while it is built. */
const CALL_MARKER = '()';

/**
 * The callee of a call as a dotted path: `res.status(500).json(x)` gives
 * `res.status().json`, `prisma.user.findUnique(...)` gives
 * `prisma.user.findUnique`, `(await db).query` gives `db.query`.
 * Iterative: member chains can be long in minified code.
 */
export function expressionPath(expression: ts.Expression): string {
  return buildPath(expression, true);
}

/**
 * The parts of the chain being built, reused: a path is asked of nearly every
 * call and member access, and a fresh array per path was one of the engine's
 * largest allocations. buildPath calls nothing that builds a path, so one
 * array suffices.
 */
const scratchParts: string[] = [];

/** The path with or without call markers, built right to left from the chain's parts. */
function buildPath(expression: ts.Expression, withCalls: boolean): string {
  const parts = scratchParts;
  // Counted rather than emptied with `parts.length = 0`, which is a call into the runtime on every path.
  let count = 0;
  // A string key with dots or parentheses (`x['a.()']`) would be read as path syntax: such paths take the
  // textual route (join, then rewrite the markers), which gives exactly what the path always was.
  let textual = false;
  let current: ts.Expression = expression;
  for (let guard = 0; guard < 64; guard++) {
    current = unwrapExpression(current);
    if (isIdentifier(current) || isPrivateIdentifier(current)) {
      parts[count++] = current.text;
      break;
    }
    if (current.kind === SyntaxKind.ThisKeyword) {
      parts[count++] = 'this';
      break;
    }
    if (isPropertyAccessExpression(current)) {
      parts[count++] = current.name.text;
      current = current.expression;
      continue;
    }
    if (isElementAccessExpression(current)) {
      const key = stringValue(current.argumentExpression);
      if (key !== undefined && /[.()]/.test(key)) textual = true;
      parts[count++] = key ?? '[]';
      current = current.expression;
      continue;
    }
    if (isCallExpression(current)) {
      parts[count++] = CALL_MARKER;
      current = current.expression;
      continue;
    }
    parts[count++] = '?';
    break;
  }
  if (textual) {
    const path = parts.slice(0, count).reverse().join('.').replace(/\.\(\)/g, '()');
    return withCalls ? path : path.replace(/\(\)/g, '');
  }
  let last = count - 1;
  let path = parts[last] === CALL_MARKER && !withCalls ? '' : parts[last];
  while (--last >= 0) {
    const part = parts[last];
    if (part !== CALL_MARKER) path += `.${part}`;
    else if (withCalls) path += CALL_MARKER;
  }
  return path;
}

/**
 * Per-node memo slots. A symbol property on the compiler node costs about a
 * twentieth of a WeakMap entry: a fresh node used as a key must first be
 * given an identity hash, and every check asks about fresh nodes.
 */
const CALLEE_PATH = Symbol('calleePath');
const PLAIN_CALLEE_PATH = Symbol('plainCalleePath');
type PathSlots = { [CALLEE_PATH]?: string; [PLAIN_CALLEE_PATH]?: string };

/** Memoized per node: several checks ask for the callee of the same calls. */
export function calleePath(call: ts.CallExpression | ts.NewExpression): string {
  return ((call as PathSlots)[CALLEE_PATH] ??= expressionPath(call.expression));
}

/**
 * The callee path without call markers: `res.status(500).json(x)` gives
 * `res.status.json`. Memoized per node: most name rules match on this form.
 */
export function plainCalleePath(call: ts.CallExpression | ts.NewExpression): string {
  return ((call as PathSlots)[PLAIN_CALLEE_PATH] ??= buildPath(call.expression, false));
}

/** The last name of the callee: `json` for `res.status(500).json(x)`. */
export function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const callee = unwrapExpression(call.expression);
  if (isIdentifier(callee)) return callee.text;
  if (isPropertyAccessExpression(callee)) return callee.name.text;
  if (isElementAccessExpression(callee)) return stringValue(callee.argumentExpression) ?? '';
  return '';
}

/** The object a method is called on: `res.status(500)` for `res.status(500).json(x)`. */
export function calleeObject(call: ts.CallExpression): ts.Expression | undefined {
  const callee = unwrapExpression(call.expression);
  if (isPropertyAccessExpression(callee) || isElementAccessExpression(callee)) return callee.expression;
  return undefined;
}

/** The value of a string literal or a template without substitutions. */
export function stringValue(node: ts.Node | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (isStringLiteral(node) || isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** Identifiers read anywhere inside `node` (including node itself). Iterative. */
export function identifiersIn(node: ts.Node): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const stack: ts.Node[] = [node];
  // One callback per walk, not one per node visited; it returns nothing, so forEachChild never stops early.
  const push = (child: ts.Node): void => {
    stack.push(child);
  };
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (isIdentifier(current)) found.push(current);
    forEachChild(current, push);
  }
  return found;
}

/** Whether any node inside `node` (or node itself) satisfies `test`. Iterative. */
export function containsNode(node: ts.Node, test: (candidate: ts.Node) => boolean): boolean {
  const stack: ts.Node[] = [node];
  const push = (child: ts.Node): void => {
    stack.push(child);
  };
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (test(current)) return true;
    forEachChild(current, push);
  }
  return false;
}

/** The innermost function that contains `node`, if any. */
export function enclosingFunction(node: ts.Node): FunctionNode | undefined {
  let current: ts.Node | undefined = node.parent;
  while (current !== undefined) {
    if (isFunctionNode(current)) return current;
    current = current.parent;
  }
  return undefined;
}

/** Names bound by a parameter or variable name, including destructuring. */
export function boundNames(name: ts.BindingName): string[] {
  if (isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (isOmittedExpression(element)) continue;
    names.push(...boundNames(element.name));
  }
  return names;
}

/**
 * Functions of the file by the name they can be called by: function
 * declarations and `const name = (...) => ...` / `function` expressions.
 * The first definition of a name wins (shadowing is rare in route files).
 */
export function functionsByName(index: SourceIndex): Map<string, FunctionNode> {
  return index.memo('functionsByName', () => computeFunctionsByName(index));
}

function computeFunctionsByName(index: SourceIndex): Map<string, FunctionNode> {
  const byName = new Map<string, FunctionNode>();
  for (const declaration of index.nodesOfKind<ts.FunctionDeclaration>(SyntaxKind.FunctionDeclaration)) {
    if (declaration.name !== undefined && declaration.body !== undefined && !byName.has(declaration.name.text)) {
      byName.set(declaration.name.text, declaration);
    }
  }
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    if (!isIdentifier(variable.name) || variable.initializer === undefined) continue;
    const initializer = unwrapExpression(variable.initializer);
    if ((isArrowFunction(initializer) || isFunctionExpression(initializer)) && !byName.has(variable.name.text)) {
      byName.set(variable.name.text, initializer);
    }
  }
  return byName;
}

/** `const name = <initializer>` declarations of the file by name (first wins). */
export function variablesByName(index: SourceIndex): Map<string, ts.VariableDeclaration> {
  return index.memo('variablesByName', () => computeVariablesByName(index));
}

function computeVariablesByName(index: SourceIndex): Map<string, ts.VariableDeclaration> {
  const byName = new Map<string, ts.VariableDeclaration>();
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    if (isIdentifier(variable.name) && !byName.has(variable.name.text)) byName.set(variable.name.text, variable);
  }
  return byName;
}

/** Module specifiers the file imports or requires. */
export function importedModules(index: SourceIndex): Set<string> {
  return index.memo('importedModules', () => computeImportedModules(index));
}

function computeImportedModules(index: SourceIndex): Set<string> {
  const modules = new Set<string>();
  for (const declaration of index.nodesOfKind<ts.ImportDeclaration>(SyntaxKind.ImportDeclaration)) {
    const name = stringValue(declaration.moduleSpecifier);
    if (name !== undefined) modules.add(name);
  }
  for (const call of index.calls()) {
    if (isIdentifier(call.expression) && call.expression.text === 'require') {
      const name = stringValue(call.arguments[0]);
      if (name !== undefined) modules.add(name);
    }
  }
  return modules;
}

/** Where each imported local name comes from: `{ auth }` from '@clerk/nextjs/server' gives auth -> that module. */
export function importSources(index: SourceIndex): Map<string, { module: string; imported: string }> {
  return index.memo('importSources', () => computeImportSources(index));
}

function computeImportSources(index: SourceIndex): Map<string, { module: string; imported: string }> {
  const sources = new Map<string, { module: string; imported: string }>();
  for (const declaration of index.nodesOfKind<ts.ImportDeclaration>(SyntaxKind.ImportDeclaration)) {
    const module = stringValue(declaration.moduleSpecifier);
    const clause = declaration.importClause;
    if (module === undefined || clause === undefined) continue;
    if (clause.name !== undefined) sources.set(clause.name.text, { module, imported: 'default' });
    const bindings = clause.namedBindings;
    if (bindings === undefined) continue;
    if (isNamespaceImport(bindings)) {
      sources.set(bindings.name.text, { module, imported: '*' });
    } else {
      for (const element of bindings.elements) {
        sources.set(element.name.text, { module, imported: (element.propertyName ?? element.name).text });
      }
    }
  }
  // CommonJS: const auth = require('./auth'); const { authenticate } = require('./auth');
  for (const variable of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration)) {
    const initializer = variable.initializer === undefined ? undefined : unwrapExpression(variable.initializer);
    if (initializer === undefined || !isCallExpression(initializer) || !isIdentifier(initializer.expression) || initializer.expression.text !== 'require') continue;
    const module = stringValue(initializer.arguments[0]);
    if (module === undefined) continue;
    if (isIdentifier(variable.name)) {
      sources.set(variable.name.text, { module, imported: 'default' });
    } else if (isObjectBindingPattern(variable.name)) {
      for (const element of variable.name.elements) {
        if (!isIdentifier(element.name)) continue;
        const imported = element.propertyName !== undefined && isIdentifier(element.propertyName) ? element.propertyName.text : element.name.text;
        sources.set(element.name.text, { module, imported });
      }
    }
  }
  return sources;
}

/** A pattern for calls named one of `names` (for SourceIndex.callsNamed). */
export function namePattern(names: Iterable<string>): RegExp {
  return new RegExp(`^(?:${[...names].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
}
