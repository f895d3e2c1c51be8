import { describe, expect, it } from 'vitest';
import { CHECKLIST, SECTIONS } from '../../checks/checklist.js';
import type { AnalysisResult, EndpointReport, Finding, Severity } from '../../checks/model.js';
import {
  renderCheckRunOutput,
  renderConfigErrorOutput,
  renderFailureOutput,
  renderNoApiChangesOutput,
  renderReviewBody,
  type CheckRunOutputInput,
} from '../../src/render/check-run-output.js';
import { renderMarkdownSummary } from '../../src/render/markdown-summary.js';
import { planReview } from '../../src/review/plan-review.js';
import { checklist, endpoint, finding, result } from './literal-results.js';

const SHA = 'abcdef1234567890abcdef1234567890abcdef12';
const LINK_BASE = `https://github.com/octo/repo/blob/${SHA}/`;
const LIMIT = 65_535;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const missingAuth = finding();
const failingEndpoint = endpoint({
  checklist: checklist({
    'authn.identity': { status: 'fail', evidence: [], findings: [missingAuth] },
    'ratelimit.endpoint': { status: 'unknown', evidence: [], reason: 'no limiter found in this file' },
    'input.upload': { status: 'n/a', evidence: [], reason: 'the endpoint takes no file upload' },
  }),
});
const healthEndpoint = endpoint({ method: 'GET', route: '/api/health', file: 'app/api/health/route.ts', line: 3, publicReason: 'health / status endpoint' });

function input(analysis: AnalysisResult, options: { failOn?: Severity; linkBase?: string; commentable?: Map<string, Set<number>> } = {}): CheckRunOutputInput {
  const failOn = options.failOn ?? 'high';
  const plan = planReview({ result: analysis, commentable: options.commentable ?? new Map(), postedFingerprints: new Set(), maxComments: 30, failOn });
  return { result: analysis, plan, failOn, headSha: SHA, linkBase: options.linkBase, reviewedFiles: 3 };
}

describe('renderCheckRunOutput: the summary', () => {
  const output = renderCheckRunOutput(input(result({ endpoints: [failingEndpoint, healthEndpoint], findings: [missingAuth] }), { linkBase: LINK_BASE }));

  it('opens with a one-line verdict that counts blocking findings and changed endpoints', () => {
    expect(output.summary.split('\n')[0]).toBe('### ❌ 1 high finding in 2 changed endpoints');
    expect(output.title).toBe('1 high finding in 2 changed endpoints');
  });

  it('gives a passing verdict that names the threshold and the findings below it', () => {
    const passing = renderCheckRunOutput(input(result({ endpoints: [failingEndpoint], findings: [finding({ severity: 'medium' })] })));
    expect(passing.summary.split('\n')[0]).toBe('### ✅ No findings at or above `high` in 1 changed endpoint (1 finding below it: 1 medium)');
  });

  it('has a table with one column per checklist section and a legend', () => {
    expect(output.summary).toContain(`| Endpoint | ${SECTIONS.join(' | ')} |`);
    expect(output.summary).toContain('✅ pass · ❌ fail · ❔ unknown (a human must look) · ➖ n/a (does not apply)');
  });

  it('aggregates each section into one mark: fail, else unknown, else pass', () => {
    const row = output.summary.split('\n').find((line) => line.startsWith('| `PATCH /api/invoices/[id]`'));
    // Authentication fails, Input Validation has pass + n/a, Rate Limiting has an unknown.
    expect(row?.endsWith('| ❌ | ✅ | ✅ | ✅ | ❔ | ✅ |')).toBe(true);
  });

  it('links each endpoint to its file and line at the head commit', () => {
    expect(output.summary).toContain(`[app/api/invoices/\\[id\\]/route.ts:10](${LINK_BASE}app/api/invoices/%5Bid%5D/route.ts#L10)`);
  });

  it('marks an endpoint that is public by design', () => {
    expect(output.summary).toContain('`GET /api/health` (public: health / status endpoint)');
  });

  it('has one collapsible checklist per endpoint with the 18 items under the six sections', () => {
    expect(output.summary.match(/<details>/g)).toHaveLength(2);
    const details = output.summary.slice(output.summary.indexOf('<details>'), output.summary.indexOf('</details>'));
    for (const section of SECTIONS) expect(details).toContain(`**${section}**`);
    for (const item of CHECKLIST) expect(details).toContain(`**${item.title}**`);
    expect(details.match(/^- [✅❌❔➖] \*\*/gmu)).toHaveLength(18);
  });

  it('shows evidence for a pass, the finding for a fail and the reason for unknown and n/a', () => {
    expect(output.summary).toContain(`- ✅ **Invalid tokens rejected with 401**: [line 5](${LINK_BASE}app/api/invoices/%5Bid%5D/route.ts#L5) evidence for authn.invalid-token`);
    expect(output.summary).toContain('- ❌ **User identity verified before processing**\n  - 🔴 High `missing-authentication`: PATCH /api/invoices/\\[id\\] does its work');
    expect(output.summary).toContain('- ❔ **Rate limits configured per endpoint**: no limiter found in this file');
    expect(output.summary).toContain('- ➖ **File uploads size/type limited**: the endpoint takes no file upload');
  });

  it('annotates every finding', () => {
    expect(output.annotations).toHaveLength(1);
    expect(output.annotations[0]).toMatchObject({ path: missingAuth.file, start_line: 12, annotation_level: 'failure' });
  });

  it('writes plain file:line text without a link base (CLI)', () => {
    const plain = renderCheckRunOutput(input(result({ endpoints: [failingEndpoint], findings: [missingAuth] })));
    expect(plain.summary).toContain('<br>app/api/invoices/\\[id\\]/route.ts:10 |');
    expect(plain.summary).not.toContain('](http');
  });

  it('says how many findings could not be inline comments', () => {
    expect(output.summary).toContain('Reviewed 3 source files at `abcdef1`: 1 finding on lines outside the diff (shown here and as annotations).');
  });
});

