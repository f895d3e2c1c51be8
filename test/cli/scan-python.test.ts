/**
 * The CLI reviews a Python checkout exactly as it reviews TypeScript: the
 * same entry, the same JSON report and exit codes; a file with a syntax
 * error gets unknown items with the reason, never a crash; `--base` keeps
 * only the endpoints the change touched.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/cli/format-json.js';
import { createGitProject, createProject, git, REPO_ROOT, runCli, writeFiles } from './cli-harness.js';

const run = promisify(execFile);

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

const MAIN = `from fastapi import Depends, FastAPI
app = FastAPI()


@app.delete("/orders/{order_id}")
async def delete_order(order_id: int, session=Depends(get_session)):
    await session.delete(await session.get(Order, order_id))


@app.get("/me")
async def me(user=Depends(get_current_user)):
    return await profiles.get(user.id)
`;

const BROKEN = `from flask import Flask
app = Flask(__name__)


@app.get("/broken")
def broken():
    value = = compute()
    return value


@app.get("/fine")
def fine():
    return jsonify(Order.query.all())
`;

describe('scan of a Python project', () => {
  it('through the real entry (a separate node process): findings, JSON report, exit 1', async () => {
    const created = createProject({ 'app/main.py': MAIN });
    cleanups.push(created.cleanup);
    let code = 0;
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/esm/index.mjs'), path.join(REPO_ROOT, 'src/cli.ts'), 'scan', '--format', 'json'], { cwd: created.dir, env: { ...process.env, NO_COLOR: '1' } }));
    } catch (error) {
      ({ code, stdout } = error as { code: number; stdout: string });
    }
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as JsonReport;
    expect(report.endpoints.map((e) => [e.method, e.route, e.framework, e.checklist['authn.identity'].status])).toEqual([
      ['DELETE', '/orders/{order_id}', 'fastapi', 'fail'],
      ['GET', '/me', 'fastapi', 'pass'],
    ]);
    expect(report.findings.find((f) => f.ruleId === 'missing-authentication')).toMatchObject({ file: 'app/main.py', line: 5, severity: 'high', checklistItem: 'authn.identity' });
  });

  it('a syntax error: every item of the endpoint it touches is unknown with the reason, the others are reviewed', async () => {
    const created = createProject({ 'web/app.py': BROKEN });
    cleanups.push(created.cleanup);
    const report = JSON.parse((await runCli(created.dir, ['scan', '--format', 'json'])).stdout) as JsonReport;
    expect(report.skipped).toEqual([]);
    const broken = report.endpoints.find((e) => e.route === '/broken')!;
    expect(Object.values(broken.checklist).every((item) => item.status === 'unknown')).toBe(true);
    expect(report.endpoints.find((e) => e.route === '/fine')!.checklist['authn.identity'].status).toBe('fail');
    // The JSON contract carries no reasons; the markdown summary (the check run's) does.
    const markdown = (await runCli(created.dir, ['scan', '--format', 'markdown'])).stdout;
    expect(markdown).toContain('**User identity verified before processing**: syntax error at line 7 (unexpected "=") inside this endpoint\'s code: not analysed');
  });

  it('--base reviews only the Python endpoints the change touched', async () => {
    const created = createGitProject({ 'app/main.py': MAIN });
    cleanups.push(created.cleanup);
    git(created.dir, 'checkout', '-q', '-b', 'feature');
    writeFiles(created.dir, { 'app/main.py': MAIN.replace('return await profiles.get(user.id)', 'return await profiles.get(user.id, fields=["name"])') });
    git(created.dir, 'commit', '-qam', 'change me');
    const result = await runCli(created.dir, ['scan', '--base', 'main', '--format', 'json']);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET /me']);
    expect(result.code).toBe(0);
  });

  it('skips Python tests, migrations and virtualenvs by default', async () => {
    const created = createProject({ 'app/main.py': MAIN, 'tests/test_main.py': MAIN, 'app/test_views.py': MAIN, 'shop/migrations/0001_initial.py': MAIN, '.venv/lib/site.py': MAIN });
    cleanups.push(created.cleanup);
    const report = JSON.parse((await runCli(created.dir, ['scan', '--format', 'json'])).stdout) as JsonReport;
    expect([...new Set(report.endpoints.map((e) => e.file))]).toEqual(['app/main.py']);
  });
});
