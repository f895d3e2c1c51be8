/**
 * What a pull request changes in the API's security posture: the endpoints
 * of the changed files before (base) and after (head), matched by method,
 * route and file (through renames), item by item. Pure: both analyses and
 * the deleted lines come from the caller.
 */
import { CHECKLIST, type ChecklistItemId } from '../../checks/checklist.js';
import { endpointName, type AnalysisResult, type EndpointReport, type Finding, type ItemStatus } from '../../checks/model.js';

export interface PostureEndpoint {
  name: string;
  file: string;
  line: number;
}

export interface PostureChange {
  endpoint: PostureEndpoint;
  item: ChecklistItemId;
  before: ItemStatus;
  after: ItemStatus;
  /** Where the base version's evidence for the item was, when this PR deletes that line: the control it removed. */
  removedControl?: { file: string; line: number; note: string };
  /** The head version's findings for the item (the reason it is worse now). */
  findings: Finding[];
  /** The head version's report of the endpoint, to show its checklist. */
  report: EndpointReport;
}

export interface PostureDiff {
  added: PostureEndpoint[];
  removed: PostureEndpoint[];
  worse: PostureChange[];
  better: PostureChange[];
}

const ITEM_IDS = CHECKLIST.map((item) => item.id);

/** A status that met the item (or had nothing to meet) before, and a failure after, is a loss. */
function isLoss(before: ItemStatus, after: ItemStatus): boolean {
  return after === 'fail' && (before === 'pass' || before === 'n/a');
}

function ref(report: EndpointReport): PostureEndpoint {
  return { name: endpointName(report), file: report.file, line: report.line };
}

/**
 * `renames` maps a head path to its base path; `deletedLines` maps a base
 * path to the base lines the PR deletes.
 */
export function comparePosture(
  base: AnalysisResult,
  head: AnalysisResult,
  renames: ReadonlyMap<string, string>,
  deletedLines: ReadonlyMap<string, ReadonlySet<number>>,
): PostureDiff {
  const key = (report: EndpointReport, file: string) => `${endpointName(report)} @ ${file}`;
  const before = new Map<string, EndpointReport[]>();
  for (const report of base.endpoints) before.set(key(report, report.file), [...(before.get(key(report, report.file)) ?? []), report]);
  const diff: PostureDiff = { added: [], removed: [], worse: [], better: [] };
  for (const report of head.endpoints) {
    const k = key(report, renames.get(report.file) ?? report.file);
    const candidates = before.get(k);
    const previous = candidates?.shift();
    if (previous === undefined) {
      diff.added.push(ref(report));
      continue;
    }
    for (const item of ITEM_IDS) {
      const was = previous.checklist[item];
      const now = report.checklist[item];
      if (was === undefined || now === undefined || was.status === now.status) continue;
      const change: PostureChange = { endpoint: ref(report), item, before: was.status, after: now.status, findings: now.findings, report };
      if (isLoss(was.status, now.status)) {
        const removed = was.evidence.find((evidence) => deletedLines.get(evidence.file)?.has(evidence.line) === true);
        if (removed !== undefined) change.removedControl = { file: removed.file, line: removed.line, note: removed.note ?? '' };
        diff.worse.push(change);
      } else if (was.status === 'fail' && now.status === 'pass') diff.better.push(change);
    }
  }
  for (const left of before.values()) for (const report of left) diff.removed.push(ref(report));
  return diff;
}

/** Whether the diff has anything to say. */
export function isPostureChanged(diff: PostureDiff): boolean {
  return diff.added.length + diff.removed.length + diff.worse.length + diff.better.length > 0;
}
