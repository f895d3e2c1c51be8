/**
 * Which files a scan reads, and what it says about the ones it cannot
 * analyse: git-ignored and default-ignored files, binaries, huge files,
 * syntax errors; and the config's path filters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/cli/format-json.js';
import { createGitProject, createProject, expressRoutes, runCli, writeFiles } from './cli-harness.js';

// State-changing and unauthenticated: a high finding, so the default fail-on (high) fails the scan.
const OPEN_ROUTE = expressRoutes(["router.post('/orders', async (req, res) => { res.json(await db.orders.create(req.body)); });"]);
const SECURE_ROUTE = expressRoutes(["router.get('/me', authenticateToken, async (req, res) => { res.json(await db.users.findUnique({ where: { id: req.user.id }, select: { id: true, email: true } })); });"]);

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function project(files: Record<string, string | Uint8Array>, options: { git?: boolean } = {}): string {
  const created = options.git === true ? createGitProject(files as Record<string, string>) : createProject(files);
  cleanups.push(created.cleanup);
  return created.dir;
}

async function scanJson(cwd: string, ...argv: string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const run = await runCli(cwd, ['scan', ...argv, '--format', 'json']);
  return { code: run.code, report: run.stdout === '' ? (undefined as unknown as JsonReport) : (JSON.parse(run.stdout) as JsonReport), stderr: run.stderr };
}

function filesOf(report: JsonReport): string[] {
  return [...new Set(report.endpoints.map((endpoint) => endpoint.file))].sort();
}

describe('file selection', () => {
  it('exits 0 for a project whose endpoints are all authenticated', async () => {
    const dir = project({ 'src/routes.ts': SECURE_ROUTE });
    const run = await runCli(dir, ['scan']);
    expect(run.code).toBe(0);
    // Only the informative low-severity findings (rate limit, logging) remain: nothing at or above high.
    expect(run.stdout).toMatch(/1 file scanned, 1 endpoint, \d+ findings? \(\d+ low\)\./);
  });

  it('skips git-ignored files inside a git work tree, but reads untracked ones', async () => {
    const dir = project(
      {
        '.gitignore': 'generated/\n',
        'src/routes.ts': OPEN_ROUTE,
        'generated/routes.ts': OPEN_ROUTE,
      },
      { git: true },
    );
    // Written after the commit: untracked, not ignored.
    writeFiles(dir, { 'src/new-routes.ts': OPEN_ROUTE });
    const { report } = await scanJson(dir);
    expect(filesOf(report)).toEqual(['src/new-routes.ts', 'src/routes.ts']);
  });

  it('walks a directory outside git with the default ignores (node_modules, build output, tests)', async () => {
    const dir = project({
      'src/routes.ts': OPEN_ROUTE,
      'node_modules/lib/routes.ts': OPEN_ROUTE,
      'dist/routes.js': OPEN_ROUTE,
      'src/routes.test.ts': OPEN_ROUTE,
      'vendor/routes.ts': OPEN_ROUTE,
    });
    const { report, code } = await scanJson(dir, '.');
    expect(filesOf(report)).toEqual(['src/routes.ts']);
    expect(report.skipped).toEqual([]);
    expect(code).toBe(1);
  });

  it('reports files named explicitly that it does not analyse, with the reason', async () => {
    const dir = project({ 'README.md': '# api\n', 'dist/routes.js': OPEN_ROUTE, 'src/routes.ts': OPEN_ROUTE });
    const { report } = await scanJson(dir, 'README.md', 'dist/routes.js', 'src/routes.ts');
    expect(report.skipped).toEqual([
      { file: 'README.md', reason: 'not a supported source file (TypeScript/JavaScript or Python)' },
      { file: 'dist/routes.js', reason: 'excluded by the path filters (default ignores or the config paths/ignore)' },
    ]);
    expect(filesOf(report)).toEqual(['src/routes.ts']);
  });

  it('skips binary, oversized and unparsable files with the reason, and still analyses the rest', async () => {
    const dir = project({
      'src/binary.ts': new Uint8Array([0x63, 0x6f, 0x00, 0x6e, 0x73, 0x74]),
      'src/huge.ts': `// ${'x'.repeat(1024 * 1024 + 10)}\n`,
      'src/broken.ts': 'router.get("/a", (req, res) => {\n',
      'src/routes.ts': OPEN_ROUTE,
    });
    const { report } = await scanJson(dir);
    expect(report.skipped.map((skipped) => skipped.file)).toEqual(['src/binary.ts', 'src/broken.ts', 'src/huge.ts']);
    expect(report.skipped[0].reason).toBe('binary file (contains NUL bytes)');
    expect(report.skipped[1].reason).toMatch(/^syntax error at line \d+: /);
    expect(report.skipped[2].reason).toBe('file is 1.0 MB, over the 1.0 MB analysis limit');
    expect(filesOf(report)).toEqual(['src/routes.ts']);
  });

  it('reads UTF-16 sources like the app does', async () => {
    const text = OPEN_ROUTE;
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, 'utf16le'))]);
    const dir = project({ 'src/routes.ts': utf16 });
    const { report } = await scanJson(dir);
    expect(filesOf(report)).toEqual(['src/routes.ts']);
  });

  it('reads the Next.js middleware.ts from disk as context', async () => {
    const dir = project({
      'middleware.ts': "export { default } from 'next-auth/middleware';\nexport const config = { matcher: ['/api/:path*'] };\n",
      'app/api/orders/route.ts': "export async function GET() { return Response.json(await db.orders.findMany()); }\n",
    });
    const { report, code } = await scanJson(dir, 'app');
    expect(code).toBe(0);
    const identity = report.endpoints[0].checklist['authn.identity'];
    expect(identity.status).toBe('pass');
    expect(identity.evidence?.[0]).toMatchObject({ file: 'middleware.ts', line: 1 });
  });
});

describe('progress', () => {
  const manyFiles = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`src/route-${i}.ts`, SECURE_ROUTE]));

  it('shows files done / total on a terminal stderr for a large scan, then clears the line', async () => {
    const dir = project(manyFiles);
    const run = await runCli(dir, ['scan'], { stderrIsTTY: true });
    expect(run.stderr).toContain('\r\u001b[2Kscanning files 16 / 25');
    expect(run.stderr).toContain('scanning files 25 / 25');
    expect(run.stderr.endsWith('\r\u001b[2K')).toBe(true);
  });

  it('stays silent when stderr is not a terminal', async () => {
    const dir = project(manyFiles);
    expect((await runCli(dir, ['scan'])).stderr).toBe('');
  });
});
