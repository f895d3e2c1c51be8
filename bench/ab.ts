/**
 * `npm run bench:ab -- BEFORE AFTER [--rounds N] [--checks none|id,id]`:
 * two compiled builds of the engine (folders laid out like dist/, e.g. a copy
 * of dist/ taken before a change, and dist/ after it) timed on the same bench
 * corpus in one process, file by file, alternating which goes first, with
 * the bare parse of the same file between them.
 *
 * Why: on a shared machine two separate runs differ by 10-20% from load
 * alone, more than most single changes save. Interleaved per file, drift and
 * other tenants' bursts hit both builds alike, and CPU time rather than wall
 * time leaves out the waits for a core, so the ratio AFTER/BEFORE is steady
 * to a percent or two where separate runs are not.
 *
 *   cp -r dist /tmp/dist-before     # before the change
 *   npm run build                   # after it
 *   npm run bench:ab -- /tmp/dist-before dist
 *
 * Timed by wall clock, the build loaded first into a process measured 15-40%
 * faster than the other on this machine, whichever it was; by CPU time the
 * two load orders agree within about a percent. Each comparison still runs
 * twice, in two child processes, once with each build loaded first, and
 * prints both ratios and their geometric mean: a disagreement between them
 * says the figure is not to be trusted.
 *
 * The two builds must resolve the same node_modules (a copy inside the
 * checkout, or one of its worktrees, does). Exits non-zero only on errors.
 *
 * TypeScript only: two Python engines cannot share a process fairly, since
 * web-tree-sitter's `Parser.init` sets one process-wide module and only one
 * engine then reads the tree from wasm memory. Compare Python builds in
 * separate processes (`npm run bench -- --only python`, several times each).
 * Nor can this see a change to the shape of the compiler's nodes, which both
 * builds share.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ts } from 'ts-morph';
import { generateCorpus } from './corpus/generate.js';

type SourceInput = { path: string; text: string };
type Analyze = (input: SourceInput) => Promise<unknown>;

interface Options {
  folders: [string, string];
  rounds: number;
  checks: string | undefined;
  /** Set in the child processes: time the builds in this process and print one JSON line. */
  child: boolean;
}

/** One child's totals over the measured rounds, in load order (folders[0] first). */
interface ChildResult {
  parseMs: number;
  buildMs: [number, number];
}

const WARMUP_ROUNDS = 2;

function parseArguments(argv: readonly string[]): Options {
  const folders: string[] = [];
  let rounds = 8;
  let checks: string | undefined;
  let child = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--rounds') rounds = Number(argv[++i]);
    else if (argument === '--checks') checks = argv[++i];
    else if (argument === '--child') child = true;
    else folders.push(argument);
  }
  if (folders.length !== 2 || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error('usage: npm run bench:ab -- BEFORE_DIST AFTER_DIST [--rounds N] [--checks none|id,id]');
  }
  return { folders: [folders[0], folders[1]], rounds, checks, child };
}

/** analyzeFiles of the build in `folder`, with every check, none, or the listed ones. */
async function loadBuild(folder: string, checkIds: string | undefined): Promise<Analyze> {
  const root = pathToFileURL(resolve(folder)).href;
  const { analyzeFiles } = await import(`${root}/src/review/analyze-files.js`);
  const { CHECKS } = await import(`${root}/checks/index.js`);
  const { DEFAULT_CONFIG } = await import(`${root}/src/config/schema.js`);
  const wanted = checkIds === undefined ? undefined : new Set(checkIds === 'none' ? [] : checkIds.split(','));
  const checks = wanted === undefined ? CHECKS : CHECKS.filter((check: { id: string }) => wanted.has(check.id));
  if (wanted !== undefined && checks.length !== wanted.size) throw new Error(`${folder}: no check named in ${checkIds}`);
  return (input) => analyzeFiles([input], { config: DEFAULT_CONFIG, checks });
}

/**
 * The process's CPU time in ms (user + system, all its threads, so garbage
 * collection on helper threads counts): on a machine shared with other
 * tenants it moves by about 1% between runs where wall time moves by 10%.
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Times the two builds of `options` in this process, `folders[0]` loaded first. */
async function measureInProcess(options: Options): Promise<ChildResult> {
  const files: SourceInput[] = generateCorpus().map((file) => ({ path: file.path, text: file.text }));
  const first = await loadBuild(options.folders[0], options.checks);
  const second = await loadBuild(options.folders[1], options.checks);
  const builds = [first, second];
  const totals: [number, number] = [0, 0];
  let parseTotal = 0;
  for (let round = 0; round < WARMUP_ROUNDS + options.rounds; round++) {
    const measured = round >= WARMUP_ROUNDS;
    for (const file of files) {
      // Alternate which build goes first: the second one finds the file's text warmer in the caches.
      for (const which of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const start = cpuMs();
        await builds[which](file);
        if (measured) totals[which] += cpuMs() - start;
      }
      const start = cpuMs();
      ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest);
      if (measured) parseTotal += cpuMs() - start;
    }
  }
  return { parseMs: parseTotal / options.rounds, buildMs: [totals[0] / options.rounds, totals[1] / options.rounds] };
}

/** Runs this script as a child with the builds in `folders` order and reads its JSON line. */
function runChild(options: Options, folders: [string, string]): ChildResult {
  const args = [fileURLToPath(import.meta.url), ...folders, '--rounds', String(options.rounds), '--child'];
  if (options.checks !== undefined) args.push('--checks', options.checks);
  const output = execFileSync(process.execPath, [...process.execArgv, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(output.trim().split('\n').at(-1)!) as ChildResult;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  if (options.child) {
    console.log(JSON.stringify(await measureInProcess(options)));
    return;
  }
  const [before, after] = options.folders;
  const beforeFirst = runChild(options, [before, after]);
  const afterFirst = runChild(options, [after, before]);
  // Per order: [before ms, after ms].
  const orders: [string, number, number, number][] = [
    ['before loaded first', beforeFirst.parseMs, beforeFirst.buildMs[0], beforeFirst.buildMs[1]],
    ['after loaded first', afterFirst.parseMs, afterFirst.buildMs[1], afterFirst.buildMs[0]],
  ];
  console.log(`TypeScript bench corpus, checks: ${options.checks ?? 'all'}, ${options.rounds} rounds after ${WARMUP_ROUNDS} warm-up, per round`);
  console.log(`  before: ${before}\n  after:  ${after}`);
  for (const [label, parseMs, beforeMs, afterMs] of orders) {
    console.log(`  ${label.padEnd(20)} parse ${parseMs.toFixed(1)} ms, before ${beforeMs.toFixed(1)} ms (${(beforeMs / parseMs).toFixed(2)}x), after ${afterMs.toFixed(1)} ms (${(afterMs / parseMs).toFixed(2)}x), after/before ${(afterMs / beforeMs).toFixed(3)}`);
  }
  const ratio = Math.sqrt((orders[0][3] / orders[0][2]) * (orders[1][3] / orders[1][2]));
  console.log(`  after/before (geometric mean of both orders) ${ratio.toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
