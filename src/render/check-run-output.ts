/**
 * What the check run "API Security Review" shows: a one-line verdict, a table
 * of the changed endpoints by checklist section, the filled-in checklist of
 * each endpoint, suppressed findings, skipped files and analysis errors; and
 * the outputs for the runs that end early (no API change, bad config, failure).
 *
 * Everything fits GitHub's 65,535-byte limit: when it would not, the summary
 * is shortened step by step (evidence notes, then checklists of endpoints
 * without failures, then endpoints themselves) and says what it left out.
 */
import { CHECKLIST } from '../../checks/checklist.js';
import { endpointName, type AnalysisResult, type EndpointReport, type Finding, type Severity, type SkippedFile, type SuppressedFinding } from '../../checks/model.js';
import { isActive, untilText, type Waiver } from '../review/waivers.js';
import type { PostureDiff } from '../review/posture.js';
import { renderPostureSection } from './posture-section.js';
import type { ConfigIssue } from '../config/validate-config.js';
import { whyNotInline, type ReviewPlan } from '../review/plan-review.js';
import { conclusionFor } from '../review/conclusion.js';
import { toAnnotations, type CheckAnnotation } from './annotations.js';
import { STATUS_LEGEND, STATUS_MARK, concernOf, hasFailure, itemOf } from './checklist-status.js';
import { renderEndpointDetails, renderEndpointRow, renderFindingLine, renderTableHeader } from './endpoint-checklist.js';
import { compareText, severityRank, sortFindings } from './finding-order.js';
import { renderBoundedList, takeWhileFits } from './fit-to-limit.js';
import { CHECK_RUN_TEXT_LIMIT, byteLength, clip, codeSpan, escapeText, plural, tableCodeSpan } from './markdown.js';
import { locationLink } from './location.js';

/** The `output` object of a check run (title, summary, text) plus its annotations, sent separately 50 at a time. */
export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations: CheckAnnotation[];
}

export interface CheckRunOutputInput {
  result: AnalysisResult;
  plan: ReviewPlan;
  failOn: Severity;
  headSha: string;
  /** e.g. `https://github.com/octo/repo/blob/<sha>/` to make file:line links; plain `file:line` text when absent (CLI). */
  linkBase?: string;
  /** Source files analysed. */
  reviewedFiles: number;
  /** Endpoints added and removed, items that got worse or better, against the base branch. */
  posture?: PostureDiff;
  /** Waivers of the PR and the in-code suppressions it adds: listed in a section of their own, for whoever approves the PR. */
  accepted?: AcceptedRisks;
}

export interface AcceptedRisks {
  waivers: readonly Waiver[];
  /** YYYY-MM-DD, to tell active waivers from expired ones. */
  today: string;
  /** Suppressed findings whose suppression comment is on a line this PR adds. */
  newSuppressions: readonly SuppressedFinding[];
}

const LIMIT_NOTE = 'the limit of the check run summary was reached';
/** Each trailing list (suppressed, skipped, errors, other findings) gets at most this much, so endpoints keep most of the room. */
const TAIL_SECTION_BUDGET = 6_000;
/** Room kept for the notes that say what was left out, and for separators. */
const NOTE_RESERVE = 600;
const REASON_LIMIT = 2_000;
const SHORTENED_NOTE = 'The complete checklists, with evidence, are in the check run text below the summary as far as they fit (`--format json` in the CLI has them all).';

// ---------------------------------------------------------------------------
// The full review

