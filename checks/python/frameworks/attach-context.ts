/**
 * Engine steps after discovery that read other files, bounded: DRF routes
 * from urls.py (router.register / path), DRF project defaults from
 * `REST_FRAMEWORK` in the Django settings, and the `include_router` of a
 * FastAPI router in the app's entry file.
 */
import {
  calleeName,
  childByField,
  dictEntries,
  expressionPath,
  functionsByName,
  importSources,
  keywordArgument,
  lastSegment,
  moduleAssignments,
  positionalArguments,
  sequenceElements,
  stringValue,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import type { DrfPolicy, PyEndpoint } from '../endpoint.js';
import { dependencyList, joinRoute } from './fastapi.js';
import { ancestorDirectories, joinPath, type PyContextFiles } from './python-context.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const URL_PATTERN_CALL = /^(?:path|re_path|url)$/;
const ROUTE_OR_REGISTER_CALL = /^(?:register|path|re_path|url)$/;
const SETDEFAULT_CALL = /^setdefault$/;
const INCLUDE_ROUTER_CALL = /^include_router$/;
const FLASK_APP_CALL = /^Flask$/;
const REGISTER_BLUEPRINT_CALL = /^register_blueprint$/;

/** How many directory levels up the settings, urls and entry files are looked for. */
const MAX_LEVELS = 4;

function baseName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.py$/, '');
}

/** `a/` + `b/` + `items` as one route piece, without doubled or leading slashes. */
function joinUrl(...parts: string[]): string {
  return parts.map((part) => part.replace(/^\^/, '').replace(/\$$/, '')).filter((part) => part !== '').reduce((joined, part) => (joined === '' || joined.endsWith('/') ? `${joined}${part.replace(/^\//, '')}` : `${joined}/${part.replace(/^\//, '')}`), '');
}

/** `path("v1/", include(router.urls))`: the route prefix per router variable. */
function routerPrefixes(index: PySourceIndex): Map<string, string> {
  const prefixes = new Map<string, string>();
  for (const call of index.callsNamed(URL_PATTERN_CALL)) {
    const [routeNode, viewNode] = positionalArguments(call);
    const route = stringValue(routeNode, index);
    if (route === undefined || viewNode?.type !== 'call' || calleeName(viewNode) !== 'include') continue;
    const included = positionalArguments(viewNode)[0];
    const path = included === undefined ? '' : expressionPath(included, false);
    if (/\.urls$/.test(path)) prefixes.set(path.replace(/\.urls$/, ''), route);
  }
  return prefixes;
}

/**
 * View name to the route urls.py gives it: `router.register(r'items',
 * ItemViewSet)` (under the `path("v1/", include(router.urls))` of its
 * router) and `path('items/<int:pk>/', ItemDetail.as_view())`, each under
 * `prefix`, the route the project's root urls.py includes this file at.
 */
export function routesFromUrls(index: PySourceIndex, prefix = ''): Map<string, { route: string; viewSet: boolean }> {
  const routes = new Map<string, { route: string; viewSet: boolean }>();
  const routers = routerPrefixes(index);
  for (const call of index.callsNamed(ROUTE_OR_REGISTER_CALL)) {
    const [routeNode, viewNode] = positionalArguments(call);
    const route = stringValue(routeNode ?? keywordArgument(call, 'prefix'), index);
    const view = viewNode ?? keywordArgument(call, 'viewset') ?? keywordArgument(call, 'view');
    if (route === undefined || view === undefined || (view.type === 'call' && calleeName(view) === 'include')) continue;
    const name = lastSegment(expressionPath(view, false).replace(/\.as_view$/, ''));
    if (name === '' || routes.has(name)) continue;
    const register = calleeName(call) === 'register';
    const routerName = register ? expressionPath(childByField(childByField(call, 'function')!, 'object') ?? call, false) : '';
    routes.set(name, { route: `/${joinUrl(prefix, register ? (routers.get(routerName) ?? '') : '', route)}`, viewSet: register });
  }
  return routes;
}

