/**
 * Fastify hooks often name a decorator defined elsewhere:
 * `onRequest: [fastify.authenticate]` in a routes plugin, with
 * `app.decorate('authenticate', async (request, reply) => ...)` in the server
 * file. This finds the decorator among the app's entry files and attaches its
 * definition, so checks read what it does rather than trust its name.
 */
import { ts, isIdentifier } from '../lang/ts/parse.js';
import { functionsByName, isFunctionNode, stringValue, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { ProjectContext } from '../project-context.js';
import type { Endpoint } from './endpoint.js';
import { bootstrapCandidates } from './express-mounts.js';
import { reachableScopes } from './reachable-code.js';

/** Entry files read per review for decorators at most: each is a fetch for the app. */
const MAX_FILES = 4;

/** `x.decorate('name', fn)` anywhere in the file, by decorator name (first wins). */
export function decoratorsIn(index: SourceIndex): Map<string, FunctionNode> {
  return index.memo('fastifyDecorators', () => {
    const functions = functionsByName(index);
    const decorators = new Map<string, FunctionNode>();
    for (const call of index.callsNamed(/^decorate$/)) {
      const name = stringValue(call.arguments[0]);
      const value = call.arguments[1] === undefined ? undefined : unwrapExpression(call.arguments[1]);
      const definition = value === undefined ? undefined : isFunctionNode(value) ? value : isIdentifier(value) ? functions.get(value.text) : undefined;
      if (name !== undefined && definition !== undefined && !decorators.has(name)) decorators.set(name, definition);
    }
    return decorators;
  });
}

export async function attachFastifyDecorators(endpoints: readonly Endpoint[], project: ProjectContext): Promise<void> {
  if (!project.canCheckExistence) return;
  const wanted = endpoints.filter(
    (endpoint) => endpoint.framework === 'fastify' && endpoint.controls.some((control) => control.definition === undefined && /^\w+\.\w+$/.test(control.name)),
  );
  if (wanted.length === 0) return;
  let read = 0;
  const searched = new Set<string>();
  for (const endpoint of wanted) {
    for (const candidate of bootstrapCandidates(endpoint.file)) {
      if (searched.has(candidate) || read >= MAX_FILES) continue;
      searched.add(candidate);
      if (!(await project.exists(candidate))) continue;
      const loaded = await project.load(candidate);
      read++;
      if (loaded.status !== 'found') continue;
      const decorators = decoratorsIn(loaded.index);
      if (decorators.size === 0) continue;
      for (const other of wanted) {
        for (const control of other.controls) {
          if (control.definition !== undefined || !/^\w+\.\w+$/.test(control.name)) continue;
          const definition = decorators.get(control.name.split('.')[1]);
          if (definition === undefined) continue;
          control.definition = definition;
          control.definitionIndex = loaded.index;
          other.externalCode ??= [];
          other.externalCode.push({ index: loaded.index, scopes: reachableScopes(loaded.index, [definition]) });
        }
      }
    }
  }
}