/** The completed check run of a review: verdict, endpoint table, checklists, and all findings as annotations. */
export function renderCheckRunOutput(input: CheckRunOutputInput): CheckRunOutput {
  const verdict = verdictOf(input.result, input.failOn);
  const endpoints = sortByConcern(input.result.endpoints ?? []);
  const head = [`### ${verdict.mark} ${verdict.markdown}`, overviewLine(input)].join('\n\n');
  const posture = renderPostureSection(input.posture, input.linkBase);
  // The posture goes right under the verdict: what the PR changes matters more than the full checklists.
  const tail = [...renderAcceptedRisks(input.accepted, input.linkBase), ...renderTailSections(input.result, input.linkBase)];
  const fixedBytes = byteLength(head) + byteLength(posture) + 2 + byteLength(SHORTENED_NOTE) + tail.reduce((sum, section) => sum + byteLength(section) + 2, 0) + 2;
  const body = renderEndpointsWithin(endpoints, CHECK_RUN_TEXT_LIMIT - fixedBytes - NOTE_RESERVE, input.linkBase);
  const whereComplete = body.shortened ? SHORTENED_NOTE : '';
  const summary = enforceLimit([head, posture, body.markdown, whereComplete, ...tail].filter((part) => part !== '').join('\n\n'));
  const output: CheckRunOutput = { title: verdict.title, summary, annotations: toAnnotations(input.result.findings ?? []) };
  if (body.shortened) output.text = renderFullChecklists(endpoints, input.linkBase);
  return output;
}

export interface Verdict {
  mark: string;
  /** For the summary, with the threshold as code. */
  markdown: string;
  /** For the check run title: plain text. */
  title: string;
}

/** "2 high findings in 3 changed endpoints" or "No findings at or above `high` in 3 changed endpoints". */
export function verdictOf(result: AnalysisResult, failOn: Severity): Verdict {
  const findings = result.findings ?? [];
  const endpoints = plural((result.endpoints ?? []).length, 'changed endpoint');
  const failed = conclusionFor(findings, failOn) === 'failure';
  const blocking = findings.filter((finding) => conclusionFor([finding], failOn) === 'failure');
  if (failed) {
    const counts = countBySeverity(blocking);
    if (counts.length === 1) {
      const text = `${plural(blocking.length, `${counts[0].severity} finding`)} in ${endpoints}`;
      return { mark: '❌', markdown: escapeText(text), title: text };
    }
    const tally = counts.map((c) => `${c.count} ${c.severity}`).join(', ');
    return {
      mark: '❌',
      markdown: `${plural(blocking.length, 'finding')} at or above ${codeSpan(failOn)} (${escapeText(tally)}) in ${endpoints}`,
      title: `${plural(blocking.length, 'finding')} at or above ${failOn} (${tally}) in ${endpoints}`,
    };
  }
  const below = countBySeverity(findings);
  const belowNote = below.length === 0 ? '' : ` (${plural(findings.length, 'finding')} below it: ${below.map((c) => `${c.count} ${c.severity}`).join(', ')})`;
  return {
    mark: '✅',
    markdown: `No findings at or above ${codeSpan(failOn)} in ${endpoints}${escapeText(belowNote)}`,
    title: `No findings at or above ${failOn} in ${endpoints}${belowNote}`,
  };
}

function countBySeverity(findings: readonly Finding[]): { severity: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => severityRank(b as Severity) - severityRank(a as Severity))
    .map(([severity, count]) => ({ severity, count }));
}

/** "Reviewed 4 source files at `abc1234`: 2 new inline comments, 1 outside the diff (annotation only)." */
function overviewLine(input: CheckRunOutputInput): string {
  const sha = /^[0-9a-f]{7,40}$/i.test(input.headSha) ? codeSpan(input.headSha.slice(0, 7)) : codeSpan(clip(input.headSha ?? '', 40));
  const files = Number.isFinite(input.reviewedFiles) ? input.reviewedFiles : 0;
  const plan = input.plan;
  const offDiff = plan.notInline.filter((finding) => whyNotInline(plan, finding) === 'off-diff').length;
  const parts = [
    plan.inline.length > 0 ? plural(plan.inline.length, 'new inline comment') : '',
    plan.alreadyPosted.length > 0 ? `${plan.alreadyPosted.length} already commented in an earlier review` : '',
    offDiff > 0 ? `${plural(offDiff, 'finding')} on lines outside the diff (shown here and as annotations)` : '',
    plan.overBudget.length > 0 ? `${plural(plan.overBudget.length, 'finding')} over the limit of inline comments (shown here and as annotations)` : '',
    plan.belowInlineSeverity.length > 0 ? `${plural(plan.belowInlineSeverity.length, 'finding')} below the inline severity (shown here and as annotations; config \`inline_min_severity\` changes it)` : '',
  ].filter((part) => part !== '');
  return `Reviewed ${plural(files, 'source file')} at ${sha}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}.`;
}