/** The route a root urls.py includes `urlsPath` at: `path("api/", include("shop.urls"))`; undefined when it does not include it. */
export function includePrefix(root: PySourceIndex, urlsPath: string): string | undefined {
  for (const call of root.callsNamed(URL_PATTERN_CALL)) {
    const [routeNode, viewNode] = positionalArguments(call);
    const route = stringValue(routeNode, root);
    if (route === undefined || viewNode?.type !== 'call' || calleeName(viewNode) !== 'include') continue;
    const first = positionalArguments(viewNode)[0];
    // include("shop.urls") or include(("shop.urls", "shop")).
    const module = stringValue(first, root) ?? stringValue(sequenceElements(first)?.[0], root);
    if (module !== undefined && `/${urlsPath}`.endsWith(`/${module.replace(/\./g, '/')}.py`)) return route;
  }
  return undefined;
}

/** The project's root urls.py: ROOT_URLCONF in the settings, else urls.py beside the settings. */
async function rootUrls(settings: PySourceIndex | undefined, files: PyContextFiles): Promise<PySourceIndex | undefined> {
  if (settings === undefined) return undefined;
  const conf = stringValue(moduleAssignments(settings).get('ROOT_URLCONF')?.value, settings);
  const directories = ancestorDirectories(settings.path).slice(0, MAX_LEVELS + 1);
  const candidates = [...(conf === undefined ? [] : directories.map((directory) => joinPath(directory, `${conf.replace(/\./g, '/')}.py`))), joinPath(directories[0], 'urls.py')];
  const found = await files.loadFirst(candidates);
  return found?.file.status === 'found' ? found.file.index : undefined;
}

export async function attachDrfRoutes(endpoints: PyEndpoint[], files: PyContextFiles, reviewed: Iterable<PySourceIndex>): Promise<void> {
  const drf = endpoints.filter((endpoint) => endpoint.framework === 'django-rest-framework');
  if (drf.length === 0) return;
  const urlFiles: PySourceIndex[] = [...reviewed].filter((index) => baseName(index.path) === 'urls');
  for (const directory of new Set(drf.map((endpoint) => ancestorDirectories(endpoint.file)[0]))) {
    const found = await files.loadFirst([joinPath(directory, 'urls.py')]);
    if (found?.file.status === 'found' && !urlFiles.includes(found.file.index)) urlFiles.push(found.file.index);
  }
  const root = await rootUrls(drf.find((endpoint) => endpoint.settingsFile !== undefined)?.settingsFile, files);
  const routes = new Map<string, { route: string; viewSet: boolean }>();
  for (const index of urlFiles) {
    const prefix = root === undefined || root === index ? '' : (includePrefix(root, index.path) ?? '');
    for (const [name, route] of routesFromUrls(index, prefix)) if (!routes.has(name)) routes.set(name, route);
  }
  for (const endpoint of drf) {
    const [view, ...rest] = endpoint.route.split('/');
    const found = routes.get(view);
    if (found === undefined) continue;
    const tail = rest.length === 0 ? '' : `${rest.join('/')}/`;
    const base = found.route.endsWith('/') || found.route === '/' ? found.route : `${found.route}/`;
    endpoint.route = found.viewSet ? `${base}${tail}` : rest.length === 0 ? found.route : `${base}${tail}`;
  }
}

interface DrfDefaults {
  file: string;
  line: number;
  permissionClasses: string[];
  authenticationClasses: string[];
  throttleClasses: string[];
  /** Keys the settings do not set (DRF's own defaults then apply). */
  unset: string[];
}

/** DRF's own defaults, used when `REST_FRAMEWORK` leaves a key out. */
const DRF_BUILT_IN = {
  DEFAULT_PERMISSION_CLASSES: ['AllowAny'],
  DEFAULT_AUTHENTICATION_CLASSES: ['SessionAuthentication', 'BasicAuthentication'],
  DEFAULT_THROTTLE_CLASSES: [] as string[],
};

