import { ts } from 'ts-morph';

export { ts };

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};

export const TS_EXTENSIONS = Object.keys(SCRIPT_KINDS);

export function scriptKindFor(path: string): ts.ScriptKind | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return undefined;
  // `.d.ts` declares types only: there is no handler code in it.
  if (path.endsWith('.d.ts')) return undefined;
  return SCRIPT_KINDS[path.slice(dot).toLowerCase()];
}

export interface SyntaxProblem {
  line: number;
  message: string;
}

/**
 * Parses with the TypeScript compiler directly (ts-morph's bundled copy): the
 * bare parse is the floor the engine's speed is measured against, and the
 * analysis walks these raw nodes rather than ts-morph's wrappers. The tree has
 * no parent pointers until a SourceIndex is built over it.
 */
export function parseTypeScript(path: string, text: string): { sourceFile: ts.SourceFile; syntaxProblems: SyntaxProblem[] } {
  const kind = scriptKindFor(path) ?? ts.ScriptKind.TS;
  // Parent pointers are set by SourceIndex's walk, which visits every node anyway.
  const sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  // parseDiagnostics is internal API but stable for a decade; it is the only
  // way to learn about syntax errors without creating a Program.
  const diagnostics = (sourceFile as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  const syntaxProblems = diagnostics.map((d) => ({
    line: sourceFile.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
  return { sourceFile, syntaxProblems };
}
