/**
 * The index's walk without calling into wasm: a tree cursor written in
 * JavaScript that reads the syntax tree straight from web-tree-sitter's wasm
 * memory, the way `lib/tree_cursor.c` reads it in C.
 *
 * Even with the exports called directly (cursor-steps.ts), every node cost
 * five wasm calls, each of which unmarshals the cursor and builds a node
 * before answering; moving to the next sibling alone cost about a seventh of
 * the parse. Here a move is a few reads of a typed array.
 *
 * The layouts read are those of the pinned web-tree-sitter (0.27, package.json
 * pins it exactly) and of the language (ABI 15, `tree_sitter/parser.h`):
 *
 * - `Subtree` (lib/subtree.h, 8 bytes): inline when the lowest bit is set
 *   (a leaf: flags in byte 0, symbol in byte 1, padding bytes in byte 6, size
 *   bytes in byte 7), else a pointer to `SubtreeHeapData`: padding.bytes at
 *   4, size.bytes at 16, child_count at 36, symbol at 40, flags at 44,
 *   visible_child_count at 48, production_id at 66; its children are the
 *   `child_count` subtrees just before it.
 * - `TSTree`: the root subtree first, the language pointer at 8.
 * - `TSLanguage`: field_count at 32, max_alias_sequence_length at 36,
 *   field_map_slices at 64, field_map_entries at 68, symbol_metadata at 72,
 *   public_symbol_map at 76, alias_sequences at 84.
 *
 * Nothing here is trusted blindly: the language's header is checked against
 * what web-tree-sitter read through its API, and the first nodes of the
 * process are walked in step with the exports (CheckedSteps), every answer
 * compared; one difference and the exports are used from then on.
 */
import type { CursorSteps } from './cursor-steps.js';

/** What the memory walk needs of the Emscripten module: its views of memory. */
export interface WasmMemoryViews {
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
}

/** web-tree-sitter's ERROR symbol (`ts_builtin_sym_error`, a TSSymbol of -1): public as it is. */
const ERROR_SYMBOL = 0xffff;

/** The tables of a language the cursor reads, as byte addresses. */
export interface LanguageTables {
  fieldCount: number;
  maxAliasLength: number;
  fieldMapSlices: number;
  fieldMapEntries: number;
  symbolMetadata: number;
  publicSymbolMap: number;
  aliasSequences: number;
  /** Per production id, the field id of each structural child (0: none), read from the field map on first use. */
  readonly fieldsByProduction: (readonly number[] | undefined)[];
}

/** The language's tables, or undefined when its header does not read as `expected` says (another ABI, another layout). */
export function readLanguageTables(views: WasmMemoryViews, language: number, expected: { fieldCount: number; symbolNames: (id: number) => string | undefined }): LanguageTables | undefined {
  const words = views.HEAPU32;
  const base = language >>> 2;
  if (language === 0 || (language & 3) !== 0 || words[base] !== 15) return undefined;
  const symbolCount = words[base + 1];
  const tables: LanguageTables = {
    fieldCount: words[base + 8],
    maxAliasLength: views.HEAPU16[(language + 36) >>> 1],
    fieldMapSlices: words[base + 16],
    fieldMapEntries: words[base + 17],
    symbolMetadata: words[base + 18],
    publicSymbolMap: words[base + 19],
    aliasSequences: words[base + 21],
    fieldsByProduction: [],
  };
  if (tables.fieldCount !== expected.fieldCount) return undefined;
  // symbol_names (at 56) against the names web-tree-sitter read through the API: the pointers around it are then where they should be.
  const names = words[base + 14];
  for (let id = 1; id < Math.min(symbolCount, 64); id++) {
    const name = expected.symbolNames(id);
    if (name !== undefined && readCString(views.HEAPU8, words[(names >>> 2) + id]) !== name) return undefined;
  }
  return tables;
}

function readCString(bytes: Uint8Array, address: number): string {
  let end = address;
  while (bytes[end] !== 0 && end - address < 256) end++;
  return new TextDecoder().decode(bytes.subarray(address, end));
}

/**
 * A tree cursor over wasm memory: the stack of `lib/tree_cursor.c` (entries of
 * subtree address, start byte, child index, structural child index) in four
 * arrays, moved by the same steps. The tree must not change or be deleted
 * while it walks, and nothing may allocate in wasm meanwhile (memory growth
 * would leave the views detached): the index's walk calls nothing else.
 */
export class MemoryCursorSteps implements CursorSteps {
  start = 0;
  end = 0;
  private u8: Uint8Array;
  private u16: Uint16Array;
  private u32: Uint32Array;
  /** The stack's live part is [0, size); entries above it are kept, as a pop in C keeps them. */
  private size = 1;
  private readonly subtrees: number[];
  private readonly positions: number[];
  private readonly childIndexes: number[];
  private readonly structuralIndexes: number[];
  /**
   * Per entry, what the iterator knew when it pushed it (see push), so that no read asks memory again: its
   * end byte, whether it is visible and extra, its alias and its field in the parent's production (0: none),
   * and where its next sibling starts.
   */
  private readonly ends: number[];
  private readonly visibles: boolean[] = [true];
  private readonly extras: boolean[] = [false];
  private readonly aliases: number[] = [0];
  private readonly ownFields: number[] = [0];
  private readonly nextPositions: number[] = [0];
  private readonly nextStructurals: number[] = [0];

