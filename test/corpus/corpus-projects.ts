/**
 * The fixture corpus: small realistic API projects under
 * test/fixtures/projects/<name>/, each with an `expected.json` that writes
 * down, by hand, the true status of every analysed checklist item of every
 * endpoint. The corpus test compares whole checklists; `npm run accuracy`
 * turns the same comparison into precision and recall per item.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS } from '../../checks/index.js';
import type { ChecklistItemId } from '../../checks/checklist.js';
import type { AnalysisResult, ItemStatus } from '../../checks/model.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';
import { isSupportedSource } from '../../src/review/select-files.js';

export const PROJECTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/projects');

export interface CorpusProject {
  name: string;
  files: Map<string, string>;
  /** `METHOD route @ file:line` -> item -> true status. */
  expected: Record<string, Partial<Record<ChecklistItemId, ItemStatus>>>;
  /**
   * Where the analysis is known to be wrong today: what it says and why. The
   * corpus test holds the analysis to this (so a fix shows up as a change to
   * make here), and `npm run accuracy` counts it against the true status.
   */
  knownGaps: Record<string, Partial<Record<ChecklistItemId, { today: ItemStatus; why: string }>>>;
  /** Items whose true statuses nobody has written down for this project yet: not compared, not counted. */
  unreviewed: ReadonlySet<ChecklistItemId>;
}

function listFiles(root: string, dir = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir))) {
    const relative = dir === '' ? entry : `${dir}/${entry}`;
    if (statSync(path.join(root, relative)).isDirectory()) files.push(...listFiles(root, relative));
    else files.push(relative);
  }
  return files.sort();
}

export function loadCorpus(): CorpusProject[] {
  return readdirSync(PROJECTS_DIR)
    .sort()
    .map((name) => {
      const root = path.join(PROJECTS_DIR, name);
      const files = new Map(listFiles(root).map((file) => [file, readFileSync(path.join(root, file), 'utf8')]));
      const written = JSON.parse(files.get('expected.json') ?? '{}');
      files.delete('expected.json');
      return { name, files, expected: written.endpoints ?? {}, knownGaps: written.known_gaps ?? {}, unreviewed: new Set(written.unreviewed?.items ?? []) };
    });
}

/** Analyses every source file of the project, with the project itself as the context reader. */
export function analyzeProject(project: CorpusProject): Promise<AnalysisResult> {
  const inputs = [...project.files].filter(([file]) => isSupportedSource(file)).map(([file, text]) => ({ path: file, text }));
  return analyzeFiles(inputs, {
    config: DEFAULT_CONFIG,
    context: { read: async (file) => project.files.get(file), exists: async (file) => project.files.has(file) },
  });
}

export function endpointKey(endpoint: { method: string; route: string; file: string; line: number }): string {
  return `${endpoint.method} ${endpoint.route} @ ${endpoint.file}:${endpoint.line}`;
}

/** The checklist items some registered check decides: the ones the corpus must write down. */
export function analysedItems(): Set<ChecklistItemId> {
  return new Set(CHECKS.flatMap((check) => check.items));
}
