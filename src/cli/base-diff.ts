/**
 * `--base <ref>`: what a pull request from the current branch into <ref>
 * would change, so that only changed endpoints are reviewed.
 *
 * The head side is the working tree, not HEAD: committed, staged and
 * unstaged changes all count, and so do new files not yet added to git
 * (unless git-ignored). That is "the PR as it would be if you committed
 * now", which is what someone running the CLI before pushing wants to see.
 * The base side is the merge base of <ref> and HEAD, as on GitHub.
 */
import parseDiff from 'parse-diff';
import { parsePatch } from '../diff/changed-lines.js';
import { runGit, splitNul } from './git.js';
import { compareCodeUnits } from './project-paths.js';

export interface ChangedFile {
  /** Project path of the head version. */
  path: string;
  /** Changed lines of the head version; undefined when the whole file is new to git. */
  changedLines?: ReadonlySet<number>;
}

export type ChangedFilesResult = { ok: true; files: ChangedFile[] } | { ok: false; message: string };

type Env = Readonly<Record<string, string | undefined>>;

/** Files changed since the merge base of `base` and HEAD, restricted to `scopes` (project paths, '' = all). */
export async function listChangedFiles(root: string, base: string, scopes: readonly string[], env: Env): Promise<ChangedFilesResult> {
  const baseCommit = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${base}^{commit}`], root, env);
  if (!baseCommit.ok) return { ok: false, message: `unknown git ref for --base: ${base}` };
  const mergeBase = await runGit(['merge-base', baseCommit.stdout.trim(), 'HEAD'], root, env);
  if (!mergeBase.ok) return { ok: false, message: `no common ancestor of ${base} and HEAD: ${mergeBase.message || 'unrelated histories'}` };

  const pathspecs = scopes.map((scope) => (scope === '' ? '.' : scope));
  const diff = await runGit(
    [
      // Plumbing: unlike `git diff`, diff-index never rewrites the index's stat cache, and ignores diff.* UI config.
      'diff-index',
      '--patch',
      '--unified=3',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--no-relative',
      '--find-renames',
      '--src-prefix=a/',
      '--dst-prefix=b/',
      mergeBase.stdout.trim(),
      '--',
      ...pathspecs,
    ],
    root,
    env,
  );
  if (!diff.ok) return { ok: false, message: `git diff-index failed: ${diff.message}` };
  const untracked = await runGit(['ls-files', '-z', '--others', '--exclude-standard', '--', ...pathspecs], root, env);
  if (!untracked.ok) return { ok: false, message: `git ls-files failed: ${untracked.message}` };

  const files = new Map<string, ChangedFile>();
  for (const file of changedFilesOfDiff(diff.stdout)) files.set(file.path, file);
  for (const path of splitNul(untracked.stdout)) files.set(path, { path });
  return { ok: true, files: [...files.values()].sort((a, b) => compareCodeUnits(a.path, b.path)) };
}

/** The head-side files of a `git diff` and their changed lines, computed as the app does for a PR patch. */
export function changedFilesOfDiff(diffText: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const file of parseDiff(diffText)) {
    if (file.deleted === true || file.to === undefined || file.to === '/dev/null') continue;
    // The same hunk text GitHub's pull request files API gives as `patch`.
    const patch = file.chunks.map((chunk) => [chunk.content, ...chunk.changes.map((change) => change.content)].join('\n')).join('\n');
    files.push({ path: unquoteGitPath(file.to), changedLines: parsePatch(patch)?.changed ?? new Set() });
  }
  return files;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * Git C-quotes a path with `"`, `\` or control characters (core.quotepath
 * is off, so other non-ASCII stays raw); parse-diff strips the quotes but
 * leaves the escapes. A backslash only ever appears in quoted names, so
 * any name with one is unescaped: octal escapes are UTF-8 bytes.
 */
export function unquoteGitPath(name: string): string {
  if (!name.includes('\\')) return name;
  const chars = Array.from(name);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== '\\' || i + 1 >= chars.length) {
      bytes.push(...encoder.encode(chars[i]));
      continue;
    }
    const octal = /^[0-3][0-7]{2}/.exec(chars.slice(i + 1, i + 4).join(''));
    if (octal !== null) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else if (Object.hasOwn(ESCAPES, chars[i + 1])) {
      bytes.push(ESCAPES[chars[i + 1]]);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
