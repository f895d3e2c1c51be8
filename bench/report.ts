/** The bench's human table and its machine-readable line. */
import type { AnalysisBenchResult, CheckCost } from './analysis-bench.js';
import type { CorpusFile } from './corpus/generate.js';
import type { TimingSummary } from './stats.js';
import type { AckBenchResult } from './webhook-ack-bench.js';

/** The budget the engine is designed to: analysis at most twice the bare parse. */
export const ANALYSIS_RATIO_TARGET = 2;

export interface CorpusFacts {
  seed: number;
  files: number;
  lines: number;
  bytes: number;
  byFramework: Record<string, number>;
  javascriptFiles: number;
  linesP50: number;
  linesMax: number;
}

export type AckSection =
  | { status: 'measured'; floor: AckBenchResult; app: AckBenchResult }
  | { status: 'skipped'; reason: string; floor: AckBenchResult };

export interface BenchReport {
  machine: { node: string; platform: string; cpus: number; cpuModel: string; engine: 'dist' | 'source' };
  corpus: CorpusFacts;
  warmupRounds: number;
  /** Sections left out by `--only` are undefined. */
  analysis: AnalysisBenchResult | undefined;
  checkCosts: CheckCost[] | undefined;
  checkCostRounds: { warmup: number; measured: number };
  ack: AckSection | undefined;
  peakRssMb: number;
  durationS: number;
}

export function describeCorpus(files: readonly CorpusFile[], seed: number): CorpusFacts {
  const byFramework: Record<string, number> = {};
  for (const file of files) byFramework[file.framework] = (byFramework[file.framework] ?? 0) + 1;
  const lines = files.map((file) => file.lines).sort((a, b) => a - b);
  return {
    seed,
    files: files.length,
    lines: lines.reduce((total, n) => total + n, 0),
    bytes: files.reduce((total, file) => total + Buffer.byteLength(file.text), 0),
    byFramework,
    javascriptFiles: files.filter((file) => /\.[cm]?jsx?$/.test(file.path)).length,
    linesP50: lines[Math.floor((lines.length - 1) / 2)] ?? 0,
    linesMax: lines[lines.length - 1] ?? 0,
  };
}

const ms = (value: number, digits = 3) => `${value.toFixed(digits)} ms`;
const ratio = (value: number) => `${value.toFixed(2)}x`;

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
}

export function analysisRatios(analysis: AnalysisBenchResult) {
  const of = (phase: TimingSummary) => ({
    total: phase.totalMs / analysis.parse.totalMs,
    p50: phase.p50Ms / analysis.parse.p50Ms,
  });
  return {
    indexWalk: of(analysis.indexWalk),
    discovery: of(analysis.discovery),
    engineWithoutChecks: of(analysis.engineWithoutChecks),
    analysis: of(analysis.analysis),
  };
}

export function formatTable(report: BenchReport): string {
  const { corpus, analysis, ack } = report;
  const out: string[] = [];
  out.push(`api-security-review bench: node ${report.machine.node}, ${report.machine.platform}, ${report.machine.cpus} CPUs (${report.machine.cpuModel})`);
  out.push(
    report.machine.engine === 'dist'
      ? 'engine timed: the compiled JavaScript in dist/ (what npm start runs; npm run bench builds it first)'
      : 'engine timed: the TypeScript sources through tsx (BENCH_ENGINE=source; esbuild keepNames makes them slower than what ships)',
  );
  const frameworks = Object.entries(corpus.byFramework).map(([name, count]) => `${count} ${name}`).join(', ');
  out.push(
    `corpus: ${corpus.files} files (${frameworks}; ${corpus.javascriptFiles} JavaScript), ${corpus.lines} lines, ` +
      `${(corpus.bytes / 1024).toFixed(0)} KiB, lines/file p50 ${corpus.linesP50} max ${corpus.linesMax}, seed ${corpus.seed}`,
  );
  if (analysis !== undefined) out.push(...formatAnalysis(report, analysis));
  if (analysis !== undefined && report.checkCosts !== undefined) out.push(...formatCheckCosts(report, analysis, report.checkCosts));
  if (ack !== undefined) out.push(...formatAck(ack));
  out.push(`peak RSS ${report.peakRssMb.toFixed(0)} MB, bench ran ${report.durationS.toFixed(1)} s`);
  return out.join('\n');
}

function formatAnalysis(report: BenchReport, analysis: AnalysisBenchResult): string[] {
  const out: string[] = [];
  const endpoints = Object.entries(analysis.endpoints).map(([name, count]) => `${count} ${name}`).join(', ');
  out.push(`engine output on the corpus: ${endpoints} endpoints, ${analysis.findings} findings`);
  out.push(`timing: ${report.warmupRounds} warm-up + ${analysis.rounds} measured rounds per phase, phases alternating; the median round is shown`);
  out.push('');

  const ratios = analysisRatios(analysis);
  const widths = [44, 11, 11, 11, 12, 10];
  out.push(row(['per file', 'p50', 'p99', 'total', 'total/parse', 'p50/parse'], widths));
  out.push(row(['parse: ts.createSourceFile (baseline)', ms(analysis.parse.p50Ms), ms(analysis.parse.p99Ms), ms(analysis.parse.totalMs, 1), ratio(1), ratio(1)], widths));
  for (const [label, phase, r] of [
    ['  SourceIndex walk alone', analysis.indexWalk, ratios.indexWalk],
    ['  endpoint discovery alone', analysis.discovery, ratios.discovery],
    ['engine, no checks (analyzeFiles, checks: [])', analysis.engineWithoutChecks, ratios.engineWithoutChecks],
    ['analysis: analyzeFiles (parse + all checks)', analysis.analysis, ratios.analysis],
  ] as const) {
    out.push(row([label, ms(phase.p50Ms), ms(phase.p99Ms), ms(phase.totalMs, 1), ratio(r.total), ratio(r.p50)], widths));
  }
  const verdict = ratios.analysis.total <= ANALYSIS_RATIO_TARGET ? 'within' : 'OVER';
  out.push(`analysis/parse ratio ${ratio(ratios.analysis.total)} (target <= ${ANALYSIS_RATIO_TARGET}x: ${verdict}; timing never fails the bench)`);
  const { fastest } = analysis;
  out.push(
    `each file's fastest round, summed (filters other tenants' bursts, leaves out most GC): parse ${ms(fastest.parseMs, 1)}, ` +
      `engine without checks ${ratio(fastest.engineWithoutChecksMs / fastest.parseMs)}, analysis ${ratio(fastest.analysisMs / fastest.parseMs)} of the parse`,
  );
  out.push('');
  return out;
}

