/**
 * Expiring, audited waivers: `/security-review accept <rule-id> <reason>
 * [until YYYY-MM-DD]` from someone with write access accepts the risk of a
 * rule's findings on one pull request. No database: the waivers live in a
 * hidden block of the app's own waiver comment on the PR, which only the app
 * writes, and every review reads them back. Pure functions: parsing the
 * command, reading and writing the block, applying the waivers to a result.
 */
import type { AnalysisResult, SuppressedFinding } from '../../checks/model.js';

export interface Waiver {
  ruleId: string;
  reason: string;
  /** GitHub login of who accepted the risk. */
  by: string;
  /** When it was recorded (ISO 8601). */
  at: string;
  /** Last day it applies (YYYY-MM-DD, inclusive); open-ended when absent. */
  until?: string;
}

export type AcceptCommand = { kind: 'accept'; ruleId: string; reason: string; until?: string } | { kind: 'invalid'; problem: string };

export const ACCEPT_USAGE = '`/security-review accept <rule-id> <reason> [until YYYY-MM-DD]`';

const ACCEPT_PREFIX = /^\/security-review\s+accept(?:\s+|$)/;
const UNTIL = /\s+until\s+(\d{4}-\d{2}-\d{2})\s*$/i;
const MAX_REASON = 500;

/** True when the comment's first line is an `accept` command (the caller has already ruled out quotes and code). */
export function isAcceptCommand(firstLine: string): boolean {
  return ACCEPT_PREFIX.test(firstLine.trim());
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not). */
function isCalendarDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

/**
 * Parses the first line of an accept command. `knownRules` are the rule ids
 * a waiver may name; `today` (YYYY-MM-DD) rules out an `until` in the past.
 */
export function parseAcceptCommand(firstLine: string, knownRules: ReadonlySet<string>, today: string): AcceptCommand {
  const rest = firstLine.trim().replace(ACCEPT_PREFIX, '');
  const [ruleId = '', ...words] = rest.split(/\s+/).filter((word) => word !== '');
  if (ruleId === '') return { kind: 'invalid', problem: `name the rule and the reason: ${ACCEPT_USAGE}` };
  if (!knownRules.has(ruleId)) return { kind: 'invalid', problem: `\`${ruleId.slice(0, 80)}\` is not a rule of this app; the rule id is the one in the finding's comment (e.g. \`missing-rate-limit\`)` };
  let reason = words.join(' ');
  let until: string | undefined;
  const match = UNTIL.exec(` ${reason}`);
  if (match !== null) {
    until = match[1];
    reason = ` ${reason}`.slice(0, match.index).trim();
    if (!isCalendarDay(until)) return { kind: 'invalid', problem: `\`${until}\` is not a date (YYYY-MM-DD)` };
    if (until < today) return { kind: 'invalid', problem: `\`until ${until}\` is already past` };
  }
  if (reason === '') return { kind: 'invalid', problem: `a waiver needs a reason, so that reviewers know why the risk was accepted: ${ACCEPT_USAGE}` };
  return { kind: 'accept', ruleId, reason: reason.slice(0, MAX_REASON), ...(until === undefined ? {} : { until }) };
}

/** Whether a waiver applies on `today` (YYYY-MM-DD): the `until` day itself included. */
export function isActive(waiver: Waiver, today: string): boolean {
  return waiver.until === undefined || waiver.until >= today;
}

/** A newer waiver for the same rule replaces the older one: the latest decision counts. */
export function addWaiver(waivers: readonly Waiver[], waiver: Waiver): Waiver[] {
  return [...waivers.filter((existing) => existing.ruleId !== waiver.ruleId), waiver];
}

const BLOCK = /<!-- api-security-review:waivers ([A-Za-z0-9+/=]*) -->/;

/** The hidden block that carries the waivers in the app's comment (base64 JSON, so no text can close the HTML comment). */
export function encodeWaivers(waivers: readonly Waiver[]): string {
  return `<!-- api-security-review:waivers ${Buffer.from(JSON.stringify(waivers), 'utf8').toString('base64')} -->`;
}

/** Waivers read back from a comment body; entries that are not well-formed are dropped, never trusted. */
export function decodeWaivers(body: string): Waiver[] | undefined {
  const match = BLOCK.exec(body);
  if (match === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isWaiver);
}

function isWaiver(value: unknown): value is Waiver {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  const text = (key: string) => typeof entry[key] === 'string' && (entry[key] as string).length > 0;
  return text('ruleId') && text('reason') && text('by') && text('at') && (entry.until === undefined || (typeof entry.until === 'string' && isCalendarDay(entry.until)));
}

/** What `until` adds to a sentence: " until 2027-01-31" or "". */
export function untilText(waiver: Waiver): string {
  return waiver.until === undefined ? '' : ` until ${waiver.until}`;
}

/**
 * Turns the findings of waived rules into accepted risks: they leave the
 * findings (no comment, no failing verdict), join `suppressed` with who,
 * why and until when, and the checklist items they failed pass with that
 * as evidence. Expired waivers change nothing.
 */
export function applyWaivers(result: AnalysisResult, waivers: readonly Waiver[], today: string): AnalysisResult {
  const active = new Map(waivers.filter((waiver) => isActive(waiver, today)).map((waiver) => [waiver.ruleId, waiver]));
  if (active.size === 0) return result;
  const waived: SuppressedFinding[] = [];
  const findings = result.findings.filter((finding) => {
    const waiver = active.get(finding.ruleId);
    if (waiver === undefined) return true;
    waived.push({ finding, reason: waiver.reason, line: finding.line, waiver: { by: waiver.by, ...(waiver.until === undefined ? {} : { until: waiver.until }) } });
    return false;
  });
  if (waived.length === 0) return result;
  const waivedPrints = new Set(waived.map((entry) => entry.finding.fingerprint));
  const endpoints = result.endpoints.map((endpoint) => {
    const checklist = { ...endpoint.checklist };
    for (const [id, item] of Object.entries(checklist)) {
      if (!item.findings.some((finding) => waivedPrints.has(finding.fingerprint))) continue;
      const open = item.findings.filter((finding) => !waivedPrints.has(finding.fingerprint));
      const accepted = item.findings.filter((finding) => waivedPrints.has(finding.fingerprint));
      const next = { ...item, findings: open };
      if (item.status === 'fail' && open.length === 0) {
        next.status = 'pass';
        next.evidence = accepted.map((finding) => {
          const waiver = active.get(finding.ruleId)!;
          return { file: finding.file, line: finding.line, note: `accepted risk (${finding.ruleId} waived by @${waiver.by}${untilText(waiver)}): ${waiver.reason}` };
        });
      }
      checklist[id as keyof typeof checklist] = next;
    }
    return { ...endpoint, checklist };
  });
  return { ...result, endpoints, findings, suppressed: [...result.suppressed, ...waived] };
}