/** Most worrying endpoints first, so that they are the ones kept when the summary must be shortened. */
function sortByConcern(endpoints: readonly EndpointReport[]): EndpointReport[] {
  const keyed = endpoints.map((endpoint) => ({ endpoint, concern: concernOf(endpoint) }));
  keyed.sort(
    (a, b) =>
      b.concern[0] - a.concern[0] ||
      b.concern[1] - a.concern[1] ||
      b.concern[2] - a.concern[2] ||
      compareText(a.endpoint.file, b.endpoint.file) ||
      a.endpoint.line - b.endpoint.line ||
      compareText(endpointName(a.endpoint), endpointName(b.endpoint)),
  );
  return keyed.map(({ endpoint }) => endpoint);
}

interface EndpointsMarkdown {
  markdown: string;
  /** True when anything of the checklists was left out (evidence, checklists or endpoints). */
  shortened: boolean;
}

/** The table and the checklists, shortened step by step until they fit `budget` bytes. */
function renderEndpointsWithin(endpoints: readonly EndpointReport[], budget: number, linkBase?: string): EndpointsMarkdown {
  if (endpoints.length === 0) return { markdown: 'No API endpoint is added or changed by this change.', shortened: false };
  const rows = endpoints.map((endpoint) => renderEndpointRow(endpoint, linkBase));
  const table = [renderTableHeader(), ...rows].join('\n');
  const tableWithLegend = `${table}\n\n${STATUS_LEGEND}`;
  const details = (subset: readonly EndpointReport[], evidence: boolean) => subset.map((endpoint) => renderEndpointDetails(endpoint, { linkBase, evidence }));
  const compose = (...parts: string[]) => parts.filter((part) => part !== '').join('\n\n');

  const full = compose(tableWithLegend, ...details(endpoints, true));
  if (byteLength(full) <= budget) return { markdown: full, shortened: false };

  const withoutEvidence = compose(tableWithLegend, ...details(endpoints, false), `Evidence of the passing items left out: ${LIMIT_NOTE}.`);
  if (byteLength(withoutEvidence) <= budget) return { markdown: withoutEvidence, shortened: true };

  const failing = endpoints.filter(hasFailure);
  const passingCount = endpoints.length - failing.length;
  const failingOnly = compose(
    tableWithLegend,
    ...details(failing, false),
    `Checklists of ${plural(passingCount, 'endpoint')} without failures left out (their row in the table shows each section): ${LIMIT_NOTE}.`,
  );
  if (byteLength(failingOnly) <= budget) return { markdown: failingOnly, shortened: true };

  // Last resort: keep as many rows as fit (most worrying first), then as many checklists of failing endpoints.
  const omittedRowsNote = (count: number) => `… ${plural(count, 'endpoint')} omitted: ${LIMIT_NOTE}.`;
  const rowBudget = budget - byteLength(renderTableHeader()) - byteLength(STATUS_LEGEND) - byteLength(omittedRowsNote(endpoints.length)) - 8;
  const keptRows = takeWhileFits(rows, Math.max(0, rowBudget));
  const tablePart = compose(
    [renderTableHeader(), ...(keptRows.taken > 0 ? [keptRows.text] : [])].join('\n'),
    keptRows.taken < rows.length ? omittedRowsNote(rows.length - keptRows.taken) : '',
    STATUS_LEGEND,
  );
  const keptFailing = failing.filter((endpoint) => endpoints.indexOf(endpoint) < keptRows.taken);
  const checklistNote = (count: number) => `Checklists of ${plural(count, 'endpoint')} left out: ${LIMIT_NOTE}.`;
  const detailBudget = budget - byteLength(tablePart) - byteLength(checklistNote(endpoints.length)) - 8;
  const keptDetails = takeWhileFits(details(keptFailing, false), Math.max(0, detailBudget), '\n\n');
  return {
    markdown: compose(tablePart, keptDetails.text, checklistNote(endpoints.length - keptDetails.taken)),
    shortened: true,
  };
}

