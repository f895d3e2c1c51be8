/**
 * Analysis results by blob sha, so that a re-run on the same head and the
 * files a push left unchanged are not analysed again. A bounded LRU in the
 * process's memory.
 *
 * A hit must always be what a fresh analysis would return. One file's result
 * is a function of: its path and text (the git blob sha of the text), the
 * configuration, its changed lines (they decide which endpoints are
 * reviewed, and fingerprint occurrences count only those), whether context
 * files can be read at all, and every context file the analysis looked at
 * (middleware.ts, an imported wrapper, the Express entry file). The first
 * five make the key; the context files are recorded as observations (what
 * `read` and `exists` answered) and observed again on lookup: a hit needs
 * every answer unchanged. The app's code is fixed for the process's life,
 * so it is not part of the key; custom checks are never cached.
 */
import { createHash } from 'node:crypto';
import type { AnalysisResult } from '../../checks/model.js';
import type { ContextFileReader } from '../../checks/project-context.js';
import type { Config } from '../config/schema.js';

/** Entries kept by default: a file's result is some kilobytes to some tens of kilobytes. */
export const DEFAULT_ANALYSIS_CACHE_ENTRIES = 2000;

/** What one context-file question answered: `exists` -> "yes"/"no", `read` -> the text's sha or "missing". */
export interface ContextObservation {
  op: 'read' | 'exists';
  path: string;
  answer: string;
}

interface Entry {
  result: AnalysisResult;
  observations: readonly ContextObservation[];
}

export interface AnalysisCacheStats {
  hits: number;
  misses: number;
  /** Entries found whose context files had changed (counted in misses too). */
  stale: number;
  stored: number;
  evicted: number;
  size: number;
}

export interface CacheKeyInput {
  path: string;
  text: string;
  changedLines?: ReadonlySet<number>;
  config: Config;
  /** The reader the analysis gets: whether there is one, and whether it can tell existence cheaply, change what the checks do. */
  context: ContextFileReader | undefined;
}

export class AnalysisCache {
  private readonly entries = new Map<string, Entry>();
  private readonly counts = { hits: 0, misses: 0, stale: 0, stored: 0, evicted: 0 };

  constructor(private readonly maxEntries = DEFAULT_ANALYSIS_CACHE_ENTRIES) {
    if (!(maxEntries >= 1)) throw new Error(`the analysis cache needs room for at least one entry, got ${maxEntries}`);
  }

  get stats(): AnalysisCacheStats {
    return { ...this.counts, size: this.entries.size };
  }

  /**
   * The cached result for `key` when every context observation still holds
   * through `context`; undefined otherwise. A copy: callers may change it.
   */
  async lookup(key: string, context: ContextFileReader | undefined): Promise<AnalysisResult | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.counts.misses++;
      return undefined;
    }
    if (!(await observationsHold(entry.observations, context))) {
      this.entries.delete(key);
      this.counts.stale++;
      this.counts.misses++;
      return undefined;
    }
    // Most recently used last: the Map's order is the eviction order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counts.hits++;
    return structuredClone(entry.result);
  }

  store(key: string, result: AnalysisResult, observations: readonly ContextObservation[]): void {
    this.entries.delete(key);
    this.entries.set(key, { result: structuredClone(result), observations });
    this.counts.stored++;
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.counts.evicted++;
    }
  }
}

/** The cache key of one file's analysis (see the module comment for why each part is in it). */
export function analysisCacheKey(input: CacheKeyInput): string {
  const changed = input.changedLines === undefined ? null : [...input.changedLines].sort((a, b) => a - b);
  const context = input.context === undefined ? 'none' : input.context.exists === undefined ? 'read' : 'read+exists';
  return sha256(JSON.stringify([input.path, gitBlobSha(input.text), configHash(input.config), changed, context]));
}

/** The sha git (and GitHub's API) gives a blob of these bytes: the text as UTF-8. */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

const configHashes = new WeakMap<Config, string>();

/** A hash of the configuration's content, independent of key order. */
export function configHash(config: Config): string {
  let hash = configHashes.get(config);
  if (hash === undefined) {
    hash = sha256(stableJson(config));
    configHashes.set(config, hash);
  }
  return hash;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A reader that records what the analysis asked and what it was told. A
 * question that threw (a GitHub error, the context limit) makes the
 * result not cacheable: the next run may be told something else.
 */
export function observingReader(reader: ContextFileReader): { reader: ContextFileReader; observations(): ContextObservation[] | undefined } {
  const observed = new Map<string, ContextObservation>();
  let failed = false;
  const observe = (op: ContextObservation['op'], path: string, answer: string) => observed.set(`${op}\0${path}`, { op, path, answer });
  const observing: ContextFileReader = {
    async read(path) {
      try {
        const text = await reader.read(path);
        observe('read', path, readAnswer(text));
        return text;
      } catch (error) {
        failed = true;
        throw error;
      }
    },
  };
  if (reader.exists !== undefined) {
    const exists = reader.exists.bind(reader);
    observing.exists = async (path) => {
      try {
        const answer = await exists(path);
        observe('exists', path, answer ? 'yes' : 'no');
        return answer;
      } catch (error) {
        failed = true;
        throw error;
      }
    };
  }
  return { reader: observing, observations: () => (failed ? undefined : [...observed.values()]) };
}

async function observationsHold(observations: readonly ContextObservation[], context: ContextFileReader | undefined): Promise<boolean> {
  if (observations.length === 0) return true;
  if (context === undefined) return false;
  try {
    const answers = await Promise.all(
      observations.map(async (observation) => {
        if (observation.op === 'read') return readAnswer(await context.read(observation.path));
        if (context.exists === undefined) return undefined;
        return (await context.exists(observation.path)) ? 'yes' : 'no';
      }),
    );
    return answers.every((answer, i) => answer === observations[i].answer);
  } catch {
    return false;
  }
}

function readAnswer(text: string | undefined): string {
  return text === undefined ? 'missing' : gitBlobSha(text);
}
