import { ts, SyntaxKind, forEachChild, isAsExpression, isElementAccessExpression, isIdentifier, isNoSubstitutionTemplateLiteral, isNonNullExpression, isParenthesizedExpression, isPropertyAccessExpression, isStringLiteral } from './parse.js';
import { lowerBound, mergeScopes, type Scope } from '../scopes.js';
import { KeySlots } from '../key-slots.js';
import { answerOnce } from '../answer-once.js';

export type { Scope };

/**
 * One walk over the raw compiler nodes of a file, indexing every node by its
 * kind in document order. Discovery and checks then ask for "the calls inside
 * this handler" by binary search instead of walking the tree again: the walk
 * is shared by every check, which is what keeps the analysis near the
 * parser's own speed.
 *
 * The walk is iterative so that deeply nested input cannot overflow the stack.
 *
 * ## How a check reads code (and stays cheap)
 *
 * Every check runs on every endpoint, so a check's cost is paid once per
 * endpoint per review; `npm run bench -- --only analysis,checks` shows each
 * check's share. The rules that keep it small:
 *
 * - Never walk the tree yourself (`ts.forEachChild` over a handler,
 *   ts-morph's `getDescendants`): ask the index. `nodesOfKind(kind, scopes)`
 *   and `calls(scopes)` answer by binary search over the one walk;
 *   `callsNamed(/^(?:json|send)$/, scopes)` tests the pattern once per
 *   distinct callee name of the file, not once per call, and is the cheapest
 *   way to find the few calls a rule cares about.
 * - Pass the endpoint's own `endpoint.scopes` array (not a copy): answers
 *   for several scopes are cached per array identity, so every check asking
 *   about the same endpoint shares them. A one-element `[scopeOf(node)]`
 *   is answered without caching.
 * - Answers are shared and read-only (often the index's own lists, or one
 *   frozen empty list): copy before sorting or pushing.
 * - Per-file facts go through `memo(key, compute)` with a constant key
 *   (`functionsByName`, `variablesByName`, `importSources`,
 *   `importedModules` in queries.ts are built this way). Per-endpoint facts
 *   go in a module-level `KeySlots` (lang/key-slots.ts) keyed by the endpoint
 *   or its scopes array, not a `WeakMap`: a module-level WeakMap keeps every
 *   finished file's tree alive through the young-generation collections.
 * - Before writing a tracer, use the shared ones, each computed once per
 *   endpoint or scopes array for all checks: `traceRequestOrigins(endpoint)`
 *   (frameworks/request-origins.ts: which expressions carry request params,
 *   query, body; `dataLabel` is answered once per node) and
 *   `traceRequestData(endpoint)` (input-validation/request-data.ts: the same
 *   plus headers and cookies); `findRecordQueries(index, scopes)`
 *   (authorization/orm-queries.ts: ORM and SQL reads/writes with their
 *   filters); `rejectionSites(index, scopes)` (logging/rejection-sites.ts:
 *   401/403/404 answers); `fileMentions(index, key, pattern)`
 *   (rate-limiting/text-hints.ts: skip a whole file that never names what a
 *   rule looks for).
 * - A file-wide scan for a fixed name (`toJSON`, `redact`, `multer`): ask
 *   `mayHaveIdentifier(name)` first, one lookup in the parser's own table.
 * - A question about a string asked per call (a callee path, a middleware
 *   name): `answerOnce(compute, limit)` (lang/answer-once.ts), not a
 *   hand-written module-level Map.
 * - Name helpers are memoized per node: `calleePath`, `plainCalleePath`
 *   (queries.ts). Prefer them to `textOf(node)` + a regex in a loop: the
 *   text of a node costs a scan of its leading trivia and a new string.
 * - Lines: `lineOf(node)` and `lineText(n)` for reports only, not in loops.
 * - `SyntaxKind` and `ts.isX` in per-node code: import them from `parse.ts`
 *   (module bindings), not off `ts`, whose every export is a getter.
 */
export class SourceIndex {
  readonly sourceFile: ts.SourceFile;
  readonly path: string;
  readonly text: string;
  /** Nodes by kind (the index is the SyntaxKind), each list in document order. */
  private readonly byKind: (ts.Node[] | undefined)[] = [];
  private readonly memos = new Map<string, unknown>();
  /** By pattern source: the names of the file's calls it matches, and its answer for the whole file once asked. */
  private readonly answersByPattern = new Map<string, PatternAnswer>();
  private callsByName: Map<string, ts.CallExpression[]> | undefined;
  /** The callee's last name of each call of the file, in the order of `calls()`: set with `callsByName`. */
  private callNames: string[] | undefined;
  private lines: string[] | undefined;
  private otherLineEnds = false;
  private lastScopes: readonly Scope[] | undefined;
  private lastAnswers: ScopedAnswers | undefined;