  constructor(
    private readonly views: WasmMemoryViews,
    tree: number,
    private readonly language: LanguageTables,
  ) {
    this.u8 = views.HEAPU8;
    this.u16 = views.HEAPU16;
    this.u32 = views.HEAPU32;
    // ts_tree_root_node: the root subtree is the tree's first field; the node starts after its padding.
    this.subtrees = [tree];
    this.positions = [this.paddingBytes(tree)];
    this.ends = [this.positions[0] + this.sizeBytes(tree)];
    this.childIndexes = [0];
    this.structuralIndexes = [0];
  }

  /**
   * Takes the module's views again when the memory grew (a grown memory detaches the old views: length 0).
   * Only the checked walk calls into wasm while this cursor lives (CheckedSteps, after each of its calls).
   */
  refreshViews(): void {
    if (this.u32.length !== 0) return;
    this.u8 = this.views.HEAPU8;
    this.u16 = this.views.HEAPU16;
    this.u32 = this.views.HEAPU32;
  }

  // ---- Subtree fields (SUBTREE_GET and friends in lib/subtree.h). `subtree` is the address of the 8-byte Subtree.

  /** Flags with the inline layout's bit order: visible 1, named 2, extra 3, missing 5 (heap flags are shifted into it). */
  private flags(subtree: number): number {
    const data = this.u32[subtree >>> 2];
    if ((data & 1) !== 0) return data;
    const heapFlags = this.u32[(data >>> 2) + 11];
    // Heap: visible 0, named 1, extra 2, is_missing 9.
    return ((heapFlags & 0b111) << 1) | ((heapFlags >>> 9) & 1) << 5;
  }

  private symbol(subtree: number): number {
    const data = this.u32[subtree >>> 2];
    return (data & 1) !== 0 ? (data >>> 8) & 0xff : this.u32[(data >>> 2) + 10] & 0xffff;
  }

  private childCount(subtree: number): number {
    const data = this.u32[subtree >>> 2];
    return (data & 1) !== 0 ? 0 : this.u32[(data >>> 2) + 9];
  }

  /** The production id of a subtree with children. */
  private productionId(subtree: number): number {
    return this.u32[(this.u32[subtree >>> 2] >>> 2) + 16] >>> 16;
  }

  private visibleChildCount(subtree: number): number {
    const data = this.u32[subtree >>> 2];
    if ((data & 1) !== 0) return 0;
    const heap = data >>> 2;
    return this.u32[heap + 9] > 0 ? this.u32[heap + 12] : 0;
  }

  private paddingBytes(subtree: number): number {
    const data = this.u32[subtree >>> 2];
    return (data & 1) !== 0 ? (this.u32[(subtree >>> 2) + 1] >>> 16) & 0xff : this.u32[(data >>> 2) + 1];
  }

  private sizeBytes(subtree: number): number {
    const data = this.u32[subtree >>> 2];
    return (data & 1) !== 0 ? this.u32[(subtree >>> 2) + 1] >>> 24 : this.u32[(data >>> 2) + 4];
  }

  /** ts_language_alias_at. */
  private aliasAt(productionId: number, childIndex: number): number {
    if (productionId === 0) return 0;
    return this.u16[(this.language.aliasSequences >>> 1) + productionId * this.language.maxAliasLength + childIndex];
  }

  /** ts_tree_cursor_is_entry_visible: the root, or as the iterator judged the entry (visible, or aliased and not extra). */
  private isEntryVisible(index: number): boolean {
    return index === 0 || this.visibles[index];
  }

  /** Pushes a child as the iterator left it (see the per-entry arrays). */
  private push(subtree: number, position: number, end: number, childIndex: number, structuralIndex: number, flags: number, alias: number, field: number, nextPosition: number, nextStructural: number): void {
    const at = this.size++;
    this.subtrees[at] = subtree;
    this.positions[at] = position;
    this.ends[at] = end;
    this.childIndexes[at] = childIndex;
    this.structuralIndexes[at] = structuralIndex;
    this.visibles[at] = (flags & 2) !== 0 || alias !== 0;
    this.extras[at] = (flags & 8) !== 0;
    this.aliases[at] = alias;
    this.ownFields[at] = field;
    this.nextPositions[at] = nextPosition;
    this.nextStructurals[at] = nextStructural;
  }

