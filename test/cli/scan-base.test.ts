/**
 * `--base <ref>`: only the endpoints a pull request from this branch would
 * change are reviewed, using the app's changed-endpoint logic.
 */
import { readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/cli/format-json.js';
import { createGitProject, createProject, expressRoutes, git, runCli, writeFiles } from './cli-harness.js';

const ROUTES = [
  "router.post('/orders', async (req, res) => {",
  '  res.json(await db.orders.create(req.body));',
  '});',
  '',
  "router.post('/invoices', async (req, res) => {",
  '  res.json(await db.invoices.create(req.body));',
  '});',
];

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function repository(): string {
  const created = createGitProject({ 'src/routes.ts': expressRoutes(ROUTES), 'src/other.ts': expressRoutes(["router.delete('/carts/:id', async (req, res) => { res.json(await db.carts.delete(req.params.id)); });"]) });
  cleanups.push(created.cleanup);
  return created.dir;
}

/** The routes file with the body of POST /invoices changed. */
function changeInvoices(dir: string): void {
  writeFiles(dir, { 'src/routes.ts': expressRoutes(ROUTES.map((line) => line.replace('db.invoices.create(req.body)', 'db.invoices.create({ ...req.body, draft: true })'))) });
}

async function scanBase(dir: string, ...argv: string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const run = await runCli(dir, ['scan', '--base', 'main', '--format', 'json', ...argv]);
  return { code: run.code, report: run.stdout === '' ? (undefined as unknown as JsonReport) : (JSON.parse(run.stdout) as JsonReport), stderr: run.stderr };
}

function endpoints(report: JsonReport): string[] {
  return report.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route}`);
}

describe('scan --base', () => {
  it('reviews only the endpoint that a committed change on a branch touches', async () => {
    const dir = repository();
    git(dir, 'checkout', '-q', '-b', 'feature');
    changeInvoices(dir);
    git(dir, 'commit', '-q', '-am', 'change invoices');
    // The base moves on after the branch: its new commits are not part of the PR.
    git(dir, 'checkout', '-q', 'main');
    writeFiles(dir, { 'src/other.ts': expressRoutes(["router.delete('/carts/:id', async (req, res) => { res.json(await db.carts.remove(req.params.id)); });"]) });
    git(dir, 'commit', '-q', '-am', 'main moves on');
    git(dir, 'checkout', '-q', 'feature');

    const { code, report } = await scanBase(dir);
    expect(endpoints(report)).toEqual(['POST /invoices']);
    expect([...new Set(report.findings.map((finding) => finding.endpoint))]).toEqual(['POST /invoices']);
    expect(code).toBe(1);
  });

  it('counts uncommitted changes in the working tree', async () => {
    const dir = repository();
    changeInvoices(dir);
    const { report } = await scanBase(dir);
    expect(endpoints(report)).toEqual(['POST /invoices']);
  });

  it('reviews every endpoint of a new file not yet added to git, but not of a git-ignored one', async () => {
    const dir = repository();
    writeFiles(dir, {
      '.gitignore': 'generated/\n',
      'src/new.ts': expressRoutes(["router.put('/profiles/:id', async (req, res) => { res.json(await db.profiles.update(req.body)); });"]),
      'generated/api.ts': expressRoutes(["router.put('/generated', async (req, res) => { res.json(req.body); });"]),
    });
    const { report } = await scanBase(dir);
    expect(endpoints(report)).toEqual(['PUT /profiles/:id']);
  });

  it('reviews nothing and exits 0 when nothing changed', async () => {
    const dir = repository();
    const { code, report } = await scanBase(dir);
    expect(code).toBe(0);
    expect(report.endpoints).toEqual([]);
  });

  it('limits the diff to the paths given', async () => {
    const dir = repository();
    changeInvoices(dir);
    writeFiles(dir, { 'src/other.ts': expressRoutes(["router.delete('/carts/:id', async (req, res) => { res.json(await db.carts.remove(req.params.id)); });"]) });
    expect(endpoints((await scanBase(dir)).report).sort()).toEqual(['DELETE /carts/:id', 'POST /invoices']);
    expect(endpoints((await scanBase(dir, 'src/other.ts')).report)).toEqual(['DELETE /carts/:id']);
  });

  it('never writes to the repository, not even the index stat cache', async () => {
    const dir = repository();
    // A file whose stat data no longer matches the index: `git diff` would rewrite the index here.
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, 'src/routes.ts'), future, future);
    const index = path.join(dir, '.git/index');
    const before = { bytes: readFileSync(index), mtime: statSync(index).mtimeMs };
    await scanBase(dir);
    expect(statSync(index).mtimeMs).toBe(before.mtime);
    expect(readFileSync(index).equals(before.bytes)).toBe(true);
  });

  it('exits 2 for a ref git does not know', async () => {
    const dir = repository();
    const run = await runCli(dir, ['scan', '--base', 'no-such-branch']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: unknown git ref for --base: no-such-branch\n');
  });

  it('exits 2 outside a git repository', async () => {
    const created = createProject({ 'src/routes.ts': expressRoutes(ROUTES) });
    cleanups.push(created.cleanup);
    const run = await runCli(created.dir, ['scan', '--base', 'main']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: --base needs a git repository: not inside a git work tree\n');
  });
});