/**
 * When the summary had to be shortened, the complete checklists (evidence
 * included) go to the check run's `text`, shown below the summary, as far as
 * its own limit allows.
 */
function renderFullChecklists(endpoints: readonly EndpointReport[], linkBase?: string): string {
  const title = '### Complete checklists\n\nThe summary above was shortened to fit its limit; these are the checklists with their evidence.';
  const note = (count: number) => `… ${plural(count, 'checklist')} omitted: the limit of the check run text was reached.`;
  const blocks = endpoints.map((endpoint) => renderEndpointDetails(endpoint, { linkBase, evidence: true }));
  const budget = CHECK_RUN_TEXT_LIMIT - byteLength(title) - byteLength(note(blocks.length)) - NOTE_RESERVE;
  const kept = takeWhileFits(blocks, budget, '\n\n');
  const parts = [title, kept.text, kept.taken < blocks.length ? note(blocks.length - kept.taken) : ''].filter((part) => part !== '');
  return enforceLimit(parts.join('\n\n'));
}

/**
 * "Accepted risks in this PR": the waivers recorded on the PR (active and
 * expired, with who, why and until when) and the in-code suppressions the
 * PR adds, so that whoever approves the PR sees every risk it accepts.
 */
function renderAcceptedRisks(accepted: AcceptedRisks | undefined, linkBase?: string): string[] {
  if (accepted === undefined || (accepted.waivers.length === 0 && accepted.newSuppressions.length === 0)) return [];
  const more = (what: string) => (count: number) => `- … ${plural(count, what)} more: ${LIMIT_NOTE}.`;
  const waivers = accepted.waivers.map(
    (waiver) =>
      `- ${codeSpan(waiver.ruleId)} accepted by @${escapeText(waiver.by)} on ${waiver.at.slice(0, 10)}${untilText(waiver)}${isActive(waiver, accepted.today) ? '' : ' (**expired**: no longer applies)'}: ${escapeText(clip(waiver.reason, 300))}`,
  );
  const suppressions = [...accepted.newSuppressions]
    .sort((a, b) => compareText(a.finding.file, b.finding.file) || a.line - b.line)
    .map((entry) => `- ${codeSpan(entry.finding.ruleId)} suppressed at ${locationLink(entry.finding.file, entry.line, linkBase)}: ${escapeText(clip(entry.reason, 300))}`);
  return [
    renderBoundedList(`**Waivers on this pull request** (\`/security-review accept\`):`, waivers, TAIL_SECTION_BUDGET, more('waiver')),
    renderBoundedList(`**${plural(suppressions.length, 'in-code suppression')} added by this pull request:**`, suppressions, TAIL_SECTION_BUDGET, more('suppression')),
  ].filter((section) => section !== '');
}

