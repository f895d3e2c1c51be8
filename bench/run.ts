/**
 * `npm run bench`: the analysis engine against the bare TypeScript parse of
 * the same generated corpus, and the webhook acknowledgement time, measured
 * in one run on one machine so that the ratios mean something. Exits
 * non-zero only on errors (a broken corpus, an engine error, a rejected
 * webhook), never because of a timing.
 *
 * `npm run bench -- --only analysis` (or `--only analysis,checks`, `--only ack`, `--only pipeline`, `--only python`)
 * runs only the named sections: the analysis section alone takes well under a
 * minute, the per-check breakdown and the ack section several more.
 */
import { availableParallelism, cpus } from 'node:os';
import type { ApplicationFunction } from 'probot';
import { measureAnalysis, measureCheckCosts } from './analysis-bench.js';
import { ENGINE_BUILD } from './engine.js';
import { DEFAULT_CORPUS_SEED, generateCorpus } from './corpus/generate.js';
import { loadCreateApp } from './load-app.js';
import { describeCorpus, formatJsonLine, formatTable, type AckSection, type BenchReport } from './report.js';
import { measureWebhookAck, RecordingQueue } from './webhook-ack-bench.js';
import { formatPipeline, measurePipeline } from './pipeline-bench.js';
import { DEFAULT_PYTHON_SEED, formatPython, generatePythonCorpus, measurePython } from './python-bench.js';

const WARMUP_ROUNDS = 5;
const MEASURED_ROUNDS = 21;
// The per-check breakdown costs (checks + 1) corpus passes per round: fewer rounds keep the bench short as checks are added.
const CHECK_COST_WARMUP_ROUNDS = 1;
const CHECK_COST_ROUNDS = 5;
const ACK_REQUESTS = 200;
const ACK_WARMUP_REQUESTS = 30;
/** The pipeline section: a 20-file PR, 50 timed reviews, 20 in flight while acknowledgements are timed. */
const PIPELINE = { prFiles: 20, runs: 50, cachedRuns: 10, inFlight: 20, ackSamples: 200 };
/** The Python section: 60 generated route files (FastAPI, DRF, Flask), analysis against tree-sitter's bare parse. */
const PYTHON = { warmupRounds: 3, rounds: 11 };

/** The least an app can do on a delivery: hand a job to the queue. The app's figure is read against it. */
function enqueueOnlyApp(queue: RecordingQueue): ApplicationFunction {
  return (app) => {
    app.on('pull_request.opened', async (context) => {
      const { repository, pull_request: pullRequest, installation } = context.payload;
      queue.enqueue({
        installationId: installation?.id ?? 0,
        owner: repository.owner.login,
        repo: repository.name,
        pullNumber: pullRequest.number,
        headSha: pullRequest.head.sha,
        trigger: 'pull_request.opened',
        deliveryId: context.id,
      });
    });
  };
}

async function measureAck(): Promise<AckSection> {
  const ackOptions = { requests: ACK_REQUESTS, warmupRequests: ACK_WARMUP_REQUESTS };
  const floorQueue = new RecordingQueue();
  const floor = await measureWebhookAck(enqueueOnlyApp(floorQueue), floorQueue, ackOptions);
  const loaded = await loadCreateApp();
  if (loaded.status === 'missing') return { status: 'skipped', reason: loaded.reason, floor };
  const queue = new RecordingQueue();
  const app = await measureWebhookAck(loaded.createApp({ queue }), queue, ackOptions);
  if (app.jobsEnqueued === 0) throw new Error('the app acknowledged every delivery but enqueued no job: the ack path measured is not the review path');
  return { status: 'measured', floor, app };
}

const SECTIONS = ['analysis', 'checks', 'ack', 'pipeline', 'python'] as const;
type Section = (typeof SECTIONS)[number];

/** `--only a,b` (or `--only=a,b`): the sections to run; every section without it. */
function parseSections(argv: readonly string[]): ReadonlySet<Section> {
  const index = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (index < 0) return new Set(SECTIONS);
  const value = argv[index].startsWith('--only=') ? argv[index].slice('--only='.length) : argv[index + 1];
  if (value === undefined || value === '') throw new Error(`--only needs a comma-separated list of: ${SECTIONS.join(', ')}`);
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  return new Set(names as Section[]);
}

async function main(): Promise<void> {
  const started = performance.now();
  const sections = parseSections(process.argv.slice(2));
  const files = generateCorpus({ seed: DEFAULT_CORPUS_SEED });
  // The per-check costs are read against the parse measured by the analysis section.
  const analysis = sections.has('analysis') || sections.has('checks') ? await measureAnalysis(files, { warmupRounds: WARMUP_ROUNDS, rounds: MEASURED_ROUNDS }) : undefined;
  const checkCosts = sections.has('checks') ? await measureCheckCosts(files, { warmupRounds: CHECK_COST_WARMUP_ROUNDS, rounds: CHECK_COST_ROUNDS }) : undefined;
  const ack = sections.has('ack') ? await measureAck() : undefined;
  const pipeline = sections.has('pipeline') ? await measurePipeline(PIPELINE, availableParallelism()) : undefined;
  const python = sections.has('python') ? await measurePython(generatePythonCorpus(DEFAULT_PYTHON_SEED), PYTHON) : undefined;
  const report: BenchReport = {
    machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', engine: ENGINE_BUILD },
    corpus: describeCorpus(files, DEFAULT_CORPUS_SEED),
    warmupRounds: WARMUP_ROUNDS,
    analysis,
    checkCosts,
    checkCostRounds: { warmup: CHECK_COST_WARMUP_ROUNDS, measured: CHECK_COST_ROUNDS },
    ack,
    // maxRSS is in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    durationS: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${formatTable(report)}\n${formatJsonLine(report)}\n`);
  if (pipeline !== undefined) process.stdout.write(`\n${formatPipeline(pipeline)}\n${JSON.stringify({ pipeline })}\n`);
  if (python !== undefined) process.stdout.write(`\n${formatPython(python)}\n${JSON.stringify({ python })}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
