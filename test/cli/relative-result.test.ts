import { describe, expect, it } from 'vitest';
import { relativizeResult } from '../../src/cli/relative-result.js';
import { analyzeSource } from '../support/analyze-source.js';

const OPEN_ROUTE = "import express from 'express';\nconst router = express();\nrouter.post('/orders', async (req, res) => { res.json(await db.orders.create(req.body)); });\n";

describe('relativizeResult', () => {
  it('rewrites every path, keeps fingerprints, and keeps a finding one object wherever it is listed', async () => {
    const result = await analyzeSource('api/src/routes.ts', OPEN_ROUTE);
    const relative = relativizeResult(result, (path) => path.replace(/^api\//, ''));
    const finding = relative.findings.find((f) => f.ruleId === 'missing-authentication')!;
    expect(finding.file).toBe('src/routes.ts');
    expect(finding.fingerprint).toBe(result.findings.find((f) => f.ruleId === 'missing-authentication')!.fingerprint);
    expect(relative.endpoints[0].file).toBe('src/routes.ts');
    expect(relative.endpoints[0].checklist['authn.identity'].findings[0]).toBe(finding);
    expect(result.findings[0].file).toBe('api/src/routes.ts');
  });
});
