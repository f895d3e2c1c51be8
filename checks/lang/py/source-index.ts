import type { Tree } from 'web-tree-sitter';
import { lowerBound, mergeScopes, type Scope } from '../scopes.js';
import { openCursor } from './cursor-steps.js';
import { answerOnce } from '../answer-once.js';

export type { Scope };

/**
 * A node of the Python syntax tree, copied out of tree-sitter in the index's
 * one walk. Plain data: it outlives the tree (which is deleted right after
 * indexing) and costs no wasm call to read. `type` is tree-sitter-python's
 * node type (`call`, `function_definition`, `attribute`, ...); anonymous
 * tokens (`==`, `not`, `async`, `:`, `=`) are kept as children with
 * `named: false` so that operators can be read, but only named nodes are
 * indexed by type. Brackets, commas, dots and `@` are not kept unless in a
 * field (an operator) or invented by the parser (a missing `)`): nothing
 * reads them, and they were a quarter of all nodes.
 */
export interface PyNode {
  readonly type: string;
  readonly named: boolean;
  /** Start and end offsets in the text (UTF-16 units, like JavaScript strings): a half-open range like a Scope. */
  readonly pos: number;
  readonly end: number;
  /** 1-based lines of the first and last character. */
  readonly line: number;
  readonly endLine: number;
  /** The grammar's field name of this node in its parent (`function`, `arguments`, `name`, `left`...). */
  readonly field: string | undefined;
  readonly parent: PyNode | undefined;
  readonly children: PyNode[];
  /** The text of an `identifier` (read on the walk, so name lookups never slice the file). */
  readonly name?: string;
}

/** PyNode's one shape: every node has the same fields (`name` is undefined except on identifiers), so reads stay monomorphic. */
class PyNodeRecord implements PyNode {
  /** Set once by the walk when the node's last child is copied. */
  children: PyNode[] = NO_CHILDREN;
  /**
   * Facts queries.ts memoizes per node (callee paths, decorators, parameters), created on first use: a field of
   * the class, so that memoizing adds no property to the node and every node keeps the one shape (symbol
   * properties added to some nodes gave them six, and the checks' reads of `type`, `children`, `field` went megamorphic).
   */
  memo: object | undefined = undefined;
  constructor(
    readonly type: string,
    readonly named: boolean,
    readonly pos: number,
    readonly end: number,
    readonly line: number,
    readonly endLine: number,
    readonly field: string | undefined,
    readonly parent: PyNodeRecord | undefined,
    readonly name: string | undefined,
  ) {}
}

/** The per-node memo of queries.ts (see PyNodeRecord.memo); created on first use. */
export function nodeMemo<T extends object>(node: PyNode): Partial<T> {
  const holder = node as { memo?: object };
  return (holder.memo ??= {}) as Partial<T>;
}

/** The children of every leaf: frozen, so that no caller can add to all leaves at once. */
const NO_CHILDREN = Object.freeze([]) as unknown as PyNode[];

/** A place tree-sitter could not parse (an ERROR node or a token it had to invent). */
export interface PySyntaxError {
  line: number;
  pos: number;
  end: number;
  /** `unexpected "..."` or `missing ")"`. */
  message: string;
}

