/**
 * The pool from compiled JavaScript, as `npm start` runs it from dist/: the
 * worker entry is `analysis-worker.js` next to `analysis-pool.js`, loaded by
 * plain Node with no tsx. Compiled here with esbuild (tsc's full build
 * takes a minute) into a temporary directory, then run in a child process.
 * And where the worker file is missing (the Action's single-file bundle),
 * the pool analyses in the calling thread.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO_ROOT = new URL('../../', import.meta.url).pathname;
const outdir = mkdtempSync(join(tmpdir(), 'asr-pool-compiled-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// Bundled CommonJS dependencies (typescript) need these in an ES module, as in action/build.mjs.
const banner = [
  "import { createRequire as __cr } from 'node:module';",
  "import { fileURLToPath as __fu } from 'node:url';",
  "import { dirname as __dn } from 'node:path';",
  'const require = __cr(import.meta.url);',
  'const __filename = __fu(import.meta.url);',
  'const __dirname = __dn(__filename);',
].join('\n');

async function compile(entries: string[]): Promise<void> {
  await build({
    entryPoints: entries.map((entry) => join(REPO_ROOT, entry)),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: banner },
    logLevel: 'silent',
  });
}

const SCRIPT = `
import { AnalysisPool } from './analysis-pool.js';
const pool = new AnalysisPool({ size: 1, onUnavailable: (reason) => console.error('unavailable: ' + reason) });
const config = JSON.parse(process.argv[2]);
const text = "import express from 'express';\\nconst app = express();\\napp.delete('/users/:id', async (req, res) => res.json(await db.user.delete({ where: { id: req.params.id } })));\\n";
const result = await pool.analyze({ path: 'src/app.ts', text }, { config }, undefined);
console.log(JSON.stringify({ endpoints: result.endpoints.map((e) => e.method + ' ' + e.route), rules: result.findings.map((f) => f.ruleId), stats: pool.stats }));
await pool.close();
`;

async function runScript(): Promise<{ endpoints: string[]; rules: string[]; stats: { inWorkers: number; inThread: number } }> {
  const { DEFAULT_CONFIG } = await import('../../src/config/schema.js');
  const script = join(outdir, 'run.mjs');
  writeFileSync(script, SCRIPT);
  const { stdout } = await run(process.execPath, [script, JSON.stringify(DEFAULT_CONFIG)], { cwd: outdir, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('the analysis pool from compiled JavaScript', () => {
  it('starts analysis-worker.js next to it, without tsx, and analyses there', async () => {
    await compile(['src/review/analysis-pool.ts', 'src/review/analysis-worker.ts']);
    const result = await runScript();
    expect(result.endpoints).toEqual(['DELETE /users/:id']);
    expect(result.rules).toContain('missing-authentication');
    expect(result.stats).toMatchObject({ inWorkers: 1, inThread: 0 });
  }, 120_000);

  it('without the worker file (a single-file bundle) analyses in the calling thread, with the same result', async () => {
    rmSync(join(outdir, 'analysis-worker.js'));
    const result = await runScript();
    expect(result.endpoints).toEqual(['DELETE /users/:id']);
    expect(result.rules).toContain('missing-authentication');
    expect(result.stats).toMatchObject({ inWorkers: 0, inThread: 1 });
  }, 120_000);
});
