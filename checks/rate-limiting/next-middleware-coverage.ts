/**
 * The project's Next.js `middleware.ts` (or `proxy.ts`) as the rate-limiting
 * and logging checks see it: the file, when the engine loaded it, and
 * whether its `config.matcher` runs it for a given route.
 *
 * The matcher reading mirrors the private one of
 * frameworks/nextjs-middleware.ts (which judges authentication); it should
 * become that module's export once it offers one.
 */
import { ts } from '../lang/ts/parse.js';
import { stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { nextMiddlewareCandidates } from '../frameworks/nextjs-middleware.js';
import type { ProjectContext } from '../project-context.js';

export type NextMiddlewareFile =
  | { status: 'none' }
  | { status: 'unavailable'; path: string; reason: string }
  | { status: 'found'; path: string; index: SourceIndex; covers: boolean | 'unknown'; coverage: string };

/** The middleware that runs before an App Router endpoint, as loaded by the engine. */
export function nextMiddlewareFor(endpoint: Endpoint, project: ProjectContext): NextMiddlewareFile {
  if (endpoint.framework !== 'nextjs-app-router') return { status: 'none' };
  for (const path of nextMiddlewareCandidates(endpoint.file)) {
    const file = project.get(path);
    if (file === undefined || file.status === 'missing') continue;
    if (file.status === 'unavailable') return { status: 'unavailable', path, reason: file.reason };
    const { covers, note } = matcherCovers(file.index, endpoint.route);
    return { status: 'found', path, index: file.index, covers, coverage: note };
  }
  return { status: 'none' };
}

/** path-to-regexp style matchers (`/api/:path*`, `/((?!_next).*)`) as a regular expression. */
function matcherToRegExp(matcher: string): RegExp | undefined {
  let source = '';
  for (let i = 0; i < matcher.length; i++) {
    const char = matcher[i];
    if (char === ':') {
      const name = /^[A-Za-z_]\w*/.exec(matcher.slice(i + 1));
      if (name === null) return undefined;
      i += name[0].length;
      const modifier = matcher[i + 1];
      if (modifier === '*' || modifier === '?') {
        source = source.endsWith('/') ? `${source.slice(0, -1)}(?:/${modifier === '*' ? '.*' : '[^/]+'})?` : `${source}.*`;
        i++;
      } else if (modifier === '+') {
        source += '.+';
        i++;
      } else source += '[^/]+';
    } else if (char === '(') {
      let depth = 0;
      let j = i;
      for (; j < matcher.length; j++) {
        if (matcher[j] === '\\') j++;
        else if (matcher[j] === '(') depth++;
        else if (matcher[j] === ')' && --depth === 0) break;
      }
      source += matcher.slice(i, j + 1);
      i = j;
    } else source += '.+?^$|[]{}\\*'.includes(char) ? `\\${char}` : char;
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return undefined;
  }
}

function matcherCovers(index: SourceIndex, route: string): { covers: boolean | 'unknown'; note: string } {
  const path = route.replace(/\[\[?\.\.\.[^\]]+\]\]?/g, 'sample/path').replace(/\[[^\]]+\]/g, 'sample');
  for (const statement of index.sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== 'config' || declaration.initializer === undefined) continue;
      const config = unwrapExpression(declaration.initializer);
      if (!ts.isObjectLiteralExpression(config)) return { covers: 'unknown', note: 'its config is not a literal object' };
      const matcher = config.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'matcher');
      if (matcher === undefined) return { covers: true, note: 'no matcher: runs on every route' };
      const value = unwrapExpression(matcher.initializer);
      for (const entry of ts.isArrayLiteralExpression(value) ? value.elements : [value]) {
        const text = stringValue(entry);
        if (text === undefined) return { covers: 'unknown', note: 'its matcher entries are not plain strings' };
        const pattern = matcherToRegExp(text);
        if (pattern === undefined) return { covers: 'unknown', note: `its matcher "${text}" could not be read` };
        if (pattern.test(path)) return { covers: true, note: `matcher "${text}"` };
      }
      return { covers: false, note: 'its matcher does not include this route' };
    }
  }
  return { covers: true, note: 'no matcher: runs on every route' };
}

/** The whole file as one scope, the same array every time so that per-scopes memos hold across endpoints. */
export function wholeFile(index: SourceIndex): Scope[] {
  return index.memo('wholeFileScopes', (): Scope[] => [{ pos: 0, end: index.text.length }]);
}
