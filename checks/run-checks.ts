/**
 * The engine's inner loop: run every check on one endpoint, isolate crashes,
 * validate what checks report, and fold it all into the endpoint's checklist.
 */
import { CHECKLIST, type ChecklistItemId } from './checklist.js';
import type { Check, CheckContext, Report } from './create-check.js';
import type { Endpoint } from './frameworks/endpoint.js';
import { ts, SyntaxKind } from './lang/ts/parse.js';
import type { Config } from '../src/config/schema.js';
import { endpointName, type Checklist, type Evidence, type Finding, type ItemResult, type ItemStatus, type Severity } from './model.js';
import type { ProjectContext } from './project-context.js';
import { KeySlots } from './lang/key-slots.js';
import { answerOnce } from './lang/answer-once.js';

/** A finding before suppression and fingerprinting (which need the whole file). */
export type RawFinding = Omit<Finding, 'fingerprint'>;

export interface EndpointAnalysis {
  checklist: Checklist;
  findings: RawFinding[];
  publicReason?: string;
  errors: string[];
}

/** Where several checks decide one item, the strongest word wins: n/a < pass < unknown < fail. */
function rank(status: ItemStatus): number {
  // Compares interned strings: cheaper than a keyed read of a rank table per verdict.
  return status === 'fail' ? 3 : status === 'unknown' ? 2 : status === 'pass' ? 1 : 0;
}

export function emptyChecklist(reason = 'not yet analysed'): Checklist {
  const checklist = { ...CHECKLIST_SHAPE } as unknown as Checklist;
  for (const item of CHECKLIST) checklist[item.id] = { status: 'unknown', evidence: [], reason, findings: [] };
  return checklist;
}

/**
 * A checklist with every item's key in the checklist's order and no value yet, for
 * copying: an object built key by key from a computed name goes to dictionary mode
 * past a dozen keys (slow stores, slow reads in finalisation); a copy of this
 * literal keeps the literal's fast shape, and filling it only overwrites fields.
 * The type says every item is here; the check at load says in CHECKLIST's order.
 */
const CHECKLIST_SHAPE: Readonly<Record<ChecklistItemId, undefined>> = {
  'authn.identity': undefined,
  'authn.invalid-token': undefined,
  'authn.token-expiry': undefined,
  'authz.ownership': undefined,
  'authz.roles': undefined,
  'authz.tenant': undefined,
  'input.schema': undefined,
  'input.upload': undefined,
  'input.sql': undefined,
  'input.xss': undefined,
  'output.fields': undefined,
  'output.pii-logs': undefined,
  'output.errors': undefined,
  'ratelimit.endpoint': undefined,
  'ratelimit.ddos': undefined,
  'logging.auth-failures': undefined,
  'logging.denials': undefined,
  'logging.request-id': undefined,
};
if (Object.keys(CHECKLIST_SHAPE).join() !== CHECKLIST.map((item) => item.id).join()) throw new Error('CHECKLIST_SHAPE must list the checklist items in CHECKLIST order');

/** A message template cut once into text and placeholder names (odd positions): every finding fills one. */
const templateParts = answerOnce((template: string): readonly string[] => template.split(/\{\{\s*(\w+)\s*\}\}/), 10_000);

/**
 * Fills a template from `data`; given an endpoint, its method and route fill `{{method}}` and
 * `{{route}}` over data's own (fix texts name the endpoint), without copying data.
 */
function fillTemplate(template: string, data: Record<string, string> | undefined, endpoint?: { method: string; route: string }): string {
  const parts = templateParts(template);
  let text = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i];
    const value = endpoint !== undefined && name === 'method' ? endpoint.method : endpoint !== undefined && name === 'route' ? endpoint.route : data?.[name];
    if (value === undefined) throw new Error(`message placeholder {{${name}}} has no data`);
    text += value + parts[i + 1];
  }
  return text;
}

