/**
 * NestJS guards that apply to the whole app live outside the controller:
 * `app.useGlobalGuards(new JwtAuthGuard(reflector))` in `main.ts`, or
 * `{ provide: APP_GUARD, useClass: JwtAuthGuard }` in any module. This finds
 * the app's bootstrap file, its root module and the modules that one imports
 * (bounded), puts those guards in front of every controller route, and reads
 * the guard classes the routes name (one import hop), so that a
 * `canActivate` that verifies nothing does not count for its name.
 */
import { ts, SyntaxKind, isArrayLiteralExpression, isCallExpression, isIdentifier, isObjectLiteralExpression, isPropertyAccessExpression, isPropertyAssignment } from '../lang/ts/parse.js';
import { calleeName, importSources, stringValue, unwrapExpression } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { ProjectContext } from '../project-context.js';
import type { Control, Endpoint, NestAppFiles } from './endpoint.js';
import { classesByName, classMethod, controllerNameOf, enhancerControl, guardIgnoresOptOut, isAuthOptOutMarker, joinNestPath } from './nestjs.js';
import { reachableScopes } from './reachable-code.js';
import { moduleCandidates } from './resolve-imports.js';

/** Files parsed per review for the app's bootstrap and modules at most: each is a fetch for the app. */
const MAX_APP_FILES = 8;
/** Folders above the controller searched for `main.ts` / `app.module.ts` (a monorepo's `apps/api/src`). */
const ANCESTOR_LEVELS = 6;
/** Module names read first among the root module's imports: where a global guard usually sits. */
const LIKELY_GUARD_MODULE = /auth|guard|security|iam|identity|core|common|shared/i;

/** A global guard with the file it is registered in and, when read, its class. */
interface GlobalGuard {
  control: Control;
  declaration?: ts.ClassLikeDeclaration;
  declarationIndex?: SourceIndex;
}

interface NestApp {
  /** Where the controller is registered, or the root module: for the `mountedAt` evidence. */
  registeredAt?: { file: string; line: number };
  guards: GlobalGuard[];
  /** `app.setGlobalPrefix('api')` as a path, '' without one. */
  prefix: string;
  files: NestAppFiles;
}

interface Budget {
  parsed: Set<string>;
  exists: Map<string, Promise<boolean>>;
}

/**
 * Adds the app's global guards to every NestJS endpoint (before its own
 * guards, as Nest runs them), attaches the definitions of the guard classes
 * the endpoints use, and records where the app was found (`mountedAt`). When
 * the root module cannot be found the endpoint is marked `mountedElsewhere`,
 * so that authentication is "unknown" rather than a finding.
 */
export async function attachNestGlobalGuards(endpoints: readonly Endpoint[], project: ProjectContext): Promise<void> {
  const nest = endpoints.filter((endpoint) => endpoint.framework === 'nestjs');
  if (nest.length === 0) return;
  if (!project.canCheckExistence) {
    for (const endpoint of nest) endpoint.mountedElsewhere ??= { router: controllerNameOf(endpoint) };
    return;
  }
  const budget: Budget = { parsed: new Set(), exists: new Map() };
  const apps = new Map<string, Promise<NestApp>>();
  for (const endpoint of nest) {
    let app = apps.get(endpoint.file);
    if (app === undefined) {
      app = findNestApp(endpoint.file, controllerNameOf(endpoint), project, budget);
      apps.set(endpoint.file, app);
    }
    const found = await app;
    await resolveRouteGuards(endpoint, project, budget);
    const optedOut = endpoint.controls.some((control) => isAuthOptOutMarker(control.name));
    const applying = found.guards.filter((guard) => !optedOut || guardIgnoresOptOut(guard.control, guard.declaration, guard.declarationIndex));
    endpoint.controls.unshift(...applying.map((guard) => ({ ...guard.control })));
    for (const guard of applying) addExternalCode(endpoint, guard.control);
    endpoint.nestApp = found.files;
    if (found.registeredAt !== undefined) endpoint.mountedAt = { ...found.registeredAt, complete: true, prefix: found.prefix };
    else endpoint.mountedElsewhere ??= { router: controllerNameOf(endpoint) };
  }
}

