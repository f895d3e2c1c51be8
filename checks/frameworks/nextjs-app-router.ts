/**
 * Next.js App Router route handlers: `app/**\/route.(ts|js)` files whose
 * exported GET/POST/... functions are the endpoints, routed by the file path.
 */
import { ts, SyntaxKind, canHaveModifiers, getModifiers, isCallExpression, isExportDeclaration, isFunctionDeclaration, isIdentifier, isNamedExports, isVariableStatement } from '../lang/ts/parse.js';
import { functionsByName, variablesByName, isFunctionNode, unwrapExpression, expressionPath, type FunctionNode } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Control, Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';

export const NEXT_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

const ROUTE_FILE = /(?:^|\/)app\/(?:(.*)\/)?route\.(?:ts|js|mjs|tsx|jsx)$/;

/**
 * The route of an App Router `route.ts` path, or undefined when the path is
 * not a route handler. Route groups `(group)` and parallel slots `@slot` do
 * not appear in the URL; private folders `_name` are not routable at all.
 */
export function nextAppRoute(path: string): string | undefined {
  const match = ROUTE_FILE.exec(path);
  if (match === null) return undefined;
  // Monorepos put Next.js apps anywhere, so any `.../app/**/route.ts` counts.
  const segments = (match[1] ?? '').split('/').filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment.startsWith('_'))) return undefined;
  const visible = segments.filter((segment) => !(segment.startsWith('(') && segment.endsWith(')')) && !segment.startsWith('@'));
  return `/${visible.join('/')}`;
}

function hasExportModifier(node: ts.Node): boolean {
  return canHaveModifiers(node) && (getModifiers(node) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword);
}

/** Peels `withAuth(withLogging(async (req) => ...))` into its wrappers and the inner handler. */
function peelWrappers(
  index: SourceIndex,
  expression: ts.Expression,
  functions: Map<string, FunctionNode>,
  variables: Map<string, ts.VariableDeclaration>,
): { handler?: FunctionNode; handlerReference?: string; wrappers: Control[] } {
  const wrappers: Control[] = [];
  let current = unwrapExpression(expression);
  for (let depth = 0; depth < 16; depth++) {
    if (isFunctionNode(current)) return { handler: current, wrappers };
    if (isIdentifier(current)) {
      const local = functions.get(current.text);
      if (local !== undefined) return { handler: local, wrappers };
      // `const handler = withAuth(...)`, then `export { handler as GET }`.
      const initializer = variables.get(current.text)?.initializer;
      if (initializer !== undefined && initializer !== expression) {
        current = unwrapExpression(initializer);
        continue;
      }
      return { handlerReference: current.text, wrappers };
    }
    if (isCallExpression(current)) {
      const name = expressionPath(current.expression);
      wrappers.push({ kind: 'wrapper', name, node: current, line: index.lineOf(current), definition: isIdentifier(current.expression) ? functions.get(current.expression.text) : undefined });
      // The handler is the function argument (usually the last one).
      const inner = [...current.arguments].reverse().find((argument) => {
        const unwrapped = unwrapExpression(argument);
        return isFunctionNode(unwrapped) || isCallExpression(unwrapped) || isIdentifier(unwrapped);
      });
      if (inner === undefined) return { wrappers };
      current = unwrapExpression(inner);
      continue;
    }
    return { handlerReference: index.textOf(current), wrappers };
  }
  return { wrappers };
}

export function discoverNextAppRoutes(index: SourceIndex): Endpoint[] {
  const route = nextAppRoute(index.path);
  if (route === undefined) return [];
  const functions = functionsByName(index);
  const variables = variablesByName(index);
  const endpoints: Endpoint[] = [];
  const add = (method: string, registration: ts.Node, expression: ts.Expression | FunctionNode) => {
    const { handler, handlerReference, wrappers } = isFunctionNode(expression)
      ? { handler: expression, handlerReference: undefined, wrappers: [] as Control[] }
      : peelWrappers(index, expression, functions, variables);
    const roots: ts.Node[] = [];
    if (handler !== undefined) roots.push(handler);
    for (const wrapper of wrappers) if (wrapper.definition !== undefined) roots.push(wrapper.definition);
    endpoints.push({
      file: index.path,
      framework: 'nextjs-app-router',
      method,
      route,
      line: index.lineOf(registration),
      registration,
      handler,
      handlerReference,
      controls: wrappers,
      scopes: [{ pos: registration.pos, end: registration.end }, ...reachableScopes(index, roots, functions)],
      index,
    });
  };
  const isMethod = (name: string) => (NEXT_METHODS as readonly string[]).includes(name);

  for (const statement of index.sourceFile.statements) {
    if (isFunctionDeclaration(statement) && hasExportModifier(statement) && statement.name && isMethod(statement.name.text)) {
      add(statement.name.text, statement, statement);
    } else if (isVariableStatement(statement) && hasExportModifier(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (isIdentifier(declaration.name) && isMethod(declaration.name.text) && declaration.initializer) {
          add(declaration.name.text, statement, declaration.initializer);
        }
      }
    } else if (isExportDeclaration(statement) && statement.moduleSpecifier === undefined && statement.exportClause && isNamedExports(statement.exportClause)) {
      // export { handler as GET, handler as POST }
      for (const element of statement.exportClause.elements) {
        if (!isMethod(element.name.text)) continue;
        const local = element.propertyName ?? element.name;
        const localName = isIdentifier(local) ? local.text : local.text;
        add(element.name.text, statement, ts.factory.createIdentifier(localName));
      }
    }
  }
  return endpoints;
}
