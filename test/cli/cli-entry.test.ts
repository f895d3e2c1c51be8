/**
 * The real entry, end to end: a separate node process running src/cli.ts
 * through tsx, as `npm run cli` does (the published bin runs the same module
 * compiled to dist/).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/cli/format-json.js';
import { REPO_ROOT } from './cli-harness.js';

const run = promisify(execFile);

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...argv], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('node --import tsx src/cli.ts', () => {
  it('scans the example project and exits 1 with the JSON report on stdout', async () => {
    const result = await cli('scan', 'examples/vulnerable-api', '--format', 'json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.version).toBe(1);
    expect(report.endpoints.length).toBe(9);
    expect(report.findings.some((finding) => finding.ruleId === 'missing-authentication' && finding.file === 'examples/vulnerable-api/src/routes/users.ts')).toBe(true);
  });

  it('exits 2 on a usage error', async () => {
    const result = await cli('scan', '--format', 'xml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown --format "xml"');
  });
});