/** The answer for a rule the configuration does not name (most of them), shared: asked per check per endpoint. */
const DEFAULT_SETTING: { readonly off: boolean; readonly severity?: Severity } = Object.freeze({ off: false });

/**
 * ruleSetting's answers for the last `rules` object asked about, by rule id: asked per check per endpoint, where reading
 * a rule the configuration does not name (most) from the parsed object went the slow way of a missing key (~0.6% of the
 * Python analysis). A configuration is not changed once parsed; another one (another review) starts afresh.
 */
let answersFor: Config['rules'] | undefined;
let answers = new Map<string, { readonly off: boolean; readonly severity?: Severity }>();

export function ruleSetting(config: Config, ruleId: string): { readonly off: boolean; readonly severity?: Severity } {
  if (config.rules !== answersFor) {
    answersFor = config.rules;
    answers = new Map();
  }
  let answer = answers.get(ruleId);
  if (answer === undefined) {
    answer = readRuleSetting(config, ruleId);
    answers.set(ruleId, answer);
  }
  return answer;
}

function readRuleSetting(config: Config, ruleId: string): { readonly off: boolean; readonly severity?: Severity } {
  const setting = config.rules[ruleId];
  if (setting === undefined) return DEFAULT_SETTING;
  if (setting === 'off') return { off: true };
  if (typeof setting === 'string') return { off: false, severity: setting };
  return { off: setting.off === true, severity: setting.severity };
}

interface Decision {
  item: ChecklistItemId;
  status: ItemStatus;
  evidence: Evidence[];
  reason?: string;
}

/** What run-checks needs of an endpoint in any language. */
export interface EndpointBase {
  file: string;
  line: number;
  method: string;
  route: string;
  framework: string;
}

/** Where a node a check points at sits: file (a node may live in an imported module) and lines. */
export type NodeLocator<E, N> = (endpoint: E, node: N) => { file: string; line: number; endLine: number };

/** TypeScript: lines from the node's own source file (an imported middleware's, or the endpoint's). */
export function locateTsNode(endpoint: Endpoint, node: ts.Node): { file: string; line: number; endLine: number } {
  const source = sourceFileOf(node);
  const sourceFile = source ?? endpoint.index.sourceFile;
  return { file: source?.fileName ?? endpoint.file, line: lineIn(sourceFile, node.getStart(sourceFile)), endLine: lineIn(sourceFile, node.end) };
}

export function runChecks(endpoint: Endpoint, checks: readonly Check[], config: Config, project: ProjectContext): EndpointAnalysis {
  return runChecksWith(endpoint, checks, config, project, locateTsNode);
}

