/**
 * Hand-written building blocks for render and review-plan tests: one literal
 * finding and one literal endpoint, each changed per test through overrides.
 */
import { CHECKLIST, type ChecklistItemId } from '../../checks/checklist.js';
import type { AnalysisResult, Checklist, EndpointReport, Finding, ItemResult } from '../../checks/model.js';

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'missing-authentication',
    checklistItem: 'authn.identity',
    severity: 'high',
    confidence: 'medium',
    file: 'app/api/invoices/[id]/route.ts',
    line: 12,
    endLine: 12,
    message: 'PATCH /api/invoices/[id] does its work without verifying the caller.',
    why: 'Anyone who can reach the URL can call this endpoint.',
    fix: 'Call `auth()` first and answer 401 without a user.',
    cwe: ['CWE-306'],
    owasp: ['API2:2023'],
    endpoint: 'PATCH /api/invoices/[id]',
    fingerprint: 'a1b2c3d4e5f6a7b8c9d0',
    ...overrides,
  };
}

/** Every item passes with one piece of evidence, except those given. */
export function checklist(items: Partial<Record<ChecklistItemId, Partial<ItemResult>>> = {}): Checklist {
  const result = {} as Checklist;
  for (const { id } of CHECKLIST) {
    result[id] = {
      status: 'pass',
      evidence: [{ file: 'app/api/invoices/[id]/route.ts', line: 5, note: `evidence for ${id}` }],
      findings: [],
      ...items[id],
    };
  }
  return result;
}

export function endpoint(overrides: Partial<EndpointReport> = {}): EndpointReport {
  return {
    file: 'app/api/invoices/[id]/route.ts',
    line: 10,
    method: 'PATCH',
    route: '/api/invoices/[id]',
    framework: 'nextjs-app-router',
    checklist: checklist(),
    ...overrides,
  };
}

export function result(overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  return { endpoints: [], findings: [], suppressed: [], skipped: [], errors: [], ...overrides };
}
