/**
 * `--format text`, for people at a terminal: each finding with why and how
 * to fix it, then one line per endpoint with its checklist sections, then a
 * summary that fits on a screen.
 */
import { CHECKLIST, SECTIONS, type Section } from '../../checks/checklist.js';
import { endpointName, SEVERITIES, severityAtLeast, type AnalysisResult, type EndpointReport, type ItemStatus, type Severity } from '../../checks/model.js';
import { compareCodeUnits } from './project-paths.js';

export interface TextReportInput {
  /** Paths already relative to the working directory. */
  result: AnalysisResult;
  failOn: Severity;
  /** Files read and handed to the engine. */
  filesScanned: number;
  color: boolean;
}

type Paint = (text: string, style: keyof typeof STYLES) => string;

const STYLES = { red: 31, yellow: 33, cyan: 36, green: 32, dim: 2, bold: 1 } as const;

const SEVERITY_STYLE: Record<Severity, keyof typeof STYLES> = { critical: 'red', high: 'red', medium: 'yellow', low: 'cyan', info: 'dim' };

const SECTION_LABELS: Record<Section, string> = {
  Authentication: 'Authn',
  Authorization: 'Authz',
  'Input Validation': 'Input',
  'Output Safety': 'Output',
  'Rate Limiting': 'Rate limit',
  Logging: 'Logging',
};

const STATUS_MARK: Record<ItemStatus, { mark: string; style: keyof typeof STYLES }> = {
  fail: { mark: 'FAIL', style: 'red' },
  unknown: { mark: '?', style: 'yellow' },
  pass: { mark: 'ok', style: 'green' },
  'n/a': { mark: '-', style: 'dim' },
};

/** At most this many skipped files are listed; the rest are counted. */
const MAX_SKIPPED_LISTED = 10;

export function formatText(input: TextReportInput): string {
  const paint: Paint = input.color ? (text, style) => `\u001b[${STYLES[style]}m${text}\u001b[0m` : (text) => text;
  const { result } = input;
  const lines: string[] = [];

  const findings = [...result.findings].sort((a, b) => compareCodeUnits(a.file, b.file) || a.line - b.line || compareCodeUnits(a.ruleId, b.ruleId));
  for (const finding of findings) {
    lines.push(`${paint(`${finding.file}:${finding.line}`, 'bold')}  ${paint(finding.severity, SEVERITY_STYLE[finding.severity])}  ${finding.ruleId}  ${finding.message}`);
    if (finding.why !== '') lines.push(`    why: ${finding.why}`);
    if (finding.fix !== '') lines.push(`    fix: ${finding.fix}`);
    lines.push('');
  }

  if (result.endpoints.length > 0) {
    lines.push(paint('Endpoints', 'bold') + paint('  (per checklist section: ok pass, FAIL fail, ? unknown, - n/a)', 'dim'));
    const endpoints = [...result.endpoints].sort((a, b) => compareCodeUnits(a.file, b.file) || a.line - b.line);
    const nameWidth = Math.min(48, Math.max(...endpoints.map((endpoint) => endpointName(endpoint).length)));
    const placeWidth = Math.min(80, Math.max(...endpoints.map((endpoint) => `${endpoint.file}:${endpoint.line}`.length)));
    for (const endpoint of endpoints) {
      const sections = SECTIONS.map((section) => {
        const { mark, style } = STATUS_MARK[sectionStatus(endpoint, section)];
        return `${SECTION_LABELS[section]} ${paint(mark, style)}`;
      });
      lines.push(`  ${endpointName(endpoint).padEnd(nameWidth)}  ${`${endpoint.file}:${endpoint.line}`.padEnd(placeWidth)}  ${sections.join('  ')}`);
    }
    lines.push('');
  }

  for (const error of result.errors) lines.push(paint(`analysis error in ${error.file}: ${error.message}`, 'yellow'));
  for (const skipped of result.skipped.slice(0, MAX_SKIPPED_LISTED)) lines.push(paint(`skipped ${skipped.file}: ${skipped.reason}`, 'dim'));
  if (result.skipped.length > MAX_SKIPPED_LISTED) lines.push(paint(`... and ${result.skipped.length - MAX_SKIPPED_LISTED} more skipped files (see --format json)`, 'dim'));
  if (result.errors.length > 0 || result.skipped.length > 0) lines.push('');

  lines.push(...summaryLines(input, paint));
  return `${lines.join('\n')}\n`;
}

/** A section's status: a fail anywhere fails it, then unknown, then pass; n/a only when every item is n/a. */
export function sectionStatus(endpoint: EndpointReport, section: Section): ItemStatus {
  const statuses = CHECKLIST.filter((item) => item.section === section).map((item) => endpoint.checklist[item.id]?.status ?? 'unknown');
  for (const status of ['fail', 'unknown', 'pass'] as const) if (statuses.includes(status)) return status;
  return 'n/a';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function summaryLines(input: TextReportInput, paint: Paint): string[] {
  const { result, failOn } = input;
  const bySeverity = [...SEVERITIES]
    .reverse()
    .map((severity) => ({ severity, count: result.findings.filter((finding) => finding.severity === severity).length }))
    .filter(({ count }) => count > 0)
    .map(({ severity, count }) => paint(`${count} ${severity}`, SEVERITY_STYLE[severity]));
  const parts = [
    plural(input.filesScanned, 'file') + ' scanned',
    plural(result.endpoints.length, 'endpoint'),
    plural(result.findings.length, 'finding') + (bySeverity.length > 0 ? ` (${bySeverity.join(', ')})` : ''),
  ];
  if (result.suppressed.length > 0) parts.push(`${result.suppressed.length} suppressed`);
  if (result.skipped.length > 0) parts.push(`${plural(result.skipped.length, 'file')} skipped`);
  const failing = result.findings.filter((finding) => severityAtLeast(finding.severity, failOn)).length;
  const verdict =
    failing > 0
      ? paint(`Failed: ${plural(failing, 'finding')} at or above ${failOn}.`, 'red')
      : paint(`Passed: no findings at or above ${failOn}.`, 'green');
  return [`${parts.join(', ')}.`, verdict];
}