/** runChecks for any language: `locate` turns the language's nodes into file and lines. */
export function runChecksWith<E extends EndpointBase, N>(
  endpoint: E,
  checks: readonly Check<string, E, N, string>[],
  config: Config,
  project: ProjectContext,
  locate: NodeLocator<E, N>,
): EndpointAnalysis {
  // Items some check decided; the rest are filled in at the end (most items are decided, so no placeholder is built for them).
  const decided: Partial<Checklist> = { ...CHECKLIST_SHAPE };
  const findings: RawFinding[] = [];
  const errors: string[] = [];
  let publicReason: string | undefined;
  const name = endpointName(endpoint);

  // One context for the endpoint, pointed at the running check: a context (and its closures)
  // per check per endpoint was a large share of the engine's allocations.
  let check: Check<string, E, N, string> = checks[0];
  let severityOverride: Severity | undefined;
  // A check decides one to three items: a short list, emptied per check (a Map's clear allocated a new table each time).
  const decisions: Decision[] = [];
  let reported: RawFinding[] = [];
  const context: CheckContext<string, E, N> = {
    endpoint,
    config,
    project,
    report(report: Report<string, N>) {
      reported.push(toFinding(check, endpoint, name, report, severityOverride, locate));
    },
    pass(item, evidence) {
      const located = evidence.node !== undefined && evidence.line === undefined ? locate(endpoint, evidence.node) : undefined;
      const line = evidence.line ?? located?.line ?? endpoint.line;
      decide(check, decisions, { item, status: 'pass', evidence: [{ file: evidence.file ?? located?.file ?? endpoint.file, line, note: evidence.note }] });
    },
    unknown(item, reason) {
      decide(check, decisions, { item, status: 'unknown', evidence: [], reason });
    },
    notApplicable(item, reason) {
      decide(check, decisions, { item, status: 'n/a', evidence: [], reason });
    },
    markPublic(reason) {
      publicReason ??= reason;
    },
  };

  const settings = settingsOf(checks, config);
  for (let at = 0; at < checks.length; at++) {
    check = checks[at];
    const setting = settings[at];
    if (setting.off) {
      for (const item of check.items) merge(decided, item, 'unknown', undefined, `rule ${check.id} is turned off in the configuration`);
      continue;
    }
    severityOverride = setting.severity;
    if (decisions.length > 0) decisions.length = 0;
    // Findings reported before a crash are dropped with the crashed check.
    if (reported.length > 0) reported = [];
    try {
      check.run(context);
    } catch (error) {
      // One check's crash costs this check's items on this endpoint, never the review.
      const message = `check ${check.id} failed on ${endpoint.file}:${endpoint.line}: ${(error as Error).message}`;
      errors.push(message);
      for (const item of check.items) merge(decided, item, 'unknown', undefined, message);
      reported = [];
      continue;
    }
    for (const item of check.items) {
      if (reported.length > 0 && reportsOn(reported, item)) {
        merge(decided, item, 'fail', undefined, undefined);
        continue;
      }
      const decision = decisions.length > 0 ? decisionOn(decisions, item) : undefined;
      if (decision !== undefined) merge(decided, item, decision.status, decision.evidence, decision.reason);
      else merge(decided, item, 'unknown', undefined, undecidedReason(check.id));
    }
    if (reported.length > 0) {
      for (const finding of reported) findings.push(finding);
      reported = [];
    }
  }

  // `decided` has every item's key in the checklist's order (a copy of CHECKLIST_SHAPE): it becomes the checklist.
  for (const { id } of CHECKLIST) if (decided[id] === undefined) decided[id] = { status: 'unknown', evidence: [], reason: 'not yet analysed', findings: [] };
  const checklist = decided as Checklist;
  for (const finding of findings) checklist[finding.checklistItem].findings.push(finding as Finding);
  return { checklist, findings, publicReason, errors };
}

/**
 * The settings of a check list under a configuration, in the list's order: asked per check per endpoint, looked up once
 * per list (the last configuration asked about is kept per list; a review has one).
 */
const settingsByChecks = new KeySlots<readonly object[], { rules: Config['rules']; settings: { readonly off: boolean; readonly severity?: Severity }[] }>('ruleSettings');

function settingsOf(checks: readonly { id: string }[], config: Config): readonly { readonly off: boolean; readonly severity?: Severity }[] {
  let known = settingsByChecks.get(checks);
  if (known === undefined || known.rules !== config.rules) {
    known = { rules: config.rules, settings: checks.map((check) => ruleSetting(config, check.id)) };
    settingsByChecks.set(checks, known);
  }
  return known.settings;
}

/** The check's decision on `item`, if it made one. */
function decisionOn(decisions: readonly Decision[], item: ChecklistItemId): Decision | undefined {
  for (const decision of decisions) if (decision.item === item) return decision;
  return undefined;
}

/** Whether a check reported a finding on `item` (no closure per item, as `some` would make). */
function reportsOn(reported: readonly RawFinding[], item: ChecklistItemId): boolean {
  for (const finding of reported) if (finding.checklistItem === item) return true;
  return false;
}

/** The reason for an item a check left undecided, one string per check rather than one per item per endpoint. */
const undecidedReason = answerOnce((checkId: string) => `check ${checkId} could not decide this item`, 10_000);

