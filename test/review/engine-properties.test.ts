/**
 * Property-based: generated route files and diffs through the whole pure
 * pipeline the app runs (patch parsing, analysis, review plan, rendering),
 * for a fixed number of runs with a fixed seed (reproducible in CI; a
 * failure prints the shrunk counterexample and its seed).
 *
 * For every input: nothing throws; every finding is on a real line of its
 * file; every inline comment is on a line GitHub accepts (an added or
 * context line of the patch); and everything sent to GitHub is within its
 * limits (check run title, summary and text 65,535 characters, annotation
 * titles 255 and messages 64 KB, comment and review bodies 65,536).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { parsePatchSafely } from '../../src/diff/changed-lines.js';
import { renderCheckRunOutput, renderReviewBody } from '../../src/render/check-run-output.js';
import { analyzeFiles, type SourceInput } from '../../src/review/analyze-files.js';
import { planReview } from '../../src/review/plan-review.js';

const RUNS = 60;
const SEED = 8_2026;
const GITHUB_TEXT_LIMIT = 65_535;
const GITHUB_COMMENT_LIMIT = 65_536;

const methods = fc.constantFrom('get', 'post', 'put', 'patch', 'delete');
const segment = fc.constantFrom('users', 'invoices', ':id', 'admin', 'orgs', ':orgId', 'files', 'search', 'a'.repeat(300), 'x|y', '<b>', '`tick`');
const routePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
const middleware = fc.constantFrom('', 'requireAuth, ', 'rateLimit({ windowMs: 60000, max: 10 }), ', 'passport.authenticate("jwt", { session: false }), ', 'validate(schema), ');
const statement = fc.constantFrom(
  'const user = await db.user.findUnique({ where: { id: req.params.id } });',
  'await db.invoice.delete({ where: { id: req.params.id } });',
  'const rows = await pool.query(`SELECT * FROM users WHERE name = ${req.query.name}`);',
  'Object.assign(account, req.body);',
  "const token = jwt.verify(req.headers.authorization, 'Zx9Qw8Er7Ty6Ui5Op4As3Df2');",
  'if (!req.user) return res.status(401).json({ error: "unauthorized" });',
  'try { await work(req.body); } catch (err) { return res.status(500).json({ error: err.stack }); }',
  'logger.info({ body: req.body, password: req.body.password });',
  'res.send(`<p>${req.query.q}</p>`);',
  'for (const item of req.body.items) { await db.item.create({ data: item }); }',
  '// api-security-review-ignore missing-authentication: public by design',
  '// api-security-review-ignore missing-rate-limit',
  'res.json(user);',
  '{',
  '}',
  ')',
  '"unterminated',
  '',
);
const route = fc.record({ method: methods, path: routePath, middleware, body: fc.array(statement, { maxLength: 6 }) }).map(
  ({ method, path, middleware: before, body }) => [`app.${method}('${path.replace(/'/g, "\\'")}', ${before}async (req, res) => {`, ...body.map((line) => `  ${line}`), '  res.json({ ok: true });', '});'],
);
const sourceLines = fc
  .record({ routes: fc.array(route, { minLength: 1, maxLength: 8 }), noise: fc.array(statement, { maxLength: 4 }) })
  .map(({ routes, noise }) => ["import express from 'express';", 'const app = express();', ...noise, ...routes.flat(), 'app.listen(3000);']);

/** A unified diff of the file: each line added or context, with deleted lines in between, in one or more hunks. */
function diffOf(lines: readonly string[], marks: readonly number[]): string {
  const hunks: string[] = [];
  let body: string[] = [];
  let oldStart = 1;
  let newStart = 1;
  let oldCount = 0;
  let newCount = 0;
  let oldLine = 1;
  const flush = (): void => {
    if (body.length > 0) hunks.push(`@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newStart},${newCount} @@`, ...body);
    body = [];
  };
  lines.forEach((line, index) => {
    const mark = marks[index % marks.length] ?? 0;
    // 0 context, 1 added, 2 deleted line before a context line, 3 outside any hunk (starts a new hunk after it).
    if (mark === 3) {
      flush();
      oldLine += 1;
      oldStart = oldLine;
      newStart = index + 2;
      oldCount = 0;
      newCount = 0;
      return;
    }
    if (mark === 2) {
      body.push(`-removed ${index}`);
      oldCount += 1;
      oldLine += 1;
    }
    if (mark === 1) {
      body.push(`+${line}`);
      newCount += 1;
    } else {
      body.push(` ${line}`);
      oldCount += 1;
      newCount += 1;
      oldLine += 1;
    }
  });
  flush();
  return hunks.join('\n');
}

