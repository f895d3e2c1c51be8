/**
 * The analysis engine over a set of files: parse each once, index it in one
 * walk, discover endpoints, keep the changed ones, run every check, then
 * apply configuration, suppressions and fingerprints. Pure apart from the
 * context reader: the app and the CLI call the same function.
 */
import { CHECKS } from '../../checks/index.js';
import type { Check } from '../../checks/create-check.js';
import { discoverEndpoints } from '../../checks/frameworks/index.js';
import type { Endpoint } from '../../checks/frameworks/endpoint.js';
import { parseTypeScript, scriptKindFor } from '../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../checks/lang/ts/source-index.js';
import type { AnalysisResult, EndpointReport } from '../../checks/model.js';
import { ProjectContext, type ContextFileReader } from '../../checks/project-context.js';
import { runChecks, type RawFinding } from '../../checks/run-checks.js';
import { nextMiddlewareCandidates } from '../../checks/frameworks/nextjs-middleware.js';
import { attachImportedControls } from '../../checks/frameworks/attach-imported-controls.js';
import { attachExpressMounts } from '../../checks/frameworks/express-mounts.js';
import { attachFastifyDecorators } from '../../checks/frameworks/fastify-decorators.js';
import { attachNestGlobalGuards } from '../../checks/frameworks/nestjs-global-guards.js';
import { attachTrpcProcedures } from '../../checks/frameworks/trpc-imported-procedures.js';
import { loadFastifyEntryFiles } from '../../checks/rate-limiting/load-entry-files.js';
import type { Config } from '../config/schema.js';
import { formatDuration, type AnalysisBudget } from './review-budget.js';
import { endpointReport, finaliseFileFindings, SUPPRESSION_RULE_ID } from './finalise-findings.js';
import { isPythonPath } from '../../checks/lang/py/parse.js';
import { PY_CHECKS } from '../../checks/python/index.js';
import type { PyCheck } from '../../checks/python/create-py-check.js';
import { analyzePythonFiles } from './analyze-python-files.js';
import type { AnalysisPool } from './analysis-pool.js';
import { analysisCacheKey, observingReader, type AnalysisCache } from './analysis-cache.js';
import { MAX_CONTEXT_FILES } from '../../checks/project-context.js';

export interface SourceInput {
  path: string;
  text: string;
  /**
   * Lines of the head version that the change touched (added, or next to a
   * deletion). Undefined means the whole file counts as changed.
   */
  changedLines?: ReadonlySet<number>;
}

export interface AnalyzeOptions {
  config: Config;
  /** Reads other files of the project at the same revision (middleware.ts, wrappers). */
  context?: ContextFileReader;
  /** The checks to run; the registry by default. */
  checks?: readonly Check[];
  /** Time limits (the app's review budget); files over them are reported skipped. None for the CLI. */
  budget?: AnalysisBudget;
  /** Worker threads to analyse in (the app); the calling thread when absent (the CLI, the Action). */
  pool?: AnalysisPool;
  /** Results of earlier analyses by blob sha (the app); nothing is reused when absent. */
  cache?: AnalysisCache;
  /** The Python checks to run; the Python registry by default. */
  pythonChecks?: readonly PyCheck[];
}

interface ParsedFile {
  input: SourceInput;
  index: SourceIndex;
  endpoints: Endpoint[];
  /** Milliseconds spent parsing and discovering, counted against the per-file budget. */
  spentMs: number;
}

export { SUPPRESSION_RULE_ID };

export async function analyzeFiles(inputs: readonly SourceInput[], options: AnalyzeOptions): Promise<AnalysisResult> {
  // Custom checks and clocks are functions (tests): they cannot cross to a worker, nor be part of a cache key.
  const custom = options.checks !== undefined || options.pythonChecks !== undefined || options.budget?.now !== undefined;
  if ((options.pool === undefined && options.cache === undefined) || custom) return analyzeTogether(inputs, options);
  return analyzeEachFile(inputs, options);
}

/**
 * The app's path: each file analysed on its own (in a worker when there is
 * a pool, from the cache when it has the file), so that one file's result
 * depends on nothing but its own inputs and can be reused. The files share
 * the review's context limit through one reader; findings that two files
 * report (an imported middleware's) are kept once, as `analyzeTogether` does.
 */
