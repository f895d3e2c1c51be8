/**
 * The head-commit reader of context files: one tree listing answers which
 * paths exist, so reads of absent paths (Next.js tries six middleware names)
 * cost no request, and each present file is fetched once.
 */
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.js';
import { createRefReader } from '../../src/review/ref-reader.js';

function fakeOctokit(files: Record<string, string>, options: { truncated?: boolean } = {}) {
  const calls: string[] = [];
  const octokit = {
    rest: {
      git: {
        getTree: async () => {
          calls.push('tree');
          return { data: { truncated: options.truncated ?? false, tree: Object.keys(files).map((path) => ({ path, type: 'blob' })) } };
        },
      },
      repos: {
        getContent: async ({ path }: { path: string }) => {
          calls.push(`contents ${path}`);
          const text = files[path];
          if (text === undefined) throw Object.assign(new Error('Not Found'), { status: 404 });
          return { data: { type: 'file', size: text.length, encoding: 'base64', content: Buffer.from(text).toString('base64') } };
        },
      },
    },
  };
  return { octokit: octokit as unknown as GitHubClient, calls };
}

const REF = { owner: 'o', repo: 'r', sha: 'abc' };

describe('createRefReader', () => {
  it('answers reads of paths the tree lacks without a request, and reads a present file once', async () => {
    const { octokit, calls } = fakeOctokit({ 'src/middleware.ts': 'export function middleware() {}\n' });
    const reader = createRefReader(octokit, REF);
    expect(await reader.read('middleware.ts')).toBeUndefined();
    expect(await reader.read('middleware.js')).toBeUndefined();
    expect(await reader.read('src/middleware.ts')).toBe('export function middleware() {}\n');
    expect(await reader.read('src/middleware.ts')).toBe('export function middleware() {}\n');
    expect(await reader.exists!('src/middleware.ts')).toBe(true);
    expect(calls).toEqual(['tree', 'contents src/middleware.ts']);
  });

  it('reads every path when the listing is truncated (a huge repository): a 404 is then a missing file', async () => {
    const { octokit, calls } = fakeOctokit({ 'a.ts': 'x\n' }, { truncated: true });
    const reader = createRefReader(octokit, REF);
    expect(await reader.read('middleware.ts')).toBeUndefined();
    expect(await reader.read('a.ts')).toBe('x\n');
    expect(calls).toEqual(['tree', 'contents middleware.ts', 'contents a.ts']);
  });
});
