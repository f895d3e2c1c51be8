// Bundles the GitHub Action (src/action/main.ts) with every dependency into
// action/dist/index.mjs, so that `uses: <owner>/api-security-review@v1` runs
// without an install step. `npm run build:action`; commit the result.
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

// ACTION_OUTDIR builds elsewhere (the freshness test compares such a build with the committed one).
const outdir = process.env.ACTION_OUTDIR ?? 'action/dist';

// The bundle is an ES module; some bundled CommonJS code needs these CommonJS globals.
const banner = [
  "import { createRequire as __asrCreateRequire } from 'node:module';",
  "import { fileURLToPath as __asrFileURLToPath } from 'node:url';",
  "import { dirname as __asrDirname } from 'node:path';",
  'const require = __asrCreateRequire(import.meta.url);',
  'const __filename = __asrFileURLToPath(import.meta.url);',
  'const __dirname = __asrDirname(__filename);',
].join('\n');

await build({
  entryPoints: ['src/action/main.ts'],
  outfile: `${outdir}/index.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'external',
  banner: { js: banner },
  logLevel: 'warning',
});

// The Python parser loads two .wasm files at run time; the bundle finds them next to index.mjs.
const require = createRequire(import.meta.url);
for (const [resolved, name] of [
  ['web-tree-sitter/web-tree-sitter.wasm', 'web-tree-sitter.wasm'],
  ['tree-sitter-python/tree-sitter-python.wasm', 'tree-sitter-python.wasm'],
]) {
  copyFileSync(require.resolve(resolved), `${outdir}/${name}`);
}
