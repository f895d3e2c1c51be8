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
export class KeySlots<K extends object, V> {
  private readonly slot: symbol;
  private fallback: WeakMap<K, V> | undefined;

  constructor(description: string) {
    this.slot = Symbol(description);
  }

  get(key: K): V | undefined {
    const own = (key as Record<symbol, V | undefined>)[this.slot];
    if (own !== undefined) return own;
    return this.fallback?.get(key);
  }

  set(key: K, value: V): this {
    if (Array.isArray(key) && Object.isExtensible(key)) {
      // Scopes arrays, most keys: array copies (spread, slice, concat) take elements only, so a plain
      // property is enough, and it costs a tenth of defineProperty.
      (key as unknown as Record<symbol, V>)[this.slot] = value;
    } else if (Object.isExtensible(key)) {
      Object.defineProperty(key, this.slot, { value, writable: true, configurable: true, enumerable: false });
    } else {
      (this.fallback ??= new WeakMap()).set(key, value);
    }
    return this;
  }
}
