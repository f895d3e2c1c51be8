/**
 * Python endpoints through the engine's one check loop (run-checks.ts):
 * nodes are located by their own lines; items no Python check decides yet
 * stay unknown and say so; a syntax error in the endpoint's code makes every
 * item unknown with the error as the reason.
 */
import { CHECKLIST, type ChecklistItemId } from '../checklist.js';
import type { Config } from '../../src/config/schema.js';
import { fileOfNode, type PyNode } from '../lang/py/source-index.js';
import type { ProjectContext } from '../project-context.js';
import { emptyChecklist, runChecksWith, type EndpointAnalysis } from '../run-checks.js';
import type { PyCheck } from './create-py-check.js';
import type { PyEndpoint } from './endpoint.js';

export const NOT_YET_FOR_PYTHON = 'not yet analysed for Python';

function locatePyNode(endpoint: PyEndpoint, node: PyNode): { file: string; line: number; endLine: number } {
  return { file: fileOfNode(node) ?? endpoint.file, line: node.line, endLine: node.endLine };
}

const uncoveredByChecks = new WeakMap<readonly PyCheck[], readonly ChecklistItemId[]>();

/** The checklist's items none of `checks` decides, in checklist order, once per check list (the engine asks for every endpoint). */
function uncoveredItems(checks: readonly PyCheck[]): readonly ChecklistItemId[] {
  let uncovered = uncoveredByChecks.get(checks);
  if (uncovered === undefined) {
    const covered = new Set(checks.flatMap((check) => check.items));
    uncovered = CHECKLIST.map(({ id }) => id).filter((id) => !covered.has(id));
    uncoveredByChecks.set(checks, uncovered);
  }
  return uncovered;
}

export function runPyChecks(endpoint: PyEndpoint, checks: readonly PyCheck[], config: Config, project: ProjectContext): EndpointAnalysis {
  if (endpoint.syntaxError !== undefined) {
    const { line, message } = endpoint.syntaxError;
    return { checklist: emptyChecklist(`syntax error at line ${line} (${message}) inside this endpoint's code: not analysed`), findings: [], errors: [] };
  }
  const analysis = runChecksWith(endpoint, checks, config, project, locatePyNode);
  for (const id of uncoveredItems(checks)) {
    const item = analysis.checklist[id];
    if (item.status === 'unknown' && item.findings.length === 0) item.reason = NOT_YET_FOR_PYTHON;
  }
  return analysis;
}
