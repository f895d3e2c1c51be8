/**
 * The time a review may take. A review that runs out of time still ends in
 * a completed check run: the files it had no time for are listed as skipped
 * with the reason, and the rest is reported as usual.
 *
 * - `totalMs` (default 60 s, `REVIEW_BUDGET_MS`): reading and analysing the
 *   pull request. Files not analysed by then are skipped.
 * - `perFileMs` (default 2 s, `REVIEW_FILE_BUDGET_MS`): analysing one file.
 *   The analysis is synchronous, so it is checked between steps (after
 *   parsing, between endpoints): a file over its budget is skipped after at
 *   most one more step, and the next file starts.
 * - Posting the review and completing the check run get half a budget more;
 *   at 1.5 × `totalMs` every request is aborted and the run completed
 *   `neutral`.
 * - A run still "in progress" after 2 × `totalMs` belongs to a review that
 *   died with its process; the start-up sweep completes it.
 */

export const DEFAULT_REVIEW_BUDGET_MS = 60_000;
export const DEFAULT_FILE_BUDGET_MS = 2_000;
const MIN_BUDGET_MS = 100;
const MAX_BUDGET_MS = 30 * 60_000;

export interface ReviewBudgetSettings {
  totalMs: number;
  perFileMs: number;
}

/** What the analysis engine is told: when to stop taking files, and how long one file may take. */
export interface AnalysisBudget {
  /** Epoch milliseconds after which no further file is analysed. */
  deadline: number;
  perFileMs: number;
  /** The clock; tests pass their own. */
  now?: () => number;
}

/** When every request of a review is aborted and the run is completed `neutral`. */
export function hardDeadlineMs(totalMs: number): number {
  return Math.round(totalMs * 1.5);
}

/** How long a run may stay in progress before it is taken as left behind by a dead process. */
export function staleCheckRunAfterMs(totalMs: number): number {
  return totalMs * 2;
}

/** Reads `REVIEW_BUDGET_MS` and `REVIEW_FILE_BUDGET_MS`; a bad value keeps the default and says why. */
export function budgetFromEnv(env: NodeJS.ProcessEnv = process.env): { settings: ReviewBudgetSettings; problems: string[] } {
  const problems: string[] = [];
  const read = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value.trim() === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < MIN_BUDGET_MS || parsed > MAX_BUDGET_MS) {
      problems.push(`${name}=${JSON.stringify(value)} is not a whole number of milliseconds from ${MIN_BUDGET_MS} to ${MAX_BUDGET_MS}; using ${fallback}`);
      return fallback;
    }
    return parsed;
  };
  return { settings: { totalMs: read('REVIEW_BUDGET_MS', DEFAULT_REVIEW_BUDGET_MS), perFileMs: read('REVIEW_FILE_BUDGET_MS', DEFAULT_FILE_BUDGET_MS) }, problems };
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
