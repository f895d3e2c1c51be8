import { describe, expect, it } from 'vitest';
import { toAnnotations } from '../../src/render/annotations.js';
import { renderCheckRunOutput } from '../../src/render/check-run-output.js';
import { maskSecrets } from '../../src/render/mask-secrets.js';
import { renderReviewComment } from '../../src/render/review-comment.js';
import { planReview } from '../../src/review/plan-review.js';
import { checklist, endpoint, finding, result } from './literal-results.js';

describe('maskSecrets', () => {
  it.each([
    ['a GitHub token', 'const t = ghp_R2d2C3poR2d2C3poR2d2C3poR2d2C3po1234;', 'ghp_R2d2C3po'],
    ['an AWS access key id', "accessKeyId: 'AKIAIOSFODNN7EXAMPLE'", 'AKIAIOSFODNN7EXAMPLE'],
    ['a Stripe live key', 'stripe(sk_live_51Habcdefghijklmnop)', 'sk_live_51Habcdefghijklmnop'],
    ['a Slack token', 'xoxb-1234567890-abcdefghijkl', 'xoxb-1234567890-abcdefghijkl'],
    ['a JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV'],
    ['a PEM private key', '"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----"', 'MIIEowIBAAKCAQEA'],
    ['a secret-named key', "jwt.verify(token, { secret: 'hunter2hunter2' })", 'hunter2hunter2'],
    ['a password variable', 'const dbPassword = "correct horse battery";', 'correct horse battery'],
    ['an apiKey in double quotes', 'headers: { "apiKey": "open-sesame-42" }', 'open-sesame-42'],
    ['a random literal passed anywhere', "jwt.sign(payload, 'Zx9Qw8Er7Ty6Ui5Op4As3Df2')", 'Zx9Qw8Er7Ty6Ui5Op4As3Df2'],
  ])('masks %s', (_what, text, secret) => {
    const masked = maskSecrets(text);
    expect(masked).not.toContain(secret);
    expect(masked).toMatch(/\*{6} \(\d+ characters\)/);
  });

  it.each([
    ['an environment reference', 'jwt.verify(token, process.env.JWT_SECRET)'],
    ['a route', "app.get('/api/v1/organisations/:orgId/invoices', handler)"],
    ['an identifier in quotes', "import { getServerSession } from 'next-auth/next'"],
    ['a message that names a secret without its value', 'The JWT secret is hard-coded in the source ("su******" (12 characters))'],
    ['a CamelCase name', "res.status(401).json({ error: 'UnauthorizedAccessException2' })"],
    ['a short token-named value', "const tokenType = 'jwt';"],
  ])('leaves %s alone', (_what, text) => {
    expect(maskSecrets(text)).toBe(text);
  });
});

describe('rendered output never repeats a secret quoted from the code', () => {
  const secret = 'Zx9Qw8Er7Ty6Ui5Op4As3Df2';
  const quoting = finding({
    message: `jwt.verify(token, '${secret}') accepts any token signed with a key everyone who reads the code has.`,
    suggestion: { line: 12, endLine: 12, replacement: `jwt.verify(token, '${secret}', { algorithms: ['HS256'] })` },
  });

  it('in the inline comment, whose suggestion would have repeated it, is left out', () => {
    const body = renderReviewComment(quoting);
    expect(body).not.toContain(secret);
    expect(body).not.toContain('```suggestion');
    expect(body).toContain('(24 characters)');
  });

  it('keeps a suggestion that holds no secret', () => {
    expect(renderReviewComment(finding({ suggestion: { line: 12, endLine: 12, replacement: 'const user = await auth();' } }))).toContain('```suggestion');
  });

  it('in the annotations and the check run summary, evidence notes included', () => {
    const withEvidence = endpoint({
      checklist: checklist({
        'authn.identity': { status: 'fail', evidence: [], findings: [quoting] },
        'authn.invalid-token': { status: 'pass', evidence: [{ file: quoting.file, line: 3, note: `verified with secret: '${secret}'` }], findings: [] },
      }),
    });
    const analysis = result({ endpoints: [withEvidence], findings: [quoting] });
    const plan = planReview({ result: analysis, commentable: new Map([[quoting.file, new Set([12])]]), postedFingerprints: new Set(), maxComments: 30, failOn: 'high' });
    const output = renderCheckRunOutput({ result: analysis, plan, failOn: 'high', headSha: 'a'.repeat(40), reviewedFiles: 1 });
    expect(output.summary).toContain('(24 characters)');
    expect(JSON.stringify(output)).not.toContain(secret);
    expect(JSON.stringify(toAnnotations([quoting]))).not.toContain(secret);
  });
});
