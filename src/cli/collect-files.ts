/**
 * Which files a scan without `--base` reviews: every file named on the
 * command line, and the files under every directory named, minus
 * dependencies, build output, vendored and git-ignored files.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { SkippedFile } from '../../checks/model.js';
import { DEFAULT_IGNORE, isSupportedSource, type PathFilter } from '../review/select-files.js';
import { runGit, splitNul } from './git.js';
import { toProjectPath } from './project-paths.js';

export interface ScanTarget {
  /** As typed on the command line. */
  argument: string;
  /** Project path ('' for the root itself). */
  projectPath: string;
  kind: 'file' | 'directory';
}

export type ResolvedTargets = { ok: true; targets: ScanTarget[] } | { ok: false; message: string };

/** Resolves command-line paths: they must exist and lie inside the project root. */
export async function resolveTargets(argumentsGiven: readonly string[], cwd: string, root: string): Promise<ResolvedTargets> {
  const targets: ScanTarget[] = [];
  for (const argument of argumentsGiven) {
    let absolute: string;
    try {
      absolute = await realpath(path.resolve(cwd, argument));
    } catch {
      return { ok: false, message: `path not found: ${argument}` };
    }
    const projectPath = toProjectPath(root, absolute);
    if (projectPath === undefined) {
      return { ok: false, message: `${argument} is outside the project (${root}); run the scan from inside the project` };
    }
    const stats = await stat(absolute);
    if (!stats.isFile() && !stats.isDirectory()) return { ok: false, message: `not a file or directory: ${argument}` };
    targets.push({ argument, projectPath, kind: stats.isFile() ? 'file' : 'directory' });
  }
  return { ok: true, targets };
}

export interface CollectedFiles {
  /** Project paths to analyse, sorted, without duplicates. */
  files: string[];
  /** Files named explicitly that will not be analysed, with the reason. */
  skipped: SkippedFile[];
}

export interface CollectOptions {
  root: string;
  /** List directories with git (honours .gitignore) rather than walking them. */
  useGit: boolean;
  filter: PathFilter;
  env: Readonly<Record<string, string | undefined>>;
}

export type CollectResult = { ok: true; collected: CollectedFiles } | { ok: false; message: string };

export const EXCLUDED_REASON = 'excluded by the path filters (default ignores or the config paths/ignore)';

export async function collectFiles(targets: readonly ScanTarget[], options: CollectOptions): Promise<CollectResult> {
  const files = new Set<string>();
  const skipped: SkippedFile[] = [];
  for (const target of targets) {
    if (target.kind === 'file') {
      // A file named explicitly is reported when it is not analysed, so the user learns why.
      if (!isSupportedSource(target.projectPath)) skipped.push({ file: target.projectPath, reason: 'not a supported source file (TypeScript/JavaScript or Python)' });
      else if (!options.filter(target.projectPath)) skipped.push({ file: target.projectPath, reason: EXCLUDED_REASON });
      else files.add(target.projectPath);
      continue;
    }
    const listed = options.useGit ? await listGitFiles(options.root, target.projectPath, options.env) : await walkDirectory(options.root, target.projectPath);
    if (!listed.ok) return listed;
    for (const file of listed.files) if (options.filter(file)) files.add(file);
  }
  return { ok: true, collected: { files: [...files].sort(), skipped } };
}

type Listing = { ok: true; files: string[] } | { ok: false; message: string };

/** Tracked and untracked-but-not-ignored files under a directory, as project paths. */
async function listGitFiles(root: string, directory: string, env: Readonly<Record<string, string | undefined>>): Promise<Listing> {
  const result = await runGit(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', directory === '' ? '.' : directory], root, env);
  if (!result.ok) return { ok: false, message: `git ls-files failed: ${result.message}` };
  // --cached lists a file once per stage while a merge conflict is open.
  return { ok: true, files: [...new Set(splitNul(result.stdout))] };
}

/** Directories whose files the default ignores exclude anyway: not worth walking into. */
const isIgnoredDirectory = picomatch(DEFAULT_IGNORE, { dot: true });
const NEVER_WALKED = new Set(['.git', '.hg', '.svn', 'node_modules']);

/** Walks a directory without git: symlinks are not followed (no loops, no escaping the root). */
async function walkDirectory(root: string, directory: string): Promise<Listing> {
  const files: string[] = [];
  const pending = [directory];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = await readdir(path.join(root, current), { withFileTypes: true });
    } catch (error) {
      return { ok: false, message: `cannot read directory ${current || '.'}: ${(error as Error).message}` };
    }
    for (const entry of entries) {
      const child = current === '' ? entry.name : `${current}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!NEVER_WALKED.has(entry.name) && !isIgnoredDirectory(`${child}/probe`)) pending.push(child);
      } else if (entry.isFile()) {
        files.push(child);
      }
    }
  }
  return { ok: true, files };
}
