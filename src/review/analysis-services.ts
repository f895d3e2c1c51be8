/**
 * The app's analysis services: the worker pool and the result cache, sized
 * from the environment. `ANALYSIS_THREADS` (default: the number of cores;
 * 0 analyses in the event loop's thread) and `ANALYSIS_CACHE_ENTRIES`
 * (default 2000; 0 turns the cache off).
 */
import type { Logger } from 'pino';
import { AnalysisCache, DEFAULT_ANALYSIS_CACHE_ENTRIES } from './analysis-cache.js';
import { AnalysisPool } from './analysis-pool.js';

export interface AnalysisServices {
  pool?: AnalysisPool;
  cache?: AnalysisCache;
  close(): Promise<void>;
}

export function analysisServicesFromEnv(log: Pick<Logger, 'warn'>, env: NodeJS.ProcessEnv = process.env): AnalysisServices {
  const threads = count(env.ANALYSIS_THREADS, 'ANALYSIS_THREADS', log);
  const entries = count(env.ANALYSIS_CACHE_ENTRIES, 'ANALYSIS_CACHE_ENTRIES', log) ?? DEFAULT_ANALYSIS_CACHE_ENTRIES;
  const pool = threads === 0 ? undefined : sharedPool(threads, log);
  const cache = entries === 0 ? undefined : new AnalysisCache(entries);
  return {
    pool,
    cache,
    async close() {
      if (pool === undefined || pool !== shared) return;
      shared = undefined;
      await pool.close();
    },
  };
}

let shared: AnalysisPool | undefined;

/**
 * One pool per process: the cores are the limit, however many apps the
 * process loads (tests load one per case); the first caller's size holds.
 * Closing it lets the next caller start a new one.
 */
function sharedPool(threads: number | undefined, log: Pick<Logger, 'warn'>): AnalysisPool {
  shared ??= new AnalysisPool({ size: threads, onUnavailable: (reason) => log.warn(reason) });
  return shared;
}

function count(value: string | undefined, name: string, log: Pick<Logger, 'warn'>): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  if (Number.isInteger(parsed) && parsed >= 0) return parsed;
  log.warn(`${name}=${JSON.stringify(value)} is not a whole number of 0 or more; using the default`);
  return undefined;
}