export function readDrfDefaults(index: PySourceIndex): DrfDefaults | undefined {
  const setting = moduleAssignments(index).get('REST_FRAMEWORK');
  if (setting === undefined) return undefined;
  const entries = dictEntries(setting.value, index) ?? [];
  const read = (key: keyof typeof DRF_BUILT_IN): string[] | undefined => {
    const entry = entries.find((candidate) => candidate.key === key);
    if (entry === undefined) return undefined;
    return (sequenceElements(entry.value) ?? []).map((element) => stringValue(element, index) ?? expressionPath(element, false)).map(lastSegment);
  };
  const unset: string[] = [];
  const value = (key: keyof typeof DRF_BUILT_IN) => {
    const found = read(key);
    if (found === undefined) unset.push(key);
    return found ?? DRF_BUILT_IN[key];
  };
  return {
    file: index.path,
    line: setting.node.line,
    permissionClasses: value('DEFAULT_PERMISSION_CLASSES'),
    authenticationClasses: value('DEFAULT_AUTHENTICATION_CLASSES'),
    throttleClasses: value('DEFAULT_THROTTLE_CLASSES'),
    unset,
  };
}

/** The settings module manage.py names (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")`), as a path. */
function settingsModuleOf(manage: PySourceIndex, directory: string): string | undefined {
  for (const call of manage.callsNamed(SETDEFAULT_CALL)) {
    const [key, value] = positionalArguments(call);
    if (stringValue(key, manage) !== 'DJANGO_SETTINGS_MODULE') continue;
    const module = stringValue(value, manage);
    if (module !== undefined) return joinPath(directory, `${module.replace(/\./g, '/')}.py`);
  }
  return undefined;
}

async function findDrfSettings(file: string, files: PyContextFiles): Promise<{ defaults?: DrfDefaults; settings?: PySourceIndex; reason?: string }> {
  const directories = ancestorDirectories(file).slice(0, MAX_LEVELS + 1);
  const manage = await files.loadFirst(directories.map((directory) => joinPath(directory, 'manage.py')));
  const candidates: string[] = [];
  if (manage?.file.status === 'found') {
    const module = settingsModuleOf(manage.file.index, ancestorDirectories(manage.path)[0]);
    if (module !== undefined) candidates.push(module, module.replace(/\.py$/, '/__init__.py'), module.replace(/\.py$/, '/base.py'));
  }
  for (const directory of directories) candidates.push(joinPath(directory, 'settings.py'), joinPath(directory, 'settings/base.py'), joinPath(directory, 'config/settings.py'));
  const found = await files.loadFirst(candidates);
  if (found === undefined) return { reason: 'the Django settings (REST_FRAMEWORK) were not found, so the project-wide DRF defaults are unknown' };
  if (found.file.status !== 'found') return { reason: `the Django settings could not be read (${found.file.status === 'unavailable' ? found.file.reason : 'missing'})` };
  const defaults = readDrfDefaults(found.file.index);
  // No REST_FRAMEWORK at all: DRF's own defaults apply (AllowAny).
  return { settings: found.file.index, defaults: defaults ?? { file: found.path, line: 1, permissionClasses: ['AllowAny'], authenticationClasses: ['SessionAuthentication', 'BasicAuthentication'], throttleClasses: [], unset: Object.keys(DRF_BUILT_IN) } };
}

export async function attachDrfSettings(endpoints: PyEndpoint[], files: PyContextFiles): Promise<void> {
  const drf = endpoints.filter((endpoint) => endpoint.framework === 'django-rest-framework');
  const byFile = new Map<string, Promise<{ defaults?: DrfDefaults; settings?: PySourceIndex; reason?: string }>>();
  // Read even when the view sets every policy itself: DEBUG, MIDDLEWARE and EXCEPTION_HANDLER live in the settings too.
  for (const endpoint of drf) {
    let pending = byFile.get(endpoint.file);
    if (pending === undefined) byFile.set(endpoint.file, (pending = findDrfSettings(endpoint.file, files)));
    const { defaults, settings, reason } = await pending;
    if (settings !== undefined && settings !== endpoint.index) endpoint.settingsFile = settings;
    if (endpoint.permissionClasses !== undefined && endpoint.authenticationClasses !== undefined && endpoint.throttleClasses !== undefined) continue;
    if (defaults === undefined) {
      endpoint.drfDefaultsUnknown = reason;
      continue;
    }
    const policy = (names: string[], key: string): DrfPolicy => ({ names, source: 'settings', file: defaults.file, line: defaults.line, ...(defaults.unset.includes(key) ? { builtIn: true } : {}) });
    endpoint.permissionClasses ??= policy(defaults.permissionClasses, 'DEFAULT_PERMISSION_CLASSES');
    endpoint.authenticationClasses ??= policy(defaults.authenticationClasses, 'DEFAULT_AUTHENTICATION_CLASSES');
    endpoint.throttleClasses ??= policy(defaults.throttleClasses, 'DEFAULT_THROTTLE_CLASSES');
  }
}

