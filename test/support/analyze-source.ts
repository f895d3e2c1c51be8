/**
 * Test helper: analyse literal source files with the real engine, optionally
 * with only some checks and with context files served from memory.
 */
import type { Check } from '../../checks/create-check.js';
import type { PyCheck } from '../../checks/python/create-py-check.js';
import type { AnalysisResult, EndpointReport } from '../../checks/model.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';

export interface AnalyzeSourceOptions {
  checks?: readonly Check[];
  /** The Python checks to run (the Python registry by default). */
  pythonChecks?: readonly PyCheck[];
  config?: Record<string, unknown>;
  /** Other files of the project (middleware.ts...), by path. */
  context?: Record<string, string>;
}

export async function analyzeSources(files: Record<string, string>, options: AnalyzeSourceOptions = {}): Promise<AnalysisResult> {
  const config: Config = configSchema.parse(options.config ?? {});
  const context = options.context ?? {};
  return analyzeFiles(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    { config, checks: options.checks, pythonChecks: options.pythonChecks, context: { read: async (path) => context[path], exists: async (path) => path in context } },
  );
}

export async function analyzeSource(path: string, text: string, options: AnalyzeSourceOptions = {}): Promise<AnalysisResult> {
  return analyzeSources({ [path]: text }, options);
}

/** The endpoint report for `METHOD route`; throws (failing the test) when it was not discovered. */
export function endpointOf(result: AnalysisResult, name: string): EndpointReport {
  const endpoint = result.endpoints.find((e) => `${e.method} ${e.route}` === name);
  if (endpoint === undefined) {
    throw new Error(`no endpoint ${name}; found: ${result.endpoints.map((e) => `${e.method} ${e.route}`).join(', ') || 'none'}`);
  }
  return endpoint;
}
