/**
 * tRPC procedures are built by chaining: `t.procedure.use(isAuthed)` is
 * named `protectedProcedure`, which `protectedProcedure.use(isAdmin)`
 * extends, and routes end in `.query(resolver)`. This reads such a chain,
 * through the procedures defined in the same file, into the middlewares that
 * run before the resolver, so that checks read the middleware that
 * authenticates rather than trust the procedure's name.
 */
import { ts, isCallExpression, isIdentifier, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { calleeName, expressionPath, functionsByName, isFunctionNode, unwrapExpression, variablesByName, type FunctionNode } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Control } from './endpoint.js';

/** Builder methods that return a procedure, so that the chain goes on. */
const BUILDER_METHODS = new Set(['use', 'input', 'output', 'meta', 'concat', 'unstable_concat']);
/** How many procedures may extend each other in one file before reading stops (and names decide). */
const MAX_PROCEDURE_DEPTH = 8;
/** Middleware factories whose function argument is the middleware: `t.middleware(fn)`, `experimental_standaloneMiddleware().create(fn)`. */
const MIDDLEWARE_FACTORY = /^(?:middleware|create|createMiddleware|unstable_pipe)$/;

/** A procedure chain: where it starts, and the `.use(...)` arguments in the order they run. */
export interface ProcedureChain {
  /** `t.procedure` (tRPC's base), or the identifier of a procedure defined elsewhere. */
  root: ts.Expression;
  uses: ts.Expression[];
}

/** Reads `root.use(a).input(s).use(b)` into its root and middlewares; undefined when it is no procedure chain. */
export function procedureChain(expression: ts.Expression): ProcedureChain | undefined {
  const uses: ts.Expression[] = [];
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < 64 && isCallExpression(current); depth++) {
    const callee = unwrapExpression(current.expression);
    if (!isPropertyAccessExpression(callee) || !BUILDER_METHODS.has(callee.name.text)) return undefined;
    if (callee.name.text === 'use' && current.arguments[0] !== undefined) uses.unshift(current.arguments[0]);
    current = unwrapExpression(callee.expression);
  }
  if (isIdentifier(current) || isBaseProcedure(current)) return { root: current, uses };
  return undefined;
}

/** `t.procedure`: tRPC's base procedure, which runs no middleware. */
export function isBaseProcedure(node: ts.Expression): boolean {
  return isPropertyAccessExpression(node) && node.name.text === 'procedure';
}

/**
 * Whether a chain's root is a procedure: tRPC's base, a name that says so
 * (`publicProcedure`, `adminProc`), or a variable of this file built from one.
 */
export function isProcedureRoot(index: SourceIndex, root: ts.Expression, depth = 0): boolean {
  if (isBaseProcedure(root)) return true;
  if (!isIdentifier(root)) return false;
  if (/procedure$|proc$/i.test(root.text)) return true;
  const initializer = variablesByName(index).get(root.text)?.initializer;
  const chain = initializer === undefined ? undefined : procedureChain(initializer);
  return chain !== undefined && depth < MAX_PROCEDURE_DEPTH && isProcedureRoot(index, chain.root, depth + 1);
}

/**
 * The function of a middleware named in this file: an inline function,
 * `const isAuthed = t.middleware(fn)`, or a function declaration.
 */
export function middlewareDefinition(index: SourceIndex, expression: ts.Expression): FunctionNode | undefined {
  const unwrapped = unwrapExpression(expression);
  if (isFunctionNode(unwrapped)) return unwrapped;
  if (isCallExpression(unwrapped)) return middlewareOfFactory(unwrapped);
  return isIdentifier(unwrapped) ? middlewareNamed(index, unwrapped.text) : undefined;
}

/** The function of the middleware the file defines as `name`: `const name = t.middleware(fn)` or a function. */
export function middlewareNamed(index: SourceIndex, name: string): FunctionNode | undefined {
  const local = functionsByName(index).get(name);
  if (local !== undefined) return local;
  const initializer = variablesByName(index).get(name)?.initializer;
  if (initializer === undefined) return undefined;
  const call = unwrapExpression(initializer);
  return isCallExpression(call) ? middlewareOfFactory(call) : undefined;
}

function middlewareOfFactory(call: ts.CallExpression): FunctionNode | undefined {
  if (!MIDDLEWARE_FACTORY.test(calleeName(call))) return undefined;
  for (const argument of call.arguments) {
    const unwrapped = unwrapExpression(argument);
    if (isFunctionNode(unwrapped)) return unwrapped;
  }
  return undefined;
}

function middlewareControl(index: SourceIndex, expression: ts.Expression): Control {
  const unwrapped = unwrapExpression(expression);
  const definition = middlewareDefinition(index, unwrapped);
  let name: string;
  if (isFunctionNode(unwrapped)) name = '(inline function)';
  else if (isCallExpression(unwrapped)) name = definition !== undefined ? '(inline function)' : expressionPath(unwrapped.expression);
  else name = expressionPath(unwrapped);
  return { kind: 'middleware', name, node: expression, line: index.lineOf(expression), definition, definitionIndex: definition === undefined ? undefined : index };
}

/**
 * The controls of a procedure chain, in the order they run: the middlewares
 * of the procedures it extends first. A procedure whose definition is not in
 * this file stays one `wrapper` control named as written (its module may be
 * read later, one import hop away; if not, its name decides).
 */
export function procedureControls(index: SourceIndex, chain: ProcedureChain, seen: ReadonlySet<string> = new Set()): Control[] {
  const controls: Control[] = [];
  const root = chain.root;
  if (isIdentifier(root)) {
    const initializer = variablesByName(index).get(root.text)?.initializer;
    const inner = initializer === undefined ? undefined : procedureChain(initializer);
    if (inner !== undefined && !seen.has(root.text) && seen.size < MAX_PROCEDURE_DEPTH) {
      controls.push(...procedureControls(index, inner, new Set([...seen, root.text])));
    } else {
      controls.push({ kind: 'wrapper', name: root.text, node: root, line: index.lineOf(root) });
    }
  }
  for (const use of chain.uses) controls.push(middlewareControl(index, use));
  return controls;
}
