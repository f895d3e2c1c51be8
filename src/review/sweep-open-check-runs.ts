/**
 * Completes the check runs that reviews of a dead process left "in
 * progress" (see open-check-run-ledger.ts). A required check stuck in
 * progress blocks the merge until someone notices; this turns it into a
 * `neutral` run that says what happened and how to re-run it.
 *
 * Runs at start-up and then periodically. A run is touched only when it is
 * older than the stale age (twice the review budget: a live review would
 * have finished or been stopped by then) and not held by a review of this
 * process, so replicas sharing the state directory do not complete each
 * other's live runs.
 */
import type { Logger } from 'pino';
import { completeCheckRun, getCheckRun } from '../github/check-runs.js';
import { describeGitHubError, isInstallationGone, isNotFound, type GitHubClient } from '../github/client.js';
import { renderInterruptedOutput } from '../render/reliability-output.js';
import type { OpenCheckRun, OpenCheckRunLedger } from './open-check-run-ledger.js';

/** Runs looked at per sweep: a restart after a long outage must not flood GitHub; the next sweep takes the rest. */
const SWEEP_LIMIT = 200;

export interface SweepDependencies {
  ledger: OpenCheckRunLedger;
  /** An Octokit authenticated as the installation (Probot's `app.auth(id)`). */
  auth(installationId: number): Promise<GitHubClient>;
  staleAfterMs: number;
  log: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
}

export interface SweepResult {
  /** Runs completed `neutral` by this sweep. */
  completed: number[];
  /** Records dropped without a write: the run was already completed, or is gone with its installation or repository. */
  forgotten: number[];
  /** Runs kept for the next sweep: a request failed. */
  kept: number[];
}

export async function sweepOpenCheckRuns(deps: SweepDependencies): Promise<SweepResult> {
  const now = deps.now ?? Date.now;
  const result: SweepResult = { completed: [], forgotten: [], kept: [] };
  const stale = (await deps.ledger.list(SWEEP_LIMIT)).filter((run) => !deps.ledger.isLive(run.checkRunId) && now() - Date.parse(run.openedAt) > deps.staleAfterMs);
  for (const run of stale) {
    const outcome = await completeLeftBehind(run, deps);
    result[outcome].push(run.checkRunId);
    if (outcome !== 'kept') await deps.ledger.closed(run.checkRunId);
  }
  if (stale.length > 0) {
    deps.log.info(
      { completed: result.completed.length, forgotten: result.forgotten.length, kept: result.kept.length },
      'check runs left in progress by an interrupted review were swept',
    );
  }
  return result;
}

async function completeLeftBehind(run: OpenCheckRun, deps: SweepDependencies): Promise<keyof SweepResult> {
  const where = `check run ${run.checkRunId} on ${run.owner}/${run.repo}#${run.pullNumber}`;
  try {
    const octokit = await deps.auth(run.installationId);
    const state = await getCheckRun(octokit, { owner: run.owner, repo: run.repo, checkRunId: run.checkRunId });
    // Completed since (a re-run of the same job, or the review got through after all): nothing to do.
    if (state.status === 'completed') return 'forgotten';
    await completeCheckRun(octokit, { owner: run.owner, repo: run.repo, checkRunId: run.checkRunId, conclusion: 'neutral', output: renderInterruptedOutput(run.openedAt) });
    deps.log.info(`${where} was left in progress by an interrupted review; completed neutral with a re-run hint`);
    return 'completed';
  } catch (error) {
    if (isInstallationGone(error) || isNotFound(error)) return 'forgotten';
    deps.log.warn(`cannot complete the ${where}: ${describeGitHubError(error)}; the next sweep tries again`);
    return 'kept';
  }
}