describe('renderCheckRunOutput: suppressions, skipped files, errors', () => {
  const analysis = result({
    endpoints: [healthEndpoint],
    suppressed: [
      { finding: finding({ ruleId: 'missing-rate-limit', line: 30 }), reason: 'limited by the API gateway', line: 29 },
      { finding: finding({ ruleId: 'raw-sql', line: 44 }), reason: 'the query is a constant', line: 44 },
    ],
    skipped: [
      { file: 'lib/broken.ts', reason: 'syntax error at line 3: ; expected' },
      { file: 'public/logo.png', reason: 'binary file' },
    ],
    errors: [{ file: 'app/api/x/route.ts', message: 'check missing-authentication failed on app/api/x/route.ts:3: boom' }],
  });
  const summary = renderCheckRunOutput(input(analysis)).summary;

  it('lists suppressed findings with rule, file:line and reason', () => {
    expect(summary).toContain('**2 findings suppressed:**');
    expect(summary).toContain('- `missing-rate-limit` at app/api/invoices/\\[id\\]/route.ts:30: limited by the API gateway (ignore comment on line 29)');
  });

  it('lists skipped files with their reason', () => {
    expect(summary).toContain('**2 files skipped:**');
    expect(summary).toContain('- `lib/broken.ts`: syntax error at line 3: ; expected');
    expect(summary).toContain('- `public/logo.png`: binary file');
  });

  it('lists analysis errors', () => {
    expect(summary).toContain('**1 analysis error**');
    expect(summary).toContain('- `app/api/x/route.ts`: check missing-authentication failed');
  });

  it('leaves the sections out when there is nothing to list', () => {
    const clean = renderCheckRunOutput(input(result({ endpoints: [healthEndpoint] }))).summary;
    expect(clean).not.toContain('suppressed');
    expect(clean).not.toContain('skipped');
  });
});

describe('renderCheckRunOutput: bad input', () => {
  it('shows the items of a checklist that lacks them as unknown, never as pass', () => {
    const partial = { ...endpoint(), checklist: {} as EndpointReport['checklist'] };
    const summary = renderCheckRunOutput(input(result({ endpoints: [partial] }))).summary;
    expect(summary.match(/^- ❔ \*\*.*: no check reported on this item$/gm)).toHaveLength(18);
    expect(summary).toContain('| ❔ | ❔ | ❔ | ❔ | ❔ | ❔ |');
  });
});

describe('renderCheckRunOutput: escaping code-derived text', () => {
  it('escapes a pipe in a finding message so that it cannot break the markdown', () => {
    const piped = finding({ message: 'Returns `a || b` <raw> | as is' });
    const summary = renderCheckRunOutput(
      input(result({ endpoints: [endpoint({ checklist: checklist({ 'authn.identity': { status: 'fail', evidence: [], findings: [piped] } }) })], findings: [piped] })),
    ).summary;
    expect(summary).toContain('Returns \\`a \\|\\| b\\` \\<raw\\> \\| as is');
  });

  it('escapes a pipe in a route inside the endpoint table', () => {
    const summary = renderCheckRunOutput(input(result({ endpoints: [endpoint({ route: '/a|b' })] }))).summary;
    expect(summary).toContain('| `PATCH /a\\|b`<br>');
  });

  it('escapes HTML in the route shown in the collapsible summary line', () => {
    const summary = renderCheckRunOutput(input(result({ endpoints: [endpoint({ route: '/<script>' })] }))).summary;
    expect(summary).toContain('<code>PATCH /&lt;script&gt;</code>');
  });
});

