/**
 * The nodes of a file-wide list that fall inside an endpoint's scopes, for
 * lists a check gathers once per file (candidate record queries, calls of
 * imported helpers) and asks about once per endpoint: a binary search per
 * scope range rather than a scan of the whole list. Calls by callee name are
 * asked of the index instead (`index.callsNamed(pattern, scopes)`), which
 * answers the same way.
 */
import type { ts } from '../lang/ts/parse.js';
import type { Scope } from '../lang/ts/source-index.js';
import { lowerBound, mergeScopes } from '../lang/scopes.js';
import { KeySlots } from '../lang/key-slots.js';

/**
 * The nodes of a file-wide list (document order) inside `scopes`, as the
 * index collects them: per range (sorted, disjoint), by binary search.
 */
export function nodesInScopes<T extends ts.Node>(nodes: readonly T[], scopes: readonly Scope[]): readonly T[] {
  if (nodes.length === 0) return nodes;
  let found: T[] | undefined;
  for (const range of mergedRanges(scopes)) {
    for (let at = lowerBound(nodes, range.pos); at < nodes.length && nodes[at].pos < range.end; at++) {
      if (nodes[at].end <= range.end) (found ??= []).push(nodes[at]);
    }
  }
  return found ?? (NONE as readonly T[]);
}

const NONE: readonly ts.Node[] = Object.freeze([]);

const mergedByScopes = new KeySlots<readonly Scope[], readonly Scope[]>('namedCallRanges');

/** The ranges the index answers over: the scopes sorted, overlaps joined; once per scopes array (an endpoint's). */
function mergedRanges(scopes: readonly Scope[]): readonly Scope[] {
  if (scopes.length === 1) return scopes;
  let merged = mergedByScopes.get(scopes);
  if (merged === undefined) {
    merged = isSortedAndDisjoint(scopes) ? scopes : mergeScopes(scopes);
    mergedByScopes.set(scopes, merged);
  }
  return merged;
}

function isSortedAndDisjoint(scopes: readonly Scope[]): boolean {
  for (let i = 1; i < scopes.length; i++) if (scopes[i].pos <= scopes[i - 1].end) return false;
  return true;
}
