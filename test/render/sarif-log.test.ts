/**
 * SARIF for GitHub code scanning: every log is validated against the SARIF
 * 2.1.0 JSON schema (OASIS, vendored in test/fixtures: no network in tests),
 * and the parts code scanning reads are asserted one by one.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type * as Sarif from 'sarif';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../checks/index.js';
import missingAuthentication from '../../checks/authentication/missing-authentication.js';
import { configSchema } from '../../src/config/schema.js';
import { buildSarifLog, FINGERPRINT_KEY, serializeSarifLog } from '../../src/render/sarif-log.js';
import { applyWaivers } from '../../src/review/waivers.js';
import { analyzeSource } from '../support/analyze-source.js';
import { finding, result } from './literal-results.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validateSarif = ajv.compile(schema);

/** Fails the test with ajv's errors when `log` is not valid SARIF 2.1.0. */
function expectValidSarif(log: unknown): void {
  const valid = validateSarif(log);
  expect(validateSarif.errors ?? [], JSON.stringify(validateSarif.errors, null, 2)).toEqual([]);
  expect(valid).toBe(true);
}

const config = configSchema.parse({});
const TODAY = '2026-11-28';

const unauthenticatedRoutes = `import express from 'express';
import { db } from './db';
const app = express();
app.delete('/users/:id', async (req, res) => {
  await db.user.delete({ where: { id: req.params.id } });
  res.sendStatus(204);
});
app.post('/orders', async (req, res) => {
  res.json(await db.order.create({ data: { item: String(req.body.item) } }));
});
`;

const authenticatedRoutes = `import express from 'express';
import { db } from './db';
import { requireAuth } from './auth';
const app = express();
app.delete('/users/:id', requireAuth, async (req, res) => {
  await db.user.delete({ where: { id: req.params.id } });
  res.sendStatus(204);
});
`;

function sarifOf(analysis: Parameters<typeof buildSarifLog>[0]['result']): Sarif.Log {
  return buildSarifLog({ result: analysis, checks: CHECKS, config, toolVersion: '1.2.3' });
}

function resultsOf(log: Sarif.Log): Sarif.Result[] {
  return log.runs[0]?.results ?? [];
}

