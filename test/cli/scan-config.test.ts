/**
 * The config file in the CLI: found by default or named with --config,
 * validated like the app validates it, hostile YAML refused, and its
 * settings applied (fail_on, ignore) with --fail-on winning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, expressRoutes, runCli } from './cli-harness.js';

// GET and unauthenticated: a medium finding.
const OPEN_READ = expressRoutes(["router.get('/orders', async (req, res) => { res.json(await db.orders.findMany()); });"]);
const CONFIG = '.github/api-security-review.yml';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function project(files: Record<string, string>): string {
  const created = createProject(files);
  cleanups.push(created.cleanup);
  return created.dir;
}

describe('config', () => {
  it('exits 2 with a table of each bad key, what was found and what was expected', async () => {
    const dir = project({ 'src/routes.ts': OPEN_READ, [CONFIG]: 'fail_on: urgent\nignroe:\n  - "legacy/**"\nmax_comments: 500\n' });
    const run = await runCli(dir, ['scan']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe(`error: config file ${CONFIG} is not a valid configuration`);
    expect(lines[2]).toMatch(/^ {2}key +found +expected$/);
    expect(run.stderr).toMatch(/^ {2}fail_on +"urgent" +\S/m);
    expect(run.stderr).toMatch(/^ {2}ignroe +\["legacy\/\*\*"\] +no such key/m);
    expect(run.stderr).toMatch(/^ {2}max_comments +500 +\S/m);
  });

  it('refuses YAML with custom tags, alias bombs and several documents', async () => {
    for (const yaml of ['fail_on: !!js/function "return 1"\n', 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n', 'fail_on: low\n---\nfail_on: high\n']) {
      const dir = project({ 'src/routes.ts': OPEN_READ, [CONFIG]: yaml });
      const run = await runCli(dir, ['scan']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^error: config file ${CONFIG.replaceAll('.', '\\.')} is not valid YAML: \\S`));
    }
  });

  it('exits 2 when the file named by --config does not exist', async () => {
    const dir = project({ 'src/routes.ts': OPEN_READ });
    const run = await runCli(dir, ['scan', '--config', 'missing.yml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: config file missing\.yml cannot be read: ENOENT/);
  });

  it('applies fail_on from the config, and --fail-on overrides it', async () => {
    const dir = project({ 'src/routes.ts': OPEN_READ, [CONFIG]: 'fail_on: medium\n' });
    expect((await runCli(dir, ['scan'])).code).toBe(1);
    expect((await runCli(dir, ['scan', '--fail-on', 'high'])).code).toBe(0);
    // Without the config the default (high) applies.
    const plain = project({ 'src/routes.ts': OPEN_READ });
    expect((await runCli(plain, ['scan'])).code).toBe(0);
  });

  it('reads the file named by --config and applies its ignore globs', async () => {
    const dir = project({ 'src/routes.ts': OPEN_READ, 'legacy/routes.ts': OPEN_READ, 'ci/review.yml': 'ignore:\n  - "legacy/**"\n' });
    const run = await runCli(dir, ['scan', '--config', 'ci/review.yml', '--format', 'json']);
    const report = JSON.parse(run.stdout) as { endpoints: { file: string }[] };
    expect(report.endpoints.map((endpoint) => endpoint.file)).toEqual(['src/routes.ts']);
  });

  it('treats an empty config file as all defaults', async () => {
    const dir = project({ 'src/routes.ts': OPEN_READ, [CONFIG]: '' });
    expect((await runCli(dir, ['scan'])).code).toBe(0);
  });
});