  constructor(path: string, sourceFile: ts.SourceFile) {
    this.path = path;
    this.sourceFile = sourceFile;
    this.text = sourceFile.text;
    this.walk();
  }

  private walk(): void {
    const stack: ts.Node[] = [];
    // The parser is asked not to set parent pointers (a second full pass inside
    // TypeScript); this walk visits every node anyway and sets them on the way.
    let current: ts.Node = this.sourceFile;
    const push = (child: ts.Node) => {
      (child as { parent: ts.Node }).parent = current;
      stack.push(child);
    };
    // A list of children (statements, arguments) comes whole: one call for the list rather than one per element.
    const pushAll = (children: ts.NodeArray<ts.Node>) => {
      for (let at = 0; at < children.length; at++) {
        const child = children[at];
        (child as { parent: ts.Node }).parent = current;
        stack.push(child);
      }
    };
    forEachChild(this.sourceFile, push, pushAll);
    stack.reverse();
    const byKind = this.byKind;
    while (stack.length > 0) {
      const node = stack.pop()!;
      current = node;
      const list = byKind[node.kind];
      if (list === undefined) byKind[node.kind] = [node];
      else list.push(node);
      // Children go on the stack in reverse so that they come off in document order.
      const start = stack.length;
      forEachChild(node, push, pushAll);
      for (let low = start, high = stack.length - 1; low < high; low++, high--) {
        const swap = stack[low];
        stack[low] = stack[high];
        stack[high] = swap;
      }
    }
  }

