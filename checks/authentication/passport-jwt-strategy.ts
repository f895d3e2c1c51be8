/**
 * NestJS routes guarded by `@nestjs/passport`'s `AuthGuard('jwt')` (or a
 * class extending it) are verified by the app's passport-jwt strategy:
 * `class JwtStrategy extends PassportStrategy(Strategy) { constructor() {
 * super({ secretOrKey, ignoreExpiration, algorithms }) } }`. passport-jwt
 * verifies with jsonwebtoken, so those options decide signature and expiry
 * checks. The strategy files come from the modules' `providers`
 * (`endpoint.nestApp.strategies`).
 */
import { ts, SyntaxKind, isCallExpression, isClassLike, isIdentifier, isObjectLiteralExpression, isPropertyAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { importSources, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';

export interface PassportJwtStrategy {
  index: SourceIndex;
  /** The `super({...})` call of its constructor. */
  superCall: ts.CallExpression;
  options?: ts.ObjectLiteralExpression;
  /** The strategy name guards refer to: `jwt` unless `PassportStrategy(Strategy, 'name')` says otherwise. */
  name: string;
}

/** `AuthGuard('jwt')` as written on the route or as the base class of a guard of the route: the strategy names it asks for. */
function passportGuardStrategies(endpoint: Endpoint): string[] | undefined {
  const names: string[] = [];
  for (const control of endpoint.controls) {
    const written = /^AuthGuard\((.*)\)$/.exec(control.name)?.[1];
    if (written !== undefined) {
      names.push(written.trim().replace(/^['"`]|['"`]$/g, '') || 'jwt');
      continue;
    }
    const owner = control.definition?.parent;
    if (owner === undefined || !isClassLike(owner)) continue;
    for (const clause of owner.heritageClauses ?? []) {
      for (const type of clause.types) {
        const base = unwrapExpression(type.expression);
        if (isCallExpression(base) && isIdentifier(base.expression) && base.expression.text === 'AuthGuard') names.push(stringValue(base.arguments[0]) ?? 'jwt');
      }
    }
  }
  return names.length > 0 ? names : undefined;
}

function strategiesIn(index: SourceIndex): PassportJwtStrategy[] {
  return index.memo('passportJwtStrategies', () => {
    const strategyClasses = new Set<string>();
    for (const [local, source] of importSources(index)) if (source.module === 'passport-jwt' && source.imported === 'Strategy') strategyClasses.add(local);
    if (strategyClasses.size === 0) return [];
    const found: PassportJwtStrategy[] = [];
    for (const declaration of index.nodesOfKind<ts.ClassDeclaration>(SyntaxKind.ClassDeclaration)) {
      const base = declaration.heritageClauses?.flatMap((clause) => clause.types.map((type) => unwrapExpression(type.expression))).find((expression) => isCallExpression(expression) && isIdentifier(expression.expression) && expression.expression.text === 'PassportStrategy') as ts.CallExpression | undefined;
      const strategy = base?.arguments[0] === undefined ? undefined : unwrapExpression(base.arguments[0]);
      if (base === undefined || strategy === undefined || !isIdentifier(strategy) || !strategyClasses.has(strategy.text)) continue;
      const constructor = declaration.members.find(ts.isConstructorDeclaration);
      const superCall = constructor === undefined ? undefined : index.calls([{ pos: constructor.pos, end: constructor.end }]).find((call) => call.expression.kind === SyntaxKind.SuperKeyword);
      if (superCall === undefined) continue;
      const first = superCall.arguments[0] === undefined ? undefined : unwrapExpression(superCall.arguments[0]);
      found.push({ index, superCall, options: first !== undefined && isObjectLiteralExpression(first) ? first : undefined, name: stringValue(base.arguments[1]) ?? 'jwt' });
    }
    return found;
  });
}

/**
 * The passport-jwt strategy that verifies tokens for this endpoint, when it
 * is guarded by a Passport `AuthGuard` and the strategy was read; undefined otherwise.
 */
export function passportJwtStrategyFor(endpoint: Endpoint): PassportJwtStrategy | undefined {
  if (endpoint.framework !== 'nestjs') return undefined;
  const wanted = passportGuardStrategies(endpoint);
  if (wanted === undefined) return undefined;
  const files = [endpoint.index, ...(endpoint.nestApp?.strategies ?? [])];
  const strategies = files.flatMap((file) => strategiesIn(file));
  return strategies.find((strategy) => wanted.includes(strategy.name));
}

/** An option of the strategy's `super({...})`, by name. */
export function strategyOption(strategy: PassportJwtStrategy, name: string): ts.Expression | undefined {
  for (const property of strategy.options?.properties ?? []) {
    if (isPropertyAssignment(property) && (isIdentifier(property.name) || isStringLiteral(property.name)) && property.name.text === name) return property.initializer;
  }
  return undefined;
}
