/**
 * The Python half of the engine: parse each `.py` file with tree-sitter,
 * discover its endpoints, read the bounded context they need (DRF settings
 * and urls.py, the FastAPI / Flask entry file), then run the Python checks through
 * the same check loop and finalisation as TypeScript. A syntax error never
 * crashes the review: endpoints it touches get unknown items with the
 * reason, and a broken file with no readable endpoint is reported skipped.
 */
import type { Config } from '../config/schema.js';
import type { ContextFileReader, ProjectContext } from '../../checks/project-context.js';
import type { AnalysisResult, EndpointReport } from '../../checks/model.js';
import type { RawFinding } from '../../checks/run-checks.js';
import { parsePython } from '../../checks/lang/py/parse.js';
import type { PySourceIndex } from '../../checks/lang/py/source-index.js';
import { discoverPythonEndpoints } from '../../checks/python/frameworks/index.js';
import { attachDrfRoutes, attachDrfSettings, attachFastApiMounts, attachFlaskEntryFiles, attachImportedDependencies } from '../../checks/python/frameworks/attach-context.js';
import { PyContextFiles } from '../../checks/python/frameworks/python-context.js';
import type { PyEndpoint } from '../../checks/python/endpoint.js';
import type { PyCheck } from '../../checks/python/create-py-check.js';
import { runPyChecks } from '../../checks/python/run-py-checks.js';
import { endpointReport, finaliseFileFindings } from './finalise-findings.js';
import type { SourceInput } from './analyze-files.js';

const NO_LINES: readonly string[] = Object.freeze([]);

export interface PythonAnalysisOptions {
  config: Config;
  context?: ContextFileReader;
  checks: readonly PyCheck[];
  /** Whether the review's time budget is spent (files are then reported skipped). */
  budgetSpent: () => boolean;
}

export async function analyzePythonFiles(inputs: readonly SourceInput[], options: PythonAnalysisOptions, project: ProjectContext, result: AnalysisResult): Promise<void> {
  const reviewed = new Map<string, PySourceIndex>();
  const parsed: { index: PySourceIndex; endpoints: PyEndpoint[] }[] = [];
  for (const input of inputs) {
    if (options.budgetSpent()) {
      result.skipped.push({ file: input.path, reason: "not analysed: the review's time budget was spent before this file's turn" });
      continue;
    }
    let index: PySourceIndex;
    try {
      index = await parsePython(input.path, input.text);
    } catch (error) {
      result.skipped.push({ file: input.path, reason: `could not be parsed as Python: ${(error as Error).message}` });
      continue;
    }
    reviewed.set(input.path, index);
    const endpoints = discoverPythonEndpoints(index).filter((endpoint) => isChanged(endpoint, input.changedLines));
    if (endpoints.length === 0 && index.syntaxErrors.length > 0) {
      const first = index.syntaxErrors[0];
      result.skipped.push({ file: input.path, reason: `syntax error at line ${first.line}: ${first.message}; no endpoint could be read around it` });
      continue;
    }
    if (endpoints.length > 0) parsed.push({ index, endpoints });
  }
  if (parsed.length === 0) return;

  const files = new PyContextFiles(options.context, reviewed);
  const endpoints = parsed.flatMap((file) => file.endpoints);
  await attachFastApiMounts(endpoints, files);
  await attachFlaskEntryFiles(endpoints, files);
  await attachImportedDependencies(endpoints, files);
  // Settings first: ROOT_URLCONF there names the urls.py whose include() prefixes the app's routes.
  await attachDrfSettings(endpoints, files);
  await attachDrfRoutes(endpoints, files, reviewed.values());

  // Findings may point into a context file (an imported dependency's module, the entry file, the settings): its lines are needed too.
  const contextIndexes = new Map<string, PySourceIndex>();
  for (const endpoint of endpoints) {
    for (const region of endpoint.externalCode ?? []) contextIndexes.set(region.index.path, region.index);
    for (const index of [endpoint.entryFile, endpoint.settingsFile]) if (index !== undefined) contextIndexes.set(index.path, index);
  }
  // Asked for every finding and for each file's suppressions: the index's own lines (read-only), not a copy of them.
  const linesFor = (path: string): readonly string[] => (reviewed.get(path) ?? contextIndexes.get(path))?.allLines() ?? NO_LINES;
  for (const file of parsed) {
    if (options.budgetSpent()) {
      result.skipped.push({ file: file.index.path, reason: "not analysed: the review's time budget was spent before this file's turn" });
      continue;
    }
    const findings: RawFinding[] = [];
    const reports: EndpointReport[] = [];
    for (const endpoint of file.endpoints) {
      const analysis = runPyChecks(endpoint, options.checks, options.config, project);
      for (const message of analysis.errors) result.errors.push({ file: endpoint.file, message });
      findings.push(...analysis.findings);
      reports.push(endpointReport(endpoint, analysis));
    }
    finaliseFileFindings(findings, reports, linesFor, result);
  }
}

/** An endpoint is changed when the change touches a line of its code (handler, hooks, same-file dependencies). */
function isChanged(endpoint: PyEndpoint, changedLines: ReadonlySet<number> | undefined): boolean {
  if (changedLines === undefined) return true;
  for (const scope of endpoint.scopes) {
    const last = endpoint.index.lineAt(Math.max(scope.pos, scope.end - 1));
    for (let line = endpoint.index.lineAt(scope.pos); line <= last; line++) if (changedLines.has(line)) return true;
  }
  return false;
}
