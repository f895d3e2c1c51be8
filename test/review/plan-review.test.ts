import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../checks/model.js';
import { conclusionFor } from '../../src/review/conclusion.js';
import { planReview, whyNotInline } from '../../src/review/plan-review.js';
import { finding, result } from '../render/literal-results.js';

const FILE = 'app/api/invoices/[id]/route.ts';

function plan(findings: Finding[], commentable: Record<string, number[]>, options: { posted?: string[]; maxComments?: number; failOn?: Severity; inlineMinSeverity?: Severity } = {}) {
  return planReview({
    result: result({ findings }),
    commentable: new Map(Object.entries(commentable).map(([path, lines]) => [path, new Set(lines)])),
    postedFingerprints: new Set(options.posted ?? []),
    maxComments: options.maxComments ?? 30,
    failOn: options.failOn ?? 'high',
    // Most cases are about lines and budget, not severity: let every finding be inlined unless a case says otherwise.
    inlineMinSeverity: options.inlineMinSeverity ?? 'info',
  });
}

describe('planReview: lines GitHub accepts', () => {
  it('comments on a finding whose line is an added or context line', () => {
    const review = plan([finding({ line: 12 })], { [FILE]: [11, 12, 13] });
    expect(review.inline).toHaveLength(1);
    expect(review.inline[0]).toMatchObject({ path: FILE, line: 12 });
    expect(review.inline[0].startLine).toBeUndefined();
  });

  it('keeps a finding on a line outside the diff out of the review (GitHub would reject it with 422)', () => {
    const offDiff = finding({ line: 40, endLine: 40 });
    const review = plan([offDiff], { [FILE]: [11, 12, 13] });
    expect(review.inline).toEqual([]);
    expect(review.notInline).toEqual([offDiff]);
    expect(review.overBudget).toEqual([]);
    expect(whyNotInline(review, offDiff)).toBe('off-diff');
  });

  it('keeps a finding in a file without a patch (absent from commentable) out of the review', () => {
    const review = plan([finding({ file: 'src/other.ts' })], { [FILE]: [12] });
    expect(review.inline).toEqual([]);
    expect(review.notInline).toHaveLength(1);
  });

  it('does not comment on a line number that is not a positive integer', () => {
    const review = plan([finding({ line: 0 }), finding({ line: Number.NaN, fingerprint: 'nan' })], { [FILE]: [0, 1, 12] });
    expect(review.inline).toEqual([]);
    expect(review.notInline).toHaveLength(2);
  });
});

describe('planReview: the comment budget', () => {
  // 40 findings on commentable lines: 10 critical, 10 high, 10 medium, 10 low, given lowest first.
  const severities: Severity[] = ['low', 'medium', 'high', 'critical'];
  const forty = severities.flatMap((severity, s) =>
    Array.from({ length: 10 }, (_, i) => finding({ severity, line: 100 + s * 10 + i, endLine: 100 + s * 10 + i, fingerprint: `${severity}-${i}` })),
  );
  const lines = forty.map((f) => f.line);

  it('posts at most maxComments comments and lists the rest as over budget', () => {
    const review = plan(forty, { [FILE]: lines }, { maxComments: 30 });
    expect(review.inline).toHaveLength(30);
    expect(review.overBudget).toHaveLength(10);
    expect(review.notInline).toEqual(review.overBudget);
    expect(whyNotInline(review, review.overBudget[0])).toBe('over-budget');
  });

  it('spends the budget on the highest severities: the 10 low findings are the ones left over', () => {
    const review = plan(forty, { [FILE]: lines }, { maxComments: 30 });
    expect(new Set(review.inline.map((c) => c.finding.severity))).toEqual(new Set(['critical', 'high', 'medium']));
    expect(review.overBudget.every((f) => f.severity === 'low')).toBe(true);
  });

  it('orders comments by severity, then file, then line', () => {
    const review = plan(
      [finding({ severity: 'medium', file: 'a.ts', line: 1, fingerprint: 'm' }), finding({ severity: 'high', file: 'b.ts', line: 9, fingerprint: 'h2' }), finding({ severity: 'high', file: 'b.ts', line: 3, fingerprint: 'h1' }), finding({ severity: 'high', file: 'a.ts', line: 5, fingerprint: 'h0' })],
      { 'a.ts': [1, 5], 'b.ts': [3, 9] },
    );
    expect(review.inline.map((c) => c.finding.fingerprint)).toEqual(['h0', 'h1', 'h2', 'm']);
  });

  it('posts nothing inline with a budget of 0', () => {
    const review = plan([finding()], { [FILE]: [12] }, { maxComments: 0 });
    expect(review.inline).toEqual([]);
    expect(review.overBudget).toHaveLength(1);
  });

  it('does not count off-diff findings against the budget', () => {
    const review = plan([finding({ severity: 'critical', line: 99, fingerprint: 'off' }), finding({ severity: 'low', line: 12, fingerprint: 'on' })], { [FILE]: [12] }, { maxComments: 1 });
    expect(review.inline.map((c) => c.finding.fingerprint)).toEqual(['on']);
    expect(review.overBudget).toEqual([]);
  });
});