const pullRequest = fc.array(
  fc.record({ lines: sourceLines, marks: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }), crlf: fc.boolean(), patchMissing: fc.boolean() }),
  { minLength: 1, maxLength: 3 },
);

describe('the review pipeline on generated pull requests', () => {
  it('never throws, puts findings on real lines and comments on commentable ones, and stays within GitHub limits', async () => {
    const config = configSchema.parse({ max_comments: 50 });
    // The generated PRs must exercise what is asserted: findings, inline comments, findings off the diff.
    const seen = { findings: 0, inline: 0, notInline: 0 };
    await fc.assert(
      fc.asyncProperty(pullRequest, async (files) => {
        const inputs: SourceInput[] = [];
        const commentable = new Map<string, ReadonlySet<number>>();
        const lineCounts = new Map<string, number>();
        files.forEach((file, index) => {
          const path = `src/routes/file-${index}.ts`;
          const patch = file.patchMissing ? undefined : diffOf(file.lines, file.marks);
          const changes = parsePatchSafely(patch);
          const text = file.lines.join(file.crlf ? '\r\n' : '\n');
          inputs.push({ path, text, ...(changes === undefined ? {} : { changedLines: changes.changed }) });
          if (changes !== undefined) commentable.set(path, changes.commentable);
          lineCounts.set(path, file.lines.length);
        });

        const result = await analyzeFiles(inputs, { config });
        for (const finding of result.findings) {
          const count = lineCounts.get(finding.file);
          expect(count, `finding in an unknown file ${finding.file}`).toBeDefined();
          expect(finding.line).toBeGreaterThanOrEqual(1);
          expect(finding.endLine).toBeGreaterThanOrEqual(finding.line);
          expect(finding.endLine).toBeLessThanOrEqual(count!);
        }

        const plan = planReview({ result, commentable, postedFingerprints: new Set(), maxComments: config.max_comments, failOn: config.fail_on });
        seen.findings += result.findings.length;
        seen.inline += plan.inline.length;
        seen.notInline += plan.notInline.length;
        for (const comment of plan.inline) {
          const lines = commentable.get(comment.path);
          expect(lines?.has(comment.line), `${comment.path}:${comment.line} is not in the diff`).toBe(true);
          if (comment.startLine !== undefined) expect(lines?.has(comment.startLine)).toBe(true);
          expect(comment.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        }
        expect(renderReviewBody(plan).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);

        const output = renderCheckRunOutput({ result, plan, failOn: config.fail_on, headSha: 'f'.repeat(40), reviewedFiles: inputs.length, linkBase: 'https://github.com/o/r/blob/sha/' });
        expect(output.title.length).toBeLessThanOrEqual(255);
        expect(output.summary.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
        expect((output.text ?? '').length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
        for (const annotation of output.annotations) {
          expect(annotation.title?.length ?? 0).toBeLessThanOrEqual(255);
          expect(Buffer.byteLength(annotation.message)).toBeLessThanOrEqual(64 * 1024);
          expect(annotation.start_line).toBeLessThanOrEqual(annotation.end_line);
        }
        // The secret in the generated code is never echoed.
        expect(JSON.stringify([output, plan.inline.map((comment) => comment.body)])).not.toContain('Zx9Qw8Er7Ty6Ui5Op4As3Df2');
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(seen.findings).toBeGreaterThan(RUNS);
    expect(seen.inline).toBeGreaterThan(0);
    expect(seen.notInline).toBeGreaterThan(0);
  }, 300_000);
});