async function analyzeEachFile(inputs: readonly SourceInput[], options: AnalyzeOptions): Promise<AnalysisResult> {
  const context = options.context === undefined ? undefined : limitContextFiles(options.context, MAX_CONTEXT_FILES);
  const budget = options.budget === undefined ? undefined : { deadline: options.budget.deadline, perFileMs: options.budget.perFileMs };
  const perFile = await Promise.all(
    inputs.map(async (given): Promise<AnalysisResult> => {
      if (budget !== undefined && Date.now() > budget.deadline) return skippedFile(given.path, outOfTimeReason());
      const input = withoutWholeFileChange(given);
      const key = options.cache === undefined ? undefined : analysisCacheKey({ ...input, config: options.config, context });
      const cached = key === undefined ? undefined : await options.cache!.lookup(key, context);
      if (cached !== undefined) return cached;
      const observing = context === undefined ? undefined : observingReader(context);
      const settings = { config: options.config, budget };
      const result =
        options.pool === undefined
          ? await analyzeTogether([input], { ...settings, context: observing?.reader })
          : await options.pool.analyze(input, settings, observing?.reader);
      const observations = observing === undefined ? [] : observing.observations();
      // Skipped files and check errors may be the budget's or a moment's doing: never reused.
      if (key !== undefined && observations !== undefined && result.skipped.length === 0 && result.errors.length === 0) {
        options.cache!.store(key, result, observations);
      }
      return result;
    }),
  );
  const result: AnalysisResult = { endpoints: [], findings: [], suppressed: [], skipped: [], errors: [] };
  const seen = new Set<string>();
  for (const file of perFile) {
    result.endpoints.push(...file.endpoints);
    result.findings.push(...file.findings.filter((finding) => !seen.has(finding.fingerprint) && seen.add(finding.fingerprint) !== undefined));
    result.suppressed.push(...file.suppressed);
    result.skipped.push(...file.skipped);
    result.errors.push(...file.errors);
  }
  return result;
}

/**
 * An added file has every line changed, which selects the same endpoints as
 * no changed lines at all: said the second way, its review and the posture
 * diff's whole-file analysis share one cache entry, and it is analysed once.
 */
function withoutWholeFileChange(input: SourceInput): SourceInput {
  const changed = input.changedLines;
  if (changed === undefined) return input;
  let lines = 1;
  for (let at = input.text.indexOf('\n'); at >= 0; at = input.text.indexOf('\n', at + 1)) lines++;
  // A trailing newline ends the last line rather than starting one.
  if (input.text.endsWith('\n')) lines--;
  if (changed.size < lines) return input;
  for (let line = 1; line <= lines; line++) if (!changed.has(line)) return input;
  return { path: input.path, text: input.text };
}

/** At most `limit` distinct context files read for all the files of one review, as one `ProjectContext` allows. */
function limitContextFiles(reader: ContextFileReader, limit: number): ContextFileReader {
  const paths = new Set<string>();
  const limited: ContextFileReader = {
    read(path) {
      if (!paths.has(path) && paths.size >= limit) {
        return Promise.reject(new Error(`more than ${limit} context files needed; not fetched`));
      }
      paths.add(path);
      return reader.read(path);
    },
  };
  if (reader.exists !== undefined) limited.exists = reader.exists.bind(reader);
  return limited;
}

function skippedFile(path: string, reason: string): AnalysisResult {
  return { endpoints: [], findings: [], suppressed: [], skipped: [{ file: path, reason }], errors: [] };
}