function formatCheckCosts(report: BenchReport, analysis: AnalysisBenchResult, checkCosts: readonly CheckCost[]): string[] {
  const out: string[] = [];
  out.push(
    `each check alone, added to the corpus total over "engine, no checks" ` +
      `(${report.checkCostRounds.warmup} warm-up + ${report.checkCostRounds.measured} paired rounds, median):`,
  );
  const checkWidths = [44, 11, 12, 14, 16];
  out.push(row(['check', 'total', 'total/parse', 'fastest', 'fastest/parse'], checkWidths));
  for (const cost of checkCosts) {
    out.push(
      row(
        [`  ${cost.id}`, ms(cost.addedTotalMs, 1), ratio(cost.addedTotalMs / analysis.parse.totalMs), ms(cost.addedFastestMs, 1), ratio(cost.addedFastestMs / analysis.fastest.parseMs)],
        checkWidths,
      ),
    );
  }
  out.push('');
  return out;
}

function formatAck(ack: AckSection): string[] {
  const out: string[] = [];
  const ackWidths = [44, 11, 11, 11, 8];
  out.push(`webhook acknowledgement: ${ack.floor.requests} signed pull_request.opened deliveries over HTTP, one at a time, request start to response end`);
  out.push(row(['app', 'p50', 'p99', 'max', 'jobs'], ackWidths));
  const ackRow = (label: string, result: AckBenchResult) =>
    row([label, ms(result.p50Ms), ms(result.p99Ms), ms(result.maxMs), String(result.jobsEnqueued)], ackWidths);
  out.push(ackRow('probot floor (handler only enqueues)', ack.floor));
  if (ack.status === 'measured') out.push(ackRow('api-security-review createApp', ack.app));
  else out.push(row(['api-security-review createApp', `skipped: ${ack.reason}`], [44, 0]));
  out.push('');
  return out;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

function timing(summary: TimingSummary) {
  return { p50Ms: round3(summary.p50Ms), p99Ms: round3(summary.p99Ms), totalMs: round3(summary.totalMs) };
}

function ackJson(result: AckBenchResult) {
  return { ...timing(result), maxMs: round3(result.maxMs), requests: result.requests, jobsEnqueued: result.jobsEnqueued };
}

/** One line, prefixed `BENCH_JSON `, with every figure of the table. */
export function formatJsonLine(report: BenchReport): string {
  const { analysis, ack } = report;
  const json = {
    version: 1,
    machine: report.machine,
    corpus: report.corpus,
    rounds: analysis === undefined ? undefined : { warmup: report.warmupRounds, measured: analysis.rounds },
    analysis: analysis === undefined ? undefined : analysisJson(analysis, report),
    webhookAck:
      ack === undefined
        ? undefined
        : ack.status === 'measured'
          ? { status: 'measured', floor: ackJson(ack.floor), app: ackJson(ack.app) }
          : { status: 'skipped', reason: ack.reason, floor: ackJson(ack.floor) },
    peakRssMb: Math.round(report.peakRssMb),
    durationS: round3(report.durationS),
  };
  return `BENCH_JSON ${JSON.stringify(json)}`;
}

function analysisJson(analysis: AnalysisBenchResult, report: BenchReport) {
  const ratios = analysisRatios(analysis);
  return {
    parse: timing(analysis.parse),
    indexWalk: timing(analysis.indexWalk),
    discovery: timing(analysis.discovery),
    engineWithoutChecks: timing(analysis.engineWithoutChecks),
    analysis: timing(analysis.analysis),
    ratios: {
      analysisToParseTotal: round3(ratios.analysis.total),
      analysisToParseP50: round3(ratios.analysis.p50),
      indexWalkToParseTotal: round3(ratios.indexWalk.total),
      discoveryToParseTotal: round3(ratios.discovery.total),
      engineWithoutChecksToParseTotal: round3(ratios.engineWithoutChecks.total),
      analysisToParseFastest: round3(analysis.fastest.analysisMs / analysis.fastest.parseMs),
      engineWithoutChecksToParseFastest: round3(analysis.fastest.engineWithoutChecksMs / analysis.fastest.parseMs),
    },
    checks:
      report.checkCosts === undefined
        ? undefined
        : {
            rounds: report.checkCostRounds,
            addedTotalMs: Object.fromEntries(report.checkCosts.map((cost) => [cost.id, round3(cost.addedTotalMs)])),
            addedFastestMs: Object.fromEntries(report.checkCosts.map((cost) => [cost.id, round3(cost.addedFastestMs)])),
          },
    target: ANALYSIS_RATIO_TARGET,
    withinTarget: ratios.analysis.total <= ANALYSIS_RATIO_TARGET,
    endpoints: analysis.endpoints,
    findings: analysis.findings,
  };
}
