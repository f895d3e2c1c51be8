/**
 * The Python parser: tree-sitter-python's shipped `.wasm` in web-tree-sitter
 * (no native build, nothing downloaded at run time). Initialised once, lazily,
 * and reused: `Parser.init()` compiles the runtime and is async, parsing is
 * synchronous. The tree is copied into plain nodes by PySourceIndex's one walk
 * and deleted at once, so a long-running server never holds wasm memory for a
 * file after it is indexed.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Language, Parser } from 'web-tree-sitter';
import { PySourceIndex } from './source-index.js';
import { useCursorExports } from './cursor-steps.js';

export const PY_EXTENSIONS = ['.py'];

export function isPythonPath(path: string): boolean {
  return path.toLowerCase().endsWith('.py') && !path.toLowerCase().endsWith('.pyi');
}

let parserPromise: Promise<Parser> | undefined;

/**
 * Where a wasm file is: in its package (source checkout, `dist/`, an npm
 * install), else next to this module (the Action bundle, whose build copies
 * both `.wasm` files beside `index.mjs`).
 */
function locateWasm(packagePath: string, fileName: string): string {
  try {
    return createRequire(import.meta.url).resolve(packagePath);
  } catch {
    const beside = fileURLToPath(new URL(`./${fileName}`, import.meta.url));
    if (existsSync(beside)) return beside;
    throw new Error(`${fileName} not found: install ${packagePath.split('/')[0]} or copy it next to the bundle`);
  }
}

async function createParser(): Promise<Parser> {
  const runtimeWasm = locateWasm('web-tree-sitter/web-tree-sitter.wasm', 'web-tree-sitter.wasm');
  // Emscripten builds the module on this object: the index's walk calls the cursor exports on it (cursor-steps.ts).
  const module = { locateFile: () => runtimeWasm };
  await Parser.init(module);
  useCursorExports(module);
  const language = await Language.load(locateWasm('tree-sitter-python/tree-sitter-python.wasm', 'tree-sitter-python.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** The shared parser, created on first use. A failed start is retried on the next call rather than cached. */
export function loadPythonParser(): Promise<Parser> {
  parserPromise ??= createParser().catch((error: unknown) => {
    parserPromise = undefined;
    throw error;
  });
  return parserPromise;
}

/**
 * Parses and indexes a Python file. Tree-sitter recovers from syntax errors:
 * the index lists them (`syntaxErrors`) and the rest of the file is still read.
 */
export async function parsePython(path: string, text: string): Promise<PySourceIndex> {
  const parser = await loadPythonParser();
  return parsePythonWith(parser, path, text);
}

/** Synchronous parse once the parser is loaded (benchmarks, tight loops). */
export function parsePythonWith(parser: Parser, path: string, text: string): PySourceIndex {
  const tree = parser.parse(text);
  if (tree === null) throw new Error(`tree-sitter returned no tree for ${path}`);
  try {
    return new PySourceIndex(path, text, tree);
  } finally {
    tree.delete();
  }
}