/**
 * One iterative walk over a Python file, indexing every named node by its type
 * in document order: the Python twin of `lang/ts/source-index.ts`, with the
 * same rules for checks (ask the index, never walk the tree yourself; pass the
 * endpoint's own `scopes` array so answers are cached per endpoint).
 *
 * ## The query vocabulary (this file and `queries.ts`)
 *
 * | question                                   | Python                                   | TypeScript twin               |
 * |--------------------------------------------|------------------------------------------|-------------------------------|
 * | every node of a type, optionally in scopes | `index.nodesOfType('assignment', scopes)`| `nodesOfKind(kind, scopes)`   |
 * | calls in the endpoint's code               | `index.calls(scopes)`                    | `calls(scopes)`               |
 * | calls by the callee's last name            | `index.callsNamed(/^(?:get|filter)$/, s)`| `callsNamed(pattern, scopes)` |
 * | callee as a dotted path                    | `calleePath(call)` `User.objects.filter().first`, `plainCalleePath(call)` without `()` | same names |
 * | last name of the callee                    | `calleeName(call)`                       | `calleeName`                  |
 * | the object a method is called on           | `calleeObject(call)`                     | `calleeObject`                |
 * | arguments                                  | `positionalArguments(call)`, `keywordArgument(call, 'prefix')`, `keywordArguments(call)` | - |
 * | string literal value                       | `stringValue(node)` (no f-strings)       | `stringValue`                 |
 * | elements of a list/tuple/set literal       | `sequenceElements(node)`                 | -                             |
 * | dict literal entries                       | `dictEntries(node)`                      | -                             |
 * | decorators of a function/class             | `decoratorsOf(definition)` (expressions) | -                             |
 * | functions / classes by name (file)         | `functionsByName(index)`, `classesByName(index)` | `functionsByName`     |
 * | module-level assignments by name           | `moduleAssignments(index)`               | `variablesByName`             |
 * | assignments to `name` in scopes            | `assignmentsTo(index, name, scopes)`     | -                             |
 * | parameters of a function                   | `parametersOf(fn)` name, type, default   | -                             |
 * | class attributes (`permission_classes = `) | `classAttribute(cls, name)`              | -                             |
 * | methods of a class                         | `methodsOf(cls)`                         | -                             |
 * | base classes                               | `baseClassNames(cls)`                    | -                             |
 * | imports (local name to module)             | `importSources(index)`                   | `importSources`               |
 * | enclosing function / class                 | `enclosingFunction(node)`, `enclosingClass(node)` | `enclosingFunction` |
 * | a field child                              | `childByField(node, 'function')`         | property access on ts nodes   |
 * | text and lines                             | `index.textOf(node)`, `node.line`, `node.endLine`, `index.lineText(n)`, `index.lineAt(pos)` | same |
 * | per-file memo                              | `index.memo(key, compute)`               | `memo`                        |
 * | syntax errors                              | `index.syntaxErrors`, `index.errorIn(scopes)` | -                        |
 *
 * The walk is iterative (a cursor, an explicit child counter), so 10,000-deep
 * nesting cannot overflow the stack.
 */
export class PySourceIndex {
  readonly path: string;
  readonly text: string;
  readonly root: PyNode;
  readonly syntaxErrors: readonly PySyntaxError[];
  private readonly byType = new Map<string, NodeList>();
  private readonly memos = new Map<string, unknown>();
  private readonly callsByPattern = new Map<string, NodeList>();
  private readonly callsByRegExp = new Map<RegExp, NodeList>();
  private callsByName: Map<string, PyNode[]> | undefined;
  /** NodeLists made so far: the next one's slot. */
  private listCount = 0;
  private lines: string[] | undefined;
  private lineStarts: number[] | undefined;
  private readonly directWalk: boolean;

  /** `directWalk: false` walks with web-tree-sitter's public cursor (the equivalence test of the two walks). */
  constructor(path: string, text: string, tree: Tree, options: { directWalk?: boolean } = {}) {
    this.path = path;
    this.text = text;
    this.directWalk = options.directWalk ?? true;
    const errors: PySyntaxError[] = [];
    this.root = this.walk(tree, errors);
    this.syntaxErrors = errors;
    FILE_OF_ROOT.set(this.root, path);
  }

