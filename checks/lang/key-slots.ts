/**
 * A cache of one value per object, kept on the object itself (a private
 * field, see Stamp below) rather than in a WeakMap. Per-endpoint and
 * per-scopes facts (input flow, record queries, rejection sites...) go here.
 *
 * Why not a WeakMap: V8's young-generation collector (the scavenge, which
 * runs every few megabytes allocated) keeps a WeakMap entry's value alive
 * while the key is young and the map's table is old, as a module-level
 * WeakMap's table always is. The facts cached per endpoint point back at the
 * endpoint, its SourceIndex and the whole syntax tree, so every file analysed
 * stayed reachable until the next full collection: each scavenge copied and
 * promoted about 4 MB of finished files (3.9 MB survived per scavenge over the
 * bench corpus, against 0.5 MB with these caches on the keys), and garbage
 * collection was the largest single cost of the analysis. A property dies
 * with its key.
 *
 * Invisible to copies, so that spreading or `Object.assign`-ing a key (an
 * endpoint copied with another route) does not carry the cached facts over.
 * Keys that cannot take a property (frozen) fall back to a WeakMap.
 */
/**
 * Every KeySlots keeps its values in one holder per key (an array indexed by
 * the KeySlots' number), attached once, as a private field of the key: a
 * base class whose constructor returns the key lets a subclass's field
 * initialiser stamp any object (`new Stamp(key)`). A private field is what
 * the non-enumerable property was, only cheaper: spread, `Object.assign`,
 * `structuredClone`, `Object.keys` and test equality never see it, it is never
 * inherited through a prototype, and it is added by an inline-cached store
 * where `Object.defineProperty` was a runtime call, about 2 µs for the first
 * fact of each endpoint and each SourceIndex (2,600 per pass over the bench
 * corpus).
 */
class ReturnsKey {
  constructor(key: object) {
    return key;
  }
}

class Stamp extends ReturnsKey {
  #slots: unknown[] = [];

  /** The key's holder, undefined when none was attached. */
  static slotsOf(key: object): unknown[] | undefined {
    return #slots in key ? (key as Stamp).#slots : undefined;
  }

  /** Attaches a new holder to `key` (which has none) and returns it. */
  static attach(key: object): unknown[] {
    return (new Stamp(key) as Stamp).#slots;
  }
}

let slotsMade = 0;

export class KeySlots<K extends object, V> {
  private readonly index: number;
  private fallback: WeakMap<K, V> | undefined;

  constructor(readonly description: string) {
    this.index = slotsMade++;
  }

  get(key: K): V | undefined {
    const holder = Stamp.slotsOf(key);
    if (holder !== undefined) {
      const own = holder[this.index] as V | undefined;
      if (own !== undefined) return own;
    }
    return this.fallback?.get(key);
  }

  set(key: K, value: V): this {
    let holder = Stamp.slotsOf(key);
    if (holder === undefined) {
      if (!Object.isExtensible(key)) {
        (this.fallback ??= new WeakMap()).set(key, value);
        return this;
      }
      holder = Stamp.attach(key);
    }
    holder[this.index] = value;
    return this;
  }
}

/**
 * `compute(key, context)` kept on `key` for one context: several checks ask the same fact of an endpoint within one
 * review (one ProjectContext), so it is computed once; asked with another context (the same endpoint object in
 * another review, as tests do), it is computed afresh rather than answered from the other review's files.
 */
export function keptPerContext<K extends object, C, V>(description: string, compute: (key: K, context: C) => V): (key: K, context: C) => V {
  const slots = new KeySlots<K, { context: C; value: V }>(description);
  return (key, context) => {
    const known = slots.get(key);
    if (known !== undefined && known.context === context) return known.value;
    const value = compute(key, context);
    slots.set(key, { context, value });
    return value;
  };
}
