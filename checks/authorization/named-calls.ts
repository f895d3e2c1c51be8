/**
 * Calls whose callee's last name matches a pattern, for patterns asked about
 * once per endpoint. `index.callsNamed(pattern, scopes)` keys its per-file
 * answers by the pattern's source, a string rebuilt and hashed on every
 * question: for the long name patterns of the authorization and output
 * checks that was most of the question's cost. Here the whole file's calls
 * of the pattern are found once, under a constant key, and each endpoint
 * picks those inside its scopes.
 */
import type { ts } from '../lang/ts/parse.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import { lowerBound, mergeScopes } from '../lang/scopes.js';
import { KeySlots } from '../lang/key-slots.js';

/**
 * What `index.callsNamed(pattern, scopes)` answers: the same calls in the
 * same order (document order, an outer call before the calls it contains).
 * `key` names the pattern for the file's memo and must not be shared by
 * another pattern.
 */
export function callsMatching(index: SourceIndex, key: string, pattern: RegExp, scopes: readonly Scope[]): readonly ts.CallExpression[] {
  return nodesInScopes(index.memo(key, () => index.callsNamed(pattern)), scopes);
}

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
