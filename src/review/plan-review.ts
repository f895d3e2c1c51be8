/**
 * Decides, for one push, which findings become inline review comments and
 * which are shown only in the check run (summary and annotations). Pure: the
 * caller passes the lines GitHub accepts and the fingerprints already posted.
 *
 * Why the care over lines: GitHub rejects a whole review (422) when a single
 * comment sits on a line outside the diff, so every line is checked here
 * before a comment is planned.
 */
import { severityAtLeast, type AnalysisResult, type Finding, type Severity } from '../../checks/model.js';
import { sortFindings } from '../render/finding-order.js';
import { renderReviewComment } from '../render/review-comment.js';
import { conclusionFor } from './conclusion.js';

/** A comment to post on the RIGHT side of the diff. */
export interface InlineComment {
  finding: Finding;
  path: string;
  /** The (last) line of the comment. */
  line: number;
  /** First line, only for a multi-line suggestion (`start_line` in the API). */
  startLine?: number;
  /** LEFT: a line of the base version this PR deletes (the control it removed). */
  side?: 'LEFT';
  body: string;
}

export interface ReviewPlan {
  /** New comments to post now: on commentable lines, not posted before, at most `maxComments`. */
  inline: InlineComment[];
  /** Findings shown only in the summary and annotations: off the diff, or over the budget. */
  notInline: Finding[];
  /** Findings whose fingerprint is already in an earlier review of this PR: never posted twice. */
  alreadyPosted: Finding[];
  /** The part of `notInline` that was commentable but over `maxComments`. */
  overBudget: Finding[];
  /** The part of `notInline` below `inlineMinSeverity`: informative, listed in the summary only. */
  belowInlineSeverity: Finding[];
  conclusion: 'success' | 'failure';
}

export interface PlanReviewInput {
  result: AnalysisResult;
  /** Path -> RIGHT-side lines GitHub accepts (added and context lines of the patch); an absent path has none. */
  commentable: ReadonlyMap<string, ReadonlySet<number>>;
  postedFingerprints: ReadonlySet<string>;
  maxComments: number;
  failOn: Severity;
  /**
   * Findings below this severity are listed in the check run only, never
   * inlined (config `inline_min_severity`, default `medium`): low findings
   * such as a missing rate limit on an ordinary endpoint inform, and a
   * comment on every route would be the noise this product promises not to make.
   */
  inlineMinSeverity?: Severity;
  /**
   * Controls this PR deletes: the finding the endpoint has now, and the
   * deleted base line that provided the control. Commented on the LEFT side
   * of that line (within the same budget), since the endpoint's own lines may not have changed.
   */
  removedControls?: readonly { finding: Finding; path: string; line: number; what: string }[];
}

/** The default of config `inline_min_severity`. */
export const DEFAULT_INLINE_MIN_SEVERITY: Severity = 'medium';

/** Where a finding can be commented, if anywhere. */
interface Placement {
  line: number;
  startLine?: number;
  applicableSuggestion: boolean;
}

/**
 * Plans the review. Findings are taken most severe first (then file, then
 * line), so the comment budget goes to what matters; the same order is kept
 * in every list of the plan.
 */
export function planReview(input: PlanReviewInput): ReviewPlan {
  const budget = Number.isFinite(input.maxComments) ? Math.max(0, Math.floor(input.maxComments)) : 0;
  const inlineMinSeverity = input.inlineMinSeverity ?? DEFAULT_INLINE_MIN_SEVERITY;
  const plan: ReviewPlan = { inline: [], notInline: [], alreadyPosted: [], overBudget: [], belowInlineSeverity: [], conclusion: conclusionFor(input.result.findings, input.failOn) };
  const planned = new Set<string>();

  for (const finding of sortFindings(input.result.findings)) {
    // The engine reports a finding once; should two arrive with one fingerprint, the second would be a duplicate comment.
    if (planned.has(finding.fingerprint)) continue;
    planned.add(finding.fingerprint);

    if (input.postedFingerprints.has(finding.fingerprint)) {
      plan.alreadyPosted.push(finding);
      continue;
    }
    const placement = placementOf(finding, input.commentable.get(finding.file));
    if (placement !== undefined && !severityAtLeast(finding.severity, inlineMinSeverity)) {
      plan.notInline.push(finding);
      plan.belowInlineSeverity.push(finding);
      continue;
    }
    if (placement === undefined) {
      plan.notInline.push(finding);
      continue;
    }
    if (plan.inline.length >= budget) {
      plan.notInline.push(finding);
      plan.overBudget.push(finding);
      continue;
    }
    const comment: InlineComment = {
      finding,
      path: finding.file,
      line: placement.line,
      body: renderReviewComment(finding, { applicableSuggestion: placement.applicableSuggestion }),
    };
    if (placement.startLine !== undefined) comment.startLine = placement.startLine;
    plan.inline.push(comment);
  }
  for (const removed of input.removedControls ?? []) {
    if (planned.has(`left:${removed.finding.fingerprint}`) || input.postedFingerprints.has(removed.finding.fingerprint)) continue;
    if (plan.inline.some((comment) => comment.finding.fingerprint === removed.finding.fingerprint)) continue;
    if (plan.inline.length >= budget) break;
    planned.add(`left:${removed.finding.fingerprint}`);
    plan.inline.push({
      finding: removed.finding,
      path: removed.path,
      line: removed.line,
      side: 'LEFT',
      body: `**This PR removes a security control here:** ${removed.what}.\n\n${renderReviewComment(removed.finding, { applicableSuggestion: false })}`,
    });
    // Commented on the line that removed the control: not also listed as "outside the diff".
    const at = plan.notInline.indexOf(removed.finding);
    if (at >= 0) plan.notInline.splice(at, 1);
  }
  return plan;
}

/** Why a finding of `plan.notInline` is not an inline comment, for the summary. */
export function whyNotInline(plan: ReviewPlan, finding: Finding): 'over-budget' | 'below-inline-severity' | 'off-diff' {
  if (plan.overBudget.includes(finding)) return 'over-budget';
  return plan.belowInlineSeverity.includes(finding) ? 'below-inline-severity' : 'off-diff';
}

/**
 * A suggestion spanning L..E is posted as a multi-line comment L..E when every
 * one of those lines is commentable (GitHub also needs them in one hunk, which
 * an unbroken run of commentable lines is). Otherwise the comment goes on the
 * finding's own line, with the replacement shown as plain code.
 */
function placementOf(finding: Finding, lines: ReadonlySet<number> | undefined): Placement | undefined {
  if (lines === undefined || lines.size === 0) return undefined;
  const suggestion = finding.suggestion;
  if (suggestion !== undefined && isRangeCommentable(suggestion.line, suggestion.endLine, lines)) {
    return suggestion.endLine > suggestion.line
      ? { line: suggestion.endLine, startLine: suggestion.line, applicableSuggestion: true }
      : { line: suggestion.line, applicableSuggestion: true };
  }
  if (!isValidLine(finding.line) || !lines.has(finding.line)) return undefined;
  return { line: finding.line, applicableSuggestion: false };
}

function isRangeCommentable(start: number, end: number, lines: ReadonlySet<number>): boolean {
  if (!isValidLine(start) || !isValidLine(end) || end < start) return false;
  // More lines than the set holds cannot all be in it; this also bounds the loop on absurd ranges.
  if (end - start + 1 > lines.size) return false;
  for (let line = start; line <= end; line++) if (!lines.has(line)) return false;
  return true;
}

function isValidLine(line: number): boolean {
  return Number.isInteger(line) && line >= 1;
}
