/**
 * Where an endpoint's code holds a caught error under a name: `catch (err)`,
 * `promise.catch((e) => ...)`, a Node-style callback `(err, rows) => ...`,
 * and the Express error handlers `(err, req, res, next)` the file registers
 * with `use`. Each binding comes with the code in which that name is the error.
 */
import { ts, SyntaxKind, isArrowFunction, isCallExpression, isFunctionExpression, isIdentifier, isObjectBindingPattern, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { functionsByName, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';

export type ErrorBindingKind = 'catch' | 'promise-catch' | 'callback' | 'error-handler';

export interface ErrorBinding {
  kind: ErrorBindingKind;
  /** The error's name; undefined for `catch { ... }`, which cannot send what it never named. */
  name?: string;
  /** `catch ({ message, stack })`: local names holding detail properties, by property. */
  destructured?: ReadonlyMap<string, string>;
  /** The code where `name` is the error: the catch block, the callback or handler body. */
  body: ts.Node;
  /** Where to point evidence: the catch clause, the callback, the handler. */
  site: ts.Node;
}

/** First parameters that name an error by the Node callback convention. */
const CALLBACK_ERROR_NAME = /^(?:err|error|er)$/;

/** The names a `catch` / callback parameter binds: an identifier, or the properties a pattern picks. */
function bindingOf(kind: ErrorBindingKind, name: ts.BindingName, body: ts.Node, site: ts.Node): ErrorBinding {
  if (isIdentifier(name)) return { kind, name: name.text, body, site };
  const destructured = new Map<string, string>();
  if (isObjectBindingPattern(name)) {
    for (const element of name.elements) {
      if (!isIdentifier(element.name)) continue;
      const property = element.propertyName === undefined ? element.name.text : isIdentifier(element.propertyName) ? element.propertyName.text : undefined;
      if (property !== undefined) destructured.set(element.name.text, property);
    }
  }
  return { kind, destructured, body, site };
}

function catchClauseBindings(index: SourceIndex, scopes: readonly Scope[]): ErrorBinding[] {
  const bindings: ErrorBinding[] = [];
  for (const clause of index.nodesOfKind<ts.CatchClause>(SyntaxKind.CatchClause, scopes)) {
    const declaration = clause.variableDeclaration;
    if (declaration === undefined) bindings.push({ kind: 'catch', body: clause.block, site: clause });
    else bindings.push(bindingOf('catch', declaration.name, clause.block, clause));
  }
  return bindings;
}

function isInlineFunction(node: ts.Node): node is ts.ArrowFunction | ts.FunctionExpression {
  return isArrowFunction(node) || isFunctionExpression(node);
}

/**
 * The file's `.catch((err) => ...)` callbacks and callbacks whose first
 * parameter is `err` / `error`: found once per file, then picked per endpoint.
 */
function errorCallbacksOf(index: SourceIndex): readonly ErrorBinding[] {
  return index.memo('errorCallbacks', () => {
    const bindings: ErrorBinding[] = [];
    const functions = [...index.nodesOfKind<ts.ArrowFunction>(SyntaxKind.ArrowFunction), ...index.nodesOfKind<ts.FunctionExpression>(SyntaxKind.FunctionExpression)];
    for (const fn of functions) {
      const call = fn.parent;
      const first = fn.parameters[0];
      if (first === undefined || !isCallExpression(call) || !call.arguments.includes(fn)) continue;
      const callee = unwrapExpression(call.expression);
      const promiseCatch = isPropertyAccessExpression(callee) && callee.name.text === 'catch' && call.arguments[0] === fn;
      if (promiseCatch) bindings.push(bindingOf('promise-catch', first.name, fn.body, fn));
      else if (isIdentifier(first.name) && CALLBACK_ERROR_NAME.test(first.name.text)) bindings.push(bindingOf('callback', first.name, fn.body, fn));
    }
    return bindings;
  });
}

function callbackBindings(index: SourceIndex, scopes: readonly Scope[], handler: FunctionNode | undefined): ErrorBinding[] {
  return errorCallbacksOf(index).filter(
    (binding) => binding.site !== handler && scopes.some((scope) => binding.site.pos >= scope.pos && binding.site.end <= scope.end),
  );
}

/**
 * The Express error handlers of the file: 4-parameter functions given to
 * `app.use` / `router.use`, inline or by the name of a function of the file.
 */
export function expressErrorHandlers(index: SourceIndex): readonly FunctionNode[] {
  return index.memo('expressErrorHandlers', () => {
    const functions = functionsByName(index);
    const handlers: FunctionNode[] = [];
    for (const call of index.callsNamed(/^use$/)) {
      for (const argument of call.arguments) {
        const value = unwrapExpression(argument);
        const fn = isInlineFunction(value) ? value : isIdentifier(value) ? functions.get(value.text) : undefined;
        if (fn !== undefined && fn.parameters.length === 4 && fn.body !== undefined && !handlers.includes(fn)) handlers.push(fn);
      }
    }
    return handlers;
  });
}

/** Every place the endpoint's code names a caught error, in document order. */
export function errorBindingsOf(index: SourceIndex, scopes: readonly Scope[], handler: FunctionNode | undefined): ErrorBinding[] {
  const handlers: readonly ts.Node[] = expressErrorHandlers(index);
  const bindings = [...catchClauseBindings(index, scopes), ...callbackBindings(index, scopes, handler)];
  // The file's error handlers may run before a route as router middleware: they are judged once, as handlers.
  return bindings.filter((binding) => !handlers.includes(binding.site)).sort((a, b) => a.site.pos - b.site.pos);
}

/** The bindings of the file's Express error handlers. */
export function errorHandlerBindings(index: SourceIndex): ErrorBinding[] {
  const bindings: ErrorBinding[] = [];
  for (const handler of expressErrorHandlers(index)) {
    bindings.push(bindingOf('error-handler', handler.parameters[0].name, handler.body!, handler));
  }
  return bindings;
}