function addExternalCode(endpoint: Endpoint, control: Control): void {
  const index = control.definitionIndex;
  const definition = control.definition;
  if (index === undefined || definition === undefined || index === endpoint.index) return;
  endpoint.externalCode ??= [];
  if (!endpoint.externalCode.some((region) => region.index === index && region.scopes[0]?.pos === definition.pos)) {
    endpoint.externalCode.push({ index, scopes: reachableScopes(index, [definition]) });
  }
}

async function exists(path: string, project: ProjectContext, budget: Budget): Promise<boolean> {
  let known = budget.exists.get(path);
  if (known === undefined) {
    known = project.exists(path);
    budget.exists.set(path, known);
  }
  return known;
}

/** Loads a file of the project within the budget; undefined when absent, unreadable or over budget. */
async function loadWithin(path: string, project: ProjectContext, budget: Budget): Promise<SourceIndex | undefined> {
  if (!budget.parsed.has(path)) {
    if (budget.parsed.size >= MAX_APP_FILES || !(await exists(path, project, budget))) return undefined;
    budget.parsed.add(path);
  }
  const file = await project.load(path);
  return file.status === 'found' ? file.index : undefined;
}

async function loadFirstWithin(candidates: readonly string[], project: ProjectContext, budget: Budget): Promise<SourceIndex | undefined> {
  for (const candidate of candidates) {
    if (!(await exists(candidate, project, budget))) continue;
    return loadWithin(candidate, project, budget);
  }
  return undefined;
}

function ancestorsOf(file: string): string[] {
  const directories: string[] = [];
  let directory = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  for (let level = 0; level < ANCESTOR_LEVELS; level++) {
    directories.push(directory);
    if (directory === '') break;
    directory = directory.includes('/') ? directory.slice(0, directory.lastIndexOf('/')) : '';
  }
  return directories;
}

const inDirectory = (directory: string, name: string) => (directory === '' ? name : `${directory}/${name}`);

async function findNestApp(file: string, controller: string, project: ProjectContext, budget: Budget): Promise<NestApp> {
  const directories = ancestorsOf(file);
  const main = await loadFirstWithin(directories.map((directory) => inDirectory(directory, 'main.ts')), project, budget);
  let rootModule = main === undefined ? undefined : await rootModuleOf(main, project, budget);
  rootModule ??= await loadFirstWithin(directories.map((directory) => inDirectory(directory, 'app.module.ts')), project, budget);

  // The controller's own module first (it lists the controller), then the root and what it imports.
  const stem = /([^/]+)\.controller\.[cm]?[jt]s$/.exec(file)?.[1];
  const folder = directories[0];
  const ownCandidates = [...new Set([stem, folder.split('/').pop()].filter((name): name is string => name !== undefined && name !== ''))].map((name) => inDirectory(folder, `${name}.module.ts`));
  const ownModule = await loadFirstWithin(ownCandidates, project, budget);
  const modules: SourceIndex[] = [];
  for (const module of [ownModule, rootModule]) if (module !== undefined && !modules.includes(module)) modules.push(module);
  let allModulesRead = rootModule !== undefined;
  if (rootModule !== undefined) {
    const imported = await importedModules(rootModule, project, budget);
    allModulesRead = imported.complete;
    for (const module of imported.loaded) if (!modules.includes(module)) modules.push(module);
  }

  const guards: GlobalGuard[] = [];
  if (main !== undefined) guards.push(...globalGuardsIn(main));
  for (const module of modules) guards.push(...appGuardsIn(module));
  for (const guard of guards) Object.assign(guard, await resolveGuardClass(guard.control, guard.control.index!, project, budget));

  let registeredAt: NestApp['registeredAt'];
  if (rootModule !== undefined) {
    const listing = modules.map((module) => ({ module, line: controllersListLine(module, controller) })).find((entry) => entry.line !== undefined);
    registeredAt = listing !== undefined ? { file: listing.module.path, line: listing.line! } : { file: rootModule.path, line: moduleDecoratorLine(rootModule) };
  }
  const strategies: SourceIndex[] = [];
  for (const module of modules) {
    for (const strategy of await providedStrategies(module, project, budget)) if (!strategies.includes(strategy)) strategies.push(strategy);
  }
  return { registeredAt, guards, prefix: main === undefined ? '' : globalPrefixOf(main), files: { main, modules, complete: main !== undefined && allModulesRead, strategies } };
}

