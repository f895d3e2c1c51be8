/**
 * The engine the analysis and Python sections time: by default the compiled
 * JavaScript in dist/ (what `npm start`, the worker and the CLI run, built by
 * `npm run build`, which `npm run bench` runs first), not the TypeScript
 * sources through tsx. tsx compiles with esbuild's keepNames, which gives
 * every named closure a defineProperty('name') call when it is made: a cost
 * the shipped code does not have, which made the sources measure some 5-10%
 * slower than what runs and sent speed work after closures that cost nothing
 * in production.
 *
 * `BENCH_ENGINE=source` times the sources instead (no build needed, for a
 * quick look while editing). Types come from the sources either way; dist/
 * is refused when any source file is newer than its compiled output.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type AnalyzeFilesModule = typeof import('../src/review/analyze-files.js');
type ChecksModule = typeof import('../checks/index.js');
type FrameworksModule = typeof import('../checks/frameworks/index.js');
type TsParseModule = typeof import('../checks/lang/ts/parse.js');
type SourceIndexModule = typeof import('../checks/lang/ts/source-index.js');
type ConfigModule = typeof import('../src/config/schema.js');
type PyParseModule = typeof import('../checks/lang/py/parse.js');
type PyFrameworksModule = typeof import('../checks/python/frameworks/index.js');

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');
/** The compiled folders `npm run build` writes (tsconfig.build.json: src and checks). */
const COMPILED_FOLDERS = ['src', 'checks'];

export type EngineBuild = 'dist' | 'source';

export const ENGINE_BUILD: EngineBuild = process.env.BENCH_ENGINE === 'source' ? 'source' : 'dist';

/** The first source file whose compiled output is missing or older, if any. */
function staleSource(folder: string): string | undefined {
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      const stale = staleSource(path);
      if (stale !== undefined) return stale;
      continue;
    }
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts') || entry.name.endsWith('.d.ts')) continue;
    const compiled = join(DIST, path.replace(/\.ts$/, '.js'));
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(ROOT, path)).mtimeMs) return path;
  }
  return undefined;
}

async function load<T>(path: string): Promise<T> {
  if (ENGINE_BUILD === 'source') return (await import(new URL(`../${path}.ts`, import.meta.url).href)) as T;
  return (await import(new URL(`../dist/${path}.js`, import.meta.url).href)) as T;
}

let prepared: Promise<void> | undefined;

/**
 * Loads the engine once (later calls share the first load) and fills the
 * bindings below. Importing this module loads nothing, so that a script
 * after only the corpus generators needs no build.
 */
export function prepareEngine(): Promise<void> {
  prepared ??= loadEngine();
  return prepared;
}

export let analyzeFiles: AnalyzeFilesModule['analyzeFiles'];
export let CHECKS: ChecksModule['CHECKS'];
export let discoverEndpoints: FrameworksModule['discoverEndpoints'];
export let parseTypeScript: TsParseModule['parseTypeScript'];
export let SourceIndex: SourceIndexModule['SourceIndex'];
export let DEFAULT_CONFIG: ConfigModule['DEFAULT_CONFIG'];
export let loadPythonParser: PyParseModule['loadPythonParser'];
export let parsePythonWith: PyParseModule['parsePythonWith'];
export let discoverPythonEndpoints: PyFrameworksModule['discoverPythonEndpoints'];

async function loadEngine(): Promise<void> {
  if (ENGINE_BUILD === 'dist') {
    for (const folder of COMPILED_FOLDERS) {
      const stale = staleSource(folder);
      if (stale !== undefined) {
        throw new Error(`dist/ is missing or older than ${stale}: run \`npm run build\` (npm run bench does), or set BENCH_ENGINE=source to time the sources through tsx`);
      }
    }
  }
  const [analyzeFilesModule, checksModule, frameworksModule, tsParseModule, sourceIndexModule, configModule, pyParseModule, pyFrameworksModule] = await Promise.all([
    load<AnalyzeFilesModule>('src/review/analyze-files'),
    load<ChecksModule>('checks/index'),
    load<FrameworksModule>('checks/frameworks/index'),
    load<TsParseModule>('checks/lang/ts/parse'),
    load<SourceIndexModule>('checks/lang/ts/source-index'),
    load<ConfigModule>('src/config/schema'),
    load<PyParseModule>('checks/lang/py/parse'),
    load<PyFrameworksModule>('checks/python/frameworks/index'),
  ]);
  ({ analyzeFiles } = analyzeFilesModule);
  ({ CHECKS } = checksModule);
  ({ discoverEndpoints } = frameworksModule);
  ({ parseTypeScript } = tsParseModule);
  ({ SourceIndex } = sourceIndexModule);
  ({ DEFAULT_CONFIG } = configModule);
  ({ loadPythonParser, parsePythonWith } = pyParseModule);
  ({ discoverPythonEndpoints } = pyFrameworksModule);
}
