/**
 * Character ranges of a file and the binary search over nodes in document
 * order that both source indexes (TypeScript and Python) answer scoped
 * queries with. Language-neutral: a node here is anything with a start `pos`.
 */

/** A half-open character range [pos, end) of the file, e.g. a handler's body. */
export interface Scope {
  pos: number;
  end: number;
}

/** The first index of `nodes` (sorted by `pos`) whose `pos` is at or after `pos`. */
export function lowerBound(nodes: readonly { pos: number }[], pos: number): number {
  let low = 0;
  let high = nodes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (nodes[mid].pos < pos) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Sorted, non-overlapping scopes, so that a node is returned once. */
export function mergeScopes(scopes: readonly Scope[]): Scope[] {
  const sorted = [...scopes].sort((a, b) => a.pos - b.pos);
  const merged: Scope[] = [];
  for (const scope of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && scope.pos <= last.end) last.end = Math.max(last.end, scope.end);
    else merged.push({ pos: scope.pos, end: scope.end });
  }
  return merged;
}
