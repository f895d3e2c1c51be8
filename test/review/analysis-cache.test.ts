/**
 * The analysis cache: a hit is exactly what a fresh analysis returns, and
 * every input of a file's result (text, path, configuration, changed lines,
 * the context files it read) invalidates it when it changes.
 */
import { describe, expect, it } from 'vitest';
import type { ContextFileReader } from '../../checks/project-context.js';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';
import { AnalysisCache, analysisCacheKey, configHash, gitBlobSha } from '../../src/review/analysis-cache.js';
import { analyzeFiles, type SourceInput } from '../../src/review/analyze-files.js';

const EXPRESS = 'src/app.ts';
const expressApp = (extra = '') => `import express from 'express';
const app = express();
app.get('/orders', async (req, res) => {
  res.json(await db.orders.list());
});
app.post('/orders', async (req, res) => {
  res.json(await db.orders.create(req.body));
});
${extra}`;

const ROUTE = 'app/api/projects/route.ts';
const NEXT_ROUTE = `export async function GET() {
  return Response.json(await db.project.findMany());
}
`;
const GUARDING_MIDDLEWARE = `export { default } from 'next-auth/middleware';

export const config = { matcher: ['/api/projects/:path*'] };
`;
const OTHER_MIDDLEWARE = `export { default } from 'next-auth/middleware';

export const config = { matcher: ['/api/admin/:path*'] };
`;

function reader(files: Map<string, string>): ContextFileReader {
  return { read: async (path) => files.get(path), exists: async (path) => files.has(path) };
}

const authOf = (result: Awaited<ReturnType<typeof analyzeFiles>>) => result.endpoints.map((endpoint) => `${endpoint.method} ${endpoint.route}: ${endpoint.checklist['authn.identity'].status}`);

