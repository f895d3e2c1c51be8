/**
 * The engine over files: changed-endpoint selection, configuration,
 * suppressions, fingerprints, skipped files and check isolation.
 */
import { describe, expect, it } from 'vitest';
import missingAuthentication from '../../checks/authentication/missing-authentication.js';
import { createCheck } from '../../checks/create-check.js';
import { CHECKLIST } from '../../checks/checklist.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles, SUPPRESSION_RULE_ID } from '../../src/review/analyze-files.js';
import { decodeSource } from '../../src/review/decode-source.js';
import { analyzeSource, endpointOf } from '../support/analyze-source.js';

const APP = 'src/app.ts';
const twoRoutes = (prefix = '') => `${prefix}import express from 'express';
const app = express();
app.get('/orders', async (req, res) => {
  res.json(await db.orders.list());
});
app.post('/orders', async (req, res) => {
  res.json(await db.orders.create(req.body));
});
`;

describe('analyzeFiles: changed endpoints', () => {
  it('reviews only the endpoints whose lines the change touched', async () => {
    const result = await analyzeFiles([{ path: APP, text: twoRoutes(), changedLines: new Set([7]) }], { config: DEFAULT_CONFIG, checks: [missingAuthentication] });
    expect(result.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['POST /orders']);
  });

  it('counts a change in a same-file helper the handler calls', async () => {
    const text = `import express from 'express';
const app = express();
app.get('/orders', async (req, res) => res.json(await listOrders()));
app.get('/carts', async (req, res) => res.json(await db.carts.list()));
async function listOrders() {
  return db.orders.list();
}
`;
    const result = await analyzeFiles([{ path: APP, text, changedLines: new Set([6]) }], { config: DEFAULT_CONFIG, checks: [missingAuthentication] });
    expect(result.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET /orders']);
  });

  it('a blank line added between two routes changes neither', async () => {
    const result = await analyzeFiles([{ path: APP, text: twoRoutes(), changedLines: new Set([9]) }], { config: DEFAULT_CONFIG, checks: [missingAuthentication] });
    expect(result.endpoints).toEqual([]);
  });
});

describe('analyzeFiles: the checklist', () => {
  it('fills all 18 items; items no check decides are unknown, never pass', async () => {
    const result = await analyzeSource(APP, twoRoutes(), { checks: [missingAuthentication] });
    const checklist = endpointOf(result, 'POST /orders').checklist;
    expect(Object.keys(checklist)).toEqual(CHECKLIST.map((item) => item.id));
    expect(checklist['input.upload']).toMatchObject({ status: 'unknown', reason: 'not yet analysed' });
  });

  it('a check that throws costs its own items on that endpoint, not the review', async () => {
    const throwing = createCheck({
      id: 'always-throws',
      items: ['input.xss'],
      description: 'test',
      severity: 'low',
      confidence: 'low',
      cwe: ['CWE-79'],
      owasp: ['API8:2023'],
      messages: { never: 'never' },
      why: 'test',
      fix: { default: 'test' },
      run() {
        throw new Error('boom');
      },
    });
    const result = await analyzeSource(APP, twoRoutes(), { checks: [throwing, missingAuthentication] });
    const checklist = endpointOf(result, 'POST /orders').checklist;
    expect(checklist['input.xss'].status).toBe('unknown');
    expect(checklist['input.xss'].reason).toContain('check always-throws failed on src/app.ts:6: boom');
    expect(checklist['authn.identity'].status).toBe('fail');
    expect(result.errors).toHaveLength(2);
  });

  it('a check reporting an undeclared message id is treated as a crash', async () => {
    const sloppy = createCheck({
      id: 'sloppy',
      items: ['input.xss'],
      description: 'test',
      severity: 'low',
      confidence: 'low',
      cwe: ['CWE-79'],
      owasp: ['API8:2023'],
      messages: { declared: 'declared' },
      why: 'test',
      fix: { default: 'test' },
      run(context) {
        context.report({ messageId: 'undeclared' as 'declared', line: 1 });
      },
    });
    const result = await analyzeSource(APP, twoRoutes(), { checks: [sloppy] });
    expect(result.findings).toEqual([]);
    expect(endpointOf(result, 'GET /orders').checklist['input.xss'].reason).toContain('unknown message id "undeclared"');
  });
});

describe('analyzeFiles: configuration', () => {
  it('a rule set to off decides nothing and says so', async () => {
    const result = await analyzeSource(APP, twoRoutes(), { checks: [missingAuthentication], config: { rules: { 'missing-authentication': 'off' } } });
    expect(result.findings).toEqual([]);
    expect(endpointOf(result, 'POST /orders').checklist['authn.identity'].reason).toContain('turned off in the configuration');
  });

  it('a severity override applies to every finding of the rule', async () => {
    const result = await analyzeSource(APP, twoRoutes(), { checks: [missingAuthentication], config: { rules: { 'missing-authentication': { severity: 'critical' } } } });
    expect(result.findings.map((f) => f.severity)).toEqual(['critical', 'critical']);
  });
});

describe('analyzeFiles: suppressions', () => {
  it('a suppression with a reason on the line above moves the finding to the suppressed list', async () => {
    const text = twoRoutes().replace("app.get('/orders'", "// api-security-review-ignore missing-authentication: public catalogue, read-only\napp.get('/orders'");
    const result = await analyzeSource(APP, text, { checks: [missingAuthentication] });
    expect(result.findings.map((f) => f.endpoint)).toEqual(['POST /orders']);
    expect(result.suppressed).toHaveLength(1);
    expect(result.suppressed[0]).toMatchObject({ reason: 'public catalogue, read-only', line: 3 });
    const item = endpointOf(result, 'GET /orders').checklist['authn.identity'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('accepted risk');
  });

  it('a suppression without a reason does not apply and is a finding itself', async () => {
    const text = twoRoutes().replace("app.get('/orders'", "// api-security-review-ignore missing-authentication\napp.get('/orders'");
    const result = await analyzeSource(APP, text, { checks: [missingAuthentication] });
    expect(result.suppressed).toEqual([]);
    expect(result.findings.map((f) => f.ruleId).sort()).toEqual(['missing-authentication', 'missing-authentication', SUPPRESSION_RULE_ID]);
    expect(result.findings.find((f) => f.ruleId === SUPPRESSION_RULE_ID)).toMatchObject({ line: 3, severity: 'low' });
  });

  it('a suppression of another rule does not apply', async () => {
    const text = twoRoutes().replace("app.get('/orders'", "// api-security-review-ignore sql-injection: parameterised\napp.get('/orders'");
    const result = await analyzeSource(APP, text, { checks: [missingAuthentication] });
    expect(result.findings).toHaveLength(2);
  });
});

describe('analyzeFiles: fingerprints', () => {
  it('survive lines added above and re-indentation', async () => {
    const before = await analyzeSource(APP, twoRoutes(), { checks: [missingAuthentication] });
    const after = await analyzeSource(APP, twoRoutes('// a comment\n// another\n').replace("app.post('/orders'", "  app.post('/orders'"), { checks: [missingAuthentication] });
    expect(after.findings.map((f) => f.line)).toEqual(before.findings.map((f) => f.line + 2));
    expect(after.findings.map((f) => f.fingerprint)).toEqual(before.findings.map((f) => f.fingerprint));
  });

  it('differ for the same code twice in a file', async () => {
    const text = `import express from 'express';
const app = express();
app.post('/a', async (req, res) => res.json(await db.a.create(req.body)));
app.post('/a', async (req, res) => res.json(await db.a.create(req.body)));
`;
    const result = await analyzeSource(APP, text, { checks: [missingAuthentication] });
    expect(new Set(result.findings.map((f) => f.fingerprint)).size).toBe(2);
  });
});

describe('analyzeFiles: what cannot be analysed', () => {
  it('a file with a syntax error is skipped with the line and reason; the others are reviewed', async () => {
    const result = await analyzeFiles(
      [
        { path: 'src/broken.ts', text: "import express from 'express';\nconst app = express();\napp.get('/x', (req, res) => {\n" },
        { path: APP, text: twoRoutes() },
      ],
      { config: DEFAULT_CONFIG, checks: [missingAuthentication] },
    );
    expect(result.skipped).toEqual([{ file: 'src/broken.ts', reason: expect.stringMatching(/^syntax error at line 4: /) }]);
    expect(result.endpoints).toHaveLength(2);
  });

  it('a file of an unsupported language is skipped, not parsed as TypeScript', async () => {
    const result = await analyzeFiles([{ path: 'api/views.rb', text: 'def f\nend\n' }], { config: DEFAULT_CONFIG });
    expect(result.skipped).toEqual([{ file: 'api/views.rb', reason: 'not a supported source file (TypeScript/JavaScript or Python)' }]);
  });

  it('a Python file goes through the Python parser: a file without endpoints is neither skipped nor reported', async () => {
    const result = await analyzeFiles([{ path: 'api/views.py', text: 'def f():\n  pass\n' }], { config: DEFAULT_CONFIG });
    expect(result).toMatchObject({ endpoints: [], skipped: [], errors: [] });
  });

  const nested = (depth: number) => `import express from 'express';\nconst app = express();\napp.get('/deep', (req, res) => res.json(${'['.repeat(depth)}${']'.repeat(depth)}));\n`;

  it('deep nesting the parser handles is analysed without recursion in the engine', async () => {
    const result = await analyzeFiles([{ path: APP, text: nested(600) }], { config: DEFAULT_CONFIG });
    expect(result.errors).toEqual([]);
    expect(result.endpoints).toHaveLength(1);
  });

  it('10,000 nested brackets are skipped with the reason, not a crash', async () => {
    const result = await analyzeFiles([{ path: APP, text: nested(10_000) }, { path: 'src/other.ts', text: twoRoutes() }], { config: DEFAULT_CONFIG });
    expect(result.skipped).toEqual([{ file: APP, reason: 'nested too deeply to parse (the parser ran out of stack)' }]);
    expect(result.endpoints).toHaveLength(2);
  });
});

describe('decodeSource', () => {
  it('decodes UTF-8, with or without a BOM, and UTF-16 with a BOM', () => {
    expect(decodeSource(Buffer.from('const a = "é";'))).toEqual({ ok: true, text: 'const a = "é";' });
    expect(decodeSource(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x')]))).toEqual({ ok: true, text: 'x' });
    expect(decodeSource(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('xy', 'utf16le')]))).toEqual({ ok: true, text: 'xy' });
  });

  it('refuses binaries, invalid UTF-8 and files over the limit, with the reason', () => {
    expect(decodeSource(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00]))).toEqual({ ok: false, reason: 'binary file (contains NUL bytes)' });
    expect(decodeSource(Buffer.from([0x61, 0xc3, 0x28]))).toEqual({ ok: false, reason: 'not valid UTF-8 text' });
    expect(decodeSource(Buffer.alloc(2 * 1024 * 1024, 0x61))).toEqual({ ok: false, reason: 'file is 2.0 MB, over the 1.0 MB analysis limit' });
  });
});
