/**
 * The CLI's ContextFileReader: other files of the project (middleware.ts,
 * wrappers' modules) read from disk. Paths are project paths; any path that
 * would leave the project root, directly or through a symlink, reads as
 * "does not exist" rather than reaching outside.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ContextFileReader } from '../../checks/project-context.js';
import { decodeSource } from '../review/decode-source.js';
import { toProjectPath } from './project-paths.js';

export function createDiskContextReader(root: string): ContextFileReader {
  // The engine runs in batches; the cache keeps a shared middleware.ts to one read.
  const cache = new Map<string, Promise<string | undefined>>();
  return {
    read(projectPath) {
      let pending = cache.get(projectPath);
      if (pending === undefined) {
        pending = readInsideRoot(root, projectPath);
        cache.set(projectPath, pending);
      }
      return pending;
    },
    async exists(projectPath) {
      const target = await insideRoot(root, projectPath);
      if (target === undefined) return false;
      try {
        return (await stat(target)).isFile();
      } catch {
        return false;
      }
    },
  };
}

/** The real path of `projectPath` when it stays inside the root (symlinks resolved); undefined otherwise. */
async function insideRoot(root: string, projectPath: string): Promise<string | undefined> {
  if (projectPath === '' || path.isAbsolute(projectPath) || projectPath.includes('\0')) return undefined;
  const lexical = path.resolve(root, projectPath);
  if (toProjectPath(root, lexical) === undefined) return undefined;
  try {
    const real = await realpath(lexical);
    return toProjectPath(await realpath(root), real) === undefined ? undefined : real;
  } catch {
    return undefined;
  }
}

async function readInsideRoot(root: string, projectPath: string): Promise<string | undefined> {
  if (projectPath === '' || path.isAbsolute(projectPath) || projectPath.includes('\0')) return undefined;
  const lexical = path.resolve(root, projectPath);
  if (toProjectPath(root, lexical) === undefined) return undefined;
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  const realRoot = await realpath(root);
  if (toProjectPath(realRoot, real) === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(real);
  } catch (error) {
    // A directory named like the file (`middleware.ts/`) is no middleware either.
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw error;
  }
  const decoded = decodeSource(bytes);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.text;
}
