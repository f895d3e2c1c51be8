import { ts, isIdentifier } from '../lang/ts/parse.js';
import { functionsByName, type FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf } from './endpoint.js';

/** Bound on helper functions followed, so a file of mutual calls stays linear. */
const MAX_FUNCTIONS = 32;

/**
 * The scopes of `roots` plus every same-file function they call by name,
 * transitively (bounded). "Changed endpoint" and every check look at this
 * code, so a helper in the same file counts as part of the endpoint.
 */
export function reachableScopes(index: SourceIndex, roots: readonly ts.Node[], functions = functionsByName(index)): Scope[] {
  const seen = new Set<ts.Node>(roots);
  const queue: ts.Node[] = [...roots];
  const scopes: Scope[] = [];
  while (queue.length > 0) {
    const node = queue.shift()!;
    scopes.push(scopeOf(node));
    if (seen.size >= MAX_FUNCTIONS) continue;
    for (const call of index.calls([scopeOf(node)])) {
      if (!isIdentifier(call.expression)) continue;
      const target: FunctionNode | undefined = functions.get(call.expression.text);
      if (target === undefined || seen.has(target) || seen.size >= MAX_FUNCTIONS) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  return scopes;
}
