/**
 * The messages between the analysis pool (main thread) and its workers.
 * Plain data only: everything crosses by structured clone.
 */
import type { AnalysisResult } from '../../checks/model.js';
import type { Config } from '../config/schema.js';

/** One file to analyse. `changedLines` is a Set: structured clone keeps it. */
export interface AnalyseRequest {
  kind: 'analyse';
  jobId: number;
  input: { path: string; text: string; changedLines?: ReadonlySet<number> };
  config: Config;
  budget?: { deadline: number; perFileMs: number };
  /** Whether the main thread has a context reader, and whether it answers `exists`. */
  context: 'none' | 'read' | 'read+exists';
}

/** The main thread's answer to a worker's context question. */
export interface ContextReply {
  kind: 'context-reply';
  requestId: number;
  ok: boolean;
  value?: string | boolean;
  message?: string;
}

export type ToWorker = AnalyseRequest | ContextReply;

/** A worker asks the main thread for a context file (the reader talks to GitHub there). */
export interface ContextRequest {
  kind: 'context';
  jobId: number;
  requestId: number;
  op: 'read' | 'exists';
  path: string;
}

export type FromWorker =
  /** Sent once the worker's modules are loaded: until then a failure means workers cannot start here. */
  | { kind: 'ready' }
  | ContextRequest
  | { kind: 'done'; jobId: number; result: AnalysisResult }
  | { kind: 'failed'; jobId: number; message: string; stack?: string };