describe('SARIF log of a real analysis', () => {
  it('is valid SARIF 2.1.0 with one result per finding, located on the finding line', async () => {
    const analysis = await analyzeSource('src/app.ts', unauthenticatedRoutes, { checks: [missingAuthentication] });
    expect(analysis.findings).toHaveLength(2);
    const log = sarifOf(analysis);
    expectValidSarif(log);
    const results = resultsOf(log);
    expect(results.map((entry) => entry.ruleId)).toEqual(['missing-authentication', 'missing-authentication']);
    const lines = results.map((entry) => entry.locations?.[0]?.physicalLocation?.region?.startLine).sort();
    expect(lines).toEqual(analysis.findings.map((entry) => entry.line).sort());
    const first = results[0]!;
    expect(first.level).toBe('error');
    expect(first.locations?.[0]?.physicalLocation?.artifactLocation).toEqual({ uri: 'src/app.ts', uriBaseId: '%SRCROOT%' });
    expect(log.runs[0]?.tool.driver.rules?.[first.ruleIndex!]?.id).toBe('missing-authentication');
    expect(first.message.text).toContain('without verifying the caller');
  });

  it('a secure neighbour gives no result, and still a valid log with every rule', async () => {
    const analysis = await analyzeSource('src/app.ts', authenticatedRoutes, { checks: [missingAuthentication], context: { 'src/auth.ts': 'export function requireAuth(req, res, next) { if (!req.user) return res.sendStatus(401); next(); }' } });
    expect(analysis.findings).toEqual([]);
    const log = sarifOf(analysis);
    expectValidSarif(log);
    expect(resultsOf(log)).toEqual([]);
    expect(log.runs[0]?.tool.driver.rules?.map((rule) => rule.id)).toEqual(CHECKS.map((check) => check.id));
  });

  it('partial fingerprints survive lines inserted above the finding', async () => {
    const before = resultsOf(sarifOf(await analyzeSource('src/app.ts', unauthenticatedRoutes, { checks: [missingAuthentication] })));
    const moved = unauthenticatedRoutes.replace('const app = express();', '// a comment\n// another\n\nconst app = express();');
    const after = resultsOf(sarifOf(await analyzeSource('src/app.ts', moved, { checks: [missingAuthentication] })));
    expect(after.map((entry) => entry.partialFingerprints?.[FINGERPRINT_KEY])).toEqual(before.map((entry) => entry.partialFingerprints?.[FINGERPRINT_KEY]));
    expect(after.map((entry) => entry.locations?.[0]?.physicalLocation?.region?.startLine)).toEqual(before.map((entry) => (entry.locations?.[0]?.physicalLocation?.region?.startLine ?? 0) + 3));
    // Two findings of the same rule in the same file are still told apart.
    expect(new Set(before.map((entry) => entry.partialFingerprints?.[FINGERPRINT_KEY])).size).toBe(2);
  });

  it('an in-code suppression is a result with an inSource suppression and its reason', async () => {
    const suppressed = unauthenticatedRoutes.replace("app.post('/orders'", "// api-security-review-ignore missing-authentication: guest checkout, rate limited at the CDN\napp.post('/orders'");
    const analysis = await analyzeSource('src/app.ts', suppressed, { checks: [missingAuthentication] });
    expect(analysis.suppressed).toHaveLength(1);
    const log = sarifOf(analysis);
    expectValidSarif(log);
    const results = resultsOf(log);
    expect(results).toHaveLength(2);
    expect(results.filter((entry) => entry.suppressions === undefined)).toHaveLength(1);
    const withSuppression = results.find((entry) => entry.suppressions !== undefined)!;
    expect(withSuppression.suppressions).toEqual([
      {
        kind: 'inSource',
        justification: 'guest checkout, rate limited at the CDN',
        location: { physicalLocation: { artifactLocation: { uri: 'src/app.ts', uriBaseId: '%SRCROOT%' }, region: { startLine: analysis.suppressed[0]!.line } } },
      },
    ]);
  });

  it('a waiver is an external suppression naming who accepted the risk and until when', async () => {
    const analysis = await analyzeSource('src/app.ts', unauthenticatedRoutes, { checks: [missingAuthentication] });
    const waived = applyWaivers(analysis, [{ ruleId: 'missing-authentication', reason: 'internal tool behind the VPN', by: 'octocat', at: '2026-11-28T10:00:00.000Z', until: '2027-01-31' }], TODAY);
    const log = sarifOf(waived);
    expectValidSarif(log);
    const results = resultsOf(log);
    expect(results).toHaveLength(2);
    for (const entry of results) {
      expect(entry.suppressions).toEqual([{ kind: 'external', justification: 'Accepted risk (waived by @octocat until 2027-01-31): internal tool behind the VPN' }]);
    }
  });
});

describe('rules', () => {
  const rules = sarifOf(result()).runs[0]?.tool.driver.rules ?? [];
  const auth = rules.find((rule) => rule.id === 'missing-authentication')!;

  it('carry a short description, markdown help with the fix and references, and CWE/OWASP tags', () => {
    expect(auth.shortDescription?.text).toBe(missingAuthentication.description);
    expect(auth.help?.markdown).toContain(missingAuthentication.why);
    expect(auth.help?.markdown).toContain('[CWE-306](https://cwe.mitre.org/data/definitions/306.html)');
    expect(auth.help?.markdown).toContain('API2:2023 Broken Authentication');
    expect(auth.properties?.tags).toEqual(expect.arrayContaining(['security', 'external/cwe/cwe-306', 'owasp-api-top10-2023/API2:2023 Broken Authentication', 'checklist/authn.identity']));
  });

  it('security-severity follows the rule severity, and the configuration can change it or turn the rule off', () => {
    expect(auth.properties?.['security-severity']).toBe('8.0');
    expect(auth.defaultConfiguration).toEqual({ level: 'error', enabled: true });
    const tuned = buildSarifLog({ result: result(), checks: CHECKS, config: configSchema.parse({ rules: { 'missing-authentication': 'medium', 'sql-injection': 'off' } }), toolVersion: '1.2.3' });
    const tunedRules = tuned.runs[0]?.tool.driver.rules ?? [];
    expect(tunedRules.find((rule) => rule.id === 'missing-authentication')?.properties?.['security-severity']).toBe('5.5');
    expect(tunedRules.find((rule) => rule.id === 'sql-injection')?.defaultConfiguration?.enabled).toBe(false);
    expectValidSarif(tuned);
  });

  it('every security-severity is inside code scanning band of the rule level', () => {
    for (const rule of rules) {
      const score = Number(rule.properties?.['security-severity']);
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThanOrEqual(10);
    }
  });
});

