/**
 * Analysis cost against the floor it cannot go below: the bare TypeScript
 * parse of the same file. Every file is timed on its own (the app analyses
 * the few files of a PR, so per-file latency is what users feel), phases run
 * in alternating order so that drift of the machine hits all of them alike.
 */
import { ts } from 'ts-morph';
import type { Check } from '../checks/create-check.js';
import { analyzeFiles, CHECKS, DEFAULT_CONFIG, discoverEndpoints, parseTypeScript, prepareEngine, SourceIndex } from './engine.js';
import type { CorpusFile } from './corpus/generate.js';
import { fastestRoundsTotal, median, medianRound, sum, summarize, type TimingSummary } from './stats.js';

export interface AnalysisBenchOptions {
  warmupRounds: number;
  rounds: number;
}

export interface AnalysisBenchResult {
  rounds: number;
  /** Bare `ts.createSourceFile` with its defaults (no parent pointers): the baseline. */
  parse: TimingSummary;
  /** `new SourceIndex` on an already parsed file: the one shared walk. */
  indexWalk: TimingSummary;
  /** `discoverEndpoints` on an already built index. */
  discovery: TimingSummary;
  /** `analyzeFiles` with no checks: parse, index, discovery and the engine's own bookkeeping. */
  engineWithoutChecks: TimingSummary;
  /** `analyzeFiles` per file: parse, index, discovery, every check, fingerprints. */
  analysis: TimingSummary;
  /** Sums over files of each file's fastest round (see fastestRoundsTotal): the noise-resistant floor. */
  fastest: { parseMs: number; engineWithoutChecksMs: number; analysisMs: number };
  endpoints: Record<string, number>;
  findings: number;
}

/** A corpus problem or an engine error: the bench cannot vouch for its figures. */
export class BenchError extends Error {}

export interface CheckCost {
  id: string;
  /** What the check adds to the corpus total over `analyzeFiles` with no checks (median of paired rounds). */
  addedTotalMs: number;
  /** The same difference between sums of each file's fastest round: steadier on a busy machine. */
  addedFastestMs: number;
}

type Phase = 'parse' | 'index' | 'analysis' | 'engine';

function timeParse(files: readonly CorpusFile[]): number[] {
  const samples = new Array<number>(files.length);
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const start = performance.now();
    // The bare parse, with TypeScript's defaults: no parent pointers (setting them is a second
    // full pass that costs about half a parse; the engine sets them in its own walk instead).
    ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest);
    samples[i] = performance.now() - start;
  }
  return samples;
}

/** Times the index walk and discovery; the parse before them is not timed. */
function timeIndexAndDiscovery(files: readonly CorpusFile[]): { index: number[]; discovery: number[] } {
  const index = new Array<number>(files.length);
  const discovery = new Array<number>(files.length);
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const { sourceFile } = parseTypeScript(file.path, file.text);
    const start = performance.now();
    const sourceIndex = new SourceIndex(file.path, sourceFile);
    const indexed = performance.now();
    discoverEndpoints(sourceIndex);
    discovery[i] = performance.now() - indexed;
    index[i] = indexed - start;
  }
  return { index, discovery };
}

async function timeAnalysis(files: readonly CorpusFile[], checks: readonly Check[]): Promise<number[]> {
  const samples = new Array<number>(files.length);
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const start = performance.now();
    await analyzeFiles([{ path: file.path, text: file.text }], { config: DEFAULT_CONFIG, checks });
    samples[i] = performance.now() - start;
  }
  return samples;
}

/**
 * Runs every corpus file through the engine once, untimed, and fails when a
 * file does not parse, has no endpoint, or the engine reports errors:
 * timings of an analysis that skipped files or crashed in a check would
 * flatter it. File by file, like the timed rounds, so that the peak memory
 * reflects per-file work and not 500 syntax trees held at once.
 */
