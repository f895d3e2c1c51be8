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
  const pool = threads === 0 ? undefined : new AnalysisPool({ size: threads, onUnavailable: (reason) => log.warn(reason) });
  const cache = entries === 0 ? undefined : new AnalysisCache(entries);
  return { pool, cache, close: async () => pool?.close() };
}

function count(value: string | undefined, name: string, log: Pick<Logger, 'warn'>): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  if (Number.isInteger(parsed) && parsed >= 0) return parsed;
  log.warn(`${name}=${JSON.stringify(value)} is not a whole number of 0 or more; using the default`);
  return undefined;
}