describe('renderCheckRunOutput: the 65,535-byte limit', () => {
  const longNote = 'x'.repeat(300);
  const passingWithLongEvidence = (i: number): EndpointReport =>
    endpoint({
      route: `/api/resources/${i}`,
      line: i + 1,
      checklist: checklist(Object.fromEntries(CHECKLIST.map((item) => [item.id, { status: 'pass' as const, evidence: [{ file: 'lib/other.ts', line: 1, note: longNote }], findings: [] }]))),
    });
  const failing = (i: number, severity: Severity = 'high'): { endpoint: EndpointReport; finding: Finding } => {
    const f = finding({ severity, line: 1000 + i, endLine: 1000 + i, fingerprint: `fp-${i}`, endpoint: `POST /api/items/${i}` });
    return {
      finding: f,
      endpoint: endpoint({
        method: 'POST',
        route: `/api/items/${i}`,
        line: 1000 + i,
        checklist: checklist({ 'authn.identity': { status: 'fail', evidence: [], findings: [f] } }),
      }),
    };
  };

  it('first drops the evidence of passing items, and says so', () => {
    const output = renderCheckRunOutput(input(result({ endpoints: Array.from({ length: 12 }, (_, i) => passingWithLongEvidence(i)) }), { linkBase: LINK_BASE }));
    expect(bytes(output.summary)).toBeLessThanOrEqual(LIMIT);
    expect(output.summary).toContain('Evidence of the passing items left out: the limit of the check run summary was reached.');
    expect(output.summary.match(/<details>/g)).toHaveLength(12);
    expect(output.summary).not.toContain(longNote);
  });

  it('puts the complete checklists in the text when the summary was shortened', () => {
    const output = renderCheckRunOutput(input(result({ endpoints: Array.from({ length: 12 }, (_, i) => passingWithLongEvidence(i)) }), { linkBase: LINK_BASE }));
    expect(output.text).toContain(longNote);
    expect(bytes(output.text ?? '')).toBeLessThanOrEqual(LIMIT);
    expect(output.summary).toContain('The complete checklists, with evidence, are in the check run text below the summary');
  });

  it('leaves the text out when the summary is complete', () => {
    expect(renderCheckRunOutput(input(result({ endpoints: [healthEndpoint] }))).text).toBeUndefined();
  });

  it('then keeps only the checklists of failing endpoints', () => {
    const failures = [failing(1), failing(2)];
    const endpoints = [...failures.map((f) => f.endpoint), ...Array.from({ length: 60 }, (_, i) => passingWithLongEvidence(i))];
    const output = renderCheckRunOutput(input(result({ endpoints, findings: failures.map((f) => f.finding) }), { linkBase: LINK_BASE }));
    expect(bytes(output.summary)).toBeLessThanOrEqual(LIMIT);
    expect(output.summary.match(/<details>/g)).toHaveLength(2);
    expect(output.summary).toContain('Checklists of 60 endpoints without failures left out');
    expect(output.summary.match(/^\| `/gm)).toHaveLength(62);
  });

  it('finally truncates endpoints, keeping the most severe, and says how many were omitted (500 endpoints)', () => {
    const failures = Array.from({ length: 500 }, (_, i) => failing(i, i === 499 ? 'critical' : 'high'));
    const analysis = result({ endpoints: failures.map((f) => f.endpoint), findings: failures.map((f) => f.finding) });
    const output = renderCheckRunOutput(input(analysis, { linkBase: LINK_BASE }));

    expect(bytes(output.summary)).toBeLessThanOrEqual(LIMIT);
    expect(output.summary.split('\n')[0]).toBe('### ❌ 500 findings at or above `high` (1 critical, 499 high) in 500 changed endpoints');
    const rows = output.summary.match(/^\| `/gm)?.length ?? 0;
    const omitted = Number(/… (\d+) endpoints omitted: the limit of the check run summary was reached\./.exec(output.summary)?.[1]);
    expect(rows).toBeGreaterThan(0);
    expect(rows + omitted).toBe(500);
    // The critical endpoint, last in the input, comes first.
    expect(output.summary).toContain('| `POST /api/items/499`');
    expect(output.annotations).toHaveLength(500);
    expect(bytes(output.text ?? '')).toBeLessThanOrEqual(LIMIT);
  });

  it('bounds a huge list of skipped files', () => {
    const skipped = Array.from({ length: 5000 }, (_, i) => ({ file: `vendor/file-${i}.ts`, reason: 'file too large (over 1 MB)' }));
    const summary = renderCheckRunOutput(input(result({ endpoints: [healthEndpoint], skipped }))).summary;
    expect(bytes(summary)).toBeLessThanOrEqual(LIMIT);
    expect(summary).toMatch(/- … \d+ skipped files more: the limit of the check run summary was reached\./);
  });
});

describe('renderMarkdownSummary', () => {
  it('is exactly the check run summary', () => {
    const runInput = input(result({ endpoints: [failingEndpoint], findings: [missingAuth] }));
    expect(renderMarkdownSummary(runInput)).toBe(renderCheckRunOutput(runInput).summary);
  });
});

describe('renderNoApiChangesOutput', () => {
  it('says the pull request touches no API code and lists skipped files', () => {
    const output = renderNoApiChangesOutput({ reviewedFiles: 4, skipped: [{ file: 'assets/a.bin', reason: 'binary file' }] });
    expect(output.title).toBe('No API changes');
    expect(output.summary).toContain('touches no API code');
    expect(output.summary).toContain('- `assets/a.bin`: binary file');
    expect(output.annotations).toEqual([]);
  });
});

describe('renderConfigErrorOutput', () => {
  it('shows a key | found | expected table', () => {
    const output = renderConfigErrorOutput('.github/api-security-review.yml', [
      { key: 'fail_on', found: '"severe"', expected: 'Invalid option: expected one of "info"|"low"|"medium"|"high"|"critical"' },
      { key: 'max_comment', found: '10', expected: 'no such key (check the spelling against the configuration reference)' },
    ]);
    expect(output.summary).toContain('| Key | Found | Expected |\n| --- | --- | --- |\n| `fail_on` | `"severe"` | Invalid option: expected one of "info"\\|"low"');
    expect(output.summary).toContain('| `max_comment` | `10` | no such key');
    expect(output.title).toBe('Invalid configuration: 2 problems in .github/api-security-review.yml');
  });
});

describe('renderFailureOutput', () => {
  it('explains what went wrong and how to retry with /security-review', () => {
    const output = renderFailureOutput('GitHub answered 502 while listing the pull request files');
    expect(output.summary).toContain('GitHub answered 502 while listing the pull request files');
    expect(output.summary).toContain('Comment `/security-review` on the pull request to retry.');
  });
});

describe('renderReviewBody', () => {
  it('gives a one-line verdict and lists the findings over the comment budget', () => {
    const findings = [finding({ fingerprint: 'a', line: 1 }), finding({ fingerprint: 'b', line: 2, severity: 'medium', message: 'Second | finding' })];
    const plan = planReview({ result: result({ findings }), commentable: new Map([[missingAuth.file, new Set([1, 2])]]), postedFingerprints: new Set(), maxComments: 1, failOn: 'high' });
    const body = renderReviewBody(plan);
    expect(body.split('\n')[0]).toBe('❌ **API Security Review**: findings at or above the failure threshold; 1 new inline comment. The check run has the filled-in checklist of every changed endpoint.');
    expect(body).toContain('**1 finding not commented inline** (over the limit of 1 comment per review):');
    expect(body).toContain('- 🟠 Medium `missing-authentication`: Second \\| finding (app/api/invoices/\\[id\\]/route.ts:2)');
  });
});

describe('renderCheckRunOutput: accepted risks of the pull request', () => {
  const suppressed = { finding: finding({ ruleId: 'missing-rate-limit', file: 'src/app.ts', line: 12 }), reason: 'limits live in the API gateway', line: 11 };

  it('lists the in-code suppressions the PR adds, with their reason and line', () => {
    const analysis = result({ endpoints: [failingEndpoint], findings: [missingAuth], suppressed: [suppressed] });
    const output = renderCheckRunOutput({ ...input(analysis), accepted: { waivers: [], today: '2026-11-28', newSuppressions: [suppressed] } });
    expect(output.summary).toContain('**1 in-code suppression added by this pull request:**');
    expect(output.summary).toContain('- `missing-rate-limit` suppressed at src/app.ts:11: limits live in the API gateway');
  });

  it('adds no section when the PR accepts nothing', () => {
    const analysis = result({ endpoints: [failingEndpoint], findings: [missingAuth], suppressed: [suppressed] });
    const output = renderCheckRunOutput({ ...input(analysis), accepted: { waivers: [], today: '2026-11-28', newSuppressions: [] } });
    expect(output.summary).not.toContain('added by this pull request');
    expect(output.summary).not.toContain('Waivers on this pull request');
  });
});