async function verifyCorpus(files: readonly CorpusFile[]): Promise<{ endpoints: Record<string, number>; findings: number }> {
  const endpoints: Record<string, number> = {};
  let findings = 0;
  for (const file of files) {
    const result = await analyzeFiles([{ path: file.path, text: file.text }], { config: DEFAULT_CONFIG });
    const skipped = result.skipped[0];
    if (skipped !== undefined) throw new BenchError(`corpus file ${file.path} was skipped: ${skipped.reason}`);
    const error = result.errors[0];
    if (error !== undefined) throw new BenchError(`the engine reported an error on ${error.file}: ${error.message}`);
    if (result.endpoints.length === 0) throw new BenchError(`no endpoint discovered in corpus file ${file.path}: the corpus or discovery is broken`);
    for (const endpoint of result.endpoints) endpoints[endpoint.framework] = (endpoints[endpoint.framework] ?? 0) + 1;
    findings += result.findings.length;
  }
  return { endpoints, findings };
}

export async function measureAnalysis(files: readonly CorpusFile[], options: AnalysisBenchOptions): Promise<AnalysisBenchResult> {
  await prepareEngine();
  const { endpoints, findings } = await verifyCorpus(files);

  const rounds: Record<Phase, number[][]> = { parse: [], index: [], analysis: [], engine: [] };
  const discoveryRounds: number[][] = [];
  const phases: Phase[] = ['parse', 'analysis', 'index', 'engine'];
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    const measured = round >= options.warmupRounds;
    // Rotate the order each round so no phase always runs right after a GC-heavy one.
    for (let step = 0; step < phases.length; step++) {
      const phase = phases[(round + step) % phases.length];
      if (phase === 'parse') {
        const samples = timeParse(files);
        if (measured) rounds.parse.push(samples);
      } else if (phase === 'analysis' || phase === 'engine') {
        const samples = await timeAnalysis(files, phase === 'analysis' ? CHECKS : []);
        if (measured) rounds[phase].push(samples);
      } else {
        const { index, discovery } = timeIndexAndDiscovery(files);
        if (measured) {
          rounds.index.push(index);
          discoveryRounds.push(discovery);
        }
      }
    }
  }
  return {
    rounds: options.rounds,
    parse: summarize(medianRound(rounds.parse)),
    indexWalk: summarize(medianRound(rounds.index)),
    discovery: summarize(medianRound(discoveryRounds)),
    engineWithoutChecks: summarize(medianRound(rounds.engine)),
    analysis: summarize(medianRound(rounds.analysis)),
    fastest: { parseMs: fastestRoundsTotal(rounds.parse), engineWithoutChecksMs: fastestRoundsTotal(rounds.engine), analysisMs: fastestRoundsTotal(rounds.analysis) },
    endpoints,
    findings,
  };
}

/**
 * Where the checks' time goes: each registered check run alone, against
 * `analyzeFiles` with no checks timed in the same round, so the difference
 * is the check's own cost. Totals only; a check is cheap next to the parse,
 * so per-file percentiles of a difference would be noise.
 */
export async function measureCheckCosts(files: readonly CorpusFile[], options: AnalysisBenchOptions): Promise<CheckCost[]> {
  await prepareEngine();
  const added = new Map<string, number[]>(CHECKS.map((check) => [check.id, []]));
  const withoutRounds: number[][] = [];
  const withRounds = new Map<string, number[][]>(CHECKS.map((check) => [check.id, []]));
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    const without = await timeAnalysis(files, []);
    if (round >= options.warmupRounds) withoutRounds.push(without);
    for (const check of CHECKS) {
      const withCheck = await timeAnalysis(files, [check]);
      if (round < options.warmupRounds) continue;
      added.get(check.id)!.push(sum(withCheck) - sum(without));
      withRounds.get(check.id)!.push(withCheck);
    }
  }
  const fastestWithout = fastestRoundsTotal(withoutRounds);
  return CHECKS.map((check) => ({
    id: check.id,
    addedTotalMs: median(added.get(check.id)!),
    addedFastestMs: fastestRoundsTotal(withRounds.get(check.id)!) - fastestWithout,
  }));
}