/** Whether `include_router`'s argument in an entry file names the router of `file`. */
function namesRouterOf(entry: PySourceIndex, argument: string, file: string, router: string): boolean {
  const module = baseName(file);
  const [root, ...rest] = argument.split('.');
  const source = importSources(entry).get(root);
  if (source === undefined) return false;
  const path = [...source.module.split('.'), ...(source.imported === '*' ? [] : source.imported.split('.')), ...rest].filter((part) => part !== '');
  // `items.router` (from .routers import items), `items_router` (from .routers.items import router as items_router).
  return path[path.length - 1] === router && path[path.length - 2] === module;
}

export async function attachFastApiMounts(endpoints: PyEndpoint[], files: PyContextFiles): Promise<void> {
  // The entry file and its include_router depend on the router's file and name only: looked for once per pair,
  // not once per route (each candidate is an awaited load; a router file has tens of routes).
  const mounts = new Map<string, Promise<{ entry: PySourceIndex; include: PyNode } | undefined>>();
  for (const endpoint of endpoints) {
    if (endpoint.framework !== 'fastapi' || endpoint.mountRouter === undefined) continue;
    const key = `${endpoint.file}\0${endpoint.mountRouter}`;
    let pending = mounts.get(key);
    if (pending === undefined) mounts.set(key, (pending = findFastApiMount(endpoint.file, endpoint.mountRouter, files)));
    const mount = await pending;
    if (mount === undefined) continue;
    const { entry, include } = mount;
    const appName = expressionPath(childByField(childByField(include, 'function')!, 'object') ?? include, false);
    const app = moduleAssignments(entry).get(appName)?.value;
    // Built per endpoint: attachImportedDependencies writes into each endpoint's dependency objects.
    const appDependencies = app?.type === 'call' && calleeName(app) === 'FastAPI' ? dependencyList(keywordArgument(app, 'dependencies'), 'app', entry) : [];
    endpoint.route = joinRoute(stringValue(keywordArgument(include, 'prefix'), entry) ?? '', endpoint.route);
    endpoint.dependencies = [...appDependencies, ...dependencyList(keywordArgument(include, 'dependencies'), 'include', entry), ...endpoint.dependencies];
    endpoint.mountUnknown = undefined;
    endpoint.entryFile = entry;
  }
}

/** The entry file near `file` whose `include_router` names `router` of `file`, and that call. */
async function findFastApiMount(file: string, router: string, files: PyContextFiles): Promise<{ entry: PySourceIndex; include: PyNode } | undefined> {
  const directories = ancestorDirectories(file).slice(0, MAX_LEVELS + 1);
  const candidates = directories.flatMap((directory) => ['main.py', 'app.py', 'api.py', 'server.py', 'app/main.py', 'src/main.py'].map((name) => joinPath(directory, name)));
  for (const candidate of candidates) {
    if (candidate === file) continue;
    const found = await files.loadFirst([candidate]);
    if (found?.file.status !== 'found') continue;
    const entry = found.file.index;
    const include = entry.callsNamed(INCLUDE_ROUTER_CALL).find((call) => {
      const argument = positionalArguments(call)[0] ?? keywordArgument(call, 'router');
      return argument !== undefined && namesRouterOf(entry, expressionPath(argument, false), file, router);
    });
    if (include !== undefined) return { entry, include };
  }
  return undefined;
}

/** Files a Flask app is commonly created in, looked for beside the blueprint's file and above it. */
const FLASK_ENTRY_FILES = ['app.py', '__init__.py', 'wsgi.py', 'main.py', 'server.py', 'application.py', 'factory.py'];

/**
 * The file that creates the Flask app and registers the blueprint of an
 * endpoint whose own file creates no app: `app.register_blueprint(notes.bp)`
 * or `register_blueprint(bp)` after `from .notes import bp`. Its debug
 * setting, limiter, error handlers and request-id hooks apply to the route.
 */
