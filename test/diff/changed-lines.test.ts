import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../src/diff/changed-lines.js';

describe('parsePatch', () => {
  it('marks added lines as changed and commentable, context lines as commentable only', () => {
    const changes = parsePatch('@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e')!;
    expect([...changes.added]).toEqual([2, 3]);
    expect([...changes.commentable].sort((x, y) => x - y)).toEqual([1, 2, 3, 4]);
    expect(changes.changed.has(2)).toBe(true);
    expect(changes.changed.has(4)).toBe(false);
  });

  it('marks the lines around a pure deletion as changed, though none is added', () => {
    const changes = parsePatch('@@ -10,4 +10,3 @@\n x\n-  await requireAuth(req);\n y\n z')!;
    expect(changes.added.size).toBe(0);
    expect(changes.changed.has(10)).toBe(true);
    expect(changes.changed.has(11)).toBe(true);
    expect(changes.commentable.has(11)).toBe(true);
  });

  it('gives undefined when GitHub left the patch out (large or binary diff)', () => {
    expect(parsePatch(undefined)).toBeUndefined();
    expect(parsePatch(null)).toBeUndefined();
  });
});
