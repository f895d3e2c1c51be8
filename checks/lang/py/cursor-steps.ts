/**
 * The steps of the index's one walk over a tree-sitter tree: move the cursor
 * and read the few facts a PyNode copies (type id, field id, offsets).
 *
 * web-tree-sitter's public `TreeCursor` writes its four handles into the
 * wasm transfer buffer before every call and reads them back after every
 * move, through `setValue` / `getValue`: about ten JavaScript calls around
 * each wasm call, which made the walk cost more than the parse itself. The
 * wasm exports behind it (`_ts_tree_cursor_*_wasm`, on the module object
 * given to `Parser.init`) take the cursor from that buffer and moves write it
 * back there, and the readers used here (type id, field id, offsets, named,
 * missing) never write to it: a walk that owns the buffer from
 * `cursor_new` to `cursor_delete`, with no other tree-sitter call in
 * between, can call the exports directly. That is about five times cheaper.
 *
 * The exports are an implementation detail of the pinned web-tree-sitter
 * version (package.json pins it exactly): when the module object lacks them
 * (another caller initialised web-tree-sitter first, or a version changed
 * them), the walk uses the public `TreeCursor`, which gives the same nodes
 * (test/checks/lang/py-cursor-steps.test.ts compares both).
 */
import type { Tree, TreeCursor } from 'web-tree-sitter';
import { MemoryCursorSteps, readLanguageTables, type LanguageTables, type WasmMemoryViews } from './memory-cursor.js';

/** What the walk asks of a cursor. Offsets are UTF-16 code units (web-tree-sitter parses JavaScript strings as UTF-16). */
export interface CursorSteps {
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  typeId(): number;
  fieldId(): number;
  /** Reads the current node's offsets into `start` and `end`. */
  readSpan(): void;
  /** The current node's start and end offsets, as of the last readSpan. */
  readonly start: number;
  readonly end: number;
  isNamed(): boolean;
  isMissing(): boolean;
  /** Frees the cursor; the steps are unusable afterwards. */
  close(): void;
}

/** The wasm exports the direct walk calls; each takes the tree's wasm address and the cursor from the transfer buffer. */
interface CursorExports {
  _ts_tree_root_node_wasm(tree: number): void;
  _ts_tree_cursor_new_wasm(tree: number): void;
  _ts_tree_cursor_delete_wasm(tree: number): void;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_named_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_missing_wasm(tree: number): number;
}

const EXPORT_NAMES: readonly (keyof CursorExports)[] = [
  '_ts_tree_root_node_wasm',
  '_ts_tree_cursor_new_wasm',
  '_ts_tree_cursor_delete_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_current_node_is_named_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm',
];

let cursorExports: CursorExports | undefined;
/** The module's views of wasm memory, for the memory walk (memory-cursor.ts); undefined when it has none. */
let memoryViews: WasmMemoryViews | undefined;
/**
 * Whether the memory walk gave what the exports give: 'unchecked' walks run both in step and compare
 * (CheckedSteps) until NODES_TO_CHECK nodes agreed; 'differs' for good after one difference.
 */
let memoryWalk: 'unchecked' | 'agrees' | 'differs' = 'unchecked';
let nodesChecked = 0;
const NODES_TO_CHECK = 5000;

/**
 * Hands over the module object that was passed to `Parser.init` (the
 * Emscripten module is built on it). Returns whether it carries the exports
 * the direct walk needs; when it does not, walks use the public cursor.
 */
export function useCursorExports(module: object | undefined): boolean {
  const candidate = module as Partial<Record<keyof CursorExports, unknown>> | undefined;
  cursorExports = candidate !== undefined && EXPORT_NAMES.every((name) => typeof candidate[name] === 'function') ? (candidate as CursorExports) : undefined;
  const views = module as Partial<WasmMemoryViews> | undefined;
  memoryViews = views?.HEAPU8 instanceof Uint8Array && views.HEAPU16 instanceof Uint16Array && views.HEAPU32 instanceof Uint32Array ? (module as WasmMemoryViews) : undefined;
  return cursorExports !== undefined;
}

