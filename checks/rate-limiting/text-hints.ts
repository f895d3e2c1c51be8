/**
 * Cheap per-file tests that let a check skip a file before it asks the
 * index for nodes: most files never name a limiter, a request id or a 401.
 * The names of a file (identifiers, string and numeric literals) are read
 * once per file; a hint then tests only the distinct names, never the whole
 * text.
 */
import { ts, SyntaxKind, escapeLeadingUnderscores } from '../lang/ts/parse.js';
import { literalAlternatives, type SourceIndex } from '../lang/ts/source-index.js';

/**
 * The names of a file, read without a set of every identifier: the parser
 * already keeps a table of the distinct identifier texts it read
 * (`sourceFile.identifiers`), a superset of the identifiers in the tree (it
 * also holds JSDoc names and quoted property names). A name found only there
 * is confirmed against the tree's identifiers, once per name; literals are
 * few and kept exactly. Building a set of every identifier was the largest
 * cost of these hints (a set insertion per identifier of every file).
 */
interface FileNames {
  /** String literal values and numeric literals of the file. */
  literals: ReadonlySet<string>;
  identifiers: readonly ts.Identifier[];
  /** The parser's table of identifier texts; undefined if a compiler version has none (then `exact` is built). */
  table: ReadonlyMap<string, string> | undefined;
  exact?: ReadonlySet<string>;
  /** Texts of the table confirmed (or not) as an identifier of the tree. */
  confirmed: Map<string, boolean>;
}

function fileNames(index: SourceIndex): FileNames {
  return index.memo('distinctNames', () => {
    const literals = new Set<string>();
    for (const literal of index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral)) literals.add(literal.text);
    for (const literal of index.nodesOfKind<ts.NumericLiteral>(SyntaxKind.NumericLiteral)) literals.add(literal.text);
    const identifiers = index.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier);
    const table = (index.sourceFile as { identifiers?: unknown }).identifiers;
    const names: FileNames = { literals, identifiers, table: table instanceof Map ? table : undefined, confirmed: new Map() };
    if (names.table === undefined) names.exact = new Set(identifiers.map((identifier) => identifier.text));
    return names;
  });
}

/** Whether an identifier of the tree reads `text`. */
function hasIdentifier(names: FileNames, text: string): boolean {
  if (names.exact !== undefined) return names.exact.has(text);
  // Missing identifiers (syntax errors) read '' and are in no table.
  if (text !== '' && !names.table!.has(text)) return false;
  let found = names.confirmed.get(text);
  if (found === undefined) {
    found = false;
    // `text` is a getter that unescapes `escapedText` on every read: compare with the escaped form instead.
    const escaped = escapeLeadingUnderscores(text);
    for (const identifier of names.identifiers) {
      if (identifier.escapedText === escaped) {
        found = true;
        break;
      }
    }
    names.confirmed.set(text, found);
  }
  return found;
}

/** Whether any identifier, string or number of the file matches `pattern` (memoized per file and key). */
export function fileMentions(index: SourceIndex, key: string, pattern: RegExp): boolean {
  // One map of answers per file: asked per endpoint per check, so no key string is built per question.
  const answers = index.memo('mentions', () => new Map<string, boolean>());
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = mentions(fileNames(index), pattern);
    answers.set(key, answer);
  }
  return answer;
}

function mentions(names: FileNames, pattern: RegExp): boolean {
  // A plain list of names (`^(?:take|limit)$`) is looked up, not tested against every name of the file.
  const listed = pattern.flags === '' ? literalAlternatives(pattern.source) : undefined;
  if (listed !== undefined) return listed.some((name) => names.literals.has(name) || hasIdentifier(names, name));
  for (const literal of names.literals) if (pattern.test(literal)) return true;
  if (names.exact !== undefined) {
    for (const name of names.exact) if (pattern.test(name)) return true;
    return false;
  }
  for (const name of names.table!.keys()) if (pattern.test(name) && hasIdentifier(names, name)) return true;
  return pattern.test('') && hasIdentifier(names, '');
}

/** Whether the file has any node of `kind` (a `for` loop, a regex literal). */
export function fileHasKind(index: SourceIndex, kind: ts.SyntaxKind): boolean {
  return index.nodesOfKind(kind).length > 0;
}
