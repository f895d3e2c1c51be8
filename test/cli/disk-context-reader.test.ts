import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiskContextReader } from '../../src/cli/disk-context-reader.js';
import { createProject } from './cli-harness.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function layout(): { root: string; outside: string } {
  const created = createProject({ 'project/middleware.ts': 'export const m = 1;\n', 'secret.ts': 'export const secret = 1;\n' });
  cleanups.push(created.cleanup);
  return { root: path.join(created.dir, 'project'), outside: path.join(created.dir, 'secret.ts') };
}

describe('createDiskContextReader', () => {
  it('reads a project file by its project path', async () => {
    const { root } = layout();
    expect(await createDiskContextReader(root).read('middleware.ts')).toBe('export const m = 1;\n');
  });

  it('gives undefined for a file that does not exist, or a directory', async () => {
    const { root } = layout();
    mkdirSync(path.join(root, 'proxy.ts'));
    const reader = createDiskContextReader(root);
    expect(await reader.read('app/middleware.ts')).toBeUndefined();
    expect(await reader.read('proxy.ts')).toBeUndefined();
  });

  it('refuses paths that leave the root, directly or through a symlink', async () => {
    const { root, outside } = layout();
    symlinkSync(outside, path.join(root, 'linked.ts'));
    const reader = createDiskContextReader(root);
    expect(await reader.read('../secret.ts')).toBeUndefined();
    expect(await reader.read('app/../../secret.ts')).toBeUndefined();
    expect(await reader.read(outside)).toBeUndefined();
    expect(await reader.read('linked.ts')).toBeUndefined();
  });

  it('throws, with the reason, for a file it cannot decode', async () => {
    const { root } = layout();
    writeFileSync(path.join(root, 'binary.ts'), new Uint8Array([0x61, 0x00, 0x62]));
    await expect(createDiskContextReader(root).read('binary.ts')).rejects.toThrow('binary file (contains NUL bytes)');
  });
});
