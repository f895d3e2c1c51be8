/**
 * Python files outside the reviewed ones, fetched on purpose and bounded
 * (DRF settings and urls.py, the FastAPI entry file that includes a
 * router), through the same `ContextFileReader` the TypeScript context uses.
 * Files of the review itself are served from memory.
 */
import type { ContextFileReader } from '../../project-context.js';
import { parsePython } from '../../lang/py/parse.js';
import type { PySourceIndex } from '../../lang/py/source-index.js';

export const MAX_PY_CONTEXT_FILES = 20;
const MAX_CONTEXT_BYTES = 512 * 1024;

export type PyContextFile = { status: 'found'; index: PySourceIndex } | { status: 'missing' } | { status: 'unavailable'; reason: string };

export class PyContextFiles {
  private readonly files = new Map<string, Promise<PyContextFile>>();
  private fetched = 0;

  constructor(
    private readonly reader: ContextFileReader | undefined,
    private readonly reviewed: ReadonlyMap<string, PySourceIndex>,
  ) {}

  load(path: string): Promise<PyContextFile> {
    const own = this.reviewed.get(path);
    if (own !== undefined) return Promise.resolve({ status: 'found', index: own });
    let pending = this.files.get(path);
    if (pending === undefined) {
      pending = this.fetch(path);
      this.files.set(path, pending);
    }
    return pending;
  }

  /** A file loaded so far (reviewed or fetched), for lines and suppressions of findings that point into it. */
  async loadedIndex(path: string): Promise<PySourceIndex | undefined> {
    const own = this.reviewed.get(path);
    if (own !== undefined) return own;
    const file = await this.files.get(path);
    return file?.status === 'found' ? file.index : undefined;
  }

  /** The first candidate that exists (reviewed files first), loaded. */
  async loadFirst(candidates: readonly string[]): Promise<{ path: string; file: PyContextFile } | undefined> {
    for (const path of candidates) if (this.reviewed.has(path)) return { path, file: await this.load(path) };
    for (const path of candidates) {
      if (this.reader?.exists !== undefined && !(await this.reader.exists(path).catch(() => false))) continue;
      const file = await this.load(path);
      if (file.status !== 'missing') return { path, file };
    }
    return undefined;
  }

  private async fetch(path: string): Promise<PyContextFile> {
    if (this.reader === undefined) return { status: 'unavailable', reason: 'no access to other files of the repository' };
    if (++this.fetched > MAX_PY_CONTEXT_FILES) return { status: 'unavailable', reason: `more than ${MAX_PY_CONTEXT_FILES} context files needed; not fetched` };
    try {
      const text = await this.reader.read(path);
      if (text === undefined) return { status: 'missing' };
      if (text.length > MAX_CONTEXT_BYTES) return { status: 'unavailable', reason: `${path} is too large to analyse` };
      return { status: 'found', index: await parsePython(path, text) };
    } catch (error) {
      return { status: 'unavailable', reason: `${path} could not be read: ${(error as Error).message}` };
    }
  }
}

/** The last path asked and its answer: the context lookups ask about the same file for each of its endpoints and imports. */
let lastAncestors: { path: string; directories: readonly string[] } | undefined;

/** `a/b/c.py` gives ['a/b', 'a', ''] : the file's directory and its ancestors, nearest first (shared: not to be changed). */
export function ancestorDirectories(path: string): readonly string[] {
  if (lastAncestors?.path === path) return lastAncestors.directories;
  const parts = path.split('/').slice(0, -1);
  const directories: string[] = [];
  for (let length = parts.length; length >= 0; length--) directories.push(parts.slice(0, length).join('/'));
  lastAncestors = { path, directories: Object.freeze(directories) };
  return directories;
}

export function joinPath(directory: string, file: string): string {
  return directory === '' ? file : `${directory}/${file}`;
}