/** Suppressed findings, findings outside any checklist, skipped files, analysis errors: each a bounded list. */
function renderTailSections(result: AnalysisResult, linkBase?: string): string[] {
  const more = (what: string) => (count: number) => `- … ${plural(count, what)} more: ${LIMIT_NOTE}.`;
  const suppressed = [...(result.suppressed ?? [])]
    .sort((a, b) => compareText(a.finding.file, b.finding.file) || a.finding.line - b.finding.line)
    .map(
      (entry) =>
        `- ${codeSpan(entry.finding.ruleId)} at ${locationLink(entry.finding.file, entry.finding.line, linkBase)}: ${escapeText(clip(entry.reason, 300))} (${suppressionSource(entry)})`,
    );
  const inChecklists = new Set<string>();
  for (const endpoint of result.endpoints ?? []) {
    for (const item of CHECKLIST) for (const finding of itemOf(endpoint, item.id).findings) inChecklists.add(finding.fingerprint);
  }
  const others = sortFindings((result.findings ?? []).filter((finding) => !inChecklists.has(finding.fingerprint))).map(
    (finding) => `- ${renderFindingLine(finding, linkBase)}`,
  );
  const skipped = (result.skipped ?? []).map((entry) => `- ${codeSpan(entry.file)}: ${escapeText(clip(entry.reason, 300))}`);
  const errors = (result.errors ?? []).map((entry) => `- ${codeSpan(entry.file)}: ${escapeText(clip(entry.message, 300))}`);
  return [
    renderBoundedList(`**${plural(others.length, 'other finding')}** (not tied to an endpoint's checklist):`, others, TAIL_SECTION_BUDGET, more('finding')),
    renderBoundedList(`**${plural(suppressed.length, 'finding')} suppressed:**`, suppressed, TAIL_SECTION_BUDGET, more('suppressed finding')),
    renderBoundedList(`**${plural(skipped.length, 'file')} skipped:**`, skipped, TAIL_SECTION_BUDGET, more('skipped file')),
    renderBoundedList(
      `**${plural(errors.length, 'analysis error')}** (the items they affect are ${STATUS_MARK.unknown} unknown):`,
      errors,
      TAIL_SECTION_BUDGET,
      more('error'),
    ),
  ].filter((section) => section !== '');
}

/**
 * The guarantee behind the step-by-step shortening: never more than GitHub's
 * limit, cut on a character boundary with a note, should an estimate be off.
 */
function enforceLimit(markdown: string): string {
  if (byteLength(markdown) <= CHECK_RUN_TEXT_LIMIT) return markdown;
  const note = `\n\n… cut here: ${LIMIT_NOTE}.`;
  const room = CHECK_RUN_TEXT_LIMIT - byteLength(note);
  let low = 0;
  let high = markdown.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (byteLength(markdown.slice(0, middle)) <= room) low = middle;
    else high = middle - 1;
  }
  // Do not split a surrogate pair.
  const end = low > 0 && /[\uD800-\uDBFF]/.test(markdown[low - 1]) ? low - 1 : low;
  return markdown.slice(0, end) + note;
}

// ---------------------------------------------------------------------------
// Runs that end early

/** A successful run for a pull request that adds or changes no API endpoint. */
export function renderNoApiChangesOutput(input: { reviewedFiles: number; skipped: SkippedFile[] }): CheckRunOutput {
  const files = Number.isFinite(input.reviewedFiles) ? input.reviewedFiles : 0;
  const explanation =
    files === 0
      ? 'This pull request changes no source file the review supports, so there is no API code to check.'
      : `This pull request touches no API code: none of the ${plural(files, 'source file')} reviewed adds or changes an endpoint, so there is no checklist to fill in.`;
  const skipped = (input.skipped ?? []).map((entry) => `- ${codeSpan(entry.file)}: ${escapeText(clip(entry.reason, 300))}`);
  const parts = [
    '### ✅ No API changes',
    explanation,
    renderBoundedList(`**${plural(skipped.length, 'file')} skipped:**`, skipped, CHECK_RUN_TEXT_LIMIT - 2_000, (count) => `- … ${plural(count, 'skipped file')} more: ${LIMIT_NOTE}.`),
  ];
  return { title: 'No API changes', summary: enforceLimit(parts.filter((part) => part !== '').join('\n\n')), annotations: [] };
}