describe('analysis cache', () => {
  it('a second analysis of the same files is served from the cache, equal to a fresh one', async () => {
    const cache = new AnalysisCache();
    const files = new Map([['middleware.ts', GUARDING_MIDDLEWARE]]);
    const inputs: SourceInput[] = [
      { path: EXPRESS, text: expressApp(), changedLines: new Set([7]) },
      { path: ROUTE, text: NEXT_ROUTE },
    ];
    const first = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(files), cache });
    expect(cache.stats).toMatchObject({ hits: 0, misses: 2, stored: 2 });
    const second = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(files), cache });
    expect(cache.stats).toMatchObject({ hits: 2, misses: 2 });
    expect(second).toEqual(first);
    expect(second).toEqual(await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(files) }));
    expect(authOf(second)).toEqual(['POST /orders: fail', 'GET /api/projects: pass']);
  });

  it('a hit is a copy: changing a result does not change the cache', async () => {
    const cache = new AnalysisCache();
    const inputs = [{ path: EXPRESS, text: expressApp() }];
    const first = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, cache });
    first.findings.length = 0;
    first.endpoints[0].checklist['authn.identity'].status = 'pass';
    const second = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, cache });
    expect(cache.stats.hits).toBe(1);
    expect(second.findings.length).toBeGreaterThan(0);
    expect(second.endpoints[0].checklist['authn.identity'].status).toBe('fail');
  });

  it('another configuration, other changed lines, other text or another path are misses', async () => {
    const cache = new AnalysisCache();
    const base = { path: EXPRESS, text: expressApp(), changedLines: new Set([7]) };
    await analyzeFiles([base], { config: DEFAULT_CONFIG, cache });
    const withAuth = configSchema.parse({ auth: { functions: ['requireMember'] } });
    await analyzeFiles([base], { config: withAuth, cache });
    await analyzeFiles([{ ...base, changedLines: new Set([4]) }], { config: DEFAULT_CONFIG, cache });
    await analyzeFiles([{ ...base, text: expressApp('// a comment\n') }], { config: DEFAULT_CONFIG, cache });
    await analyzeFiles([{ ...base, path: 'src/server.ts' }], { config: DEFAULT_CONFIG, cache });
    expect(cache.stats).toMatchObject({ hits: 0, misses: 5 });
    // The same configuration written in another key order is the same configuration.
    const reordered = configSchema.parse({ auth: { public_routes: [], functions: ['requireMember'] } });
    await analyzeFiles([base], { config: reordered, cache });
    expect(cache.stats.hits).toBe(1);
  });

  it('a context file that changed (middleware.ts) makes the entry stale, and the new result is right', async () => {
    const cache = new AnalysisCache();
    const inputs = [{ path: ROUTE, text: NEXT_ROUTE }];
    const guarded = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(new Map([['middleware.ts', GUARDING_MIDDLEWARE]])), cache });
    expect(authOf(guarded)).toEqual(['GET /api/projects: pass']);

    const elsewhere = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(new Map([['middleware.ts', OTHER_MIDDLEWARE]])), cache });
    expect(cache.stats).toMatchObject({ hits: 0, stale: 1 });
    expect(authOf(elsewhere)).toEqual(['GET /api/projects: fail']);

    // A middleware that appears where there was none also counts: "missing" was observed.
    const none = await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(new Map()), cache });
    expect(authOf(none)).toEqual(['GET /api/projects: fail']);
    await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: reader(new Map([['middleware.ts', GUARDING_MIDDLEWARE]])), cache });
    expect(cache.stats.stale).toBe(3);
    expect(cache.stats.hits).toBe(0);
  });

  it('a result that read a context file with an error is not kept (the next run may read it)', async () => {
    const cache = new AnalysisCache();
    const failing: ContextFileReader = { read: async () => Promise.reject(new Error('502 Bad Gateway')), exists: async () => true };
    const inputs = [{ path: ROUTE, text: NEXT_ROUTE }];
    await analyzeFiles(inputs, { config: DEFAULT_CONFIG, context: failing, cache });
    expect(cache.stats.stored).toBe(0);
  });

  it('skipped files are not kept', async () => {
    const cache = new AnalysisCache();
    await analyzeFiles([{ path: EXPRESS, text: 'app.get(' }], { config: DEFAULT_CONFIG, cache });
    expect(cache.stats.stored).toBe(0);
  });

  it('keeps at most its bound, evicting the least recently used', async () => {
    const cache = new AnalysisCache(2);
    const file = (n: number) => ({ path: `src/routes/r${n}.ts`, text: expressApp(`// ${n}\n`) });
    await analyzeFiles([file(1), file(2)], { config: DEFAULT_CONFIG, cache });
    await analyzeFiles([file(1)], { config: DEFAULT_CONFIG, cache }); // r1 is now the most recent
    await analyzeFiles([file(3)], { config: DEFAULT_CONFIG, cache }); // evicts r2
    expect(cache.stats).toMatchObject({ size: 2, evicted: 1, hits: 1 });
    await analyzeFiles([file(1)], { config: DEFAULT_CONFIG, cache });
    await analyzeFiles([file(2)], { config: DEFAULT_CONFIG, cache });
    expect(cache.stats.hits).toBe(2);
  });

  it('a file with every line changed (an added file) shares the entry of the whole file, with the same result', async () => {
    const cache = new AnalysisCache();
    const text = expressApp();
    const every = new Set(Array.from({ length: text.split('\n').length - 1 }, (_, i) => i + 1));
    const changed = await analyzeFiles([{ path: EXPRESS, text, changedLines: every }], { config: DEFAULT_CONFIG, cache });
    const whole = await analyzeFiles([{ path: EXPRESS, text }], { config: DEFAULT_CONFIG, cache });
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1 });
    expect(whole).toEqual(changed);
    expect(whole).toEqual(await analyzeFiles([{ path: EXPRESS, text, changedLines: every }], { config: DEFAULT_CONFIG }));
    // One line short of every line is another key.
    every.delete(1);
    await analyzeFiles([{ path: EXPRESS, text, changedLines: every }], { config: DEFAULT_CONFIG, cache });
    expect(cache.stats.misses).toBe(2);
  });

  it('custom checks are never cached (they are not in the key)', async () => {
    const cache = new AnalysisCache();
    await analyzeFiles([{ path: EXPRESS, text: expressApp() }], { config: DEFAULT_CONFIG, cache, checks: [] });
    expect(cache.stats).toMatchObject({ stored: 0, misses: 0 });
  });
});

describe('cache keys', () => {
  it("gitBlobSha is git's blob sha (what GitHub lists for a file)", () => {
    // `printf 'hello\\n' | git hash-object --stdin`
    expect(gitBlobSha('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('the reader kind is part of the key: with and without context files the analysis differs', () => {
    const input = { path: ROUTE, text: NEXT_ROUTE, config: DEFAULT_CONFIG };
    const keys = new Set([
      analysisCacheKey({ ...input, context: undefined }),
      analysisCacheKey({ ...input, context: { read: async () => undefined } }),
      analysisCacheKey({ ...input, context: reader(new Map()) }),
    ]);
    expect(keys.size).toBe(3);
    expect(configHash(DEFAULT_CONFIG)).toBe(configHash(configSchema.parse({})));
  });
});
