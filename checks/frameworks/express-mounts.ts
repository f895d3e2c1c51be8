/**
 * Express routers are usually mounted by another file:
 * `app.use('/projects', requireAuth, projectsRouter)` in `src/app.ts`. The
 * middleware of that mount (and the app-level `use` before it) runs for every
 * route of the router, so it belongs to the routes' controls. This finds the
 * mounting file among the conventional bootstrap files and attaches it.
 */
import { ts, isCallExpression, isIdentifier, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { expressionPath, functionsByName, importSources, isFunctionNode, stringValue, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { ProjectContext } from '../project-context.js';
import type { Control, Endpoint } from './endpoint.js';
import { expressAppNames } from './express.js';
import { koaAppNames } from './koa.js';
import { reachableScopes } from './reachable-code.js';
import { moduleCandidates } from './resolve-imports.js';

const BOOTSTRAP_NAMES = ['app', 'server', 'index', 'main', 'routes', 'router', 'api'];
const BOOTSTRAP_EXTENSIONS = ['.ts', '.js'];
/** Bootstrap files parsed per review at most: each is a fetch for the app. */
const MAX_BOOTSTRAP_FILES = 6;

/** Files that may mount the router of `routeFile`: the conventional entry files of its folder and the folders above. */
export function bootstrapCandidates(routeFile: string): string[] {
  const directories: string[] = [];
  let directory = routeFile.includes('/') ? routeFile.slice(0, routeFile.lastIndexOf('/')) : '';
  for (let level = 0; level < 4; level++) {
    directories.push(directory);
    if (directory === '') break;
    directory = directory.includes('/') ? directory.slice(0, directory.lastIndexOf('/')) : '';
  }
  const candidates: string[] = [];
  for (const base of directories) {
    for (const name of BOOTSTRAP_NAMES) {
      for (const extension of BOOTSTRAP_EXTENSIONS) {
        const path = base === '' ? `${name}${extension}` : `${base}/${name}${extension}`;
        if (path !== routeFile) candidates.push(path);
      }
    }
  }
  return candidates;
}

interface Mount {
  line: number;
  /** The path the router is mounted at (`/projects`), when written as a string. */
  path?: string;
  controls: Control[];
  /** Whether the object that mounts is the app itself; if it is a router, its own mount applies too. */
  byApp: boolean;
}

function controlIn(index: SourceIndex, expression: ts.Expression, functions: Map<string, FunctionNode>): Control {
  const unwrapped = unwrapExpression(expression);
  const callee = isCallExpression(unwrapped) ? unwrapped.expression : unwrapped;
  const definition = isFunctionNode(unwrapped) ? unwrapped : isIdentifier(callee) ? functions.get(callee.text) : undefined;
  return {
    kind: 'router-middleware',
    name: isFunctionNode(unwrapped) ? '(inline function)' : expressionPath(callee),
    node: expression,
    line: index.lineOf(expression),
    definition,
    definitionIndex: definition !== undefined ? index : undefined,
    index,
  };
}

/** The `x.use(path?, ...middleware, router)` in `index` that mounts the router exported by `routeFile`. */
export function findMount(index: SourceIndex, routeFile: string): Mount | undefined {
  const imports = importSources(index);
  const locals = new Set<string>();
  for (const [local, source] of imports) {
    if (moduleCandidates(index.path, source.module).includes(routeFile)) locals.add(local);
  }
  if (locals.size === 0) return undefined;
  const uses = index.callsNamed(/^use$/).filter((call) => {
    const callee = unwrapExpression(call.expression);
    return isPropertyAccessExpression(callee) && callee.name.text === 'use';
  });
  const functions = functionsByName(index);
  for (const mount of uses) {
    const args = [...mount.arguments];
    const at = args.findIndex((argument) => {
      const mounted = routerOf(argument);
      return mounted !== undefined && locals.has(mounted);
    });
    if (at < 0) continue;
    const target = expressionPath((unwrapExpression(mount.expression) as ts.PropertyAccessExpression).expression);
    const mountPath = stringValue(args[0]);
    const controls: Control[] = [];
    // App-level middleware registered before the mount, on the same object, for a covering path.
    for (const earlier of uses) {
      if (earlier.pos >= mount.pos) break;
      if (expressionPath((unwrapExpression(earlier.expression) as ts.PropertyAccessExpression).expression) !== target) continue;
      const earlierPath = stringValue(earlier.arguments[0]);
      if (earlierPath !== undefined && mountPath !== undefined && !(mountPath === earlierPath || mountPath.startsWith(`${earlierPath.replace(/\/$/, '')}/`))) continue;
      if (earlierPath !== undefined && mountPath === undefined) continue;
      const handlers = [...earlier.arguments].slice(earlierPath !== undefined ? 1 : 0);
      // A `use` that mounts another (imported) router is not middleware for this one.
      const mountsRouter = handlers.some((handler) => {
        const unwrapped = unwrapExpression(handler);
        if (isKoaRouterMount(unwrapped)) return true;
        return isIdentifier(unwrapped) && imports.has(unwrapped.text) && /router|routes/i.test(unwrapped.text);
      });
      if (mountsRouter) continue;
      for (const handler of handlers) controls.push(controlIn(index, handler, functions));
    }
    for (const handler of args.slice(mountPath !== undefined ? 1 : 0, at)) controls.push(controlIn(index, handler, functions));
    return { line: index.lineOf(mount), path: mountPath, controls, byApp: expressAppNames(index).has(target) || koaAppNames(index).has(target) };
  }
  return undefined;
}

/** `router.routes()` / `router.middleware()` / `router.allowedMethods()`: how Koa mounts a @koa/router router. */
function isKoaRouterMount(expression: ts.Expression): expression is ts.CallExpression {
  if (!isCallExpression(expression)) return false;
  const callee = unwrapExpression(expression.expression);
  return isPropertyAccessExpression(callee) && /^(?:routes|middleware|allowedMethods)$/.test(callee.name.text) && isIdentifier(unwrapExpression(callee.expression));
}

/** The router an argument of `use` mounts: `projectsRouter` (Express) or `router.routes()` (Koa). */
function routerOf(argument: ts.Expression): string | undefined {
  const unwrapped = unwrapExpression(argument);
  if (isIdentifier(unwrapped)) return unwrapped.text;
  if (isKoaRouterMount(unwrapped)) return (unwrapExpression((unwrapExpression(unwrapped.expression) as ts.PropertyAccessExpression).expression) as ts.Identifier).text;
  return undefined;
}

/** How many routers may mount each other before the app: `app` -> `routes/index` -> `routes/projects`. */
const MAX_MOUNT_DEPTH = 3;

interface MountChain {
  /** The first mount found (closest to the route file). */
  file: string;
  line: number;
  /** Controls of every mount up the chain, outermost (the app's) first. */
  controls: Control[];
  /** Definitions of those controls found in the mounting files. */
  regions: { index: SourceIndex; definition: FunctionNode }[];
  /** True when the chain reached an `express()` app; false when a mounting router's own mount was not found. */
  complete: boolean;
  /** The mount paths joined, outermost first: `/api` + `/projects`. */
  prefix: string;
}

export async function attachExpressMounts(endpoints: readonly Endpoint[], project: ProjectContext): Promise<void> {
  if (!project.canCheckExistence) return;
  const byFile = new Map<string, Endpoint[]>();
  for (const endpoint of endpoints) {
    if (endpoint.mountedElsewhere === undefined || (endpoint.framework !== 'express' && endpoint.framework !== 'koa')) continue;
    byFile.set(endpoint.file, [...(byFile.get(endpoint.file) ?? []), endpoint]);
  }
  const budget = { parsed: 0 };
  for (const [file, routed] of byFile) {
    const chain = await findMountChain(file, project, budget, new Set([file]), 0);
    if (chain === undefined) continue;
    for (const endpoint of routed) {
      endpoint.mountedAt = { file: chain.file, line: chain.line, complete: chain.complete, prefix: chain.prefix };
      // The mounts' middleware runs before the router's own.
      endpoint.controls.unshift(...chain.controls.map((control) => ({ ...control })));
      for (const { index, definition } of chain.regions) {
        endpoint.externalCode ??= [];
        endpoint.externalCode.push({ index, scopes: reachableScopes(index, [definition]) });
      }
    }
  }
}

async function findMountChain(file: string, project: ProjectContext, budget: { parsed: number }, visited: Set<string>, depth: number): Promise<MountChain | undefined> {
  for (const candidate of bootstrapCandidates(file)) {
    if (visited.has(candidate)) continue;
    if (budget.parsed >= MAX_BOOTSTRAP_FILES) return undefined;
    if (!(await project.exists(candidate))) continue;
    const loaded = await project.load(candidate);
    budget.parsed++;
    if (loaded.status !== 'found') continue;
    const mount = findMount(loaded.index, file);
    if (mount === undefined) continue;
    const regions = mount.controls.filter((control) => control.definition !== undefined).map((control) => ({ index: loaded.index, definition: control.definition! }));
    if (mount.byApp || depth + 1 >= MAX_MOUNT_DEPTH) {
      return { file: candidate, line: mount.line, controls: mount.controls, regions, complete: mount.byApp, prefix: joinPaths('', mount.path) };
    }
    // The mounting object is itself a router: its own mount (towards the app) applies as well.
    const outer = await findMountChain(candidate, project, budget, new Set([...visited, candidate]), depth + 1);
    return {
      file: candidate,
      line: mount.line,
      controls: [...(outer?.controls ?? []), ...mount.controls],
      regions: [...(outer?.regions ?? []), ...regions],
      complete: outer?.complete ?? false,
      prefix: joinPaths(outer?.prefix ?? '', mount.path),
    };
  }
  return undefined;
}

function joinPaths(prefix: string, path: string | undefined): string {
  if (path === undefined || path === '/' || path === '') return prefix;
  return `${prefix}/${path.replace(/^\/+|\/+$/g, '')}`;
}