/** Whether walks call the wasm exports directly (false: the public cursor). */
export function usesDirectCursor(): boolean {
  return cursorExports !== undefined;
}

/** How walks read the tree: from wasm memory ('agrees'), in step with the exports while being checked ('unchecked'), or not. */
export function memoryWalkState(): 'unchecked' | 'agrees' | 'differs' | 'unavailable' {
  return memoryViews === undefined || cursorExports === undefined ? 'unavailable' : memoryWalk;
}

/** The tree's address in wasm memory (web-tree-sitter keeps it at index 0 of the Tree object). */
function treeAddress(tree: Tree): number | undefined {
  const address = (tree as unknown as Record<number, unknown>)[0];
  return typeof address === 'number' && address !== 0 ? address : undefined;
}

/** A cursor at the root of `tree`: the direct one when the exports are known, else the public one. */
export function openCursor(tree: Tree, direct = true): CursorSteps {
  const address = treeAddress(tree);
  if (!direct || cursorExports === undefined || address === undefined) return new PublicCursorSteps(tree.walk());
  const memory = memoryWalk === 'differs' ? undefined : memoryCursor(tree, address);
  if (memory === undefined) return new DirectCursorSteps(cursorExports, address);
  return memoryWalk === 'agrees' ? memory : new CheckedSteps(memory, new DirectCursorSteps(cursorExports, address));
}

/** A cursor over wasm memory for `tree`, when the module's views and the language's header read as expected. */
function memoryCursor(tree: Tree, address: number): MemoryCursorSteps | undefined {
  // Views are taken from the module on each walk: a parse that grew the memory replaced them.
  const views = memoryViews;
  if (views === undefined) return undefined;
  const language = views.HEAPU32[(address + 8) >>> 2];
  const languageAddress = (tree.language as unknown as Record<number, unknown>)[0];
  if (language !== languageAddress) return undefined;
  let tables = tablesByLanguage.get(language);
  if (tables === undefined) {
    const { types, fields } = tree.language;
    tables = readLanguageTables(views, language, { fieldCount: fields.length - 1, symbolNames: (id) => types[id] ?? undefined }) ?? null;
    tablesByLanguage.set(language, tables);
  }
  return tables === null ? undefined : new MemoryCursorSteps(views, address, tables);
}

/** A language's tables by its address, read and checked once (null: its header did not read as expected). Languages are never freed. */
const tablesByLanguage = new Map<number, LanguageTables | null>();

/**
 * The memory walk and the exports in step, every answer compared; the exports' answers are the ones used.
 * After NODES_TO_CHECK nodes agreed, later walks read memory alone; one difference, and never again.
 */
class CheckedSteps implements CursorSteps {
  start = 0;
  end = 0;

  constructor(
    private readonly memory: MemoryCursorSteps,
    private readonly exports: DirectCursorSteps,
  ) {
    // The exports' cursor was made after the memory one: its allocation may have grown the memory.
    memory.refreshViews();
  }

  private same<T>(fromMemory: T, fromExports: T): T {
    if (fromMemory !== fromExports) memoryWalk = 'differs';
    // The exports' cursor moves may allocate (its stack grows) and so grow the memory.
    this.memory.refreshViews();
    return fromExports;
  }

  gotoFirstChild(): boolean {
    return this.same(this.memory.gotoFirstChild(), this.exports.gotoFirstChild());
  }

  gotoNextSibling(): boolean {
    return this.same(this.memory.gotoNextSibling(), this.exports.gotoNextSibling());
  }

  gotoParent(): boolean {
    return this.same(this.memory.gotoParent(), this.exports.gotoParent());
  }

  typeId(): number {
    return this.same(this.memory.typeId(), this.exports.typeId());
  }

  fieldId(): number {
    return this.same(this.memory.fieldId(), this.exports.fieldId());
  }

