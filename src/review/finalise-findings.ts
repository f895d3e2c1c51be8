/**
 * The last step of a file's analysis, in any language: fingerprint the
 * findings, apply in-code suppressions (a reason is required), report each
 * finding once, and put the file's endpoints and findings into the result.
 */
import { fingerprintOf, fingerprintOfNormalised } from '../../checks/fingerprint.js';
import type { AnalysisResult, EndpointReport, Finding, SuppressedFinding } from '../../checks/model.js';
import type { EndpointAnalysis, EndpointBase, RawFinding } from '../../checks/run-checks.js';
import { findSuppressions, suppressionFor } from '../../checks/suppressions.js';

/** The places (line range and message) one rule reported one code at, in order: the index is the occurrence. */
interface Occurrences {
  places: { place: string; message: string; occurrence: number }[];
  fingerprints: string[];
}

export const SUPPRESSION_RULE_ID = 'suppression-without-reason';

/** An endpoint's line in the result: where it is, what it is, and its filled-in checklist (any language). */
export function endpointReport(endpoint: EndpointBase, analysis: EndpointAnalysis): EndpointReport {
  return {
    file: endpoint.file,
    line: endpoint.line,
    method: endpoint.method,
    route: endpoint.route,
    framework: endpoint.framework,
    publicReason: analysis.publicReason,
    checklist: analysis.checklist,
  };
}

export function finaliseFileFindings(fileFindings: readonly RawFinding[], reports: readonly EndpointReport[], linesFor: (path: string) => readonly string[], result: AnalysisResult): void {
  const suppressionsByFile = new Map<string, ReturnType<typeof findSuppressions>>();
  // Fingerprints: the same code reported twice by one rule gets occurrence 0, 1, ...
  // Occurrences count distinct places: one line reported by several endpoints (a shared helper,
  // the file's error handler) keeps one fingerprint and is reported once.
  // Looked up by file, then code, then rule (no key string made of the code or the message to hash per finding).
  const occurrences = new Map<string, Map<string, Map<string, Occurrences>>>();
  // Several endpoints report the same lines (a shared helper): each place's code is cut and collapsed once,
  // and each (rule, code, occurrence) hashed once.
  const collapsedCode = new Map<string, string>();
  for (const raw of [...fileFindings].sort((a, b) => a.line - b.line)) {
    const place = `${raw.line}:${raw.endLine}`;
    const where = `${raw.file}\0${place}`;
    let collapsed = collapsedCode.get(where);
    if (collapsed === undefined) {
      collapsed = linesFor(raw.file).slice(raw.line - 1, raw.endLine).join('\n').replace(/\s+/g, ' ');
      collapsedCode.set(where, collapsed);
    }
    let byCode = occurrences.get(raw.file);
    if (byCode === undefined) occurrences.set(raw.file, (byCode = new Map()));
    let byRule = byCode.get(collapsed);
    if (byRule === undefined) byCode.set(collapsed, (byRule = new Map()));
    let seen = byRule.get(raw.ruleId);
    if (seen === undefined) byRule.set(raw.ruleId, (seen = { places: [], fingerprints: [] }));
    let occurrence = -1;
    for (const known of seen.places) {
      if (known.place === place && known.message === raw.message) {
        occurrence = known.occurrence;
        break;
      }
    }
    if (occurrence < 0) seen.places.push({ place, message: raw.message, occurrence: (occurrence = seen.places.length) });
    let fingerprint = seen.fingerprints[occurrence];
    if (fingerprint === undefined) {
      // normaliseCode(code) is the collapsed code trimmed.
      fingerprint = fingerprintOfNormalised(raw.ruleId, raw.file, collapsed.trim(), occurrence);
      seen.fingerprints[occurrence] = fingerprint;
    }
    // The raw finding becomes the finding: `fingerprint` added last, as a copy `{ ...raw, fingerprint }` would have it,
    // without copying its fifteen fields (each raw finding is made by one check's report and finalised once).
    (raw as Finding).fingerprint = fingerprint;
  }

  const suppressed: SuppressedFinding[] = [];
  const kept: Finding[] = [];
  for (const raw of fileFindings) {
    const finding = raw as Finding;
    // Each file's suppressions are read once.
    let suppressions = suppressionsByFile.get(finding.file);
    if (suppressions === undefined) {
      suppressions = findSuppressions(linesFor(finding.file));
      suppressionsByFile.set(finding.file, suppressions);
    }
    const suppression = suppressionFor(suppressions, finding.ruleId, finding.line);
    if (suppression !== undefined && suppression.reason !== '') {
      suppressed.push({ finding, reason: suppression.reason, line: suppression.line });
      continue;
    }
    kept.push(finding);
    if (suppression !== undefined) {
      kept.push(reasonlessSuppression(finding, suppression.line, linesFor(finding.file)[suppression.line - 1] ?? ''));
    }
  }
  // A finding may sit in several endpoints' code (a shared helper); report it once.
  const unique = new Map<string, Finding>();
  for (const finding of kept) if (!unique.has(finding.fingerprint)) unique.set(finding.fingerprint, finding);

  for (const report of reports) {
    for (const item of Object.values(report.checklist)) {
      // Nothing to finalise or suppress on an item without findings (a failed item always has some).
      if (item.findings.length === 0 && item.status !== 'fail') continue;
      // Most files suppress nothing: every finding stays open.
      const open = suppressed.length === 0 ? item.findings : item.findings.filter((finding) => !suppressed.some((s) => s.finding.fingerprint === finding.fingerprint));
      if (item.status === 'fail' && open.length === 0) {
        item.status = 'pass';
        item.evidence = item.findings.map((finding) => {
          const suppression = suppressed.find((s) => s.finding.fingerprint === finding.fingerprint)!;
          return { file: finding.file, line: suppression.line, note: `accepted risk (${finding.ruleId} suppressed): ${suppression.reason}` };
        });
      }
      item.findings = open;
    }
  }
  result.endpoints.push(...reports);
  result.findings.push(...unique.values());
  result.suppressed.push(...suppressed);
}

function reasonlessSuppression(finding: Finding, line: number, code: string): Finding {
  return {
    ruleId: SUPPRESSION_RULE_ID,
    checklistItem: finding.checklistItem,
    severity: 'low',
    confidence: 'high',
    file: finding.file,
    line,
    endLine: line,
    message: `This api-security-review-ignore comment for ${finding.ruleId} gives no reason, so it does not apply.`,
    why: 'A suppression is an accepted risk; reviewers need the reason to judge it later.',
    fix: `Write the reason after a colon: \`api-security-review-ignore ${finding.ruleId}: <why this is safe>\`.`,
    cwe: [],
    owasp: [],
    endpoint: finding.endpoint,
    fingerprint: fingerprintOf(SUPPRESSION_RULE_ID, finding.file, code, 0),
  };
}
