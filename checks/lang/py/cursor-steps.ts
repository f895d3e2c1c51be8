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

/** What the walk asks of a cursor. Offsets are UTF-16 code units (web-tree-sitter parses JavaScript strings as UTF-16). */
export interface CursorSteps {
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  typeId(): number;
  fieldId(): number;
  startIndex(): number;
  endIndex(): number;
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

/**
 * Hands over the module object that was passed to `Parser.init` (the
 * Emscripten module is built on it). Returns whether it carries the exports
 * the direct walk needs; when it does not, walks use the public cursor.
 */
export function useCursorExports(module: object | undefined): boolean {
  const candidate = module as Partial<Record<keyof CursorExports, unknown>> | undefined;
  cursorExports = candidate !== undefined && EXPORT_NAMES.every((name) => typeof candidate[name] === 'function') ? (candidate as CursorExports) : undefined;
  return cursorExports !== undefined;
}

/** Whether walks call the wasm exports directly (false: the public cursor). */
export function usesDirectCursor(): boolean {
  return cursorExports !== undefined;
}

/** The tree's address in wasm memory (web-tree-sitter keeps it at index 0 of the Tree object). */
function treeAddress(tree: Tree): number | undefined {
  const address = (tree as unknown as Record<number, unknown>)[0];
  return typeof address === 'number' && address !== 0 ? address : undefined;
}

/** A cursor at the root of `tree`: the direct one when the exports are known, else the public one. */
export function openCursor(tree: Tree, direct = true): CursorSteps {
  const address = treeAddress(tree);
  if (direct && cursorExports !== undefined && address !== undefined) return new DirectCursorSteps(cursorExports, address);
  return new PublicCursorSteps(tree.walk());
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

  startIndex(): number {
    return this.startOf(this.tree);
  }

  endIndex(): number {
    return this.endOf(this.tree);
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

  startIndex(): number {
    return this.cursor.startIndex;
  }

  endIndex(): number {
    return this.cursor.endIndex;
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
