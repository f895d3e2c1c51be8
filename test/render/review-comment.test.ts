import { describe, expect, it } from 'vitest';
import { fingerprintFromComment, fingerprintMarker, renderReviewComment } from '../../src/render/review-comment.js';
import { finding } from './literal-results.js';

describe('renderReviewComment', () => {
  it('opens with the severity badge and the rule id', () => {
    expect(renderReviewComment(finding()).split('\n')[0]).toBe('**🔴 High** · `missing-authentication`');
  });

  it('explains why with linked CWE and OWASP API Top 10 ids, then how to fix', () => {
    const body = renderReviewComment(finding({ owasp: ['API1:2023'] }));
    expect(body).toContain('**Why it matters:** Anyone who can reach the URL can call this endpoint.');
    expect(body).toContain('[CWE-306](https://cwe.mitre.org/data/definitions/306.html)');
    expect(body).toContain('[API1:2023 Broken Object Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/)');
    expect(body).toContain('**How to fix:** Call `auth()` first and answer 401 without a user.');
    expect(body.indexOf('**Why it matters:**')).toBeLessThan(body.indexOf('**How to fix:**'));
  });

  it('adds the suggestion block with the replacement verbatim', () => {
    const body = renderReviewComment(finding({ suggestion: { line: 12, endLine: 13, replacement: '  const user = await auth();\n  if (!user) return 401;\n' } }));
    expect(body).toContain('```suggestion\n  const user = await auth();\n  if (!user) return 401;\n```');
  });

  it('uses a longer fence when the replacement contains a triple backtick', () => {
    const body = renderReviewComment(finding({ suggestion: { line: 12, endLine: 12, replacement: 'const md = "```";' } }));
    expect(body).toContain('````suggestion\nconst md = "```";\n````');
  });

  it('names the endpoint', () => {
    expect(renderReviewComment(finding())).toContain('Endpoint `PATCH /api/invoices/[id]`');
  });

  it('ends with the hidden fingerprint marker as an HTML comment', () => {
    const body = renderReviewComment(finding({ fingerprint: '0123456789abcdef0123' }));
    expect(body.endsWith('<!-- api-security-review:fingerprint=0123456789abcdef0123 -->')).toBe(true);
  });

  it('escapes markdown and HTML in the message, which quotes code', () => {
    const body = renderReviewComment(finding({ message: 'Query built from `req.query.q` | <script> by @someone' }));
    expect(body).toContain('Query built from \\`req.query.q\\` \\| \\<script\\> by @\u200bsomeone');
  });
});

describe('fingerprintFromComment', () => {
  it('round-trips the fingerprint of a rendered comment', () => {
    expect(fingerprintFromComment(renderReviewComment(finding({ fingerprint: 'a1b2c3d4e5f6a7b8c9d0' })))).toBe('a1b2c3d4e5f6a7b8c9d0');
  });

  it('round-trips a fingerprint that would otherwise close the HTML comment', () => {
    expect(fingerprintFromComment(fingerprintMarker('x --> y'))).toBe('x --> y');
  });

  it('reads the marker after GitHub normalised line endings and trailing space', () => {
    expect(fingerprintFromComment(`text\r\n\r\n${fingerprintMarker('abc')}\r\n`)).toBe('abc');
  });

  it('is undefined for a comment without the marker', () => {
    expect(fingerprintFromComment('Looks good to me')).toBeUndefined();
  });

  it('ignores a marker that is not at the end, e.g. quoted in a reply', () => {
    expect(fingerprintFromComment(`> ${fingerprintMarker('abc')}\n\nI disagree.`)).toBeUndefined();
  });
});