describe('planReview: never the same comment twice', () => {
  it('puts a finding whose fingerprint was posted before in alreadyPosted, not inline', () => {
    const posted = finding({ fingerprint: 'seen-before' });
    const review = plan([posted], { [FILE]: [12] }, { posted: ['seen-before'] });
    expect(review.alreadyPosted).toEqual([posted]);
    expect(review.inline).toEqual([]);
    expect(review.notInline).toEqual([]);
  });

  it('does not let already posted findings use the budget', () => {
    const review = plan([finding({ severity: 'critical', fingerprint: 'old' }), finding({ severity: 'low', line: 13, fingerprint: 'new' })], { [FILE]: [12, 13] }, { posted: ['old'], maxComments: 1 });
    expect(review.inline.map((c) => c.finding.fingerprint)).toEqual(['new']);
  });

  it('plans one comment when two findings share a fingerprint', () => {
    const review = plan([finding(), finding()], { [FILE]: [12] });
    expect(review.inline).toHaveLength(1);
  });
});

describe('planReview: suggestions', () => {
  const withSuggestion = (line: number, endLine: number) =>
    finding({ line, endLine, suggestion: { line, endLine, replacement: 'const { userId } = await auth();\nif (!userId) return unauthorized();' } });

  it('posts a multi-line suggestion as startLine..line when every line of it is commentable', () => {
    const review = plan([withSuggestion(12, 14)], { [FILE]: [12, 13, 14] });
    expect(review.inline[0]).toMatchObject({ startLine: 12, line: 14 });
    expect(review.inline[0].body).toContain('```suggestion\nconst { userId } = await auth();\nif (!userId) return unauthorized();\n```');
  });

  it('falls back to the finding line without a suggestion block when a line of the range is outside the diff', () => {
    const review = plan([withSuggestion(12, 14)], { [FILE]: [12, 14] });
    expect(review.inline[0].line).toBe(12);
    expect(review.inline[0].startLine).toBeUndefined();
    expect(review.inline[0].body).not.toContain('```suggestion');
    expect(review.inline[0].body).toContain('not all of them are in this diff');
  });

  it('posts a one-line suggestion on its line without startLine', () => {
    const review = plan([withSuggestion(12, 12)], { [FILE]: [12] });
    expect(review.inline[0].line).toBe(12);
    expect(review.inline[0].startLine).toBeUndefined();
    expect(review.inline[0].body).toContain('```suggestion');
  });

  it('ignores a suggestion whose range is reversed, commenting on the finding line', () => {
    const broken = finding({ suggestion: { line: 14, endLine: 12, replacement: 'x' } });
    const review = plan([broken], { [FILE]: [12, 13, 14] });
    expect(review.inline[0]).toMatchObject({ line: 12 });
    expect(review.inline[0].body).not.toContain('```suggestion');
  });
});

describe('conclusionFor', () => {
  it('is success for a medium finding when fail_on is high', () => {
    expect(conclusionFor([finding({ severity: 'medium' })], 'high')).toBe('success');
  });

  it('is failure for a high finding when fail_on is high', () => {
    expect(conclusionFor([finding({ severity: 'high' })], 'high')).toBe('failure');
  });

  it('is failure for a finding above the threshold', () => {
    expect(conclusionFor([finding({ severity: 'critical' })], 'medium')).toBe('failure');
  });

  it('is success without findings', () => {
    expect(conclusionFor([], 'info')).toBe('success');
  });

  it('is the conclusion of the plan, counting findings that were already commented', () => {
    const review = plan([finding({ severity: 'high', fingerprint: 'old' })], { [FILE]: [12] }, { posted: ['old'] });
    expect(review.conclusion).toBe('failure');
  });
});

describe('planReview: low findings inform in the summary only', () => {
  it('lists a low finding on a commentable line in the summary, not inline, by default', () => {
    const review = planReview({
      result: result({ findings: [finding({ severity: 'low', fingerprint: 'low' })] }),
      commentable: new Map([[FILE, new Set([12])]]),
      postedFingerprints: new Set(),
      maxComments: 30,
      failOn: 'high',
    });
    expect(review.inline).toEqual([]);
    expect(review.belowInlineSeverity.map((f) => f.fingerprint)).toEqual(['low']);
    expect(whyNotInline(review, review.notInline[0]!)).toBe('below-inline-severity');
  });

  it('inlines a medium finding next to it by default', () => {
    const review = planReview({
      result: result({ findings: [finding({ severity: 'medium', fingerprint: 'medium', line: 12 }), finding({ severity: 'low', fingerprint: 'low', line: 12 })] }),
      commentable: new Map([[FILE, new Set([12])]]),
      postedFingerprints: new Set(),
      maxComments: 30,
      failOn: 'high',
    });
    expect(review.inline.map((c) => c.finding.fingerprint)).toEqual(['medium']);
    expect(review.notInline.map((f) => f.fingerprint)).toEqual(['low']);
  });

  it('inlines low findings when the config lowers inline_min_severity', () => {
    const review = plan([finding({ severity: 'low', fingerprint: 'low', line: 12 })], { [FILE]: [12] }, { inlineMinSeverity: 'low' });
    expect(review.inline.map((c) => c.finding.fingerprint)).toEqual(['low']);
    expect(review.belowInlineSeverity).toEqual([]);
  });

  it('keeps a low finding off the diff as off-diff, not below-severity', () => {
    const review = planReview({
      result: result({ findings: [finding({ severity: 'low', fingerprint: 'low', line: 99 })] }),
      commentable: new Map([[FILE, new Set([12])]]),
      postedFingerprints: new Set(),
      maxComments: 30,
      failOn: 'high',
    });
    expect(whyNotInline(review, review.notInline[0]!)).toBe('off-diff');
  });
});
