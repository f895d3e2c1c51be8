/**
 * A record of the check runs this app has opened and not yet completed, so
 * that a process killed mid-review (deploy, OOM, crash) leaves no required
 * check "in progress" forever: at start-up the runs left behind are found
 * here and completed `neutral` (see sweep-open-check-runs.ts).
 *
 * Why a record and not a search through the Checks API: GitHub has no
 * "check runs of this app in progress" query; finding them means listing
 * every installation, repository and open pull request, thousands of
 * requests at start-up. The record costs one small file write per review
 * and nothing at a clean start. It holds ids only (no code, no token).
 *
 * One JSON file per run in a directory: opening and completing runs of
 * concurrent reviews never contend for one file, and a file is written to a
 * temporary name and renamed, so a crash never leaves half a record.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A check run opened by a review of this app, enough to complete it from another process. */
export interface OpenCheckRun {
  installationId: number;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  checkRunId: number;
  /** ISO time the run was opened. */
  openedAt: string;
}

export interface OpenCheckRunLedger {
  /** Records a run the moment it is opened. Never throws: a failed write costs only the recovery. */
  opened(run: OpenCheckRun): Promise<void>;
  /** Forgets a run once it is completed (or can never be: app uninstalled). Never throws. */
  closed(checkRunId: number): Promise<void>;
  /** The recorded runs, oldest first, at most `limit`; unreadable records are dropped. */
  list(limit: number): Promise<OpenCheckRun[]>;
  /** True while this process's own review holds the run: a sweep must not complete it. */
  isLive(checkRunId: number): boolean;
}

/** The directory when `REVIEW_STATE_DIR` is not set; per app id, so two apps on one host do not mix. */
export function defaultLedgerDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REVIEW_STATE_DIR !== undefined && env.REVIEW_STATE_DIR.trim() !== '') return join(env.REVIEW_STATE_DIR, 'open-check-runs');
  const appId = /^\d+$/.test(env.APP_ID ?? '') ? env.APP_ID : 'default';
  return join(tmpdir(), `api-security-review-${appId}`, 'open-check-runs');
}

export class FileOpenCheckRunLedger implements OpenCheckRunLedger {
  private readonly live = new Set<number>();

  constructor(readonly directory: string) {}

  async opened(run: OpenCheckRun): Promise<void> {
    this.live.add(run.checkRunId);
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      const target = this.pathOf(run.checkRunId);
      const temporary = `${target}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(run), { mode: 0o600 });
      await rename(temporary, target);
    } catch {
      // Recovery after a crash is best effort; the review itself must not fail for it.
    }
  }

  async closed(checkRunId: number): Promise<void> {
    this.live.delete(checkRunId);
    await rm(this.pathOf(checkRunId), { force: true }).catch(() => undefined);
  }

  async list(limit: number): Promise<OpenCheckRun[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return [];
    }
    const runs: OpenCheckRun[] = [];
    for (const name of names) {
      if (!/^\d+\.json$/.test(name)) continue;
      const run = parseRecord(await readFile(join(this.directory, name), 'utf8').catch(() => ''));
      if (run === undefined) {
        await rm(join(this.directory, name), { force: true }).catch(() => undefined);
        continue;
      }
      runs.push(run);
    }
    return runs.sort((a, b) => a.openedAt.localeCompare(b.openedAt)).slice(0, limit);
  }

  isLive(checkRunId: number): boolean {
    return this.live.has(checkRunId);
  }

  private pathOf(checkRunId: number): string {
    return join(this.directory, `${checkRunId}.json`);
  }
}

/** A stored record read back: the run, or undefined when it is not one (truncated, edited, another version's). */
export function parseRecord(text: string): OpenCheckRun | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const integer = (key: string) => Number.isSafeInteger(record[key]) && (record[key] as number) > 0;
  const text_ = (key: string) => typeof record[key] === 'string' && (record[key] as string) !== '';
  if (!integer('installationId') || !integer('pullNumber') || !integer('checkRunId')) return undefined;
  if (!text_('owner') || !text_('repo') || !text_('headSha') || !text_('openedAt') || Number.isNaN(Date.parse(record.openedAt as string))) return undefined;
  return {
    installationId: record.installationId as number,
    owner: record.owner as string,
    repo: record.repo as string,
    pullNumber: record.pullNumber as number,
    headSha: record.headSha as string,
    checkRunId: record.checkRunId as number,
    openedAt: record.openedAt as string,
  };
}
