/**
 * Whole-checklist comparison over the fixture corpus: every endpoint of
 * every project, every analysed item, against the statuses written down by
 * hand in its expected.json. A new check makes this fail until the corpus
 * says what its items should be, which is the point.
 */
import { describe, expect, it } from 'vitest';
import { CHECKLIST } from '../../checks/checklist.js';
import { analysedItems, analyzeProject, endpointKey, loadCorpus } from './corpus-projects.js';

const items = analysedItems();

describe.each(loadCorpus().map((project) => [project.name, project] as const))('corpus project %s', (_name, project) => {
  it('finds exactly the endpoints written down', async () => {
    const result = await analyzeProject(project);
    expect(result.endpoints.map(endpointKey).sort()).toEqual(Object.keys(project.expected).sort());
    expect(result.errors).toEqual([]);
  });

  it('fills in every analysed item as written down, and leaves the others unknown', async () => {
    const result = await analyzeProject(project);
    const actual: Record<string, Record<string, string>> = {};
    const expected: Record<string, Record<string, string>> = {};
    for (const endpoint of result.endpoints) {
      const key = endpointKey(endpoint);
      actual[key] = {};
      expected[key] = {};
      for (const { id } of CHECKLIST) {
        if (project.unreviewed.has(id)) continue;
        const item = endpoint.checklist[id];
        const gap = project.knownGaps[key]?.[id];
        const want = !items.has(id) ? 'unknown' : gap !== undefined ? gap.today : project.expected[key]?.[id] ?? '(not written down)';
        // Show the reason with a mismatch, so that a failure explains itself.
        actual[key][id] = item.status === want ? item.status : `${item.status} (${item.reason ?? item.findings.map((f) => f.message).join('; ') ?? ''})`;
        expected[key][id] = want;
      }
    }
    expect(actual).toEqual(expected);
  });
});
