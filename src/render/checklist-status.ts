/**
 * Reading an endpoint's checklist for display: the mark of each status, the
 * aggregate of a section, and how worrying an endpoint is overall.
 */
import { CHECKLIST, type ChecklistItemId, type Section } from '../../checks/checklist.js';
import type { EndpointReport, ItemResult, ItemStatus } from '../../checks/model.js';
import { severityRank } from './finding-order.js';

export const STATUS_MARK: Record<ItemStatus, string> = { pass: '✅', fail: '❌', unknown: '❔', 'n/a': '➖' };

export const STATUS_LEGEND = '✅ pass · ❌ fail · ❔ unknown (a human must look) · ➖ n/a (does not apply)';

const MISSING_ITEM: ItemResult = { status: 'unknown', evidence: [], reason: 'no check reported on this item', findings: [] };

/** The item's result; a checklist that lacks the item (bad input) reads as unknown, never as pass. */
export function itemOf(endpoint: EndpointReport, id: ChecklistItemId): ItemResult {
  const item = endpoint.checklist?.[id];
  if (item === undefined || item === null || !(item.status in STATUS_MARK)) return MISSING_ITEM;
  return { ...item, evidence: item.evidence ?? [], findings: item.findings ?? [] };
}

/** Fail if any item fails, else unknown if any is unknown, else pass if any passes, else n/a. */
export function sectionStatus(endpoint: EndpointReport, section: Section): ItemStatus {
  const statuses = CHECKLIST.filter((item) => item.section === section).map((item) => itemOf(endpoint, item.id).status);
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('unknown')) return 'unknown';
  if (statuses.includes('pass')) return 'pass';
  return 'n/a';
}

export function countStatuses(endpoint: EndpointReport): Record<ItemStatus, number> {
  const counts: Record<ItemStatus, number> = { pass: 0, fail: 0, unknown: 0, 'n/a': 0 };
  for (const item of CHECKLIST) counts[itemOf(endpoint, item.id).status] += 1;
  return counts;
}

export function hasFailure(endpoint: EndpointReport): boolean {
  return countStatuses(endpoint).fail > 0;
}

/**
 * Sort key, most worrying first: the most severe finding, then the number of
 * failing and unknown items. Used to order the table and to decide what stays
 * when the summary must be shortened.
 */
export function concernOf(endpoint: EndpointReport): [number, number, number] {
  let worstSeverity = -1;
  for (const item of CHECKLIST) {
    for (const finding of itemOf(endpoint, item.id).findings) worstSeverity = Math.max(worstSeverity, severityRank(finding.severity));
  }
  const counts = countStatuses(endpoint);
  return [worstSeverity, counts.fail, counts.unknown];
}