/** Every file in one pass sharing one project context: the CLI's and the Action's path, and each worker job's. */
async function analyzeTogether(inputs: readonly SourceInput[], options: AnalyzeOptions): Promise<AnalysisResult> {
  const result: AnalysisResult = { endpoints: [], findings: [], suppressed: [], skipped: [], errors: [] };
  const project = new ProjectContext(options.context);
  const parsed: ParsedFile[] = [];
  const pythonInputs: SourceInput[] = [];
  const clock = options.budget?.now ?? Date.now;
  const budgetSpent = (): boolean => options.budget !== undefined && clock() > options.budget.deadline;

  for (const input of inputs) {
    if (budgetSpent()) {
      result.skipped.push({ file: input.path, reason: outOfTimeReason() });
      continue;
    }
    const fileStarted = clock();
    // Python has its own parser and discovery, then joins the same check loop and finalisation.
    if (isPythonPath(input.path)) {
      pythonInputs.push(input);
      continue;
    }
    if (scriptKindFor(input.path) === undefined) {
      result.skipped.push({ file: input.path, reason: 'not a supported source file (TypeScript/JavaScript or Python)' });
      continue;
    }
    let parsedFile: ReturnType<typeof parseTypeScript>;
    try {
      parsedFile = parseTypeScript(input.path, input.text);
    } catch (error) {
      // The TypeScript parser recurses: thousands of nested brackets exhaust the stack.
      if (!(error instanceof RangeError)) throw error;
      result.skipped.push({ file: input.path, reason: 'nested too deeply to parse (the parser ran out of stack)' });
      continue;
    }
    const { sourceFile, syntaxProblems } = parsedFile;
    if (syntaxProblems.length > 0) {
      const first = syntaxProblems[0];
      result.skipped.push({ file: input.path, reason: `syntax error at line ${first.line}: ${first.message}` });
      continue;
    }
    const index = new SourceIndex(input.path, sourceFile);
    const endpoints = discoverEndpoints(index).filter((endpoint) => isChanged(endpoint, input.changedLines));
    const spentMs = clock() - fileStarted;
    if (options.budget !== undefined && spentMs > options.budget.perFileMs) {
      result.skipped.push({ file: input.path, reason: overFileBudgetReason(options.budget.perFileMs, 'parsing it') });
      continue;
    }
    if (endpoints.length === 0) continue;
    parsed.push({ input, index, endpoints, spentMs });
    if (endpoints.some((endpoint) => endpoint.framework === 'nextjs-app-router')) {
      for (const candidate of nextMiddlewareCandidates(input.path)) void project.load(candidate);
    }
  }

  const endpoints = parsed.flatMap((file) => file.endpoints);
  // Order matters: Nest may mark controllers as mounted elsewhere after the Express step,
  // and tRPC procedures must be resolved before imported controls are.
  await attachExpressMounts(endpoints, project);
  await attachNestGlobalGuards(endpoints, project);
  await attachFastifyDecorators(endpoints, project);
  await attachTrpcProcedures(endpoints, project);
  await loadFastifyEntryFiles(endpoints, project);
  await attachImportedControls(endpoints, project);
  await project.prepare();
  const checks = options.checks ?? CHECKS;
  // Lines and suppressions per file, for the reviewed files and the context files findings may point into.
  const indexes = new Map<string, SourceIndex>(parsed.map((file) => [file.index.path, file.index]));
  const linesFor = (path: string): readonly string[] => {
    const index = indexes.get(path) ?? contextIndex(project, path);
    return index === undefined ? [] : index.allLines();
  };
  for (const file of parsed) {
    if (budgetSpent()) {
      result.skipped.push({ file: file.input.path, reason: outOfTimeReason() });
      continue;
    }
    analyzeParsedFile(file, checks, options.config, project, result, linesFor, options.budget === undefined ? undefined : { perFileMs: options.budget.perFileMs, clock });
  }
  if (pythonInputs.length > 0) {
    await analyzePythonFiles(pythonInputs, { config: options.config, context: options.context, checks: options.pythonChecks ?? PY_CHECKS, budgetSpent }, project, result);
  }
  // Two route files using one imported middleware report its finding once.
  const seen = new Set<string>();
  result.findings = result.findings.filter((finding) => !seen.has(finding.fingerprint) && seen.add(finding.fingerprint) !== undefined);
  return result;
}

function contextIndex(project: ProjectContext, path: string): SourceIndex | undefined {
  const file = project.get(path);
  return file?.status === 'found' ? file.index : undefined;
}

function analyzeParsedFile(
  file: ParsedFile,
  checks: readonly Check[],
  config: Config,
  project: ProjectContext,
  result: AnalysisResult,
  linesFor: (path: string) => readonly string[],
  budget?: { perFileMs: number; clock: () => number },
): void {
  const fileFindings: RawFinding[] = [];
  const reports: EndpointReport[] = [];
  const checksStarted = budget?.clock() ?? 0;
  const fileErrors: AnalysisResult['errors'] = [];
  for (const endpoint of file.endpoints) {
    // Checked between endpoints: a file that is over its budget is reported skipped, never half-checked.
    if (budget !== undefined && file.spentMs + budget.clock() - checksStarted > budget.perFileMs) {
      result.skipped.push({ file: file.input.path, reason: overFileBudgetReason(budget.perFileMs, 'checking its endpoints') });
      return;
    }
    const analysis = runChecks(endpoint, checks, config, project);
    for (const message of analysis.errors) fileErrors.push({ file: endpoint.file, message });
    fileFindings.push(...analysis.findings);
    reports.push(endpointReport(endpoint, analysis));
  }

  result.errors.push(...fileErrors);
  finaliseFileFindings(fileFindings, reports, linesFor, result);
}

function outOfTimeReason(): string {
  return "not analysed: the review's time budget was spent before this file's turn";
}

function overFileBudgetReason(perFileMs: number, step: string): string {
  return `not analysed: ${step} took longer than the ${formatDuration(perFileMs)} a file may take`;
}


/** An endpoint is changed when the change touches its registration, handler, middleware or same-file helpers. */
function isChanged(endpoint: Endpoint, changedLines: ReadonlySet<number> | undefined): boolean {
  if (changedLines === undefined) return true;
  for (const scope of endpoint.scopes) {
    // Skip the trivia before the scope: a blank line above a route is not part of it.
    const first = endpoint.index.lineAt(skipWhitespace(endpoint.index.text, scope.pos));
    const last = endpoint.index.lineAt(scope.end);
    for (let line = first; line <= last; line++) if (changedLines.has(line)) return true;
  }
  return false;
}

function skipWhitespace(text: string, pos: number): number {
  const nonSpace = /\S/g;
  nonSpace.lastIndex = pos;
  return nonSpace.exec(text)?.index ?? pos;
}
