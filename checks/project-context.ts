/**
 * Files outside the changed ones that an endpoint's controls live in
 * (Next.js `middleware.ts`, later an imported wrapper's module), fetched on
 * purpose and bounded. The app reads them from GitHub at the head sha, the
 * CLI from disk, both through a `ContextFileReader`.
 */
import { parseTypeScript } from './lang/ts/parse.js';
import { SourceIndex } from './lang/ts/source-index.js';

export interface ContextFileReader {
  /** The file's text; undefined when it does not exist. Throws when it cannot be read. */
  read(path: string): Promise<string | undefined>;
  /**
   * Whether a file exists, when the reader can tell cheaply (a tree listing,
   * the disk). Without it, resolving an import probes candidates with `read`.
   */
  exists?(path: string): Promise<boolean>;
}

export type ContextFile =
  | { status: 'found'; path: string; index: SourceIndex }
  | { status: 'missing'; path: string }
  | { status: 'unavailable'; path: string; reason: string };

/** At most this many extra files per review: context must never dominate the cost. */
export const MAX_CONTEXT_FILES = 20;
const MAX_CONTEXT_BYTES = 512 * 1024;

export class ProjectContext {
  private readonly files = new Map<string, Promise<ContextFile>>();

  constructor(private readonly reader: ContextFileReader | undefined) {}

  /** Loads a context file once; later calls share the result. */
  load(path: string): Promise<ContextFile> {
    const cached = this.files.get(path);
    if (cached !== undefined) return cached;
    const pending = this.fetch(path);
    this.files.set(path, pending);
    return pending;
  }

  private loaded = new Map<string, ContextFile>();

  /** Whether the reader can tell cheaply that a file exists (so candidates can be tried freely). */
  get canCheckExistence(): boolean {
    return this.reader?.exists !== undefined;
  }

  /** Whether `path` exists; false when the reader cannot tell. */
  async exists(path: string): Promise<boolean> {
    if (this.reader?.exists === undefined) return false;
    return this.reader.exists(path).catch(() => false);
  }

  /** The first of `candidates` that exists, loaded; undefined when none does (or none could be read). */
  async loadFirst(candidates: readonly string[]): Promise<ContextFile | undefined> {
    for (const path of candidates) {
      if (this.reader?.exists !== undefined) {
        const exists = await this.reader.exists(path).catch(() => false);
        if (!exists) continue;
      }
      const file = await this.load(path);
      if (file.status !== 'missing') return file;
    }
    return undefined;
  }

  /** Synchronous lookup for checks, after `prepare`; undefined when the file was never asked for. */
  get(path: string): ContextFile | undefined {
    return this.loaded.get(path);
  }

  /** Awaits every pending load so that checks can stay synchronous. */
  async prepare(): Promise<void> {
    for (const [path, pending] of this.files) this.loaded.set(path, await pending);
  }

  private async fetch(path: string): Promise<ContextFile> {
    if (this.reader === undefined) return { status: 'unavailable', path, reason: 'no access to other files of the repository' };
    if (this.files.size > MAX_CONTEXT_FILES) {
      return { status: 'unavailable', path, reason: `more than ${MAX_CONTEXT_FILES} context files needed; not fetched` };
    }
    try {
      const text = await this.reader.read(path);
      if (text === undefined) return { status: 'missing', path };
      if (text.length > MAX_CONTEXT_BYTES) return { status: 'unavailable', path, reason: 'file too large to analyse' };
      const { sourceFile } = parseTypeScript(path, text);
      return { status: 'found', path, index: new SourceIndex(path, sourceFile) };
    } catch (error) {
      return { status: 'unavailable', path, reason: `could not be read: ${(error as Error).message}` };
    }
  }
}