/** `NestFactory.create(AppModule)`: the root module, through main.ts's imports. */
async function rootModuleOf(main: SourceIndex, project: ProjectContext, budget: Budget): Promise<SourceIndex | undefined> {
  const create = main.callsNamed(/^(?:create|createApplicationContext|createMicroservice)$/).find((call) => /NestFactory/.test(main.textOf(call.expression)));
  const argument = create?.arguments[0] === undefined ? undefined : unwrapExpression(create.arguments[0]);
  if (argument === undefined || !isIdentifier(argument)) return undefined;
  const source = importSources(main).get(argument.text);
  if (source === undefined) return undefined;
  return loadFirstWithin(moduleCandidates(main.path, source.module), project, budget);
}

/** The `@Module({ imports: [...] })` entries of the project (not packages), likely guard holders first. */
async function importedModules(module: SourceIndex, project: ProjectContext, budget: Budget): Promise<{ loaded: SourceIndex[]; complete: boolean }> {
  const imports = importSources(module);
  const names: string[] = [];
  for (const property of moduleProperties(module, 'imports')) {
    const value = unwrapExpression(property.initializer);
    if (!isArrayLiteralExpression(value)) continue;
    for (const element of value.elements) {
      const unwrapped = unwrapExpression(element);
      // `AuthModule` or `AuthModule.forRoot(...)`.
      const target = isCallExpression(unwrapped) && isPropertyAccessExpression(unwrapped.expression) ? unwrapped.expression.expression : unwrapped;
      if (isIdentifier(target) && imports.has(target.text)) names.push(target.text);
    }
  }
  names.sort((a, b) => Number(LIKELY_GUARD_MODULE.test(b)) - Number(LIKELY_GUARD_MODULE.test(a)));
  const loaded: SourceIndex[] = [];
  let complete = true;
  for (const name of names) {
    const source = imports.get(name)!.module;
    // A package module (`ConfigModule` from '@nestjs/config') has no file here; only the project's own count.
    if (!source.startsWith('.') && !source.startsWith('@/') && !source.startsWith('~/') && !source.startsWith('src/')) continue;
    const index = budget.parsed.size >= MAX_APP_FILES ? undefined : await loadFirstWithin(moduleCandidates(module.path, source), project, budget);
    if (index !== undefined) loaded.push(index);
    else complete = false;
  }
  return { loaded, complete };
}

/** The files of the Passport strategies a module provides: `providers: [JwtStrategy]` with `JwtStrategy` imported from the project. */
async function providedStrategies(module: SourceIndex, project: ProjectContext, budget: Budget): Promise<SourceIndex[]> {
  const imports = importSources(module);
  const found: SourceIndex[] = [];
  for (const property of moduleProperties(module, 'providers')) {
    const value = unwrapExpression(property.initializer);
    if (!isArrayLiteralExpression(value)) continue;
    for (const element of value.elements) {
      const provider = unwrapExpression(element);
      if (!isIdentifier(provider) || !/Strategy$/.test(provider.text)) continue;
      if (classesByName(module).has(provider.text)) {
        found.push(module);
        continue;
      }
      const source = imports.get(provider.text);
      if (source === undefined || !source.module.startsWith('.')) continue;
      const file = await loadFirstWithin(moduleCandidates(module.path, source.module), project, budget);
      if (file !== undefined) found.push(file);
    }
  }
  return found;
}

/** The `name: ...` properties of the file's `@Module({...})` metadata. */
function moduleProperties(index: SourceIndex, name: string): ts.PropertyAssignment[] {
  const properties: ts.PropertyAssignment[] = [];
  for (const decorator of index.nodesOfKind<ts.Decorator>(SyntaxKind.Decorator)) {
    const call = unwrapExpression(decorator.expression);
    if (!isCallExpression(call) || calleeName(call) !== 'Module') continue;
    const metadata = call.arguments[0] === undefined ? undefined : unwrapExpression(call.arguments[0]);
    if (metadata === undefined || !isObjectLiteralExpression(metadata)) continue;
    for (const property of metadata.properties) {
      if (isPropertyAssignment(property) && isIdentifier(property.name) && property.name.text === name) properties.push(property);
    }
  }
  return properties;
}

function controllersListLine(module: SourceIndex, controller: string): number | undefined {
  for (const property of moduleProperties(module, 'controllers')) {
    const value = unwrapExpression(property.initializer);
    if (!isArrayLiteralExpression(value)) continue;
    const listed = value.elements.find((element) => isIdentifier(element) && element.text === controller);
    if (listed !== undefined) return module.lineOf(listed);
  }
  return undefined;
}

