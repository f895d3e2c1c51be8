/**
 * A fact about the code of some scopes of one Python file (the queries in
 * an endpoint's code, the 401s it answers...), computed once per scopes
 * array and kept on the array itself (KeySlots: see checks/lang/key-slots.ts).
 *
 * Discovery hands endpoints with the same code the same scopes array
 * (codeScopes interns them per file: a ViewSet's list, create, retrieve...
 * actions run the same hooks), so a fact cached here is computed once for
 * all of them. Only facts that depend on the index and the scopes' ranges
 * (and on the `extra` discriminator given, such as the handler) may be kept
 * here; anything read from the endpoint's method, route or policies may not.
 */
import { KeySlots } from '../key-slots.js';
import type { PySourceIndex, Scope } from './source-index.js';

interface Held<T> {
  index: PySourceIndex;
  extra: unknown;
  value: T;
}

export class ScopedFacts<T> {
  private readonly slots: KeySlots<readonly Scope[], Held<T>>;

  constructor(description: string) {
    this.slots = new KeySlots(description);
  }

  /** The fact for `scopes` of `index` (and `extra`, compared by identity), computed by `compute` the first time. */
  get(index: PySourceIndex, scopes: readonly Scope[], compute: () => T, extra?: unknown): T {
    const held = this.slots.get(scopes);
    if (held !== undefined && held.index === index && held.extra === extra) return held.value;
    const value = compute();
    // A scopes array asked with another index or discriminator (not discovery's, which are per file): the first answer stays.
    if (held === undefined) this.slots.set(scopes, { index, extra, value });
    return value;
  }
}

/** `pos-end,pos-end...`: the scopes' ranges as a memo key, for facts shared by equal scopes in different arrays. */
export function scopesKey(scopes: readonly Scope[]): string {
  let key = '';
  for (let i = 0; i < scopes.length; i++) key += `${i === 0 ? '' : ','}${scopes[i].pos}-${scopes[i].end}`;
  return key;
}
