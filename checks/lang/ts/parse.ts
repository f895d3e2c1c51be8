import { ts } from 'ts-morph';

export { ts };

/**
 * TypeScript's functions and SyntaxKind as module bindings, for code that runs per node: `ts`, the
 * compiler bundle's export object, is a dictionary-mode object of some 2,300 getters, so each
 * `ts.isX(node)` or `case ts.SyntaxKind.X` read off it is a getter call (about 20 ns against 5 ns).
 * Import these from here rather than reading them off `ts`; add a name here when a check needs one.
 */
export const {
  SyntaxKind,
  canHaveDecorators,
  canHaveModifiers,
  escapeLeadingUnderscores,
  forEachChild,
  getCombinedNodeFlags,
  getDecorators,
  getModifiers,
  isArrayBindingPattern,
  isArrayLiteralExpression,
  isArrowFunction,
  isAsExpression,
  isAwaitExpression,
  isBinaryExpression,
  isBindingElement,
  isBlock,
  isCallExpression,
  isCaseClause,
  isCatchClause,
  isClassDeclaration,
  isClassLike,
  isComputedPropertyName,
  isConditionalExpression,
  isDecorator,
  isDefaultClause,
  isElementAccessExpression,
  isExportAssignment,
  isExportDeclaration,
  isExpressionStatement,
  isFunctionDeclaration,
  isFunctionExpression,
  isFunctionLike,
  isGetAccessorDeclaration,
  isIdentifier,
  isIfStatement,
  isImportClause,
  isImportSpecifier,
  isJsxElement,
  isJsxExpression,
  isJsxFragment,
  isJsxSelfClosingElement,
  isLiteralExpression,
  isMethodDeclaration,
  isNamedExports,
  isNamespaceImport,
  isNewExpression,
  isNoSubstitutionTemplateLiteral,
  isNonNullExpression,
  isNumericLiteral,
  isObjectBindingPattern,
  isObjectLiteralExpression,
  isOmittedExpression,
  isParameter,
  isParenthesizedExpression,
  isPrefixUnaryExpression,
  isPrivateIdentifier,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isRegularExpressionLiteral,
  isReturnStatement,
  isSatisfiesExpression,
  isShorthandPropertyAssignment,
  isSourceFile,
  isSpreadAssignment,
  isSpreadElement,
  isStatement,
  isStringLiteral,
  isTaggedTemplateExpression,
  isTemplateExpression,
  isTemplateSpan,
  isThrowStatement,
  isTryStatement,
  isTypeAssertionExpression,
  isTypeReferenceNode,
  isVariableDeclaration,
  isVariableStatement,
  isWhileStatement,
} = ts;

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

const PARSE_OPTIONS: ts.CreateSourceFileOptions = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };

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
  // Parent pointers are set by SourceIndex's walk, which visits every node anyway. JSDoc is not
  // parsed: no check reads it (forEachChild never visits it), and on documented code its parse
  // is some 12% of the whole parse.
  const sourceFile = ts.createSourceFile(path, text, PARSE_OPTIONS, false, kind);
  // parseDiagnostics is internal API but stable for a decade; it is the only
  // way to learn about syntax errors without creating a Program.
  const diagnostics = (sourceFile as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  const syntaxProblems = diagnostics.map((d) => ({
    line: sourceFile.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
  return { sourceFile, syntaxProblems };
}