  private walk(tree: Tree, errors: PySyntaxError[]): PyNode {
    const steps = openCursor(tree, this.directWalk);
    try {
      // Types and field names by id from the language's tables, lines from the text: every cursor
      // read is a call into wasm, so each node costs three (type, field, one move; offsets come from memory).
      const types = tree.language.types;
      const fields = tree.language.fields;
      // Whether a node is named depends on its type alone (tree-sitter reads it from the symbol's metadata): asked once per type.
      const namedByType: (boolean | undefined)[] = [];
      const listsById: (NodeList | undefined)[] = [];
      const text = this.text;
      const starts = (this.lineStarts ??= computeLineStarts(text));
      const lastLine = starts.length;
      // Nodes come in document order, so the start line only moves forward.
      let line = 1;
      const droppedById: (boolean | undefined)[] = [];
      /** The node at the cursor, or undefined for a token that is not kept (see PyNode). */
      const make = (parent: PyNodeRecord | undefined): PyNodeRecord | undefined => {
        const typeId = steps.typeId();
        const fieldId = steps.fieldId();
        steps.readSpan();
        const pos = steps.start;
        const end = steps.end;
        let dropped = droppedById[typeId];
        if (dropped === undefined) dropped = droppedById[typeId] = typeId !== ERROR_TYPE_ID && DROPPED_TOKENS.has(types[typeId] ?? '');
        if (dropped && fieldId === 0 && pos !== end) return undefined;
        while (line < lastLine && starts[line] <= pos) line++;
        if (starts[line - 1] > pos) line = this.lineAt(pos);
        // The line of the last character: a block ending with its line break ends on that line.
        const endLine = end <= pos ? line : line === lastLine || end - 1 < starts[line] ? line : this.lineAt(end - 1);
        const type = types[typeId] ?? 'ERROR';
        let named = namedByType[typeId];
        if (named === undefined) named = namedByType[typeId] = steps.isNamed();
        const node = new PyNodeRecord(type, named, pos, end, line, endLine, fields[fieldId] ?? undefined, parent, type === 'identifier' ? text.slice(pos, end) : undefined);
        if (named) {
          // By type id first (an array read, where a Map lookup by name cost a hash per node); ids that share a
          // name (aliases) share its list.
          let list = listsById[typeId];
          if (list === undefined) {
            list = this.byType.get(type);
            if (list === undefined) {
              list = { all: [], slot: this.listCount++, lastPos: 0, lastEnd: 0, lastAnswer: undefined };
              this.byType.set(type, list);
            }
            listsById[typeId] = list;
          }
          (list.all as PyNode[]).push(node);
        }
        if (type === 'ERROR') {
          errors.push({ line, pos, end, message: `unexpected ${JSON.stringify(clip(text.slice(pos, end)))}` });
        } else if (pos === end && steps.isMissing()) {
          // Only an empty node can be one the parser invented.
          errors.push({ line, pos, end, message: `missing ${JSON.stringify(type)}` });
        }
        return node;
      };
      const root = make(undefined)!;
      // Depth-first in document order: every node is pushed to its type's list when first reached.
      // Children wait on one shared stack and get an array of their exact size when their parent is
      // left (a leaf keeps the shared empty one): most nodes are leaves, and a growing array would
      // reserve room for 17 children, garbage the collector has to copy while the index is alive.
      // The stack's live part is pending[0..top): entries above top are left in place and overwritten, since
      // truncating an array (`length = n`) is a runtime call, once per node with children.
      const pending: PyNodeRecord[] = [];
      let top = 0;
      const firstPending: number[] = [];
      const close = (node: PyNodeRecord) => {
        const from = firstPending.pop()!;
        // A node whose tokens were all dropped (`()`) keeps the shared empty array.
        if (from !== top) node.children = pending.slice(from, top);
        top = from;
      };
      // The node at the cursor (undefined: a token not kept, always a leaf) and the parent of its place.
      let current: PyNodeRecord | undefined = root;
      let parent: PyNodeRecord | undefined;
      while (true) {
        if (current !== undefined && steps.gotoFirstChild()) {
          firstPending.push(top);
          parent = current;
          current = make(parent);
          if (current !== undefined) pending[top++] = current;
          continue;
        }
        while (!steps.gotoNextSibling()) {
          if (!steps.gotoParent()) return root;
          current = parent!;
          parent = current.parent;
          close(current);
        }
        current = make(parent);
        if (current !== undefined) pending[top++] = current;
      }
    } finally {
      steps.close();
    }
  }