/** The run for an invalid `.github/api-security-review.yml`: one row per bad key, with what was found and what was expected. */
export function renderConfigErrorOutput(path: string, issues: readonly ConfigIssue[]): CheckRunOutput {
  const intro = [
    `### ❌ The configuration file ${codeSpan(path)} is invalid`,
    'The review did not run. The configuration is read from the default branch: fix it there, then comment `/security-review` on the pull request to run the review again.',
  ].join('\n\n');
  const rows = (issues ?? []).map(
    (issue) => `| ${tableCodeSpan(clip(issue.key, 200))} | ${tableCodeSpan(clip(issue.found, 200))} | ${escapeText(clip(issue.expected, 500))} |`,
  );
  const header = '| Key | Found | Expected |\n| --- | --- | --- |';
  const omitted = (count: number) => `… ${plural(count, 'more problem')}: ${LIMIT_NOTE}.`;
  const kept = takeWhileFits(rows, CHECK_RUN_TEXT_LIMIT - byteLength(intro) - byteLength(header) - byteLength(omitted(rows.length)) - NOTE_RESERVE);
  const table =
    rows.length === 0
      ? 'The file could not be read as a configuration.'
      : [`${header}${kept.taken > 0 ? `\n${kept.text}` : ''}`, kept.taken < rows.length ? omitted(rows.length - kept.taken) : ''].filter((part) => part !== '').join('\n\n');
  return {
    title: `Invalid configuration: ${plural(rows.length, 'problem')} in ${clip(path, 200)}`,
    summary: enforceLimit(`${intro}\n\n${table}`),
    annotations: [],
  };
}

/** The neutral run for a review that could not run, with the reason and how to retry. */
export function renderFailureOutput(reason: string): CheckRunOutput {
  const text = typeof reason === 'string' && reason.trim() !== '' ? reason : 'an unexpected error';
  return {
    title: 'The review could not run',
    summary: [`### ⚠️ The review could not run`, `Reason: ${escapeText(clip(text, REASON_LIMIT))}`, 'Comment `/security-review` on the pull request to retry.'].join('\n\n'),
    annotations: [],
  };
}

// ---------------------------------------------------------------------------
// The pull request review

/** Entries listed in the review body before "… N more": the check run has them all. */
const REVIEW_BODY_LIST_LIMIT = 50;

/**
 * The body of the pull request review (event COMMENT) that carries the inline
 * comments: a one-line verdict, then the findings left out of the inline
 * comments because of the budget.
 */
export function renderReviewBody(plan: ReviewPlan, options: { linkBase?: string } = {}): string {
  const mark = plan.conclusion === 'failure' ? '❌' : '✅';
  const state = plan.conclusion === 'failure' ? 'findings at or above the failure threshold' : 'no findings at or above the failure threshold';
  const earlier = plan.alreadyPosted.length > 0 ? ` (${plan.alreadyPosted.length} more already commented in an earlier review)` : '';
  const lines = [`${mark} **API Security Review**: ${state}; ${plural(plan.inline.length, 'new inline comment')}${earlier}. The check run has the filled-in checklist of every changed endpoint.`];
  if (plan.overBudget.length > 0) {
    const listed = plan.overBudget.slice(0, REVIEW_BODY_LIST_LIMIT).map((finding) => `- ${renderFindingLine(finding, options.linkBase)}`);
    const rest = plan.overBudget.length - listed.length;
    lines.push(
      '',
      `**${plural(plan.overBudget.length, 'finding')} not commented inline** (over the limit of ${plural(plan.inline.length, 'comment')} per review):`,
      '',
      ...listed,
      ...(rest > 0 ? [`- … ${rest} more in the check run's annotations.`] : []),
    );
  }
  return lines.join('\n');
}

function suppressionSource(entry: SuppressedFinding): string {
  if (entry.waiver === undefined) return `ignore comment on line ${entry.line}`;
  return `waived by @${escapeText(entry.waiver.by)}${entry.waiver.until === undefined ? '' : ` until ${entry.waiver.until}`}`;
}
