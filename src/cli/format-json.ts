/**
 * `--format json`, the machine-readable contract (design.md):
 * `{ version: 1, endpoints, findings, skipped }`. Only the contract's keys
 * are written, in its order; optional keys are left out when empty.
 */
import { CHECKLIST } from '../../checks/checklist.js';
import type { AnalysisResult, EndpointReport, Evidence, Finding } from '../../checks/model.js';

export interface JsonFinding {
  ruleId: string;
  checklistItem: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  endLine: number;
  message: string;
  endpoint?: string;
  cwe?: string[];
  owasp?: string[];
}

export interface JsonChecklistItem {
  status: string;
  evidence?: Evidence[];
  findings?: JsonFinding[];
}

export interface JsonEndpoint {
  file: string;
  line: number;
  method: string;
  route: string;
  framework: string;
  checklist: Record<string, JsonChecklistItem>;
}

export interface JsonReport {
  version: 1;
  endpoints: JsonEndpoint[];
  findings: JsonFinding[];
  skipped: { file: string; reason: string }[];
}

function jsonFinding(finding: Finding): JsonFinding {
  const json: JsonFinding = {
    ruleId: finding.ruleId,
    checklistItem: finding.checklistItem,
    severity: finding.severity,
    confidence: finding.confidence,
    file: finding.file,
    line: finding.line,
    endLine: finding.endLine,
    message: finding.message,
  };
  if (finding.endpoint !== undefined) json.endpoint = finding.endpoint;
  if (finding.cwe.length > 0) json.cwe = [...finding.cwe];
  if (finding.owasp.length > 0) json.owasp = [...finding.owasp];
  return json;
}

function jsonEndpoint(endpoint: EndpointReport): JsonEndpoint {
  const checklist: Record<string, JsonChecklistItem> = {};
  // The template's order, so that diffs of two JSON reports line up.
  for (const { id } of CHECKLIST) {
    const item = endpoint.checklist[id];
    if (item === undefined) continue;
    const json: JsonChecklistItem = { status: item.status };
    if (item.evidence.length > 0) json.evidence = item.evidence.map(({ file, line, note }) => ({ file, line, note }));
    if (item.findings.length > 0) json.findings = item.findings.map(jsonFinding);
    checklist[id] = json;
  }
  return { file: endpoint.file, line: endpoint.line, method: endpoint.method, route: endpoint.route, framework: endpoint.framework, checklist };
}

/** The report object; paths in `result` must already be relative to the working directory. */
export function buildJsonReport(result: AnalysisResult): JsonReport {
  return {
    version: 1,
    endpoints: result.endpoints.map(jsonEndpoint),
    findings: result.findings.map(jsonFinding),
    skipped: result.skipped.map(({ file, reason }) => ({ file, reason })),
  };
}

export function formatJson(result: AnalysisResult): string {
  return `${JSON.stringify(buildJsonReport(result), null, 2)}\n`;
}