  /** Computes a per-file fact once (functions by name, imports...). */
  memo<T>(key: string, compute: () => T): T {
    const cached = this.memos.get(key);
    if (cached !== undefined || this.memos.has(key)) return cached as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** Every named node of `type` in document order, optionally only those inside `scopes`. */
  nodesOfType(type: string, scopes?: readonly Scope[]): readonly PyNode[] {
    const list = this.byType.get(type);
    if (list === undefined) return NO_NODES;
    if (scopes === undefined) return list.all;
    return this.inScopes(list, scopes);
  }

  calls(scopes?: readonly Scope[]): readonly PyNode[] {
    return this.nodesOfType('call', scopes);
  }

  /**
   * Calls whose callee's last name (`filter` in `User.objects.filter(...)`)
   * matches `pattern`; the pattern runs once per distinct name of the file.
   */
  callsNamed(pattern: RegExp, scopes?: readonly Scope[]): readonly PyNode[] {
    // By the pattern object first: the checks pass module constants, asked ~35k times a pass, where reading
    // `flags` and `source` to make the key cost more than the answer. A new object with a known source and flags
    // shares that pattern's list.
    let calls = this.callsByRegExp.get(pattern);
    if (calls === undefined) {
      calls = this.callsByKey(pattern);
      this.callsByRegExp.set(pattern, calls);
    }
    if (scopes === undefined || calls.all.length === 0) return calls.all;
    return this.inScopes(calls, scopes);
  }

  private callsByKey(pattern: RegExp): NodeList {
    const key = pattern.flags === '' ? pattern.source : `${pattern.source}/${pattern.flags}`;
    let calls = this.callsByPattern.get(key);
    if (calls === undefined) {
      const byName = (this.callsByName ??= this.groupCallsByName());
      // One name: its list as it is (document order); several: merged in document order, outer call first
      // (no two calls share both start and end, so the order does not depend on the names' order).
      let all: readonly PyNode[] = NO_NODES;
      const exact = key === pattern.source ? exactNames(key) : undefined;
      if (exact !== undefined) {
        // `^name$` or `^(?:a|b)$` matches exactly those names: looked up, not tested against every name of the file.
        for (const name of exact) {
          const list = byName.get(name);
          if (list !== undefined) all = all.length === 0 ? list : mergeInDocumentOrder(all, list);
        }
      } else {
        for (const [name, list] of byName) if (pattern.test(name)) all = all.length === 0 ? list : mergeInDocumentOrder(all, list);
      }
      calls = { all, slot: this.listCount++, lastPos: 0, lastEnd: 0, lastAnswer: undefined };
      this.callsByPattern.set(key, calls);
    }
    return calls;
  }

  /**
   * The nodes of `list` (in document order) inside `scopes`, cached: for one
   * scope, the last range asked of the list (checks ask about one node's range
   * several times in a row, each time in a new array), on the array itself for
   * several (an endpoint's `scopes`, one array per distinct code of the file:
   * see codeScopes).
   */
  private inScopes(list: NodeList, scopes: readonly Scope[]): readonly PyNode[] {
    const all = list.all;
    if (all.length === 0) return NO_NODES;
    if (scopes.length === 1) {
      // Only the last range: over the bench corpus, of 37k single-range questions 22k asked a range for the first
      // time and 10k the list's previous range; a map of every range cost more in inserts than its other 5k hits saved.
      const { pos, end } = scopes[0];
      if (list.lastAnswer !== undefined && list.lastPos === pos && list.lastEnd === end) return list.lastAnswer;
      const answer = this.collectInScopes(all, scopes);
      list.lastPos = pos;
      list.lastEnd = end;
      list.lastAnswer = answer;
      return answer;
    }
    const answers = this.scopedAnswers(scopes);
    let cached = answers.byList[list.slot];
    if (cached === undefined) {
      cached = this.collectInScopes(all, answers.merged);
      answers.byList[list.slot] = cached;
    }
    return cached;
  }

  /** The answers for a scopes array of this index, kept on the array (a plain property: see KeySlots). */
  private scopedAnswers(scopes: readonly Scope[]): ScopedAnswers {
    const held = (scopes as { [SCOPED_ANSWERS]?: ScopedAnswers })[SCOPED_ANSWERS];
    if (held !== undefined && held.index === this) return held;
    const answers: ScopedAnswers = { index: this, merged: mergeScopes(scopes), byList: [] };
    // The first index to ask keeps the slot (a scopes array belongs to one file); a frozen array is answered uncached.
    if (held === undefined && Object.isExtensible(scopes)) (scopes as { [SCOPED_ANSWERS]?: ScopedAnswers })[SCOPED_ANSWERS] = answers;
    return answers;
  }

  private groupCallsByName(): Map<string, PyNode[]> {
    const map = new Map<string, PyNode[]>();
    for (const call of this.calls()) {
      const name = lastCalleeName(call);
      const list = map.get(name);
      if (list === undefined) map.set(name, [call]);
      else list.push(call);
    }
    return map;
  }

  /** `scopes` sorted and non-overlapping (one scope, or merged). */
  private collectInScopes(all: readonly PyNode[], scopes: readonly Scope[]): readonly PyNode[] {
    let result: PyNode[] | undefined;
    for (const scope of scopes) {
      let index = lowerBound(all, scope.pos);
      while (index < all.length && all[index].pos < scope.end) {
        if (all[index].end <= scope.end) (result ??= []).push(all[index]);
        index++;
      }
    }
    return result ?? NO_NODES;
  }

  /** The first syntax error inside (or overlapping) `scopes`, if any. */
  errorIn(scopes: readonly Scope[]): PySyntaxError | undefined {
    return this.syntaxErrors.find((error) => scopes.some((scope) => error.pos < scope.end && error.end >= scope.pos));
  }

  textOf(node: PyNode): string {
    return this.text.slice(node.pos, node.end);
  }

  /** 1-based line of a text offset. */
  lineAt(pos: number): number {
    const starts = (this.lineStarts ??= computeLineStarts(this.text));
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (starts[mid] <= pos) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The text of 1-based line `line`, without its line break. */
  lineText(line: number): string {
    this.lines ??= this.text.split(/\r?\n/);
    return this.lines[line - 1] ?? '';
  }

  get lineCount(): number {
    this.lines ??= this.text.split(/\r?\n/);
    return this.lines.length;
  }

  /** Every line's text (`lineText(n)` is `allLines()[n - 1]`): the index's own array, not to be changed. */
  allLines(): readonly string[] {
    return (this.lines ??= this.text.split(/\r?\n/));
  }
}

const NO_NODES: readonly PyNode[] = Object.freeze([]);

/** Tokens the walk does not copy when they have no field and are not invented by the parser (see PyNode). */
const DROPPED_TOKENS: ReadonlySet<string> = new Set(['(', ')', '[', ']', '{', '}', ',', '.', '@']);
/** The type id of ERROR nodes (tree-sitter's builtin error symbol). */
const ERROR_TYPE_ID = 0xffff;

/** Nodes in document order (of a type, or calls by name pattern) and the answer for the last single-scope range asked. */
interface NodeList {
  readonly all: readonly PyNode[];
  /** Where a scopes array keeps this list's answer (ScopedAnswers.byList): numbered per index, by an array read rather than a hash. */
  readonly slot: number;
  lastPos: number;
  lastEnd: number;
  lastAnswer: readonly PyNode[] | undefined;
}

/** On a scopes array: its merged ranges and, per list slot, the nodes inside, for the index that asked first. */
interface ScopedAnswers {
  readonly index: PySourceIndex;
  readonly merged: readonly Scope[];
  readonly byList: (readonly PyNode[] | undefined)[];
}

const SCOPED_ANSWERS = Symbol('py:scopedAnswers');

const FILE_OF_ROOT = new WeakMap<PyNode, string>();

/** The path of the file a node belongs to (a check may point into an imported module's file). */
export function fileOfNode(node: PyNode): string | undefined {
  let current = node;
  while (current.parent !== undefined) current = current.parent;
  return FILE_OF_ROOT.get(current);
}

function clip(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 40 ? `${line.slice(0, 40)}...` : line;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  // indexOf searches natively (a loop over every character was ~2% of the walk in a profile).
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

const EXACT_SOURCE = /^\^(?:\(\?:([\w|]+)\)|(\w+))\$$/;

/**
 * The names a `^name$` or `^(?:a|b|c)$` pattern source (no flags) matches exactly, deduplicated; undefined for any other source.
 * Read once per pattern source rather than once per file and pattern. The checks' patterns are a few dozen constants;
 * a configuration's names could add more, so the limit is small.
 */
const exactNames = answerOnce((source: string): readonly string[] | undefined => {
  const match = EXACT_SOURCE.exec(source);
  const parts = match === null ? [] : (match[1] ?? match[2]).split('|');
  return match === null || parts.includes('') ? undefined : [...new Set(parts)];
}, 1000);

/** Two lists of calls, each in document order (outer call first), as one new list in that order. */
function mergeInDocumentOrder(a: readonly PyNode[], b: readonly PyNode[]): PyNode[] {
  const merged: PyNode[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i].pos < b[j].pos || (a[i].pos === b[j].pos && a[i].end >= b[j].end)) merged.push(a[i++]);
    else merged.push(b[j++]);
  }
  while (i < a.length) merged.push(a[i++]);
  while (j < b.length) merged.push(b[j++]);
  return merged;
}

/** `filter` for `User.objects.filter(...)`, `Depends` for `Depends(x)`; '' for other callees. */
function lastCalleeName(call: PyNode): string {
  const callee = call.children.find((child) => child.field === 'function');
  if (callee === undefined) return '';
  if (callee.type === 'identifier') return callee.children.length === 0 ? callee.name ?? '' : '';
  if (callee.type === 'attribute') {
    const name = callee.children.find((child) => child.field === 'attribute');
    return name === undefined ? '' : name.name ?? '';
  }
  return '';
}

