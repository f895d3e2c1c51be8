/** Order statistics for timing samples (milliseconds). */

/** Nearest-rank percentile of `values` (need not be sorted); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Median of `values` (mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface TimingSummary {
  p50Ms: number;
  p99Ms: number;
  totalMs: number;
}

export function summarize(samples: readonly number[]): TimingSummary {
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), totalMs: sum(samples) };
}

/**
 * The round whose total is the median of all rounds: a whole round is kept
 * (not per-file medians across rounds) so p50, p99 and total describe one
 * real pass over the corpus.
 */
export function medianRound(rounds: readonly (readonly number[])[]): readonly number[] {
  if (rounds.length === 0) throw new Error('no rounds measured');
  const ordered = [...rounds].sort((a, b) => sum(a) - sum(b));
  return ordered[Math.floor((ordered.length - 1) / 2)];
}

/**
 * The sum over files of each file's fastest round. Other tenants of a shared
 * machine only ever add time, in bursts that hit some files of some rounds:
 * the per-file minimum filters them out, so this total moves by a few percent
 * between runs where the median round's total moves by 15% or more. It leaves
 * out most garbage collection, so it is a floor, read beside the median round.
 */
export function fastestRoundsTotal(rounds: readonly (readonly number[])[]): number {
  if (rounds.length === 0) throw new Error('no rounds measured');
  let total = 0;
  for (let file = 0; file < rounds[0].length; file++) {
    let fastest = Number.POSITIVE_INFINITY;
    for (const round of rounds) fastest = Math.min(fastest, round[file]);
    total += fastest;
  }
  return total;
}