  readSpan(): void {
    this.memory.readSpan();
    this.exports.readSpan();
    this.start = this.same(this.memory.start, this.exports.start);
    this.end = this.same(this.memory.end, this.exports.end);
    if (memoryWalk === 'unchecked' && ++nodesChecked >= NODES_TO_CHECK) memoryWalk = 'agrees';
  }

  isNamed(): boolean {
    return this.same(this.memory.isNamed(), this.exports.isNamed());
  }

  isMissing(): boolean {
    return this.same(this.memory.isMissing(), this.exports.isMissing());
  }

  close(): void {
    this.exports.close();
  }
}

class DirectCursorSteps implements CursorSteps {
  private open = true;
  // The exports read once into fields of this class: the module object Emscripten builds carries hundreds of
  // properties (a dictionary), so reading an export from it on every step was a hash lookup per wasm call.
  private readonly firstChild: (tree: number) => number;
  private readonly nextSibling: (tree: number) => number;
  private readonly parent: (tree: number) => number;
  private readonly typeIdOf: (tree: number) => number;
  private readonly fieldIdOf: (tree: number) => number;
  private readonly startOf: (tree: number) => number;
  private readonly endOf: (tree: number) => number;
  private readonly namedOf: (tree: number) => number;
  private readonly missingOf: (tree: number) => number;
  private readonly remove: (tree: number) => void;

  constructor(
    exports: CursorExports,
    private readonly tree: number,
  ) {
    this.firstChild = exports._ts_tree_cursor_goto_first_child_wasm;
    this.nextSibling = exports._ts_tree_cursor_goto_next_sibling_wasm;
    this.parent = exports._ts_tree_cursor_goto_parent_wasm;
    this.typeIdOf = exports._ts_tree_cursor_current_node_type_id_wasm;
    this.fieldIdOf = exports._ts_tree_cursor_current_field_id_wasm;
    this.startOf = exports._ts_tree_cursor_start_index_wasm;
    this.endOf = exports._ts_tree_cursor_end_index_wasm;
    this.namedOf = exports._ts_tree_cursor_current_node_is_named_wasm;
    this.missingOf = exports._ts_tree_cursor_current_node_is_missing_wasm;
    this.remove = exports._ts_tree_cursor_delete_wasm;
    // The root node into the buffer, then a cursor on it into the buffer: from here on the buffer is the cursor.
    exports._ts_tree_root_node_wasm(tree);
    exports._ts_tree_cursor_new_wasm(tree);
  }

  gotoFirstChild(): boolean {
    return this.firstChild(this.tree) !== 0;
  }

  gotoNextSibling(): boolean {
    return this.nextSibling(this.tree) !== 0;
  }

  gotoParent(): boolean {
    return this.parent(this.tree) !== 0;
  }

  typeId(): number {
    return this.typeIdOf(this.tree);
  }

  fieldId(): number {
    return this.fieldIdOf(this.tree);
  }

  start = 0;
  end = 0;

  readSpan(): void {
    this.start = this.startOf(this.tree);
    this.end = this.endOf(this.tree);
  }

  isNamed(): boolean {
    return this.namedOf(this.tree) !== 0;
  }

  isMissing(): boolean {
    return this.missingOf(this.tree) !== 0;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.remove(this.tree);
  }
}

class PublicCursorSteps implements CursorSteps {
  constructor(private readonly cursor: TreeCursor) {}

  gotoFirstChild(): boolean {
    return this.cursor.gotoFirstChild();
  }

  gotoNextSibling(): boolean {
    return this.cursor.gotoNextSibling();
  }

  gotoParent(): boolean {
    return this.cursor.gotoParent();
  }

  typeId(): number {
    return this.cursor.nodeTypeId;
  }

  fieldId(): number {
    return this.cursor.currentFieldId;
  }

  start = 0;
  end = 0;

  readSpan(): void {
    this.start = this.cursor.startIndex;
    this.end = this.cursor.endIndex;
  }

  isNamed(): boolean {
    return this.cursor.nodeIsNamed;
  }

  isMissing(): boolean {
    return this.cursor.nodeIsMissing;
  }

  close(): void {
    this.cursor.delete();
  }
}
