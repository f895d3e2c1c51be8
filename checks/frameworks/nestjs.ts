/**
 * NestJS endpoints: the methods of `@Controller()` classes decorated
 * `@Get()`, `@Post(':id')`..., with what Nest runs around them as controls:
 * the guards, interceptors and pipes of the class and of the method
 * (`@UseGuards`, `@UseInterceptors`, `@UsePipes`), and the route metadata
 * that guards read (`@Public()`, `@Roles('admin')`). Global guards
 * (`app.useGlobalGuards`, `APP_GUARD`) live in other files: see
 * nestjs-global-guards.ts.
 */
import { ts, SyntaxKind, canHaveDecorators, getDecorators, isArrayLiteralExpression, isCallExpression, isClassDeclaration, isDecorator, isIdentifier, isMethodDeclaration, isNewExpression, isObjectLiteralExpression, isPropertyAssignment } from '../lang/ts/parse.js';
import { calleeName, expressionPath, functionsByName, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Control, type Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';

const HTTP_DECORATORS: Readonly<Record<string, string>> = {
  Get: 'GET',
  Post: 'POST',
  Put: 'PUT',
  Patch: 'PATCH',
  Delete: 'DELETE',
  All: 'ALL',
  Options: 'OPTIONS',
  Head: 'HEAD',
  Search: 'SEARCH',
};

/** The method Nest calls on each kind of enhancer: what to read when the class is in view. */
const ENHANCER_METHOD = { UseGuards: 'canActivate', UseInterceptors: 'intercept', UsePipes: 'transform' } as const;
type EnhancerDecorator = keyof typeof ENHANCER_METHOD;

/** Decorators that switch authentication off for a route, by convention of the guard that reads them. */
const OPT_OUT_DECORATOR = /^(?:Public|IsPublic|PublicRoute|AllowAnonymous|Anonymous|SkipAuth|NoAuth|Unprotected)$/;
/** `SetMetadata(key, ...)` keys that mean the same. */
const OPT_OUT_METADATA_KEY = /public|anonymous|skip_?auth|no_?auth/i;
/** Role / permission metadata, read by a `RolesGuard`: authorization, never authentication. */
const ROLE_DECORATOR = /^(?:Roles?|HasRoles?|RequireRoles?|Permissions?|RequirePermissions?|Scopes|RequireScopes)$/;
/** Project decorators that, by convention, combine an authentication guard (`@Auth('admin')`). */
const AUTH_DECORATOR = /^(?:Auth|Authenticated|RequireAuth|RequiresAuth|Protected|Authorize|Authorized|LoggedIn|RequireLogin)$/;

const OPT_OUT_MARKER = /^@(?:Public|IsPublic|PublicRoute|AllowAnonymous|Anonymous|SkipAuth|NoAuth|Unprotected)$|^@SetMetadata\(\s*['"`]?\w*(?:public|anonymous|skip_?auth|no_?auth)/i;

/**
 * Whether a control is route metadata that opts out of authentication
 * (`@Public`, `@AllowAnonymous`, `@SetMetadata('isPublic', true)`): guards
 * that honour it let every caller through, so it never counts as authentication.
 */
export function isAuthOptOutMarker(name: string): boolean {
  return OPT_OUT_MARKER.test(name);
}

/** Classes of the file by name (first wins). */
export function classesByName(index: SourceIndex): Map<string, ts.ClassDeclaration> {
  return index.memo('nestClassesByName', () => {
    const byName = new Map<string, ts.ClassDeclaration>();
    for (const declaration of index.nodesOfKind<ts.ClassDeclaration>(SyntaxKind.ClassDeclaration)) {
      if (declaration.name !== undefined && !byName.has(declaration.name.text)) byName.set(declaration.name.text, declaration);
    }
    return byName;
  });
}

/** The method of a class with a body: `canActivate` of a guard. */
export function classMethod(declaration: ts.ClassLikeDeclaration, name: string): ts.MethodDeclaration | undefined {
  for (const member of declaration.members) {
    if (isMethodDeclaration(member) && member.body !== undefined && isIdentifier(member.name) && member.name.text === name) return member;
  }
  return undefined;
}

/** The enhancer's class name as written: `JwtAuthGuard` for `JwtAuthGuard` and `new JwtAuthGuard(reflector)`. */
function enhancerClassName(expression: ts.Expression): string | undefined {
  const unwrapped = unwrapExpression(expression);
  if (isIdentifier(unwrapped)) return unwrapped.text;
  if (isNewExpression(unwrapped) && isIdentifier(unwrapped.expression)) return unwrapped.expression.text;
  return undefined;
}

/**
 * A guard, interceptor or pipe as a control. A mixin call keeps its literal
 * arguments in the name (`AuthGuard('jwt')`: the strategy matters); a class
 * of this file gets its `canActivate` / `intercept` / `transform` as definition.
 */
export function enhancerControl(index: SourceIndex, expression: ts.Expression, kind: Control['kind'], method: string = ENHANCER_METHOD.UseGuards): Control {
  const unwrapped = unwrapExpression(expression);
  const line = index.lineOf(expression);
  const className = enhancerClassName(unwrapped);
  if (className !== undefined) {
    const declaration = classesByName(index).get(className);
    const definition = declaration === undefined ? undefined : classMethod(declaration, method);
    return { kind, name: className, node: expression, line, definition, definitionIndex: definition === undefined ? undefined : index };
  }
  if (isCallExpression(unwrapped)) {
    const literal = unwrapped.arguments.every((argument) => stringValue(argument) !== undefined || isArrayLiteralExpression(argument));
    return { kind, name: literal ? index.textOf(unwrapped) : expressionPath(unwrapped.expression), node: expression, line };
  }
  return { kind, name: index.textOf(unwrapped), node: expression, line };
}

/** Whether a guard calls the Reflector, i.e. reads route metadata such as `@Public()`. */
function readsRouteMetadata(index: SourceIndex, definition: ts.Node): boolean {
  return index.calls([scopeOf(definition)]).some((call) => /^(?:getAllAndOverride|getAllAndMerge|getMetadata)$/.test(calleeName(call)) || /reflector/i.test(expressionPath(call.expression)));
}

/**
 * Whether a guard authenticates even on a route marked `@Public()`: Passport's
 * `AuthGuard('jwt')` used as is, and guards whose class is in view and reads
 * no route metadata. A guard whose class is not in view is taken to honour
 * the marker (the reason one writes `@Public()`), so the route counts as
 * unauthenticated: a finding a human can dismiss rather than a silent pass.
 */
export function guardIgnoresOptOut(control: Control, declaration: ts.ClassLikeDeclaration | undefined, index: SourceIndex | undefined): boolean {
  if (/^AuthGuard\b/.test(control.name)) return true;
  if (declaration === undefined || index === undefined) return false;
  const canActivate = classMethod(declaration, 'canActivate');
  if (canActivate !== undefined) return !readsRouteMetadata(index, canActivate);
  return extendsPassportGuard(declaration);
}

function extendsPassportGuard(declaration: ts.ClassLikeDeclaration): boolean {
  const base = declaration.heritageClauses?.find((clause) => clause.token === SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
  return base !== undefined && isCallExpression(base) && isIdentifier(base.expression) && base.expression.text === 'AuthGuard';
}

/** What a list of decorators puts around a route, grouped by the phase Nest runs it in. */
interface Enhancers {
  guards: Control[];
  interceptors: Control[];
  pipes: Control[];
  metadata: Control[];
  /** The decorators' own ranges, so that editing one counts as changing the endpoints under it. */
  scopes: Scope[];
}

function decoratorCall(decorator: ts.Decorator | ts.Expression): { name: string; args: readonly ts.Expression[]; node: ts.Node } | undefined {
  const expression = unwrapExpression(isDecorator(decorator) ? decorator.expression : decorator);
  if (isCallExpression(expression)) return { name: calleeName(expression), args: expression.arguments, node: decorator };
  if (isIdentifier(expression)) return { name: expression.text, args: [], node: decorator };
  return undefined;
}

function readEnhancers(index: SourceIndex, decorators: readonly (ts.Decorator | ts.Expression)[], kind: Control['kind'], depth = 0): Enhancers {
  const found: Enhancers = { guards: [], interceptors: [], pipes: [], metadata: [], scopes: [] };
  for (const decorator of decorators) {
    const call = decoratorCall(decorator);
    if (call === undefined) continue;
    const line = index.lineOf(call.node);
    const node = call.node;
    if (call.name in ENHANCER_METHOD) {
      const enhancer = call.name as EnhancerDecorator;
      const target = enhancer === 'UseGuards' ? found.guards : enhancer === 'UseInterceptors' ? found.interceptors : found.pipes;
      for (const argument of call.args) target.push(enhancerControl(index, argument, kind, ENHANCER_METHOD[enhancer]));
    } else if (OPT_OUT_DECORATOR.test(call.name)) {
      found.metadata.push({ kind: 'wrapper', name: `@${call.name}`, node, line });
    } else if (call.name === 'SetMetadata') {
      const key = call.args[0] === undefined ? '' : index.textOf(call.args[0]);
      const value = call.args[1] === undefined ? '' : index.textOf(call.args[1]);
      if (OPT_OUT_METADATA_KEY.test(key) && value !== 'false') found.metadata.push({ kind: 'wrapper', name: `@SetMetadata(${key}, ${value})`, node, line });
      else if (/role|permission|scope/i.test(key)) found.metadata.push({ kind: 'wrapper', name: `@SetMetadata(${key})`, node, line });
    } else if (ROLE_DECORATOR.test(call.name)) {
      found.metadata.push({ kind: 'wrapper', name: `@${call.name}`, node, line });
    } else if (depth === 0 && composedDecorator(index, call.name) !== undefined) {
      // `export function Auth(...roles) { return applyDecorators(UseGuards(JwtAuthGuard), Roles(...roles)) }`.
      const inner = readEnhancers(index, composedDecorator(index, call.name)!, kind, depth + 1);
      found.guards.push(...inner.guards);
      found.interceptors.push(...inner.interceptors);
      found.pipes.push(...inner.pipes);
      found.metadata.push(...inner.metadata);
    } else if (AUTH_DECORATOR.test(call.name)) {
      // Defined in another file: judged by its name, like a wrapper.
      found.guards.push({ kind: 'wrapper', name: `@${call.name}`, node, line });
    } else continue;
    found.scopes.push(scopeOf(node));
  }
  return found;
}

/** The decorators a same-file `applyDecorators(...)` helper stands for. */
function composedDecorator(index: SourceIndex, name: string): readonly ts.Expression[] | undefined {
  const helper = functionsByName(index).get(name);
  if (helper === undefined) return undefined;
  const applied = index.callsNamed(/^applyDecorators$/, [scopeOf(helper)])[0];
  return applied?.arguments;
}

/** `@Controller('users')`, `@Controller(['a', 'b'])`, `@Controller({ path: 'users' })`: the prefixes. */
function controllerPaths(index: SourceIndex, args: readonly ts.Expression[]): string[] {
  const first = args[0] === undefined ? undefined : unwrapExpression(args[0]);
  if (first === undefined) return [''];
  if (isObjectLiteralExpression(first)) {
    const path = first.properties.find((property): property is ts.PropertyAssignment => isPropertyAssignment(property) && isIdentifier(property.name) && property.name.text === 'path');
    return path === undefined ? [''] : pathValues(index, path.initializer);
  }
  return pathValues(index, first);
}

/** Literal paths; a constant (`@Controller(ROUTES.users)`) is kept as `${ROUTES.users}` so the route still reads. */
function pathValues(index: SourceIndex, node: ts.Expression | undefined): string[] {
  if (node === undefined) return [''];
  const unwrapped = unwrapExpression(node);
  if (isArrayLiteralExpression(unwrapped)) {
    const values = unwrapped.elements.flatMap((element) => pathValues(index, element));
    return values.length > 0 ? values : [''];
  }
  const value = stringValue(unwrapped);
  return [value ?? `\${${index.textOf(unwrapped)}}`];
}

/** Nest's own joining: `/` + controller path + `/` + method path, without doubled or trailing slashes. */
export function joinNestPath(...parts: string[]): string {
  const joined = `/${parts.filter((part) => part !== '').join('/')}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

function decoratorsOf(node: ts.Node): readonly ts.Decorator[] {
  return canHaveDecorators(node) ? (getDecorators(node) ?? []) : [];
}

/** The class a controller method belongs to: its name, for messages about where the controller is registered. */
export function controllerNameOf(endpoint: Endpoint): string {
  const owner = endpoint.registration.parent;
  return owner !== undefined && isClassDeclaration(owner) && owner.name !== undefined ? owner.name.text : 'controller';
}

export function discoverNestRoutes(index: SourceIndex): Endpoint[] {
  if (!index.text.includes('Controller')) return [];
  const endpoints: Endpoint[] = [];
  for (const declaration of index.nodesOfKind<ts.ClassDeclaration>(SyntaxKind.ClassDeclaration)) {
    const classDecorators = decoratorsOf(declaration);
    const controller = classDecorators.map((decorator) => decoratorCall(decorator)).find((call) => call?.name === 'Controller');
    if (controller === undefined) continue;
    const prefixes = controllerPaths(index, controller.args);
    const classEnhancers = readEnhancers(index, classDecorators, 'router-middleware');
    const classScopes = [scopeOf(controller.node), ...classEnhancers.scopes];

    for (const member of declaration.members) {
      if (!isMethodDeclaration(member) || member.body === undefined) continue;
      const decorators = decoratorsOf(member);
      const routes = decorators.flatMap((decorator) => {
        const call = decoratorCall(decorator);
        const method = call === undefined ? undefined : HTTP_DECORATORS[call.name];
        return call === undefined || method === undefined ? [] : [{ method, paths: pathValues(index, call.args[0]), decorator }];
      });
      if (routes.length === 0) continue;
      const methodEnhancers = readEnhancers(index, decorators, 'middleware');
      const controls = controlsInOrder(index, classEnhancers, methodEnhancers);
      const roots: ts.Node[] = [member];
      for (const control of controls) if (control.definition !== undefined && control.definitionIndex === index) roots.push(control.definition);
      const scopes = [...classScopes, ...reachableScopes(index, roots)];
      for (const route of routes) {
        for (const prefix of prefixes) {
          for (const path of route.paths) {
            endpoints.push({
              file: index.path,
              framework: 'nestjs',
              method: route.method,
              route: joinNestPath(prefix, path),
              line: index.lineOf(route.decorator),
              registration: member,
              handler: member,
              controls: controls.map((control) => ({ ...control })),
              scopes,
              index,
            });
          }
        }
      }
    }
  }
  return endpoints;
}

/**
 * Guards, then interceptors, then pipes (the order Nest runs them), the
 * class's before the method's; the metadata last. Under an opt-out marker the
 * guards that honour it are left out: they let the request through.
 */
function controlsInOrder(index: SourceIndex, onClass: Enhancers, onMethod: Enhancers): Control[] {
  const metadata = [...onClass.metadata, ...onMethod.metadata];
  let guards = [...onClass.guards, ...onMethod.guards];
  if (metadata.some((control) => isAuthOptOutMarker(control.name))) {
    guards = guards.filter((guard) => {
      const className = isDecorator(guard.node) ? undefined : enhancerClassName(guard.node as ts.Expression);
      const declaration = className === undefined ? undefined : classesByName(index).get(className);
      return guardIgnoresOptOut(guard, declaration, declaration === undefined ? undefined : index);
    });
  }
  return [...guards, ...onClass.interceptors, ...onMethod.interceptors, ...onClass.pipes, ...onMethod.pipes, ...metadata];
}