export async function attachFlaskEntryFiles(endpoints: PyEndpoint[], files: PyContextFiles): Promise<void> {
  // The entry file depends on the blueprint's file and name only: looked for once per pair, not once per route.
  const entries = new Map<string, Promise<PySourceIndex | undefined>>();
  for (const endpoint of endpoints) {
    if (endpoint.framework !== 'flask' || endpoint.index.callsNamed(FLASK_APP_CALL).length > 0) continue;
    const callee = endpoint.registration.type === 'call' ? childByField(endpoint.registration, 'function') : undefined;
    const object = callee?.type === 'attribute' ? childByField(callee, 'object') : undefined;
    if (object === undefined) continue;
    const owner = expressionPath(object, false);
    const key = `${endpoint.file}\0${owner}`;
    let pending = entries.get(key);
    if (pending === undefined) entries.set(key, (pending = findFlaskEntryFile(endpoint.file, owner, files)));
    const entry = await pending;
    if (entry !== undefined) endpoint.entryFile = entry;
  }
}

/** The file near `file` that creates a Flask app and registers the blueprint `owner` of `file`. */
async function findFlaskEntryFile(file: string, owner: string, files: PyContextFiles): Promise<PySourceIndex | undefined> {
  const candidates = ancestorDirectories(file).slice(0, MAX_LEVELS + 1).flatMap((directory) => FLASK_ENTRY_FILES.map((name) => joinPath(directory, name)));
  for (const candidate of candidates) {
    if (candidate === file) continue;
    const found = await files.loadFirst([candidate]);
    if (found?.file.status !== 'found') continue;
    const entry = found.file.index;
    if (entry.callsNamed(FLASK_APP_CALL).length === 0) continue;
    const registers = entry.callsNamed(REGISTER_BLUEPRINT_CALL).some((call) => {
      const argument = positionalArguments(call)[0] ?? keywordArgument(call, 'blueprint');
      return argument !== undefined && namesRouterOf(entry, expressionPath(argument, false), file, owner);
    });
    if (registers) return entry;
  }
  return undefined;
}

/** Module files an import may name: `.auth` beside the file, `app.core.auth` from the file's ancestors or the root. */
function moduleCandidates(file: string, module: string): string[] {
  const dots = /^\.*/.exec(module)![0].length;
  const rest = module.slice(dots).split('.').filter((part) => part !== '');
  const bases = dots > 0 ? [ancestorDirectories(file)[dots - 1] ?? ''] : ancestorDirectories(file).slice(1, MAX_LEVELS + 1).concat(['']);
  const candidates: string[] = [];
  for (const base of new Set(bases)) {
    const stem = joinPath(base, rest.join('/'));
    if (rest.length > 0) candidates.push(`${stem}.py`);
    candidates.push(joinPath(stem, '__init__.py'));
  }
  return candidates;
}

/**
 * FastAPI dependencies imported from another module of the project
 * (`from .auth import get_current_user`): their definition is read, one hop,
 * so checks see how the token is verified.
 */
export async function attachImportedDependencies(endpoints: PyEndpoint[], files: PyContextFiles): Promise<void> {
  for (const endpoint of endpoints) {
    for (const dependency of endpoint.dependencies) {
      if (dependency.definition !== undefined || dependency.callable === '') continue;
      const sourceIndex = (await files.loadedIndex(dependency.file)) ?? endpoint.index;
      const [root, ...rest] = dependency.callable.split('.');
      const source = importSources(sourceIndex).get(root);
      if (source === undefined || source.module === 'fastapi' || source.module.startsWith('fastapi.')) continue;
      const module = source.imported === '*' || rest.length > 0 ? [source.module, ...(source.imported === '*' ? [] : [source.imported])].join('.').replace(/^(\.+)\./, '$1') : source.module;
      const name = rest.length > 0 ? rest[rest.length - 1] : source.imported;
      const found = await files.loadFirst(moduleCandidates(sourceIndex.path, module));
      if (found?.file.status !== 'found') continue;
      const definition = functionsByName(found.file.index).get(name);
      if (definition === undefined) continue;
      dependency.definition = definition;
      dependency.definitionIndex = found.file.index;
      (endpoint.externalCode ??= []).push({ index: found.file.index, scopes: [{ pos: definition.pos, end: definition.end }] });
    }
  }
}
