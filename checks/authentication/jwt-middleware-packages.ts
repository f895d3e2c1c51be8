/**
 * JWT middleware packages whose behaviour is documented well enough to judge
 * without reading them: koa-jwt and express-jwt both verify with
 * `jsonwebtoken.verify` (signature and expiry, with the options given to the
 * middleware passed through) and reject a missing or invalid token with a
 * 401 (`ctx.throw(401)` / `next(new UnauthorizedError(...))`), except where
 * an option turns that off (`passthrough: true` lets the request continue).
 * Reading their options turns "defined in a package, not analysed" into a
 * verdict with evidence.
 */
import { ts, isCallExpression, isIdentifier, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { expressionPath, importSources, unwrapExpression } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from '../frameworks/endpoint.js';

export type JwtMiddlewarePackage = 'koa-jwt' | 'express-jwt';

export interface JwtMiddlewareUse {
  package: JwtMiddlewarePackage;
  /** The factory call: `jwt({ secret, algorithms })`, `expressjwt({ ... })`. */
  call: ts.CallExpression;
  /** Its options object, when written inline. */
  options?: ts.ObjectLiteralExpression;
  /** The file the call is written in. */
  index: SourceIndex;
  control: Control;
}

/** `jwt({...}).unless({...})` gives `jwt({...})`. */
function factoryCall(node: ts.Node): ts.CallExpression | undefined {
  let current = unwrapExpression(node as ts.Expression);
  for (let depth = 0; depth < 4 && isCallExpression(current); depth++) {
    const callee = unwrapExpression(current.expression);
    if (isPropertyAccessExpression(callee) && callee.name.text === 'unless' && isCallExpression(unwrapExpression(callee.expression))) {
      current = unwrapExpression(callee.expression);
      continue;
    }
    return current;
  }
  return undefined;
}

/** Whether the file imports koa-jwt or express-jwt at all: most never do, and then none of its controls is one. */
function importsJwtMiddleware(index: SourceIndex): boolean {
  return index.memo('importsJwtMiddleware', () => {
    for (const source of importSources(index).values()) if (source.module === 'koa-jwt' || source.module === 'express-jwt') return true;
    return false;
  });
}

/** The koa-jwt / express-jwt middleware among the endpoint's controls, if any. */
export function jwtMiddlewareOf(endpoint: Endpoint): JwtMiddlewareUse | undefined {
  for (const control of endpoint.controls) {
    const index = control.index ?? endpoint.index;
    if (!importsJwtMiddleware(index)) continue;
    const call = factoryCall(control.node);
    if (call === undefined) continue;
    const root = expressionPath(call.expression).split('.')[0];
    const module = importSources(index).get(root)?.module;
    if (module !== 'koa-jwt' && module !== 'express-jwt') continue;
    const first = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
    return { package: module, call, options: first !== undefined && isObjectLiteralExpression(first) ? first : undefined, index, control };
  }
  return undefined;
}

/** An option of the middleware, by name. */
export function jwtMiddlewareOption(use: JwtMiddlewareUse, name: string): ts.Expression | undefined {
  for (const property of use.options?.properties ?? []) {
    if (isPropertyAssignment(property) && (isIdentifier(property.name) || isStringLiteral(property.name)) && property.name.text === name) return property.initializer;
  }
  return undefined;
}
