/**
 * One import hop: from a control's name in a route file to the function that
 * defines it in another module of the project, so that checks can read the
 * middleware or wrapper instead of trusting its name.
 */
import { ts, SyntaxKind, getModifiers, isBinaryExpression, isExportAssignment, isExportDeclaration, isExpressionStatement, isFunctionDeclaration, isIdentifier, isNamedExports, isObjectLiteralExpression, isPropertyAssignment, isShorthandPropertyAssignment } from '../lang/ts/parse.js';
import { functionsByName, unwrapExpression, isFunctionNode, type FunctionNode } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';

const EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

function normalise(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined; // escapes the repository
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/**
 * Paths the module `specifier`, imported from `fromFile`, may live at, most
 * likely first. Relative imports, and the `@/` and `~/` aliases that Next.js
 * and most templates map to `src/` or the project root. Package imports give
 * none: the app never reads dependencies.
 */
export function moduleCandidates(fromFile: string, specifier: string): string[] {
  let bases: string[];
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const directory = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/')) : '';
    const base = normalise(`${directory}/${specifier}`);
    bases = base === undefined ? [] : [base];
  } else if (specifier.startsWith('@/') || specifier.startsWith('~/')) {
    const rest = specifier.slice(2);
    // A monorepo app keeps its own src/: look beside the importing file's app root first.
    const appRoot = /^(.*?\/)?(?:src\/|app\/|pages\/)/.exec(fromFile)?.[1] ?? '';
    bases = [...new Set([`${appRoot}src/${rest}`, `${appRoot}${rest}`, `src/${rest}`, rest])];
  } else {
    return [];
  }
  const candidates: string[] = [];
  for (const base of bases) addCandidates(base, candidates);
  // One base gives distinct paths; several may share some.
  return bases.length === 1 ? candidates : [...new Set(candidates)];
}

/** The paths a module written `base` may be: `x.js` is `x.ts` compiled (any extension), `x` is `x.ts` or `x/index.ts`. */
function addCandidates(base: string, candidates: string[]): void {
  const script = scriptExtensionLength(base);
  if (script > 0) {
    const stripped = base.slice(0, base.length - script);
    for (const extension of EXTENSIONS) candidates.push(stripped + extension);
  } else if (EXTENSIONS.some((extension) => base.endsWith(extension))) {
    candidates.push(base);
  } else {
    for (let at = 0; at < 3; at++) candidates.push(base + EXTENSIONS[at]);
    candidates.push(`${base}/index.ts`, `${base}/index.js`);
  }
}

/** The length of a JavaScript extension ending `path` (`.js`, `.mjs`, `.cjs`, `.jsx`), 0 for none. */
function scriptExtensionLength(path: string): number {
  if (path.endsWith('.js')) return 3;
  return path.endsWith('.mjs') || path.endsWith('.cjs') || path.endsWith('.jsx') ? 4 : 0;
}

/** The function a module exports as `name` (`default` for the default export). */
export function findExportedFunction(index: SourceIndex, name: string): FunctionNode | undefined {
  const functions = functionsByName(index);
  if (name !== 'default') {
    const direct = functions.get(name);
    if (direct !== undefined) return direct;
  }
  for (const statement of index.sourceFile.statements) {
    // export default function (req, res, next) { ... } / export default async (req, res, next) => ...
    if (name === 'default' && isFunctionDeclaration(statement) && (getModifiers(statement) ?? []).some((m) => m.kind === SyntaxKind.DefaultKeyword)) return statement;
    if (name === 'default' && isExportAssignment(statement)) {
      const expression = unwrapExpression(statement.expression);
      if (isFunctionNode(expression)) return expression;
      if (isIdentifier(expression)) return functions.get(expression.text);
    }
    // export { verify as authenticate }
    if (isExportDeclaration(statement) && statement.moduleSpecifier === undefined && statement.exportClause && isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) {
        if (element.name.text === name) return functions.get((element.propertyName ?? element.name).text);
      }
    }
    // module.exports = fn / module.exports.name = fn / exports.name = fn
    if (isExpressionStatement(statement) && isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === SyntaxKind.EqualsToken) {
      const left = index.textOf(statement.expression.left);
      const right = unwrapExpression(statement.expression.right);
      const matches = left === `module.exports.${name}` || left === `exports.${name}` || (name === 'default' && left === 'module.exports');
      if (matches) {
        if (isFunctionNode(right)) return right;
        if (isIdentifier(right)) return functions.get(right.text);
      }
      if (left === 'module.exports' && isObjectLiteralExpression(right)) {
        for (const property of right.properties) {
          if (isShorthandPropertyAssignment(property) && property.name.text === name) return functions.get(name);
          if (isPropertyAssignment(property) && isIdentifier(property.name) && property.name.text === name) {
            const value = unwrapExpression(property.initializer);
            if (isFunctionNode(value)) return value;
            if (isIdentifier(value)) return functions.get(value.text);
          }
        }
      }
    }
  }
  return undefined;
}