  /**
   * Computes a per-file fact once (functions by name, imports...): discovery
   * and every check ask for the same ones, and the file does not change.
   */
  memo<T>(key: string, compute: () => T): T {
    const cached = this.memos.get(key);
    if (cached !== undefined || this.memos.has(key)) return cached as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** Every node of `kind` in document order, optionally only those inside `scopes`. */
  nodesOfKind<T extends ts.Node = ts.Node>(kind: ts.SyntaxKind, scopes?: readonly Scope[]): readonly T[] {
    const all = (this.byKind[kind] ?? NO_NODES) as readonly T[];
    if (scopes === undefined || all.length === 0) return all;
    // One range (a node's own extent) is cheap to answer and rarely asked twice: no caching.
    if (scopes.length === 1) return this.nodesInScopes(all, scopes);
    // Every check asks about the same endpoint's scopes: answer each (scopes, kind) once.
    const byKind = (this.answersFor(scopes).byKind ??= new Map());
    let cached = byKind.get(kind);
    if (cached === undefined) {
      cached = this.nodesInScopes(all, scopes);
      byKind.set(kind, cached);
    }
    return cached as T[];
  }

  /**
   * The nodes of a file-wide list (document order) inside `scopes`: a binary search per merged range. For lists a
   * check gathers once per file (candidate record queries, calls of imported helpers) and asks about per endpoint.
   */
  nodesInScopes<T extends ts.Node>(all: readonly T[], scopes: readonly Scope[]): readonly T[] {
    // Most questions find nothing in an endpoint's code: the shared empty list then, no allocation.
    let result: T[] | undefined;
    for (const scope of scopes.length === 1 ? scopes : this.mergedScopes(scopes)) {
      let index = lowerBound(all, scope.pos);
      while (index < all.length && all[index].pos < scope.end) {
        if (all[index].end <= scope.end) (result ??= []).push(all[index]);
        index++;
      }
    }
    return result ?? (NO_NODES as readonly T[]);
  }

  /** `scopes` sorted and without overlaps, computed once per scopes array (an endpoint's scopes are asked about by every check). */
  private mergedScopes(scopes: readonly Scope[]): readonly Scope[] {
    const answers = this.answersFor(scopes);
    return (answers.merged ??= isSortedAndDisjoint(scopes) ? scopes : mergeScopes(scopes));
  }

  /** What this index has answered about a scopes array, kept on the array (see key-slots.ts for why not a WeakMap). */
  private answersFor(scopes: readonly Scope[]): ScopedAnswers {
    // The checks of an endpoint ask one after another about its scopes: the last array's answers are at hand.
    if (scopes === this.lastScopes) return this.lastAnswers!;
    let answers = scopedAnswers.get(scopes);
    // An array asked of another index (never in practice) starts over rather than share that index's answers.
    if (answers === undefined || answers.index !== this) {
      answers = { index: this };
      scopedAnswers.set(scopes, answers);
    }
    this.lastScopes = scopes;
    this.lastAnswers = answers;
    return answers;
  }

  calls(scopes?: readonly Scope[]): readonly ts.CallExpression[] {
    return this.nodesOfKind<ts.CallExpression>(SyntaxKind.CallExpression, scopes);
  }

  /**
   * Calls whose callee's last name (`json` in `res.status(500).json(x)`)
   * matches `pattern`, in document order, optionally inside `scopes`. The
   * pattern runs once per distinct name of the file rather than once per
   * call per endpoint per check: most rules care about a handful of names.
   */
  callsNamed(pattern: RegExp, scopes?: readonly Scope[]): readonly ts.CallExpression[] {
    const byName = (this.callsByName ??= this.groupCallsByName());
    // Keyed by the pattern's source: a regex literal inside a function is a new object on every call, but its source string
    // is shared (and hashed once). Patterns with the same source and other flags are chained on its answer, rather than
    // keyed by a source-and-flags string built, hashed and compared on every call.
    const source = pattern.source;
    const flags = pattern.flags;
    const first = this.answersByPattern.get(source);
    let answer = first;
    while (answer !== undefined && answer.flags !== flags) answer = answer.sameSource;
    if (answer === undefined) {
      answer = { flags, names: this.namesMatching(pattern, flags === '' ? source : undefined, byName), fileCalls: undefined, sameSource: first };
      this.answersByPattern.set(source, answer);
    }
    // The whole file's answer is kept: merging several names' calls is the costly part, and it does not change.
    if (scopes === undefined) return (answer.fileCalls ??= this.callsOfNames(byName, answer.names, undefined));
    return this.callsOfNames(byName, answer.names, scopes);
  }

  /**
   * Calls whose callee's last name is one of `names` (a file's own helpers, a
   * list built at run time): looked up by name, with no pattern to build,
   * compile and run over every name of the file. Same order as `callsNamed`.
   */
  callsNamedIn(names: Iterable<string>, scopes?: readonly Scope[]): readonly ts.CallExpression[] {
    const byName = (this.callsByName ??= this.groupCallsByName());
    // One name (the most common question) needs no list of the names present.
    if (Array.isArray(names) && names.length === 1) return byName.has(names[0]) ? this.callsOfNames(byName, names as string[], scopes) : (NO_NODES as readonly ts.CallExpression[]);
    const present: string[] = [];
    for (const name of names) if (byName.has(name) && !present.includes(name)) present.push(name);
    return this.callsOfNames(byName, present, scopes);
  }

  /** The names of the file's calls that `pattern` matches; a plain list of names (`source` of a pattern without flags) is looked up, not tested name by name. */
  private namesMatching(pattern: RegExp, source: string | undefined, byName: Map<string, ts.CallExpression[]>): string[] {
    const alternatives = source === undefined ? undefined : literalAlternatives(source);
    const names: string[] = [];
    if (alternatives !== undefined) {
      for (const name of alternatives) if (byName.has(name)) names.push(name);
      return names;
    }
    for (const name of byName.keys()) if (pattern.test(name)) names.push(name);
    return names;
  }

  private callsOfNames(byName: Map<string, ts.CallExpression[]>, names: readonly string[], scopes: readonly Scope[] | undefined): readonly ts.CallExpression[] {
    if (names.length === 0) return NO_NODES as readonly ts.CallExpression[];
    // An endpoint's scopes are asked for a different handful of names by every check: its calls are grouped by name once.
    if (scopes !== undefined && scopes.length > 1) byName = this.scopedCallsByName(scopes);
    return this.namedCallsIn(byName, names, scopes !== undefined && scopes.length === 1 ? scopes : undefined);
  }

  /** The calls inside `scopes` by their callee's last name, in document order; once per scopes array. */
  private scopedCallsByName(scopes: readonly Scope[]): Map<string, ts.CallExpression[]> {
    const answers = this.answersFor(scopes);
    let grouped = answers.callsByName;
    if (grouped === undefined) {
      grouped = new Map();
      // The calls inside the scopes, as calls(scopes) lists them, with the names the file's grouping read (not read again).
      const all = this.calls();
      const names = this.callNames!;
      for (const scope of this.mergedScopes(scopes)) {
        for (let at = lowerBound(all, scope.pos); at < all.length && all[at].pos < scope.end; at++) {
          const call = all[at];
          if (call.end > scope.end) continue;
          const list = grouped.get(names[at]);
          if (list === undefined) grouped.set(names[at], [call]);
          else list.push(call);
        }
      }
      answers.callsByName = grouped;
    }
    return grouped;
  }

  /** The calls of `names` from lists grouped by name, inside `scopes` when given; merged in document order. */
  private namedCallsIn(byName: Map<string, ts.CallExpression[]>, names: readonly string[], scopes: readonly Scope[] | undefined): readonly ts.CallExpression[] {
    if (names.length === 1) {
      const list = byName.get(names[0]) ?? (NO_NODES as readonly ts.CallExpression[]);
      return scopes === undefined ? list : this.nodesInScopes(list, scopes);
    }
    // Most names of a pattern have no call in the scopes: merge only when two lists have calls.
    let merged: readonly ts.CallExpression[] = NO_NODES as readonly ts.CallExpression[];
    for (const name of names) {
      const list = byName.get(name);
      if (list === undefined) continue;
      const found = scopes === undefined ? list : this.nodesInScopes(list, scopes);
      if (found.length === 0) continue;
      merged = merged.length === 0 ? found : mergeInDocumentOrder(merged, found);
    }
    return merged;
  }

  private groupCallsByName(): Map<string, ts.CallExpression[]> {
    const map = new Map<string, ts.CallExpression[]>();
    const calls = this.calls();
    const names: string[] = (this.callNames = []);
    for (const call of calls) {
      const name = lastCalleeName(call);
      names.push(name);
      const list = map.get(name);
      if (list === undefined) map.set(name, [call]);
      else list.push(call);
    }
    return map;
  }

  /**
   * Whether the file may have an identifier `name` (a binding, a reference, a property or method name, a JSX
   * attribute): false says it has none, from the parser's own table of the file's identifier texts, without a look
   * at any node. A check's cheapest exact first test: a file that never names `toJSON` has no `toJSON()` method to
   * look for. The table also holds quoted property names and the string keys of element accesses (`x['name']`), so
   * true means "look"; other strings, comments and template text are not in it.
   */
  mayHaveIdentifier(name: string): boolean {
    // `identifiers` is internal but has been on every parsed file since TypeScript 1.x; without it, assume it may.
    const table = (this.sourceFile as { identifiers?: ReadonlyMap<string, string> }).identifiers;
    return table === undefined || table.has(name);
  }

  /** 1-based line of a node's first token (comments before it excluded). */
  lineOf(node: ts.Node): number {
    this.ensureLineStarts();
    return this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1;
  }

  endLineOf(node: ts.Node): number {
    this.ensureLineStarts();
    return this.sourceFile.getLineAndCharacterOfPosition(node.end).line + 1;
  }

  lineAt(pos: number): number {
    this.ensureLineStarts();
    return this.sourceFile.getLineAndCharacterOfPosition(pos).line + 1;
  }

  /**
   * Gives the parsed file the line starts TypeScript would compute on the
   * first line asked (its internal `lineMap`), found with `indexOf` when the
   * text has no CR, LS or PS: TypeScript's own scan goes character by
   * character and showed at 2% of the engine's time without checks.
   */
  private ensureLineStarts(): void {
    const file = this.sourceFile as unknown as { lineMap?: readonly number[] };
    // Other line ends: TypeScript's own scan, on first use.
    if (file.lineMap === undefined && !this.otherLineEnds) {
      const starts = lfLineStartsOf(this.text);
      if (starts === undefined) this.otherLineEnds = true;
      else file.lineMap = starts;
    }
  }

  /** Source text of a node without leading trivia. */
  textOf(node: ts.Node): string {
    return this.text.slice(node.getStart(this.sourceFile), node.end);
  }

  /** The text of 1-based line `line`, without its line break. */
  lineText(line: number): string {
    // Without a CR the plain string split gives the same lines, at a fraction of the regex split's cost.
    this.lines ??= this.text.includes('\r') ? this.text.split(/\r?\n/) : this.text.split('\n');
    return this.lines[line - 1] ?? '';
  }

  get lineCount(): number {
    // Without a CR the plain string split gives the same lines, at a fraction of the regex split's cost.
    this.lines ??= this.text.includes('\r') ? this.text.split(/\r?\n/) : this.text.split('\n');
    return this.lines.length;
  }

  /** Every line of the file, without line breaks (shared: do not modify). */
  allLines(): readonly string[] {
    // Without a CR the plain string split gives the same lines, at a fraction of the regex split's cost.
    this.lines ??= this.text.includes('\r') ? this.text.split(/\r?\n/) : this.text.split('\n');
    return this.lines;
  }
}

const NO_NODES: readonly ts.Node[] = Object.freeze([]);

/** What an index knows about a pattern (source and flags). */
interface PatternAnswer {
  readonly flags: string;
  /** The names of the file's calls that the pattern matches. */
  readonly names: readonly string[];
  /** The calls of the whole file, once asked. */
  fileCalls: readonly ts.CallExpression[] | undefined;
  /** A pattern with the same source and other flags. */
  readonly sameSource: PatternAnswer | undefined;
}

/** An index's cached answers about one scopes array (an endpoint's, asked by every check). */
interface ScopedAnswers {
  index: SourceIndex;
  merged?: readonly Scope[];
  byKind?: Map<ts.SyntaxKind, readonly ts.Node[]>;
  callsByName?: Map<string, ts.CallExpression[]>;
}

/**
 * The line starts of a text whose lines all end with LF, as TypeScript's
 * computeLineStarts lists them; undefined when a CR, LS or PS also ends lines.
 */
export function lfLineStartsOf(text: string): number[] | undefined {
  // Three searches for one character each beat one regex scan for a class of three (a tenth of its time on the bench corpus).
  if (text.includes('\r') || text.includes('\u2028') || text.includes('\u2029')) return undefined;
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

const scopedAnswers = new KeySlots<readonly Scope[], ScopedAnswers>('sourceIndexAnswers');

const LITERAL_LIST = /^\^(?:\(\?:((?:[\w]|\\\$)+(?:\|(?:[\w]|\\\$)+)*)\)|((?:[\w]|\\\$)+))\$$/;

/**
 * The names of a pattern key (source, no flags) that only lists names, e.g.
 * `^(?:json|send|\$queryRaw)$`: what matches it is then found by lookup.
 * Keys are the patterns of the checks' code, plus a few built per file: bounded so the latter cannot grow it forever.
 */
export const literalAlternatives: (key: string) => readonly string[] | undefined = answerOnce((key: string) => {
  const match = LITERAL_LIST.exec(key);
  return match === null ? undefined : [...new Set((match[1] ?? match[2]).split('|').map((name) => name.replace(/\\\$/g, '$')))];
}, 10_000);

/**
 * Two lists of distinct nodes in document order (by start, the enclosing node
 * first) merged into one: what sorting their concatenation gives, without
 * sorting.
 */
function mergeInDocumentOrder<T extends ts.Node>(first: readonly T[], second: readonly T[]): T[] {
  const merged: T[] = [];
  let i = 0;
  let j = 0;
  while (i < first.length && j < second.length) {
    const a = first[i];
    const b = second[j];
    if (a.pos < b.pos || (a.pos === b.pos && a.end >= b.end)) {
      merged.push(a);
      i++;
    } else {
      merged.push(b);
      j++;
    }
  }
  while (i < first.length) merged.push(first[i++]);
  while (j < second.length) merged.push(second[j++]);
  return merged;
}

function isSortedAndDisjoint(scopes: readonly Scope[]): boolean {
  for (let i = 1; i < scopes.length; i++) if (scopes[i].pos <= scopes[i - 1].end) return false;
  return true;
}

/** The callee's last name without the query helpers (which import this module). */
function lastCalleeName(call: ts.CallExpression): string {
  let callee: ts.Expression = call.expression;
  while (isParenthesizedExpression(callee) || isNonNullExpression(callee) || isAsExpression(callee)) callee = callee.expression;
  if (isIdentifier(callee)) return callee.text;
  if (isPropertyAccessExpression(callee)) return callee.name.text;
  if (isElementAccessExpression(callee) && (isStringLiteral(callee.argumentExpression) || isNoSubstitutionTemplateLiteral(callee.argumentExpression))) {
    return callee.argumentExpression.text;
  }
  return '';
}
