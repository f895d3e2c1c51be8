/**
 * The Next.js `middleware.ts` (`proxy.ts` since Next.js 16) that runs before
 * App Router handlers: where it is, and whether it authenticates a route.
 */
import { ts, isArrayLiteralExpression, isExportDeclaration, isIdentifier, isObjectLiteralExpression, isPropertyAssignment, isVariableStatement } from '../lang/ts/parse.js';
import { compileUntrustedPattern, type UntrustedMatcher } from '../lang/untrusted-pattern.js';
import { calleePath, expressionPath, importSources, stringValue, unwrapExpression, plainCalleePath } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';

/** Where the middleware of the app containing `routeFile` can be: beside the `app/` folder. */
export function nextMiddlewareCandidates(routeFile: string): string[] {
  // The leftmost `app/` is the router's folder; the middleware sits beside it.
  const match = /(^|\/)app\/(?:.*\/)?route\.\w+$/.exec(routeFile);
  if (match === null) return [];
  const root = routeFile.slice(0, match.index + match[1].length);
  return ['middleware.ts', 'middleware.js', 'proxy.ts', 'proxy.js'].map((name) => `${root}${name}`);
}

export type MiddlewareVerdict =
  | { protects: true; line: number; note: string }
  | { protects: false; line: number; note: string }
  | { protects: 'unknown'; line: number; note: string };

/**
 * Next.js `config.matcher` entries to a test. Matchers use path-to-regexp:
 * `/api/:path*`, `/dashboard/:id`, and raw groups like `/((?!_next).*)`.
 */
function matcherToRegExp(matcher: string): UntrustedMatcher | undefined {
  let source = '';
  for (let i = 0; i < matcher.length; i++) {
    const char = matcher[i];
    if (char === ':') {
      const name = /^[A-Za-z_]\w*/.exec(matcher.slice(i + 1));
      if (name === null) return undefined;
      i += name[0].length;
      const modifier = matcher[i + 1];
      if (modifier === '*') {
        source = source.endsWith('/') ? `${source.slice(0, -1)}(?:/.*)?` : `${source}.*`;
        i++;
      } else if (modifier === '+') {
        source += '.+';
        i++;
      } else if (modifier === '?') {
        source = source.endsWith('/') ? `${source.slice(0, -1)}(?:/[^/]+)?` : `${source}[^/]*`;
        i++;
      } else source += '[^/]+';
    } else if (char === '(') {
      // A raw regular expression group: copy it through to its closing parenthesis.
      let depth = 0;
      let j = i;
      for (; j < matcher.length; j++) {
        if (matcher[j] === '\\') j++;
        else if (matcher[j] === '(') depth++;
        else if (matcher[j] === ')' && --depth === 0) break;
      }
      source += matcher.slice(i, j + 1);
      i = j;
    } else if ('.+?^$|[]{}\\*'.includes(char)) {
      source += `\\${char}`;
    } else source += char;
  }
  // Raw groups are the PR's own regular expression: compiled only when it cannot backtrack for long.
  return compileUntrustedPattern(`^${source}$`);
}

/** Route `/api/invoices/[id]` as a concrete path a matcher can be tested on. */
function samplePath(route: string): string {
  return route.replace(/\[\[?\.\.\.[^\]]+\]\]?/g, 'sample/path').replace(/\[[^\]]+\]/g, 'sample');
}

/** Whether the middleware's `config.matcher` runs it for `route` (the note says which entry, or why it cannot tell). */
export function matcherCovers(index: SourceIndex, route: string): { covers: boolean | 'unknown'; note: string } {
  for (const statement of index.sourceFile.statements) {
    if (!isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!isIdentifier(declaration.name) || declaration.name.text !== 'config' || declaration.initializer === undefined) continue;
      const config = unwrapExpression(declaration.initializer);
      if (!isObjectLiteralExpression(config)) return { covers: 'unknown', note: 'config is not a literal object' };
      const matcherProperty = config.properties.find((p) => isPropertyAssignment(p) && p.name.getText(index.sourceFile) === 'matcher') as ts.PropertyAssignment | undefined;
      if (matcherProperty === undefined) return { covers: true, note: 'no matcher: runs on every route' };
      const value = unwrapExpression(matcherProperty.initializer);
      const entries = isArrayLiteralExpression(value) ? [...value.elements] : [value];
      const path = samplePath(route);
      for (const entry of entries) {
        const text = stringValue(entry);
        if (text === undefined) return { covers: 'unknown', note: 'matcher entries are not plain strings' };
        const matches = matcherToRegExp(text)?.(path);
        if (matches === undefined) return { covers: 'unknown', note: `matcher "${text}" could not be read` };
        if (matches) return { covers: true, note: `matcher "${text}"` };
      }
      return { covers: false, note: 'the matcher does not include this route' };
    }
  }
  return { covers: true, note: 'no matcher: runs on every route' };
}

/** Whether the middleware authenticates `route`, and the line that shows it. */
export function judgeNextMiddleware(index: SourceIndex, route: string): MiddlewareVerdict {
  const imports = importSources(index);
  const coverage = matcherCovers(index, route);
  const fromModule = (module: RegExp) => [...imports.values()].some((source) => module.test(source.module));

  // `export { default } from 'next-auth/middleware'` protects every matched route.
  for (const statement of index.sourceFile.statements) {
    if (isExportDeclaration(statement) && stringValue(statement.moduleSpecifier) === 'next-auth/middleware') {
      return verdict(coverage, index.lineOf(statement), 'next-auth/middleware');
    }
  }
  const calls = index.calls();
  if (fromModule(/^next-auth\/middleware$/) && calls.some((call) => calleePath(call) === 'withAuth')) {
    const call = calls.find((c) => calleePath(c) === 'withAuth')!;
    return verdict(coverage, index.lineOf(call), 'withAuth from next-auth/middleware');
  }
  const clerk = calls.find((call) => calleePath(call) === 'clerkMiddleware');
  if (clerk !== undefined) {
    const protect = calls.find((call) => /(?:^|\.)protect$/.test(plainCalleePath(call)));
    if (protect === undefined) {
      return { protects: false, line: index.lineOf(clerk), note: 'clerkMiddleware() without auth.protect() makes auth available but protects no route' };
    }
    const matcherCall = calls.find((call) => calleePath(call) === 'createRouteMatcher');
    if (matcherCall !== undefined) {
      return { protects: 'unknown', line: index.lineOf(protect), note: 'clerkMiddleware protects the routes of a createRouteMatcher list; check that this route is in it' };
    }
    return verdict(coverage, index.lineOf(protect), 'clerkMiddleware with auth.protect()');
  }
  const verifying = calls.find((call) => /(?:^|\.)(?:jwtVerify|verify|getToken|getSession|verifyIdToken|getUser)$/.test(plainCalleePath(call)));
  if (verifying !== undefined) {
    return { protects: 'unknown', line: index.lineOf(verifying), note: `middleware calls ${expressionPath(verifying.expression)}(); whether it rejects unauthenticated requests to this route was not analysed` };
  }
  return { protects: false, line: 1, note: 'middleware does no recognised authentication' };
}

function verdict(coverage: { covers: boolean | 'unknown'; note: string }, line: number, what: string): MiddlewareVerdict {
  if (coverage.covers === true) return { protects: true, line, note: `${what} (${coverage.note})` };
  if (coverage.covers === false) return { protects: false, line, note: `${what}, but ${coverage.note}` };
  return { protects: 'unknown', line, note: `${what}; ${coverage.note}` };
}
