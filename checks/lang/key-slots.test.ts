import { describe, expect, it } from 'vitest';
import { KeySlots, keptPerContext } from './key-slots.js';

describe('KeySlots', () => {
  it('answers what was set for the same object, and nothing for another', () => {
    const slots = new KeySlots<object, string>('test');
    const key = {};
    slots.set(key, 'cached');
    expect(slots.get(key)).toBe('cached');
    expect(slots.get({})).toBeUndefined();
  });

  it('replaces a value set again', () => {
    const slots = new KeySlots<object, number>('test');
    const key: number[] = [];
    slots.set(key, 1).set(key, 2);
    expect(slots.get(key)).toBe(2);
  });

  it('keeps two caches on one key apart', () => {
    const first = new KeySlots<object, string>('same description');
    const second = new KeySlots<object, string>('same description');
    const key = {};
    first.set(key, 'first');
    expect(second.get(key)).toBeUndefined();
  });

  it('does not travel with a copy of the key (spread, Object.assign) nor show among its keys', () => {
    const slots = new KeySlots<object, string>('test');
    const endpoint = { route: '/a' };
    slots.set(endpoint, 'facts of /a');
    expect(slots.get({ ...endpoint, route: '/b' })).toBeUndefined();
    expect(slots.get(Object.assign({}, endpoint))).toBeUndefined();
    expect(Reflect.ownKeys(endpoint).filter((key) => Object.getOwnPropertyDescriptor(endpoint, key)?.enumerable)).toEqual(['route']);
    expect(JSON.stringify(endpoint)).toBe('{"route":"/a"}');
  });

  it('does not travel with a copy of an array key', () => {
    const slots = new KeySlots<readonly number[], string>('test');
    const scopes = [1, 2];
    slots.set(scopes, 'facts');
    expect(slots.get([...scopes])).toBeUndefined();
    expect(slots.get(scopes.slice())).toBeUndefined();
    expect(slots.get(scopes.map((x) => x))).toBeUndefined();
  });

  it('keeps an object apart from its prototype, and from a clone', () => {
    const slots = new KeySlots<object, string>('test');
    const prototype = { route: '/a' };
    slots.set(prototype, 'facts of the prototype');
    const child = Object.create(prototype) as object;
    expect(slots.get(child)).toBeUndefined();
    slots.set(child, 'facts of the child');
    expect(slots.get(child)).toBe('facts of the child');
    expect(slots.get(prototype)).toBe('facts of the prototype');
    expect(slots.get(structuredClone(prototype))).toBeUndefined();
    expect(Reflect.ownKeys(prototype)).toEqual(['route']);
  });

  it('caches on a frozen key too', () => {
    const slots = new KeySlots<object, string>('test');
    const key = Object.freeze([]);
    slots.set(key, 'frozen');
    expect(slots.get(key)).toBe('frozen');
    expect(slots.get(Object.freeze([]))).toBeUndefined();
  });
});

describe('keptPerContext', () => {
  it('computes once per key within one context, afresh for another context', () => {
    const asked: string[] = [];
    const fact = keptPerContext('test', (key: { name: string }, context: { id: number }) => {
      asked.push(`${key.name}@${context.id}`);
      return `${key.name} in ${context.id}`;
    });
    const endpoint = { name: 'GET /a' };
    const other = { name: 'GET /b' };
    const review = { id: 1 };
    const nextReview = { id: 2 };
    expect([fact(endpoint, review), fact(endpoint, review), fact(other, review)]).toEqual(['GET /a in 1', 'GET /a in 1', 'GET /b in 1']);
    expect(fact(endpoint, nextReview)).toBe('GET /a in 2');
    expect(asked).toEqual(['GET /a@1', 'GET /b@1', 'GET /a@2']);
  });
});
