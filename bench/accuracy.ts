/**
 * `npm run accuracy`: precision and recall per checklist item on the fixture
 * corpus (test/fixtures/projects), against the statuses written down by hand.
 * A "positive" is a `fail`: precision = how many reported failures are real,
 * recall = how many real failures are reported. Agreement counts every status.
 */
import { CHECKLIST } from '../checks/checklist.js';
import { analysedItems, analyzeProject, endpointKey, loadCorpus } from '../test/corpus/corpus-projects.js';

interface Tally {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  agree: number;
  total: number;
}

const items = analysedItems();
const tallies = new Map<string, Tally>();
const mismatches: string[] = [];
let endpoints = 0;

for (const project of loadCorpus()) {
  const result = await analyzeProject(project);
  for (const endpoint of result.endpoints) {
    endpoints++;
    const key = endpointKey(endpoint);
    for (const { id } of CHECKLIST) {
      if (!items.has(id) || project.unreviewed.has(id)) continue;
      const expected = project.expected[key]?.[id];
      if (expected === undefined) continue;
      const actual = endpoint.checklist[id].status;
      const tally = tallies.get(id) ?? { truePositive: 0, falsePositive: 0, falseNegative: 0, agree: 0, total: 0 };
      tally.total++;
      if (actual === expected) tally.agree++;
      else mismatches.push(`${project.name}: ${key} ${id}: expected ${expected}, got ${actual}`);
      if (actual === 'fail' && expected === 'fail') tally.truePositive++;
      if (actual === 'fail' && expected !== 'fail') tally.falsePositive++;
      if (actual !== 'fail' && expected === 'fail') tally.falseNegative++;
      tallies.set(id, tally);
    }
  }
}

const ratio = (part: number, whole: number) => (whole === 0 ? '   -  ' : `${((part / whole) * 100).toFixed(1).padStart(5)}%`);
console.log(`fixture corpus: ${loadCorpus().length} projects, ${endpoints} endpoints\n`);
console.log(`${'item'.padEnd(22)} ${'fails'.padStart(5)} ${'TP'.padStart(4)} ${'FP'.padStart(4)} ${'FN'.padStart(4)}  precision  recall  agreement`);
for (const [id, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(
    `${id.padEnd(22)} ${String(t.truePositive + t.falseNegative).padStart(5)} ${String(t.truePositive).padStart(4)} ${String(t.falsePositive).padStart(4)} ${String(t.falseNegative).padStart(4)}  ${ratio(t.truePositive, t.truePositive + t.falsePositive).padStart(9)} ${ratio(t.truePositive, t.truePositive + t.falseNegative).padStart(7)} ${ratio(t.agree, t.total).padStart(10)}`,
  );
}
if (mismatches.length > 0) console.log(`\nmismatches:\n${mismatches.map((m) => `  ${m}`).join('\n')}`);
