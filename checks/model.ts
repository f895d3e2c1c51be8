/**
 * The data the engine produces: findings, evidence and the filled-in
 * checklist per endpoint. Language-neutral: nothing here refers to a parser.
 */
import type { ChecklistItemId } from './checklist.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** True when `severity` is at or above `threshold`. */
export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

export type Confidence = 'low' | 'medium' | 'high';
export type ItemStatus = 'pass' | 'fail' | 'unknown' | 'n/a';

/** A place in the code that shows why an item got its status. */
export interface Evidence {
  file: string;
  line: number;
  /** What the code at that line shows, e.g. "auth() from @clerk/nextjs/server". */
  note: string;
}

/** A replacement for whole lines of the file, offered as a GitHub suggestion block. */
export interface Suggestion {
  line: number;
  endLine: number;
  replacement: string;
}

export interface Finding {
  ruleId: string;
  checklistItem: ChecklistItemId;
  severity: Severity;
  confidence: Confidence;
  file: string;
  line: number;
  endLine: number;
  /** What is wrong, in one sentence, specific to this code. */
  message: string;
  /** Why it matters. */
  why: string;
  /** How to fix it, in the framework's idiom. */
  fix: string;
  cwe: string[];
  owasp: string[];
  /** `METHOD route` of the endpoint the finding belongs to. */
  endpoint?: string;
  suggestion?: Suggestion;
  /** Stable across line moves: rule id + file + normalised code (+ occurrence). */
  fingerprint: string;
}

export interface SuppressedFinding {
  finding: Finding;
  reason: string;
  /** Line of the suppression comment (of the finding, for a waiver). */
  line: number;
  /** Set when the risk was accepted by a `/security-review accept` waiver rather than an in-code comment. */
  waiver?: { by: string; until?: string };
}

export interface ItemResult {
  status: ItemStatus;
  evidence: Evidence[];
  /** Why the status is unknown or n/a. */
  reason?: string;
  findings: Finding[];
}

export type Checklist = Record<ChecklistItemId, ItemResult>;

export interface EndpointReport {
  file: string;
  line: number;
  method: string;
  route: string;
  framework: string;
  /** Set when the route is meant to be public, with the reason. */
  publicReason?: string;
  checklist: Checklist;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

/** What the engine returns for a set of files. */
export interface AnalysisResult {
  endpoints: EndpointReport[];
  findings: Finding[];
  suppressed: SuppressedFinding[];
  skipped: SkippedFile[];
  /** Problems that cost part of a verdict, e.g. a check that crashed on a file. */
  errors: { file: string; message: string }[];
}

export function endpointName(endpoint: { method: string; route: string }): string {
  return `${endpoint.method} ${endpoint.route}`;
}
