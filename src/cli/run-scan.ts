/**
 * `scan`: config, file selection (all files, or the changes since --base),
 * reading, the engine, output, exit code. Everything the app does for a
 * pull request, with the disk and git in place of the GitHub API.
 */
import { realpath } from 'node:fs/promises';
import { severityAtLeast, type AnalysisResult, type SkippedFile } from '../../checks/model.js';
import type { Config } from '../config/schema.js';
import { analyzeFiles, type SourceInput } from '../review/analyze-files.js';
import { createPathFilter } from '../review/select-files.js';
import { listChangedFiles } from './base-diff.js';
import { collectFiles, resolveTargets, type ScanTarget } from './collect-files.js';
import { createDiskContextReader } from './disk-context-reader.js';
import { formatConfigError } from './format-config-issues.js';
import { formatJson } from './format-json.js';
import { formatMarkdown } from './format-markdown.js';
import { formatSarif } from './format-sarif.js';
import { formatText } from './format-text.js';
import { findWorkTree } from './git.js';
import { EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile } from './load-config-file.js';
import type { ScanOptions } from './parse-args.js';
import { compareCodeUnits, createOutputPathMapper } from './project-paths.js';
import { createProgress } from './progress.js';
import { relativizeResult } from './relative-result.js';
import { readSource, type FileToRead } from './read-sources.js';

/** Files read and analysed together: bounds memory and paces the progress line. */
const BATCH_SIZE = 16;

export async function runScan(options: ScanOptions, io: CliIo): Promise<number> {
  const usageError = (message: string): number => {
    io.stderr.write(`error: ${message}\n`);
    return EXIT_USAGE;
  };

  let cwd: string;
  try {
    cwd = await realpath(io.cwd);
  } catch {
    return usageError(`the working directory ${io.cwd} does not exist`);
  }

  const loaded = await loadConfigFile(cwd, options.configFile);
  if (!loaded.ok) {
    io.stderr.write(formatConfigError(loaded.source, loaded.message, loaded.issues));
    return EXIT_USAGE;
  }
  const config = loaded.config;
  const failOn = options.failOn ?? config.fail_on;

  const workTree = await findWorkTree(cwd, io.env);
  if (workTree.kind === 'error') return usageError(`git cannot read this repository: ${workTree.message}`);
  if (options.base !== undefined && workTree.kind !== 'repository') return usageError(`--base needs a git repository: ${workTree.reason}`);
  const root = workTree.kind === 'repository' ? workTree.root : cwd;

  const resolved = await resolveTargets(options.paths, cwd, root);
  if (!resolved.ok) return usageError(resolved.message);

  const selected = await selectFiles(resolved.targets, options, config, root, workTree.kind === 'repository', io.env);
  if (!selected.ok) return usageError(selected.message);

  const { inputsCount, result } = await analyzeSelected(selected.files, config, root, io);
  result.skipped = [...selected.skipped, ...result.skipped].sort((a, b) => compareCodeUnits(a.file, b.file));
  const output = relativizeResult(result, createOutputPathMapper(root, cwd));

  for (const error of output.errors) if (options.format !== 'text') io.stderr.write(`warning: analysis error in ${error.file}: ${error.message}\n`);
  if (options.format === 'json') io.stdout.write(formatJson(output));
  else if (options.format === 'sarif') {
    // Code scanning resolves paths against the checkout's root, so SARIF keeps the engine's repository paths.
    const sarif = await formatSarif(result, config);
    if (sarif.notice !== undefined) io.stderr.write(`warning: ${sarif.notice}\n`);
    io.stdout.write(sarif.text);
  } else if (options.format === 'markdown') io.stdout.write(await formatMarkdown({ result: output, failOn, maxComments: config.max_comments, reviewedFiles: inputsCount, root, inGit: workTree.kind === 'repository', env: io.env }));
  else io.stdout.write(formatText({ result: output, failOn, filesScanned: inputsCount, color: useColor(io) }));

  return output.findings.some((finding) => severityAtLeast(finding.severity, failOn)) ? EXIT_FINDINGS : EXIT_CLEAN;
}

type Selection = { ok: true; files: FileToRead[]; skipped: SkippedFile[] } | { ok: false; message: string };

async function selectFiles(
  targets: ScanTarget[],
  options: ScanOptions,
  config: Config,
  root: string,
  inGit: boolean,
  env: CliIo['env'],
): Promise<Selection> {
  const filter = createPathFilter(config);
  if (options.base !== undefined) {
    const changed = await listChangedFiles(root, options.base, targets.map((target) => target.projectPath), env);
    if (!changed.ok) return changed;
    // Like the app: changed files outside the filters are simply not part of the review.
    return { ok: true, files: changed.files.filter((file) => filter(file.path)), skipped: [] };
  }
  const collected = await collectFiles(targets, { root, useGit: inGit, filter, env });
  if (!collected.ok) return collected;
  return { ok: true, files: collected.collected.files.map((path) => ({ path })), skipped: collected.collected.skipped };
}

async function analyzeSelected(files: readonly FileToRead[], config: Config, root: string, io: CliIo): Promise<{ inputsCount: number; result: AnalysisResult }> {
  const result: AnalysisResult = { endpoints: [], findings: [], suppressed: [], skipped: [], errors: [] };
  const context = createDiskContextReader(root);
  const progress = createProgress(io.stderr, files.length);
  let inputsCount = 0;
  try {
    for (let start = 0; start < files.length; start += BATCH_SIZE) {
      const batch = files.slice(start, start + BATCH_SIZE);
      const inputs: SourceInput[] = [];
      for (const read of await Promise.all(batch.map((file) => readSource(root, file)))) {
        if (read.ok) inputs.push(read.input);
        else result.skipped.push(read.skipped);
      }
      inputsCount += inputs.length;
      // The engine analyses each file on its own, so batches give the same result as one call.
      const partial = await analyzeFiles(inputs, { config, context });
      result.endpoints.push(...partial.endpoints);
      result.findings.push(...partial.findings);
      result.suppressed.push(...partial.suppressed);
      result.skipped.push(...partial.skipped);
      result.errors.push(...partial.errors);
      progress.update(start + batch.length);
    }
  } finally {
    progress.clear();
  }
  return { inputsCount, result };
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
function useColor(io: CliIo): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}
