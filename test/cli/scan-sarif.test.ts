/**
 * `scan --format sarif`: valid SARIF 2.1.0 on stdout, paths relative to the
 * repository root (code scanning resolves them against the checkout) even
 * when the scan runs in a subdirectory, and the usual exit codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type * as Sarif from 'sarif';
import { afterEach, describe, expect, it } from 'vitest';
import { FINGERPRINT_KEY } from '../../src/render/sarif-log.js';
import { createGitProject, expressRoutes, runCli } from './cli-harness.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const validateSarif = addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('scan --format sarif', () => {
  it('writes valid SARIF with repository-relative paths from a subdirectory, and exits 1 on a high finding', async () => {
    const project = createGitProject({
      'services/api/src/routes.ts': expressRoutes(["router.delete('/users/:id', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.sendStatus(204); });"]),
    });
    cleanups.push(project.cleanup);
    const run = await runCli(path.join(project.dir, 'services/api'), ['scan', '.', '--format', 'sarif']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const log = JSON.parse(run.stdout) as Sarif.Log;
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const results = log.runs[0]?.results ?? [];
    const auth = results.find((result) => result.ruleId === 'missing-authentication');
    expect(auth?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('services/api/src/routes.ts');
    expect(auth?.partialFingerprints?.[FINGERPRINT_KEY]).toMatch(/^[0-9a-f]+$/);
  });

  it('a clean project gives a valid log without results and exit 0', async () => {
    const project = createGitProject({ 'src/math.ts': 'export const add = (a: number, b: number) => a + b;\n' });
    cleanups.push(project.cleanup);
    const run = await runCli(project.dir, ['scan', '--format', 'sarif']);
    expect(run.code).toBe(0);
    const log = JSON.parse(run.stdout) as Sarif.Log;
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    expect(log.runs[0]?.results).toEqual([]);
  });
});
