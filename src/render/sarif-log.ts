/**
 * The analysis as a SARIF 2.1.0 log that GitHub code scanning accepts
 * (`github/codeql-action/upload-sarif`): one run, every registered check as
 * a rule (short description, markdown help, CWE and OWASP API tags,
 * `security-severity`), one result per finding with a partial fingerprint
 * that survives line moves, and suppressed findings kept as results with
 * their `suppressions` (in-code comment or waiver, with the reason), so
 * code scanning shows them as dismissed rather than as fixed. A suppression
 * has no `status`: absent means accepted, and the property was renamed
 * (`state` to `status`) by the 2.1.0 errata, so leaving it out is valid
 * under both versions of the schema.
 *
 * Code scanning refuses a file over its limits; `serializeSarifLog` keeps
 * within them by leaving out the least severe results and saying so in the
 * log itself (a tool execution notification) and to the caller.
 */
import { gzipSync } from 'node:zlib';
import type * as Sarif from 'sarif';
import type { Check } from '../../checks/create-check.js';
import { ruleSetting } from '../../checks/run-checks.js';
import type { AnalysisResult, Finding, Severity, SuppressedFinding } from '../../checks/model.js';
import type { Config } from '../config/schema.js';
import { compareFindings } from './finding-order.js';
import { cweLink, owaspLabel, owaspLink } from './security-references.js';
import { maskSecrets } from './mask-secrets.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Code scanning's documented limits for one upload. */
export const SARIF_LIMITS = {
  /** Results per run. */
  maxResults: 25_000,
  /** The gzip-compressed file. */
  maxGzippedBytes: 10 * 1024 * 1024,
} as const;

/**
 * The partial fingerprint's key. Versioned: if the engine's fingerprint
 * ever changes meaning, a new key keeps code scanning from matching old
 * alerts to unrelated new ones.
 */
export const FINGERPRINT_KEY = 'apiSecurityReview/v1';

/**
 * GitHub maps `security-severity` to its own levels: 9.0+ critical,
 * 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. One score per level, inside its band.
 */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

export interface SarifInput {
  /** Paths relative to the repository root, as code scanning resolves them against the checkout. */
  result: AnalysisResult;
  checks: readonly Check[];
  /** Rule severities and `off` switches of the configuration the analysis ran with. */
  config: Config;
  toolVersion: string;
}

/** Builds the whole log, without limits; see `serializeSarifLog`. */
export function buildSarifLog(input: SarifInput): Sarif.Log {
  const { result, checks, config } = input;
  const rules = checks.map((check) => sarifRule(check, config));
  const ruleIndex = new Map(checks.map((check, index) => [check.id, index]));
  const results: Sarif.Result[] = [
    ...[...result.findings].sort(compareFindings).map((finding) => sarifResult(finding, ruleIndex)),
    ...[...result.suppressed].sort((a, b) => compareFindings(a.finding, b.finding)).map((entry) => ({ ...sarifResult(entry.finding, ruleIndex), suppressions: [sarifSuppression(entry)] })),
  ];
  const notifications: Sarif.Notification[] = [
    ...result.skipped.map(({ file, reason }) => notification('warning', `${file} was not analysed: ${reason}`, file)),
    ...result.errors.map(({ file, message }) => notification('error', `${file}: ${message}`, file)),
  ];
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'api-security-review',
            semanticVersion: input.toolVersion,
            version: input.toolVersion,
            rules,
          },
        },
        // Code scanning resolves relative URIs against the checkout: no absolute path of this machine goes into the log.
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The root of the repository the analysis ran on.' } } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

export interface SerializedSarif {
  /** The JSON text, newline-terminated. */
  text: string;
  /** Results left out to stay within code scanning's limits (0 when all fit). */
  omitted: number;
  /** What was left out and why, for the user; undefined when all fit. */
  notice?: string;
}

/**
 * The log as JSON within code scanning's limits: at most 25,000 results and
 * 10 MB gzipped. Results are ordered most severe first (unsuppressed before
 * suppressed), so the ones left out are the least important.
 */
