/**
 * The read-only git commands the CLI runs, through `execFile` (no shell).
 * Every call disables what could make git start another program from the
 * repository's configuration (fsmonitor hooks, external diff drivers,
 * textconv). Only commands that never write are used (plumbing diff-index
 * rather than `git diff`, which refreshes the index), and optional locks are
 * off, so a scan leaves the repository exactly as it found it.
 */
import { execFile } from 'node:child_process';

export type GitResult = { ok: true; stdout: string } | { ok: false; notInstalled: boolean; message: string };

/** Output of a large diff fits: a scan of a big branch must not die on maxBuffer. */
const MAX_GIT_OUTPUT = 512 * 1024 * 1024;

const SAFE_CONFIG = ['-c', 'core.fsmonitor=false', '-c', 'core.quotepath=false', '-c', 'diff.suppressBlankEmpty=false', '--literal-pathspecs', '--no-pager'];

/** Runs `git <args>` in `cwd`; resolves with stdout or with git's error message. */
export function runGit(args: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      {
        cwd,
        maxBuffer: MAX_GIT_OUTPUT,
        encoding: 'utf8',
        windowsHide: true,
        env: { ...env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_EXTERNAL_DIFF: '', GIT_PAGER: 'cat' },
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, stdout });
          return;
        }
        const notInstalled = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const message = notInstalled ? 'git is not installed (or not on PATH)' : stderr.trim() || error.message;
        resolve({ ok: false, notInstalled, message });
      },
    );
  });
}

export type GitWorkTree = { kind: 'repository'; root: string } | { kind: 'none'; reason: string } | { kind: 'error'; message: string };

/**
 * The work tree containing `cwd`. "Not a repository" and "git missing" are
 * normal (the CLI then walks directories itself); any other failure, such
 * as git refusing a repository owned by someone else, is an error, because
 * silently walking would stop honouring `.gitignore`.
 */
export async function findWorkTree(cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<GitWorkTree> {
  const result = await runGit(['rev-parse', '--show-toplevel'], cwd, env);
  if (result.ok) return { kind: 'repository', root: result.stdout.replace(/\r?\n$/, '') };
  if (result.notInstalled) return { kind: 'none', reason: result.message };
  if (/not a git repository/i.test(result.message)) return { kind: 'none', reason: 'not inside a git work tree' };
  return { kind: 'error', message: result.message };
}

/** Splits NUL-terminated output (`-z`) into its entries. */
export function splitNul(output: string): string[] {
  return output.split('\0').filter((entry) => entry.length > 0);
}
