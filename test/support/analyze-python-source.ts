/**
 * Test helper for one Python check on one file: the item it decides for one
 * endpoint and the run's findings, through analyzeSources (the real engine).
 */
import type { ChecklistItemId } from '../../checks/checklist.js';
import type { AnalysisResult, ItemResult } from '../../checks/model.js';
import type { PyCheck } from '../../checks/python/create-py-check.js';
import { analyzeSources, endpointOf } from './analyze-source.js';

export async function pythonItem(
  check: PyCheck,
  item: ChecklistItemId,
  path: string,
  text: string,
  name: string,
  options: { config?: Record<string, unknown>; context?: Record<string, string> } = {},
): Promise<{ item: ItemResult; findings: AnalysisResult['findings']; result: AnalysisResult }> {
  const result = await analyzeSources({ [path]: text }, { pythonChecks: [check], ...options });
  return { item: endpointOf(result, name).checklist[item], findings: result.findings, result };
}
