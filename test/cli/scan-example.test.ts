/**
 * The CLI over the bundled example project: exit codes, the JSON contract
 * and paths relative to the working directory.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKLIST_ITEM_IDS } from '../../checks/checklist.js';
import type { JsonReport } from '../../src/cli/format-json.js';
import { EXAMPLE_DIR, REPO_ROOT, runCli } from './cli-harness.js';

const FINDING_KEYS = ['ruleId', 'checklistItem', 'severity', 'confidence', 'file', 'line', 'endLine', 'message'];
const OPTIONAL_FINDING_KEYS = ['endpoint', 'cwe', 'owasp'];

function expectContractFinding(finding: Record<string, unknown>): void {
  expect(Object.keys(finding).filter((key) => !OPTIONAL_FINDING_KEYS.includes(key))).toEqual(FINDING_KEYS);
  expect(CHECKLIST_ITEM_IDS).toContain(finding.checklistItem);
  expect(typeof finding.line).toBe('number');
  expect(typeof finding.endLine).toBe('number');
}

function endpointNames(report: JsonReport): string[] {
  return report.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route}`).sort();
}

function missingAuthentication(report: JsonReport): string[] {
  return report.findings
    .filter((finding) => finding.ruleId === 'missing-authentication')
    .map((finding) => finding.endpoint ?? '')
    .sort();
}

describe('scan examples/vulnerable-api', () => {
  it('writes the JSON report of the contract, with paths relative to the working directory', async () => {
    const run = await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api', '--format', 'json']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;

    expect(Object.keys(report)).toEqual(['version', 'endpoints', 'findings', 'skipped']);
    expect(report.version).toBe(1);
    expect(report.skipped).toEqual([]);
    expect(endpointNames(report)).toEqual([
      'DELETE /:id',
      'DELETE /api/invoices/[id]',
      'GET /api/invoices',
      'GET /api/invoices/[id]',
      'GET /health',
      'GET /me',
      'GET /search',
      'POST /api/invoices',
      'PUT /api/invoices',
    ]);
    for (const endpoint of report.endpoints) {
      expect(Object.keys(endpoint)).toEqual(['file', 'line', 'method', 'route', 'framework', 'checklist']);
      expect(endpoint.file.startsWith('examples/vulnerable-api/')).toBe(true);
      expect(Object.keys(endpoint.checklist)).toEqual(CHECKLIST_ITEM_IDS);
      for (const item of Object.values(endpoint.checklist)) {
        expect(['pass', 'fail', 'unknown', 'n/a']).toContain(item.status);
        expect(Object.keys(item).every((key) => ['status', 'evidence', 'findings'].includes(key))).toBe(true);
        for (const evidence of item.evidence ?? []) expect(evidence.file.startsWith('examples/vulnerable-api/')).toBe(true);
        for (const finding of item.findings ?? []) expectContractFinding(finding as unknown as Record<string, unknown>);
      }
    }
    for (const finding of report.findings) {
      expectContractFinding(finding as unknown as Record<string, unknown>);
      expect(finding.file.startsWith('examples/vulnerable-api/')).toBe(true);
    }
    expect(missingAuthentication(report)).toEqual(['DELETE /api/invoices/[id]', 'GET /search', 'POST /api/invoices']);
  });

  it('fills the checklist of a secure endpoint with evidence and a failing one with its finding', async () => {
    const report = JSON.parse((await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api', '--format', 'json'])).stdout) as JsonReport;
    const secure = report.endpoints.find((endpoint) => endpoint.method === 'GET' && endpoint.route === '/api/invoices')!;
    expect(secure.checklist['authn.identity']).toEqual({
      status: 'pass',
      evidence: [{ file: 'examples/vulnerable-api/app/api/invoices/route.ts', line: 13, note: 'auth() (Clerk / Auth.js)' }],
    });
    const open = report.endpoints.find((endpoint) => endpoint.method === 'POST' && endpoint.route === '/api/invoices')!;
    expect(open.checklist['authn.identity'].status).toBe('fail');
    expect(open.checklist['authn.identity'].findings?.map((finding) => finding.ruleId)).toEqual(['missing-authentication']);
  });

  it('writes paths relative to the working directory when run from inside the example', async () => {
    const report = JSON.parse((await runCli(EXAMPLE_DIR, ['scan', '--format', 'json'])).stdout) as JsonReport;
    const files = [...new Set(report.endpoints.map((endpoint) => endpoint.file))].sort();
    expect(files).toEqual(['app/api/invoices/[id]/route.ts', 'app/api/invoices/route.ts', 'src/routes/users.ts', 'src/server.ts']);
  });

  it('exits 1 on findings at or above the default fail-on (high), 0 when none reach --fail-on', async () => {
    expect((await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api'])).code).toBe(1);
    const relaxed = await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api', '--fail-on', 'critical']);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toContain('Passed: no findings at or above critical.');
  });

  it('exits 2 with the usage on stderr for an unknown option, and prints nothing on stdout', async () => {
    const run = await runCli(REPO_ROOT, ['scan', '--colour']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("Unknown option '--colour'");
    expect(run.stderr).toContain('Usage: api-security-review scan');
  });

  it('exits 2 for a path that does not exist or lies outside the project', async () => {
    expect(await runCli(REPO_ROOT, ['scan', 'no/such/dir'])).toMatchObject({ code: 2, stderr: 'error: path not found: no/such/dir\n' });
    const outside = await runCli(EXAMPLE_DIR, ['scan', path.dirname(REPO_ROOT)]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is outside the project');
  });

  it('answers --help on stdout and --version with the package version', async () => {
    const help = await runCli(REPO_ROOT, ['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('--fail-on <severity>');
    expect((await runCli(REPO_ROOT, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('--format text', () => {
  it('prints each finding with why and fix, a line per endpoint and the summary, without colour off a terminal', async () => {
    const run = await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api']);
    expect(run.stdout).toMatch(/^examples\/vulnerable-api\/app\/api\/invoices\/route\.ts:26 {2}high {2}missing-authentication {2}POST \/api\/invoices /m);
    expect(run.stdout).toMatch(/^ {4}why: /m);
    expect(run.stdout).toMatch(/^ {4}fix: /m);
    expect(run.stdout).toMatch(/^ {2}POST \/api\/invoices +examples\/vulnerable-api\/app\/api\/invoices\/route\.ts:26 +Authn FAIL {2}Authz /m);
    expect(run.stdout).toMatch(/^8 files scanned, 9 endpoints, \d+ findings \(/m);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('colours a terminal unless NO_COLOR is set', async () => {
    expect((await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api'], { stdoutIsTTY: true })).stdout).toContain('\u001b[31mhigh\u001b[0m');
    expect((await runCli(REPO_ROOT, ['scan', 'examples/vulnerable-api'], { stdoutIsTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });
});
