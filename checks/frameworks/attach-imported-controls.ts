/**
 * After discovery: for every middleware or wrapper an endpoint imports from
 * the project (relative or `@/` imports), load its module once (bounded,
 * through the ProjectContext) and attach the definition, so that checks read
 * what the control does rather than trust its name.
 */
import { importSources } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { ProjectContext } from '../project-context.js';
import type { Endpoint } from './endpoint.js';
import { reachableScopes } from './reachable-code.js';
import { findExportedFunction, moduleCandidates } from './resolve-imports.js';

/** A relative or `@/` / `~/` import: the only specifiers moduleCandidates resolves to files of the project. */
function isProjectSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('@/') || specifier.startsWith('~/');
}

export async function attachImportedControls(endpoints: readonly Endpoint[], project: ProjectContext): Promise<void> {
  const importsByFile = new Map<SourceIndex, ReturnType<typeof importSources>>();
  const modules = new Map<string, Promise<SourceIndex | undefined>>();
  const pending: Promise<void>[] = [];
  // Every endpoint of a router names the same few imported middlewares: their paths are worked out once per file and module.
  // By file, then specifier: both strings are the index's and the import's own, hashed once, where a key joining them
  // was built and hashed for every control.
  const candidatesByImport = new Map<string, Map<string, string[]>>();
  const candidatesOf = (fromFile: string, specifier: string): string[] => {
    let bySpecifier = candidatesByImport.get(fromFile);
    if (bySpecifier === undefined) candidatesByImport.set(fromFile, (bySpecifier = new Map()));
    let candidates = bySpecifier.get(specifier);
    if (candidates === undefined) {
      candidates = moduleCandidates(fromFile, specifier);
      bySpecifier.set(specifier, candidates);
    }
    return candidates;
  };

  for (const endpoint of endpoints) {
    for (const control of endpoint.controls) {
      if (control.definition !== undefined) continue;
      // A control written in a bootstrap file resolves through that file's imports.
      const owner = control.index ?? endpoint.index;
      let imports = importsByFile.get(owner);
      if (imports === undefined) {
        imports = importSources(owner);
        importsByFile.set(owner, imports);
      }
      // The name's first segment without call markers, read before any string is built: most controls
      // (`express.json()`, `cors()`) come from packages, which have no module of the project to load.
      const name = control.name;
      const dot = name.indexOf('.');
      const head = dot < 0 ? name : name.slice(0, dot);
      const source = imports.get(head.includes('()') ? head.replace(/\(\)/g, '') : head);
      if (source === undefined || !isProjectSpecifier(source.module)) continue;
      // `import * as auth from './auth'; auth.verify` and `const auth = require('./auth'); auth.verify`.
      const member = source.imported === '*' || source.imported === 'default' ? secondSegment(name) : undefined;
      const imported = member ?? source.imported;
      const candidates = candidatesOf(owner.path, source.module);
      if (candidates.length === 0) continue;
      const key = candidates[0];
      let module = modules.get(key);
      if (module === undefined) {
        module = project.loadFirst(candidates).then((file) => (file?.status === 'found' ? file.index : undefined));
        modules.set(key, module);
      }
      pending.push(
        module.then((index) => {
          if (index === undefined) return;
          const definition = findExportedFunction(index, imported);
          if (definition === undefined) return;
          control.definition = definition;
          control.definitionIndex = index;
          endpoint.externalCode ??= [];
          if (!endpoint.externalCode.some((region) => region.index === index && region.scopes[0]?.pos === definition.pos)) {
            endpoint.externalCode.push({ index, scopes: reachableScopes(index, [definition]) });
          }
        }),
      );
    }
  }
  if (pending.length > 0) await Promise.all(pending);
}

/** The second segment of a dotted name without call markers (`verify` of `auth.verify()`), if it has one. */
function secondSegment(name: string): string | undefined {
  const plain = name.includes('()') ? name.replace(/\(\)/g, '') : name;
  const first = plain.indexOf('.');
  if (first < 0) return undefined;
  const second = plain.indexOf('.', first + 1);
  return second < 0 ? plain.slice(first + 1) : plain.slice(first + 1, second);
}
