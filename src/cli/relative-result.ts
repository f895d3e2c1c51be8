/**
 * The engine works with project paths (as the app works with repository
 * paths); the CLI's output uses paths relative to the working directory.
 * This rewrites every path in a result, leaving the fingerprints (which the
 * app computes from repository paths) untouched.
 */
import type { AnalysisResult, Checklist, EndpointReport, Evidence, Finding, ItemResult } from '../../checks/model.js';

export function relativizeResult(result: AnalysisResult, toOutputPath: (projectPath: string) => string): AnalysisResult {
  // One copy per finding, so a finding listed both in `findings` and in an
  // item stays one object, as renderers that compare by identity expect.
  const copies = new Map<Finding, Finding>();
  const findingOf = (finding: Finding): Finding => {
    let copy = copies.get(finding);
    if (copy === undefined) {
      copy = { ...finding, file: toOutputPath(finding.file) };
      copies.set(finding, copy);
    }
    return copy;
  };
  const evidenceOf = (evidence: Evidence): Evidence => ({ ...evidence, file: toOutputPath(evidence.file) });
  const itemOf = (item: ItemResult): ItemResult => ({ ...item, evidence: item.evidence.map(evidenceOf), findings: item.findings.map(findingOf) });
  const endpointOf = (endpoint: EndpointReport): EndpointReport => ({
    ...endpoint,
    file: toOutputPath(endpoint.file),
    checklist: Object.fromEntries(Object.entries(endpoint.checklist).map(([id, item]) => [id, itemOf(item)])) as Checklist,
  });
  return {
    endpoints: result.endpoints.map(endpointOf),
    findings: result.findings.map(findingOf),
    suppressed: result.suppressed.map((suppressed) => ({ ...suppressed, finding: findingOf(suppressed.finding) })),
    skipped: result.skipped.map((skipped) => ({ ...skipped, file: toOutputPath(skipped.file) })),
    errors: result.errors.map((error) => ({ ...error, file: toOutputPath(error.file) })),
  };
}
