/**
 * The body of an inline review comment: what is wrong, why it matters, how to
 * fix it (with a one-click suggestion when the check offers one), and a
 * hidden fingerprint so that the next push does not post the comment again.
 */
import type { Finding } from '../../checks/model.js';
import { codeSpan, escapeText, fencedBlock, sanitiseAuthoredMarkdown } from './markdown.js';
import { maskSecrets } from './mask-secrets.js';
import { cweLink, owaspLink } from './security-references.js';
import { severityBadge } from './severity-badge.js';

const MARKER_PREFIX = '<!-- api-security-review:fingerprint=';
const MARKER_SUFFIX = ' -->';
// Anchored at the end: only the marker this renderer appends counts, never text quoted from code above it.
const MARKER_AT_END = /<!-- api-security-review:fingerprint=([A-Za-z0-9%._~!*'()]{1,512}) -->\s*$/;

/**
 * The hidden marker, an HTML comment that GitHub keeps in the stored body but
 * does not display. The fingerprint is URI-encoded, `-` included, so that no
 * value can put `--` or `-->` inside the comment and end it early.
 */
export function fingerprintMarker(fingerprint: string): string {
  return `${MARKER_PREFIX}${encodeURIComponent(fingerprint).replace(/-/g, '%2D')}${MARKER_SUFFIX}`;
}

/** The fingerprint of a comment this app posted, or undefined for any other comment. */
export function fingerprintFromComment(body: string): string | undefined {
  if (typeof body !== 'string') return undefined;
  const match = MARKER_AT_END.exec(body);
  if (match === null) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined; // A malformed escape is not one of our markers.
  }
}

export interface ReviewCommentOptions {
  /**
   * False when the suggestion's lines are not all in the diff: GitHub cannot
   * apply it there, so the replacement is shown as plain code instead of a
   * `suggestion` block. Default true.
   */
  applicableSuggestion?: boolean;
}

/** Markdown for the inline comment on `finding`, ending with its fingerprint marker. */
export function renderReviewComment(finding: Finding, options: ReviewCommentOptions = {}): string {
  const blocks: string[] = [];
  blocks.push(`**${severityBadge(finding.severity)}** · ${codeSpan(finding.ruleId)}`);
  blocks.push(escapeText(maskSecrets(finding.message)));
  blocks.push(`**Why it matters:** ${sanitiseAuthoredMarkdown(finding.why)}${referencesOf(finding)}`);
  blocks.push(`**How to fix:** ${sanitiseAuthoredMarkdown(finding.fix)}`);
  // A replacement that would repeat a secret of the code is not offered (the fix above says what to do).
  const suggestion = finding.suggestion !== undefined && maskSecrets(finding.suggestion.replacement) === finding.suggestion.replacement ? finding.suggestion : undefined;
  if (suggestion !== undefined) {
    if (options.applicableSuggestion ?? true) {
      blocks.push(fencedBlock('suggestion', suggestion.replacement));
    } else {
      blocks.push(`Suggested replacement for lines ${suggestion.line}–${suggestion.endLine} (not all of them are in this diff, so GitHub cannot apply it here):`);
      blocks.push(fencedBlock('', suggestion.replacement));
    }
  }
  if (finding.endpoint !== undefined && finding.endpoint !== '') {
    blocks.push(`<sub>Endpoint ${codeSpan(finding.endpoint)} · confidence ${escapeText(finding.confidence)} · checklist item ${codeSpan(finding.checklistItem)}</sub>`);
  } else {
    blocks.push(`<sub>Confidence ${escapeText(finding.confidence)} · checklist item ${codeSpan(finding.checklistItem)}</sub>`);
  }
  blocks.push(fingerprintMarker(finding.fingerprint));
  return blocks.join('\n\n');
}

/** ` (CWE-306, API2:2023 Broken Authentication)` as links, or nothing when the finding names none. */
function referencesOf(finding: Finding): string {
  const references = [...(finding.cwe ?? []).map(cweLink), ...(finding.owasp ?? []).map(owaspLink)];
  return references.length === 0 ? '' : ` (${references.join(', ')})`;
}
