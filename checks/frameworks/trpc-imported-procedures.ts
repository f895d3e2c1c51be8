/**
 * Router files import their procedures: `import { protectedProcedure } from
 * '~/server/api/trpc'`. One import hop: load that module (bounded, through
 * the ProjectContext), read the procedure's chain there and put its
 * middlewares in place of the procedure's name, so that checks read the
 * middleware that authenticates instead of trusting `protectedProcedure`.
 * A procedure whose module cannot be read keeps its name, which then decides.
 */
import { ts, isIdentifier } from '../lang/ts/parse.js';
import { importSources, variablesByName } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { ProjectContext } from '../project-context.js';
import type { Control, Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';
import { moduleCandidates } from './resolve-imports.js';
import { middlewareNamed, procedureChain, procedureControls } from './trpc-procedures.js';

/** Modules read per review for procedures at most: each is a fetch for the app. */
const MAX_MODULES = 4;

/**
 * For every tRPC endpoint, replaces each procedure imported from the project
 * (a `wrapper` control) by the middlewares its module builds it with, and
 * attaches the definitions of imported middlewares (`.use(isAuthed)`).
 */
export async function attachTrpcProcedures(endpoints: readonly Endpoint[], project: ProjectContext): Promise<void> {
  const modules = new Map<string, Promise<SourceIndex | undefined>>();
  const load = (candidates: string[]): Promise<SourceIndex | undefined> => {
    const key = candidates[0];
    let module = modules.get(key);
    if (module === undefined) {
      module = modules.size >= MAX_MODULES ? Promise.resolve(undefined) : project.loadFirst(candidates).then((file) => (file?.status === 'found' ? file.index : undefined));
      modules.set(key, module);
    }
    return module;
  };

  for (const endpoint of endpoints) {
    if (endpoint.framework !== 'trpc') continue;
    const controls: Control[] = [];
    for (const control of endpoint.controls) {
      const resolved = control.definition === undefined && isIdentifier(control.node) ? await resolveImported(control, control.index ?? endpoint.index, load) : undefined;
      controls.push(...(resolved ?? [control]));
    }
    endpoint.controls = controls;
    for (const control of controls) {
      const index = control.definitionIndex;
      const definition = control.definition;
      if (index === undefined || definition === undefined || index === endpoint.index) continue;
      endpoint.externalCode ??= [];
      if (!endpoint.externalCode.some((region) => region.index === index && region.scopes[0]?.pos === definition.pos)) {
        endpoint.externalCode.push({ index, scopes: reachableScopes(index, [definition]) });
      }
    }
  }
}

/** The controls an imported procedure or middleware stands for; undefined when its module could not be read. */
async function resolveImported(control: Control, owner: SourceIndex, load: (candidates: string[]) => Promise<SourceIndex | undefined>): Promise<Control[] | undefined> {
  const source = importSources(owner).get(control.name);
  if (source === undefined || source.imported === '*' || source.imported === 'default') return undefined;
  const candidates = moduleCandidates(owner.path, source.module);
  if (candidates.length === 0) return undefined;
  const module = await load(candidates);
  if (module === undefined) return undefined;
  const declaration = variablesByName(module).get(source.imported);
  if (control.kind === 'wrapper') {
    const chain = declaration?.initializer === undefined ? undefined : procedureChain(declaration.initializer);
    if (chain === undefined) return undefined;
    // Read in its own module: the chain's nodes, lines and further imports are that file's.
    return procedureControls(module, chain, new Set([source.imported])).map((expanded) => ({ ...expanded, index: module }));
  }
  const definition = middlewareNamed(module, source.imported);
  return definition === undefined ? undefined : [{ ...control, definition, definitionIndex: module }];
}