/** A check's decision on one of its items, folded into what the check decided before (the strongest word wins). */
function decide<E, N>(check: Check<string, E, N, string>, decisions: Decision[], decision: Decision): void {
  const item = decision.item;
  if (!check.items.includes(item)) throw new Error(`check ${check.id} decided ${item}, which it does not declare`);
  for (let at = 0; at < decisions.length; at++) {
    const previous = decisions[at];
    if (previous.item !== item) continue;
    if (rank(decision.status) > rank(previous.status)) decisions[at] = decision;
    else if (previous.status === decision.status) previous.evidence.push(...decision.evidence);
    return;
  }
  decisions.push(decision);
}

/**
 * One check's verdict on one item, folded into the endpoint's checklist so far. Given as its parts, not as a
 * Decision: most verdicts are a fail or an undecided item with no evidence, and most lose to what is there.
 */
function merge(decided: Partial<Checklist>, item: ChecklistItemId, status: ItemStatus, evidence: Evidence[] | undefined, reason: string | undefined): void {
  const current: ItemResult | undefined = decided[item];
  // A decision is built for one check's verdict on one item and merged once: its evidence array is taken, not copied.
  if (current === undefined) {
    decided[item] = { status, evidence: evidence ?? [], reason, findings: [] };
    return;
  }
  if (rank(status) > rank(current.status)) {
    // The item's result is this endpoint's own, made by the first verdict: the stronger one takes it over.
    current.status = status;
    current.evidence = evidence ?? [];
    current.reason = reason;
  } else if (status === current.status) {
    if (evidence !== undefined) current.evidence.push(...evidence);
    current.reason ??= reason;
  }
}

function toFinding<E extends EndpointBase, N>(
  check: Check<string, E, N, string>,
  endpoint: E,
  name: string,
  report: Report<string, N>,
  severityOverride: Severity | undefined,
  locate: NodeLocator<E, N>,
): RawFinding {
  const template = (check.messages as Record<string, string>)[report.messageId];
  if (template === undefined) throw new Error(`check ${check.id} reported unknown message id "${report.messageId}"`);
  const item = report.item ?? check.items[0];
  if (!check.items.includes(item)) throw new Error(`check ${check.id} reported on ${item}, which it does not declare`);
  // A node may sit in an imported module (a middleware's file): the finding belongs to that file.
  const located = report.node !== undefined ? locate(endpoint, report.node) : undefined;
  // With an explicit line the finding stays in the endpoint's file.
  const file = (report.line === undefined ? located?.file : undefined) ?? endpoint.file;
  const line = report.line ?? located?.line ?? endpoint.line;
  const endLine = report.endLine ?? located?.endLine ?? line;
  const fixTemplate = (check.fix as Partial<Record<string, string>>)[endpoint.framework] ?? check.fix.default;
  return {
    ruleId: check.id,
    checklistItem: item,
    severity: severityOverride ?? report.severity ?? check.severity,
    confidence: report.confidence ?? check.confidence,
    file,
    line,
    endLine: Math.max(line, endLine),
    message: fillTemplate(template, report.data),
    why: check.why,
    fix: fillTemplate(fixTemplate, report.data, endpoint),
    cwe: [...check.cwe],
    owasp: [...check.owasp],
    endpoint: name,
    suggestion: report.suggestion,
  };
}

/** The parsed file a node belongs to (parents are set by the parser); undefined for synthesized nodes. */
function sourceFileOf(node: ts.Node): ts.SourceFile | undefined {
  let current: ts.Node | undefined = node;
  while (current !== undefined && current.kind !== SyntaxKind.SourceFile) current = current.parent;
  return current as ts.SourceFile | undefined;
}

function lineIn(sourceFile: ts.SourceFile, pos: number): number {
  return sourceFile.getLineAndCharacterOfPosition(pos).line + 1;
}
