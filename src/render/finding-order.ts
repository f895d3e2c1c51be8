/**
 * The order in which findings compete for attention (inline comment budget,
 * annotations, summary lists): most severe first, then by file and line so
 * that equal severities read top to bottom.
 */
import { SEVERITIES, type Finding, type Severity } from '../../checks/model.js';

/** Higher is more severe; an unknown value ranks as critical so that bad input is never hidden. */
export function severityRank(severity: Severity): number {
  const rank = SEVERITIES.indexOf(severity);
  return rank === -1 ? SEVERITIES.length : rank;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.file, b.file) ||
    a.line - b.line ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

/** Findings sorted by `compareFindings`, without touching the input. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Code-point order: stable across machines, unlike `localeCompare`. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