export function serializeSarifLog(log: Sarif.Log, limits: { maxResults: number; maxGzippedBytes: number } = SARIF_LIMITS): SerializedSarif {
  const run = log.runs[0];
  const all = run?.results ?? [];
  const render = (kept: number): string => {
    if (run === undefined || kept === all.length) return `${JSON.stringify(log, null, 2)}\n`;
    const omitted = all.length - kept;
    const why = `${omitted} of ${all.length} results were left out (the least severe) to stay within GitHub code scanning's limits of ${limits.maxResults} results and ${limits.maxGzippedBytes} gzipped bytes per upload; run with --format json for all of them.`;
    const invocation = run.invocations?.[0] ?? { executionSuccessful: true };
    const capped: Sarif.Run = {
      ...run,
      results: all.slice(0, kept),
      invocations: [{ ...invocation, toolExecutionNotifications: [...(invocation.toolExecutionNotifications ?? []), notification('warning', why)] }],
    };
    // Compact: a capped log is a large one, and indentation would cost results.
    return `${JSON.stringify({ ...log, runs: [capped, ...log.runs.slice(1)] })}\n`;
  };
  const fits = (text: string): boolean => gzipSync(text).length <= limits.maxGzippedBytes;

  let kept = Math.min(all.length, limits.maxResults);
  let text = render(kept);
  if (!fits(text)) {
    // The largest count that fits: the gzipped size grows with the count of results.
    let low = 0;
    let high = kept - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(render(middle))) low = middle;
      else high = middle - 1;
    }
    kept = low;
    text = render(kept);
  }
  const omitted = all.length - kept;
  if (omitted === 0) return { text, omitted };
  return { text, omitted, notice: `SARIF output capped for GitHub code scanning: ${omitted} of ${all.length} results (the least severe) were left out` };
}

function sarifRule(check: Check, config: Config): Sarif.ReportingDescriptor {
  const setting = ruleSetting(config, check.id);
  const severity = setting.severity ?? check.severity;
  const references = [...check.cwe.map(cweLink), ...check.owasp.map(owaspLink)].map((link) => `- ${link}`).join('\n');
  const fixes = Object.entries(check.fix).map(([framework, text]) => (framework === 'default' ? `- ${text}` : `- **${framework}**: ${text}`));
  const markdown = [`**${check.description}**`, '', `**Why it matters.** ${check.why}`, '', '**How to fix it.**', '', ...fixes, '', '**References**', '', references].join('\n');
  return {
    id: check.id,
    name: toPascalCase(check.id),
    shortDescription: { text: check.description },
    fullDescription: { text: `${check.description} ${check.why}` },
    help: { text: `${check.why}\n\nHow to fix: ${check.fix.default}`, markdown },
    defaultConfiguration: { level: LEVEL[severity], enabled: !setting.off },
    properties: {
      // `external/cwe/cwe-306` is how code scanning recognises CWE tags (CodeQL's convention).
      tags: ['security', ...check.cwe.map((cwe) => `external/cwe/${cwe.toLowerCase()}`), ...check.owasp.map((id) => `owasp-api-top10-2023/${owaspLabel(id)}`), ...check.items.map((item) => `checklist/${item}`)],
      'security-severity': SECURITY_SEVERITY[severity],
      precision: check.confidence === 'high' ? 'high' : check.confidence === 'medium' ? 'medium' : 'low',
      'problem.severity': severity === 'critical' || severity === 'high' ? 'error' : severity === 'medium' ? 'warning' : 'recommendation',
    },
  };
}

function sarifResult(finding: Finding, ruleIndex: ReadonlyMap<string, number>): Sarif.Result {
  const index = ruleIndex.get(finding.ruleId);
  const startLine = validLine(finding.line);
  const result: Sarif.Result = {
    ruleId: finding.ruleId,
    ...(index === undefined ? {} : { ruleIndex: index }),
    level: LEVEL[finding.severity] ?? 'error',
    message: { text: `${maskSecrets(finding.message)} ${finding.why} How to fix: ${finding.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(finding.file), uriBaseId: '%SRCROOT%' },
          region: { startLine, endLine: Math.max(startLine, validLine(finding.endLine)) },
        },
      },
    ],
    // The engine's fingerprint is rule + file + normalised code: a line inserted above moves the finding, not its identity.
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    properties: {
      severity: finding.severity,
      confidence: finding.confidence,
      checklistItem: finding.checklistItem,
      ...(finding.endpoint === undefined ? {} : { endpoint: finding.endpoint }),
      cwe: [...finding.cwe],
      owasp: [...finding.owasp],
    },
  };
  return result;
}

function sarifSuppression(entry: SuppressedFinding): Sarif.Suppression {
  if (entry.waiver !== undefined) {
    const until = entry.waiver.until === undefined ? '' : ` until ${entry.waiver.until}`;
    return { kind: 'external', justification: `Accepted risk (waived by @${entry.waiver.by}${until}): ${entry.reason}` };
  }
  return {
    kind: 'inSource',
    justification: entry.reason,
    location: { physicalLocation: { artifactLocation: { uri: toUri(entry.finding.file), uriBaseId: '%SRCROOT%' }, region: { startLine: validLine(entry.line) } } },
  };
}

function notification(level: 'warning' | 'error', text: string, file?: string): Sarif.Notification {
  return {
    level,
    message: { text },
    ...(file === undefined ? {} : { locations: [{ physicalLocation: { artifactLocation: { uri: toUri(file), uriBaseId: '%SRCROOT%' } } }] }),
  };
}

/** A relative URI reference: forward slashes, each segment percent-encoded (`[id]` is not a valid URI character). */
function toUri(path: string): string {
  return path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

function validLine(line: number): number {
  return Number.isInteger(line) && line >= 1 ? line : 1;
}

function toPascalCase(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
}
