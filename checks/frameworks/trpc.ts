/**
 * tRPC endpoints: the procedures of `router({ ... })` / `t.router({ ... })`
 * / `createTRPCRouter({ ... })`, each `publicProcedure.input(s).query(fn)`,
 * `.mutation(fn)` or `.subscription(fn)`. The route is the procedure's
 * dotted path within the routers of this file (`user.byId`), the method
 * `QUERY` / `MUTATION` / `SUBSCRIPTION`, and the controls are the
 * middlewares of its procedure chain (see trpc-procedures.ts).
 */
import { ts, SyntaxKind, isAsExpression, isCallExpression, isComputedPropertyName, isIdentifier, isNoSubstitutionTemplateLiteral, isNonNullExpression, isNumericLiteral, isObjectLiteralExpression, isParenthesizedExpression, isPrivateIdentifier, isPropertyAccessExpression, isPropertyAssignment, isSatisfiesExpression, isShorthandPropertyAssignment, isStringLiteral, isVariableDeclaration } from '../lang/ts/parse.js';
import { calleeName, functionsByName, isFunctionNode, stringValue, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';
import { isProcedureRoot, procedureChain, procedureControls } from './trpc-procedures.js';

const PROCEDURE_TYPES: Readonly<Record<string, string>> = { query: 'QUERY', mutation: 'MUTATION', subscription: 'SUBSCRIPTION' };
const PROCEDURE_CALL = /^(?:query|mutation|subscription)$/;
/** Calls that combine routers given as arguments: `t.mergeRouters(userRouter, postRouter)`. */
const MERGE_CALL = /^(?:mergeRouters|mergeRouter)$/;
/** How many routers may nest in one file before the path stops growing. */
const MAX_NESTING = 16;

function propertyKey(name: ts.PropertyName): string | undefined {
  if (isIdentifier(name) || isPrivateIdentifier(name)) return name.text;
  if (isStringLiteral(name) || isNumericLiteral(name) || isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (isComputedPropertyName(name)) return stringValue(name.expression);
  return undefined;
}

/**
 * Where each name is used as a router entry: `{ user: userRouter }`,
 * `{ byId }`, `mergeRouters(userRouter, ...)`. First use wins.
 */
function entriesByName(index: SourceIndex): Map<string, ts.Node> {
  return index.memo('trpcEntriesByName', () => {
    const entries = new Map<string, ts.Node>();
    for (const property of index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment)) {
      const value = unwrapExpression(property.initializer);
      if (isIdentifier(value) && !entries.has(value.text)) entries.set(value.text, value);
    }
    for (const shorthand of index.nodesOfKind<ts.ShorthandPropertyAssignment>(SyntaxKind.ShorthandPropertyAssignment)) {
      if (!entries.has(shorthand.name.text)) entries.set(shorthand.name.text, shorthand);
    }
    for (const call of index.callsNamed(MERGE_CALL)) {
      for (const argument of call.arguments) {
        if (isIdentifier(argument) && !entries.has(argument.text)) entries.set(argument.text, argument);
      }
    }
    return entries;
  });
}

function isWrapper(node: ts.Node): node is ts.ParenthesizedExpression | ts.AsExpression | ts.SatisfiesExpression | ts.NonNullExpression {
  return isParenthesizedExpression(node) || isAsExpression(node) || isSatisfiesExpression(node) || isNonNullExpression(node);
}

/**
 * The dotted path of a procedure, walking up from its call through object
 * keys, router calls, and the variables that hold routers and are used as
 * entries of another router of the file. `registration` is the innermost
 * named place: the `byId: ...` property or the `const byId = ...`.
 */
function procedurePath(index: SourceIndex, call: ts.CallExpression): { path: string; registration: ts.Node } | undefined {
  const keys: string[] = [];
  let registration: ts.Node | undefined;
  const followed = new Set<string>();
  let current: ts.Node = call;
  for (let step = 0; step < MAX_NESTING * 4; step++) {
    const parent: ts.Node | undefined = current.parent;
    if (parent === undefined) break;
    if (isWrapper(parent)) {
      current = parent;
    } else if (isPropertyAssignment(parent) && parent.initializer === current) {
      const key = propertyKey(parent.name);
      if (key === undefined) return undefined;
      keys.unshift(key);
      registration ??= parent;
      current = parent.parent;
    } else if (isShorthandPropertyAssignment(parent)) {
      keys.unshift(parent.name.text);
      current = parent.parent;
    } else if (isCallExpression(parent) && parent.arguments.some((argument) => argument === current) && (isObjectLiteralExpression(current) || MERGE_CALL.test(calleeName(parent)))) {
      // `router({ ... })`: the router is the call; `mergeRouters(a, b)` keeps a's paths.
      current = parent;
    } else if (isVariableDeclaration(parent) && parent.initializer === current && isIdentifier(parent.name)) {
      const name = parent.name.text;
      const entry = followed.has(name) ? undefined : entriesByName(index).get(name);
      followed.add(name);
      if (keys.length === 0) {
        registration ??= parent;
        // `const byId = publicProcedure.query(...)`, not used in a router of this file: named by its variable.
        if (entry === undefined) keys.push(name);
      }
      if (entry === undefined) break;
      current = entry;
      if (isShorthandPropertyAssignment(entry)) {
        keys.unshift(entry.name.text);
        current = entry.parent;
      }
    } else break;
  }
  if (keys.length === 0 || registration === undefined) return undefined;
  return { path: keys.join('.'), registration };
}

function resolverOf(index: SourceIndex, call: ts.CallExpression): { handler?: FunctionNode; handlerReference?: string } | undefined {
  const argument = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
  if (argument === undefined) return undefined;
  if (isFunctionNode(argument)) return { handler: argument };
  if (isIdentifier(argument)) {
    const local = functionsByName(index).get(argument.text);
    return local !== undefined ? { handler: local } : { handlerReference: argument.text };
  }
  return { handlerReference: index.textOf(argument) };
}

export function discoverTrpcProcedures(index: SourceIndex): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const call of index.callsNamed(PROCEDURE_CALL)) {
    const callee = unwrapExpression(call.expression);
    if (!isPropertyAccessExpression(callee)) continue;
    const method = PROCEDURE_TYPES[callee.name.text];
    if (method === undefined) continue;
    // `trpc.user.byId.query(...)` on a client, `db.query(...)`: not a procedure being defined.
    const chain = procedureChain(callee.expression);
    if (chain === undefined || !isProcedureRoot(index, chain.root)) continue;
    const resolver = resolverOf(index, call);
    const named = procedurePath(index, call);
    if (resolver === undefined || named === undefined) continue;

    const controls = procedureControls(index, chain);
    const roots: ts.Node[] = resolver.handler === undefined ? [] : [resolver.handler];
    for (const control of controls) if (control.definition !== undefined) roots.push(control.definition);
    // The procedure definitions of this file the chain went through: editing `protectedProcedure` changes its routes.
    const controlScopes = controls.filter((control) => control.index === undefined).map((control) => scopeOf(control.node));
    endpoints.push({
      file: index.path,
      framework: 'trpc',
      method,
      route: named.path,
      line: index.lineOf(named.registration),
      registration: named.registration,
      handler: resolver.handler,
      handlerReference: resolver.handlerReference,
      controls,
      scopes: [scopeOf(named.registration), ...controlScopes, ...reachableScopes(index, roots)],
      index,
    });
  }
  return endpoints;
}
