/**
 * Which of our earlier threads the review resolves: only ours, only open
 * ones, only on files analysed completely this time, only when the finding
 * is gone (fixed) or suppressed with a reason.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisResult, Finding } from '../../checks/model.js';
import type { ReviewThread } from '../../src/github/review-threads.js';
import { fingerprintMarker } from '../../src/render/review-comment.js';
import { planThreadResolutions, type ReviewedChange } from '../../src/review/run-review.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function thread(id: string, fingerprint: string, overrides: Partial<ReviewThread> = {}): ReviewThread {
  return { id, isResolved: false, path: 'src/app.ts', firstComment: { body: `text\n\n${fingerprintMarker(fingerprint)}`, databaseId: Number(id.replace(/\D/g, '')), authorIsBot: true }, ...overrides };
}

function finding(fingerprint: string): Finding {
  return {
    ruleId: 'missing-authentication',
    checklistItem: 'authn.identity',
    severity: 'high',
    confidence: 'medium',
    file: 'src/app.ts',
    line: 3,
    endLine: 3,
    message: 'm',
    why: 'w',
    fix: 'f',
    cwe: ['CWE-306'],
    owasp: ['API2:2023'],
    fingerprint,
  };
}

function reviewed(result: Partial<AnalysisResult>, analysedFiles = ['src/app.ts']): ReviewedChange {
  return {
    result: { endpoints: [], findings: [], suppressed: [], skipped: [], errors: [], ...result },
    analysedFiles: new Set(analysedFiles),
    postedFingerprints: new Set(),
  };
}

describe('planThreadResolutions', () => {
  it('resolves the thread of a finding that is gone, and keeps the one still reported', () => {
    const plan = planThreadResolutions([thread('T1', 'gone'), thread('T2', 'still')], reviewed({ findings: [finding('still')] }), SHA);
    expect(plan).toEqual([{ threadId: 'T1', commentId: 1, reply: 'Fixed in `0123456`: this finding is no longer reported. 🎉' }]);
  });

  it('answers a suppressed finding with its reason, without letting the reason ping anyone', () => {
    const plan = planThreadResolutions(
      [thread('T1', 'fp')],
      reviewed({ suppressed: [{ finding: finding('fp'), reason: 'internal network only, see @security-team', line: 2 }] }),
      SHA,
    );
    expect(plan[0].reply).toBe('Accepted in `0123456` with an `api-security-review-ignore` comment: internal network only, see @\u200bsecurity-team');
  });

  it('leaves threads of files skipped, crashed or not in this run', () => {
    const threads = [thread('T1', 'a', { path: 'src/skipped.ts' }), thread('T2', 'b', { path: 'src/app.ts' }), thread('T3', 'c', { path: 'src/other.ts' })];
    const plan = planThreadResolutions(threads, reviewed({}, ['src/other.ts']), SHA);
    expect(plan.map((resolution) => resolution.threadId)).toEqual(['T3']);
  });

  it('leaves resolved threads, threads opened by people, and comments without our marker', () => {
    const threads = [
      thread('T1', 'a', { isResolved: true }),
      thread('T2', 'b', { firstComment: { body: fingerprintMarker('b'), databaseId: 2, authorIsBot: false } }),
      thread('T3', 'c', { firstComment: { body: 'LGTM', databaseId: 3, authorIsBot: true } }),
      thread('T4', 'd', { firstComment: undefined }),
    ];
    expect(planThreadResolutions(threads, reviewed({}), SHA)).toEqual([]);
  });
});