function moduleDecoratorLine(module: SourceIndex): number {
  const decorator = module.nodesOfKind<ts.Decorator>(SyntaxKind.Decorator).find((node) => /^@\s*Module\b/.test(module.textOf(node)));
  return decorator === undefined ? 1 : module.lineOf(decorator);
}

/** `app.setGlobalPrefix('api')` gives `/api`. */
function globalPrefixOf(main: SourceIndex): string {
  const call = main.callsNamed(/^setGlobalPrefix$/)[0];
  const prefix = stringValue(call?.arguments[0]);
  return prefix === undefined ? '' : joinNestPath(prefix);
}

/** `app.useGlobalGuards(new JwtAuthGuard(reflector), ...)`. */
function globalGuardsIn(main: SourceIndex): GlobalGuard[] {
  return main.memo('nestUseGlobalGuards', () =>
    main.callsNamed(/^useGlobalGuards$/).flatMap((call) => call.arguments.map((argument) => ({ control: { ...enhancerControl(main, argument, 'router-middleware'), index: main } }))),
  );
}

/** `{ provide: APP_GUARD, useClass: JwtAuthGuard }` (or `useExisting`, `useValue: new X()`, a `useFactory` that builds one). */
function appGuardsIn(module: SourceIndex): GlobalGuard[] {
  if (!module.text.includes('APP_GUARD')) return [];
  return module.memo('nestAppGuards', () => {
    const guards: GlobalGuard[] = [];
    for (const provider of module.nodesOfKind<ts.ObjectLiteralExpression>(SyntaxKind.ObjectLiteralExpression)) {
      const properties = new Map<string, ts.Expression>();
      for (const property of provider.properties) if (isPropertyAssignment(property) && isIdentifier(property.name)) properties.set(property.name.text, property.initializer);
      const provide = properties.get('provide');
      if (provide === undefined || !/(?:^|\.)APP_GUARD$/.test(module.textOf(provide))) continue;
      let guard = properties.get('useClass') ?? properties.get('useExisting') ?? properties.get('useValue');
      const factory = properties.get('useFactory');
      if (guard === undefined && factory !== undefined) {
        guard = module.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, [{ pos: factory.pos, end: factory.end }])[0];
      }
      if (guard === undefined) continue;
      guards.push({ control: { ...enhancerControl(module, guard, 'router-middleware'), index: module } });
    }
    return guards;
  });
}

/**
 * The class of a guard named in `owner` (that file, or one import hop away),
 * with its `canActivate` attached to the control as its definition.
 */
async function resolveGuardClass(control: Control, owner: SourceIndex, project: ProjectContext, budget: Budget): Promise<Pick<GlobalGuard, 'declaration' | 'declarationIndex'>> {
  if (!/^\w+$/.test(control.name)) return {};
  let declaration: ts.ClassLikeDeclaration | undefined = classesByName(owner).get(control.name);
  let declarationIndex: SourceIndex | undefined = declaration === undefined ? undefined : owner;
  if (declaration === undefined) {
    const source = importSources(owner).get(control.name);
    const candidates = source === undefined ? [] : moduleCandidates(owner.path, source.module);
    const module = candidates.length === 0 ? undefined : await loadFirstWithin(candidates, project, budget);
    declaration = module === undefined ? undefined : classesByName(module).get(source!.imported);
    declarationIndex = declaration === undefined ? undefined : module;
  }
  if (declaration === undefined || declarationIndex === undefined) return {};
  const canActivate = classMethod(declaration, 'canActivate');
  if (canActivate !== undefined && control.definition === undefined) {
    control.definition = canActivate;
    control.definitionIndex = declarationIndex;
  }
  return { declaration, declarationIndex };
}

/** Whether a control of the route is an argument of `@UseGuards(...)`. */
function isGuard(control: Control): boolean {
  const parent = control.node.parent;
  return parent !== undefined && isCallExpression(parent) && calleeName(parent) === 'UseGuards';
}

/** Reads the imported guard classes of the route's own `@UseGuards(...)` (one hop). */
async function resolveRouteGuards(endpoint: Endpoint, project: ProjectContext, budget: Budget): Promise<void> {
  for (const control of endpoint.controls) {
    if (control.definition !== undefined || !isGuard(control)) continue;
    await resolveGuardClass(control, endpoint.index, project, budget);
    addExternalCode(endpoint, control);
  }
}
