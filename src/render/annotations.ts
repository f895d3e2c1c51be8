/**
 * Findings as check run annotations (the Checks API's `output.annotations`):
 * they show in the "Files changed" tab on any line, in the diff or not, so
 * every finding gets one, including those that could not be inline comments.
 */
import type { Finding, Severity } from '../../checks/model.js';
import { sortFindings } from './finding-order.js';
import { clip, singleLine } from './markdown.js';
import { owaspLabel } from './security-references.js';
import { maskSecrets } from './mask-secrets.js';

/** One annotation, in the shape the Checks API takes. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
  raw_details?: string;
}

/** GitHub rejects the whole request when a title passes 255 characters or a message/details 64 KB. */
const TITLE_LIMIT = 255;
const MESSAGE_LIMIT = 60_000;

const LEVELS: Record<Severity, CheckAnnotation['annotation_level']> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};

function validLine(line: number): number {
  return Number.isInteger(line) && line >= 1 ? line : 1;
}

/** Annotations are plain text: the message, why and how to fix, in that order. */
function toAnnotation(finding: Finding): CheckAnnotation {
  const start = validLine(finding.line);
  const end = Math.max(start, validLine(finding.endLine));
  const message = [singleLine(maskSecrets(finding.message)), `Why it matters: ${singleLine(finding.why)}`, `How to fix: ${singleLine(finding.fix)}`].join('\n\n');
  const details = [
    ...(finding.cwe ?? []),
    ...(finding.owasp ?? []).map(owaspLabel),
    ...(finding.endpoint ? [`Endpoint: ${finding.endpoint}`] : []),
    `Checklist item: ${finding.checklistItem}`,
    `Confidence: ${finding.confidence}`,
  ];
  return {
    path: finding.file,
    start_line: start,
    end_line: end,
    // An unexpected severity is shown as a failure rather than hidden as a notice.
    annotation_level: LEVELS[finding.severity] ?? 'failure',
    title: clip(singleLine(`${finding.severity}: ${finding.ruleId}${finding.endpoint ? ` (${finding.endpoint})` : ''}`), TITLE_LIMIT),
    message: clip(message, MESSAGE_LIMIT),
    raw_details: clip(details.join('\n'), MESSAGE_LIMIT),
  };
}

/** One annotation per finding, most severe first; the caller sends them 50 per request. */
export function toAnnotations(findings: readonly Finding[]): CheckAnnotation[] {
  return sortFindings(findings).map(toAnnotation);
}
