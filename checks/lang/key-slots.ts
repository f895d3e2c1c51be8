/**
 * A cache of one value per object, kept on the object itself (a private,
 * non-enumerable symbol property) rather than in a WeakMap. Per-endpoint and
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
 * Non-enumerable on objects, so that spreading or `Object.assign`-ing a key
 * (an endpoint copied with another route) does not carry the cached facts
 * over; a plain property on arrays, which are copied element by element.
 * Keys that cannot take a property (frozen) fall back to a WeakMap.
 */
/**
 * Every KeySlots keeps its values in one holder per key (an array indexed by
 * the KeySlots' number), attached once: `Object.defineProperty` is a call
 * into the runtime that showed at 0.8% of the analysis profile when each
 * fact of an endpoint defined a property of its own.
 */
const HOLDER = Symbol('KeySlots');
let slotsMade = 0;

type Holding = { [HOLDER]?: unknown[] };

export class KeySlots<K extends object, V> {
  private readonly index: number;
  private fallback: WeakMap<K, V> | undefined;

  constructor(readonly description: string) {
    this.index = slotsMade++;
  }

  get(key: K): V | undefined {
    const holder = (key as Holding)[HOLDER];
    if (holder !== undefined) {
      const own = holder[this.index] as V | undefined;
      if (own !== undefined) return own;
    }
    return this.fallback?.get(key);
  }

  set(key: K, value: V): this {
    // An own holder only: one inherited from a prototype belongs to another object.
    let holder = Object.prototype.hasOwnProperty.call(key, HOLDER) ? (key as Holding)[HOLDER] : undefined;
    if (holder === undefined) {
      if (!Object.isExtensible(key)) {
        (this.fallback ??= new WeakMap()).set(key, value);
        return this;
      }
      holder = [];
      // Scopes arrays, most keys: array copies (spread, slice, concat) take elements only, so a plain property is enough.
      if (Array.isArray(key)) (key as Holding)[HOLDER] = holder;
      else Object.defineProperty(key, HOLDER, { value: holder, writable: false, configurable: true, enumerable: false });
    }
    holder[this.index] = value;
    return this;
  }
}
