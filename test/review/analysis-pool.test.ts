/**
 * The analysis in worker threads gives what the calling thread gives: for
 * every fixture project (context files read through the main thread), a
 * file that hangs, a worker that cannot start.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../checks/model.js';
import type { ContextFileReader } from '../../checks/project-context.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { AnalysisPool } from '../../src/review/analysis-pool.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';
import { isSupportedSource } from '../../src/review/select-files.js';
import { loadCorpus } from '../corpus/corpus-projects.js';

const pool = new AnalysisPool({ size: 2 });
afterAll(() => pool.close());

/** The result in a fixed order: per-file analysis lists files in input order, the one-pass analysis in discovery order. */
function canonical(result: AnalysisResult): AnalysisResult {
  const byPlace = <T extends { file: string; line: number }>(a: T, b: T) => a.file.localeCompare(b.file) || a.line - b.line;
  return {
    endpoints: [...result.endpoints].sort((a, b) => byPlace(a, b) || `${a.method} ${a.route}`.localeCompare(`${b.method} ${b.route}`)),
    findings: [...result.findings].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)),
    suppressed: [...result.suppressed].sort((a, b) => a.finding.fingerprint.localeCompare(b.finding.fingerprint)),
    skipped: [...result.skipped].sort((a, b) => a.file.localeCompare(b.file)),
    errors: [...result.errors].sort((a, b) => a.file.localeCompare(b.file) || a.message.localeCompare(b.message)),
  };
}

function projectReader(files: ReadonlyMap<string, string>, asked: string[] = []): ContextFileReader {
  return {
    read: async (path) => {
      asked.push(path);
      return files.get(path);
    },
    exists: async (path) => files.has(path),
  };
}

describe('the analysis pool', () => {
  for (const project of loadCorpus()) {
    it(`analyses ${project.name} in workers exactly as in the calling thread`, async () => {
      const inputs = [...project.files].filter(([file]) => isSupportedSource(file)).map(([path, text]) => ({ path, text }));
      const inThread = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: projectReader(project.files) });
      const asked: string[] = [];
      const inWorkers = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: projectReader(project.files, asked), pool });
      expect(inThread.endpoints.length).toBeGreaterThan(0);
      expect(canonical(inWorkers)).toEqual(canonical(inThread));
      if (project.files.has('middleware.ts') && inThread.endpoints.some((endpoint) => endpoint.framework === 'nextjs-app-router')) {
        // Context files come from the main thread's reader.
        expect(asked).toContain('middleware.ts');
      }
    });
  }

  it('ran those jobs in worker threads, not in the calling thread', () => {
    expect(pool.stats.inWorkers).toBeGreaterThan(0);
    expect(pool.stats.inThread).toBe(0);
    expect(pool.unavailableReason).toBeUndefined();
  });

  it('stops a job that runs far past its budget and reports the file skipped; the worker is replaced', async () => {
    const hangs = new AnalysisPool({ size: 1 });
    try {
      const route = { path: 'src/app.ts', text: "import express from 'express';\nconst app = express();\napp.get('/a', (req, res) => res.json({}));\n" };
      // A context read that never answers keeps the job busy past its limit, as a runaway check would.
      const never: ContextFileReader = { read: () => new Promise(() => undefined), exists: async () => true };
      const budget = { deadline: Date.now() + 60_000, perFileMs: 50 };
      const nextRoute = { path: 'app/api/a/route.ts', text: 'export async function GET() { return Response.json({}); }\n' };
      const stuck = await hangs.analyze(nextRoute, { config: DEFAULT_CONFIG, budget }, never);
      expect(stuck.skipped).toEqual([{ file: nextRoute.path, reason: expect.stringMatching(/^not analysed: the analysis ran past 1 s and was stopped$/) }]);
      expect(hangs.stats.stopped).toBe(1);
      // No budget here: a new worker's first parse is slow (cold JIT), and 50 ms is not the point.
      const after = await hangs.analyze(route, { config: DEFAULT_CONFIG }, undefined);
      expect(after.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route}`)).toEqual(['GET /a']);
    } finally {
      await hangs.close();
    }
  });

  it('rejects the jobs of a closed pool', async () => {
    const closed = new AnalysisPool({ size: 1 });
    await closed.close();
    await expect(closed.analyze({ path: 'a.ts', text: '' }, { config: DEFAULT_CONFIG }, undefined)).rejects.toThrow('closed');
  });
});
