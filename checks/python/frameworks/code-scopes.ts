/**
 * The code of a file that runs for an endpoint: the handler, plus the
 * functions of the same file it calls by name (two calls deep), the way the
 * TypeScript discovery follows same-file helpers.
 */
import { calleeName, childByField, definitionStatement, functionsByName } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex, Scope } from '../../lang/py/source-index.js';
import { scopesKey } from '../../lang/py/scoped-facts.js';

const HELPER_DEPTH = 2;

/** Scopes for `roots` and the same-file functions they call, each function once, sorted. */
export function codeScopes(index: PySourceIndex, roots: readonly PyNode[]): Scope[] {
  // A ViewSet's actions ask with the same roots (its hooks and class statements): followed once.
  let key = 'py:codeScopesOf:';
  for (const root of roots) key += `${root.type}@${root.pos}-${root.end},`;
  return index.memo(key, () => followHelpers(index, roots));
}

function followHelpers(index: PySourceIndex, roots: readonly PyNode[]): Scope[] {
  const functions = functionsByName(index);
  const seen = new Set<PyNode>();
  let frontier = [...roots];
  for (let depth = 0; depth <= HELPER_DEPTH && frontier.length > 0; depth++) {
    const next: PyNode[] = [];
    for (const node of frontier) {
      if (seen.has(node)) continue;
      seen.add(node);
      for (const call of index.calls([{ pos: node.pos, end: node.end }])) {
        const callee = childByField(call, 'function');
        if (callee?.type !== 'identifier') continue;
        const helper = functions.get(calleeName(call));
        if (helper !== undefined && !seen.has(helper)) next.push(helper);
      }
    }
    frontier = next;
  }
  const scopes = [...seen]
    .map((node) => (node.type === 'function_definition' || node.type === 'class_definition' ? definitionStatement(node) : node))
    .map((node) => ({ pos: node.pos, end: node.end }))
    .sort((a, b) => a.pos - b.pos);
  // Equal scopes are one array per file (a ViewSet's actions run the same hooks; a route serving two methods the same
  // code): facts cached on the array (ScopedFacts, the index's scoped answers) then serve them all. Never mutated.
  return index.memo(`py:codeScopes:${scopesKey(scopes)}`, () => scopes);
}