  /**
   * ts_tree_cursor_child_iterator over the children of the top entry, from child `childIndex` (at `position`,
   * structural index `structuralIndex`): pushes the first child that is visible (VISIBLE) or holds visible
   * children (HIDDEN); NONE when there is none.
   */
  private advanceChildren(childIndex: number, structuralIndex: number, position: number): number {
    const parent = this.subtrees[this.size - 1];
    const count = this.childCount(parent);
    if (count === 0) return NONE;
    const productionId = this.productionId(parent);
    const fields = this.language.fieldCount === 0 ? NO_FIELDS : this.fieldsOf(productionId);
    const children = this.u32[parent >>> 2] - count * 8;
    while (childIndex < count) {
      const child = children + childIndex * 8;
      const entryPosition = position;
      const entryStructural = structuralIndex;
      const flags = this.flags(child);
      // An extra (a comment) takes no alias and no structural index (ts_tree_cursor_child_iterator_next).
      let alias = 0;
      if ((flags & 8) === 0) {
        alias = this.aliasAt(productionId, structuralIndex);
        structuralIndex++;
      }
      const end = position + this.sizeBytes(child);
      position = end;
      childIndex++;
      if (childIndex < count) position += this.paddingBytes(children + childIndex * 8);
      if ((flags & 2) !== 0 || alias !== 0 || this.visibleChildCount(child) > 0) {
        const field = (flags & 8) === 0 ? (fields[entryStructural] ?? 0) : 0;
        this.push(child, entryPosition, end, childIndex - 1, entryStructural, flags, alias, field, position, structuralIndex);
        return (flags & 2) !== 0 || alias !== 0 ? VISIBLE : HIDDEN;
      }
    }
    return NONE;
  }

  gotoFirstChild(): boolean {
    for (;;) {
      const step = this.advanceChildren(0, 0, this.positions[this.size - 1]);
      if (step === HIDDEN) continue;
      return step === VISIBLE;
    }
  }

  /**
   * ts_tree_cursor_goto_sibling_internal with child_iterator_next. C steps the iterator over the popped entry
   * again; its visibility and where its next sibling starts were kept when it was pushed.
   */
  private nextSiblingStep(): number {
    const initialSize = this.size;
    while (this.size > 1) {
      const popped = --this.size;
      // Come up out of a hidden node's children to a visible node: its siblings are not the cursor's.
      if (this.visibles[popped] && this.size + 1 < initialSize) break;
      const step = this.advanceChildren(this.childIndexes[popped] + 1, this.nextStructurals[popped], this.nextPositions[popped]);
      if (step !== NONE) return step;
    }
    this.size = initialSize;
    return NONE;
  }

  gotoNextSibling(): boolean {
    const step = this.nextSiblingStep();
    if (step === HIDDEN) {
      this.gotoFirstChild();
      return true;
    }
    return step === VISIBLE;
  }

  gotoParent(): boolean {
    for (let index = this.size - 2; index >= 0; index--) {
      if (this.isEntryVisible(index)) {
        this.size = index + 1;
        return true;
      }
    }
    return false;
  }

  typeId(): number {
    const top = this.size - 1;
    // ts_tree_cursor_current_node: the alias the parent's production gives (none for extras and the root).
    const symbol = this.aliases[top] || this.symbol(this.subtrees[top]);
    return symbol === ERROR_SYMBOL ? symbol : this.u16[(this.language.publicSymbolMap >>> 1) + symbol];
  }

  /** ts_tree_cursor_current_field_id: the field of the current node, or of the hidden nodes it is the visible face of. */
  fieldId(): number {
    for (let index = this.size - 1; index > 0; index--) {
      if (index !== this.size - 1 && this.visibles[index]) break;
      if (this.extras[index]) break;
      const field = this.ownFields[index];
      if (field !== 0) return field;
    }
    return 0;
  }

  /** A production's field ids by structural child index: the first entry of its field map that is not inherited, as C looks them up. */
  private fieldsOf(productionId: number): readonly number[] {
    const known = this.language.fieldsByProduction[productionId];
    if (known !== undefined) return known;
    const fields: number[] = [];
    const slice = this.u32[(this.language.fieldMapSlices >>> 2) + productionId];
    const from = slice & 0xffff;
    const to = from + (slice >>> 16);
    for (let entry = from; entry < to; entry++) {
      // TSFieldMapEntry: field_id (u16), child_index (u8), inherited (bool).
      const word = this.u32[(this.language.fieldMapEntries >>> 2) + entry];
      const childIndex = (word >>> 16) & 0xff;
      if (word >>> 24 === 0 && !(fields[childIndex] > 0)) fields[childIndex] = word & 0xffff;
    }
    // Holes read as 0: no field.
    for (let at = 0; at < fields.length; at++) fields[at] ??= 0;
    this.language.fieldsByProduction[productionId] = fields;
    return fields;
  }

  readSpan(): void {
    const top = this.size - 1;
    // Bytes of the UTF-16 input, halved like the exports' byte_to_code_unit.
    this.start = this.positions[top] >>> 1;
    this.end = this.ends[top] >>> 1;
  }

  isNamed(): boolean {
    const alias = this.aliases[this.size - 1];
    // TSSymbolMetadata: visible, named, supertype (one byte each).
    if (alias !== 0) return this.u8[this.language.symbolMetadata + alias * 3 + 1] !== 0;
    return (this.flags(this.subtrees[this.size - 1]) & 4) !== 0;
  }

  isMissing(): boolean {
    return (this.flags(this.subtrees[this.size - 1]) & 32) !== 0;
  }

  close(): void {}
}

const NO_FIELDS: readonly number[] = [];
const NONE = 0;
const HIDDEN = 1;
const VISIBLE = 2;