describe('paths and notifications', () => {
  it('encodes characters a URI cannot hold, keeps slashes, and lists skipped files', () => {
    const log = sarifOf(result({ findings: [finding({ file: 'app/api/invoices/[id]/route ts.ts' })], skipped: [{ file: 'src/huge.ts', reason: 'larger than 1 MB' }], errors: [{ file: 'src/odd.ts', message: 'check x crashed' }] }));
    expectValidSarif(log);
    expect(resultsOf(log)[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('app/api/invoices/%5Bid%5D/route%20ts.ts');
    const notes = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications?.map((note) => note.message.text);
    expect(notes).toEqual(['src/huge.ts was not analysed: larger than 1 MB', 'src/odd.ts: check x crashed']);
  });
});

describe("code scanning's limits", () => {
  const many = result({
    findings: Array.from({ length: 40 }, (_, index) =>
      finding({ severity: index % 4 === 0 ? 'high' : 'low', line: index + 1, endLine: index + 1, fingerprint: `fp${String(index).padStart(4, '0')}` }),
    ),
  });

  it('a log within the limits is written whole, indented', () => {
    const serialized = serializeSarifLog(sarifOf(many));
    expect(serialized.omitted).toBe(0);
    expect(serialized.notice).toBeUndefined();
    expect(resultsOf(JSON.parse(serialized.text) as Sarif.Log)).toHaveLength(40);
  });

  it('over the result limit, the least severe results are left out and the log says so', () => {
    const serialized = serializeSarifLog(sarifOf(many), { maxResults: 25, maxGzippedBytes: 10 * 1024 * 1024 });
    const log = JSON.parse(serialized.text) as Sarif.Log;
    expectValidSarif(log);
    expect(serialized.omitted).toBe(15);
    expect(serialized.notice).toContain('15 of 40 results');
    const kept = resultsOf(log);
    expect(kept).toHaveLength(25);
    // All ten high findings are kept.
    expect(kept.filter((entry) => entry.level === 'error')).toHaveLength(10);
    expect(log.runs[0]?.invocations?.[0]?.toolExecutionNotifications?.at(-1)?.message.text).toContain("GitHub code scanning's limits of 25 results");
  });

  it('over the gzipped size limit, it keeps as many results as fit', () => {
    // Halfway between the rules alone and the whole log, both compact as a capped log is.
    const compact = (log: Sarif.Log) => gzipSync(JSON.stringify(log)).length;
    const limit = Math.floor((compact(sarifOf(result())) + compact(sarifOf(many))) / 2);
    const serialized = serializeSarifLog(sarifOf(many), { maxResults: 25_000, maxGzippedBytes: limit });
    expect(gzipSync(serialized.text).length).toBeLessThanOrEqual(limit);
    expect(gunzipSync(gzipSync(serialized.text)).toString('utf8')).toBe(serialized.text);
    expect(serialized.omitted).toBeGreaterThan(0);
    expect(serialized.omitted).toBeLessThan(40);
    const log = JSON.parse(serialized.text) as Sarif.Log;
    expectValidSarif(log);
    // One more result would not have fitted.
    expect(resultsOf(log)).toHaveLength(40 - serialized.omitted);
  });
});
