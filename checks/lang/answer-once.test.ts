import { describe, expect, it } from 'vitest';
import { answerOnce } from './answer-once.js';

describe('answerOnce', () => {
  it('computes each distinct key once and gives the same answer after', () => {
    const asked: string[] = [];
    const length = answerOnce((key: string) => {
      asked.push(key);
      return key.length;
    });
    expect([length('res.json'), length('eq'), length('res.json'), length('eq')]).toEqual([8, 2, 8, 2]);
    expect(asked).toEqual(['res.json', 'eq']);
  });

  it('remembers an undefined or null answer rather than computing it again', () => {
    let computed = 0;
    const nothing = answerOnce((key: string) => {
      computed++;
      return key === 'null' ? null : undefined;
    });
    nothing('undefined');
    nothing('undefined');
    nothing('null');
    nothing('null');
    expect(computed).toBe(2);
  });

  it('starts over past its limit, still answering right', () => {
    const asked: number[] = [];
    const double = answerOnce((key: number) => {
      asked.push(key);
      return key * 2;
    }, 2);
    expect([double(1), double(2), double(3), double(1)]).toEqual([2, 4, 6, 2]);
    // The third key found the map full: it started over, so 1 was computed again.
    expect(asked).toEqual([1, 2, 3, 1]);
  });
});
