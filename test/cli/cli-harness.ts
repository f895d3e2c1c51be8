/**
 * Test harness for the CLI: runs `main` in-process with captured streams,
 * and builds throwaway projects (plain directories or git repositories) in
 * the OS temp directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples/vulnerable-api');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  env?: Record<string, string | undefined>;
}

export async function runCli(cwd: string, argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd,
    // The ceiling keeps git from finding a repository above the temp directory on a developer's machine.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CEILING_DIRECTORIES: realpathSync(tmpdir()), ...options.env },
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: options.stdoutIsTTY ?? false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.stderrIsTTY ?? false },
  });
  return { code, stdout, stderr };
}

/** A fresh directory with the given files; removed by the returned cleanup. */
export function createProject(files: Record<string, string | Uint8Array>): { dir: string; cleanup: () => void } {
  // realpath: on some systems the temp directory is behind a symlink (/tmp -> /private/tmp).
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'asr-cli-')));
  writeFiles(dir, files);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [file, content] of Object.entries(files)) {
    const absolute = path.join(dir, file);
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeFileSync(absolute, content);
  }
}

/** Runs git in `cwd` with a fixed identity and no user or system config. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** A git repository with the files committed on `main`. */
export function createGitProject(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const project = createProject(files);
  git(project.dir, 'init', '-q', '-b', 'main');
  git(project.dir, 'add', '-A');
  git(project.dir, 'commit', '-q', '-m', 'base');
  return project;
}

/** An Express router file with the given routes, none of them authenticated. */
export function expressRoutes(routes: string[]): string {
  return [
    "import express from 'express';",
    "import { db } from './db';",
    '',
    // The app itself (not a Router mounted by another file), so the file alone decides authentication.
    'const router = express();',
    '',
    ...routes,
    '',
    'export default router;',
    '',
  ].join('\n');
}
