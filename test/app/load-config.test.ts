/**
 * The repository config as the app loads it: from the default branch through
 * Probot's config plugin (with the owner's `.github` repository and
 * `_extends`), then merged and validated. Hostile YAML is a fixture here.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRepoConfig, mergeConfigFiles } from '../../src/config/load-config.js';
import type { GitHubClient } from '../../src/github/client.js';
import { createTestApp, trackUnmatchedRequests } from './harness.js';
import { API, CONFIG_PATH, GitHubMock, OWNER, REPO } from './github-mock.js';

let unmatched: ReturnType<typeof trackUnmatchedRequests>;

const ref = { owner: OWNER, repo: REPO };
let octokit: GitHubClient;

beforeEach(async () => {
  nock.disableNetConnect();
  unmatched = trackUnmatchedRequests();
  const { probot } = await createTestApp();
  new GitHubMock().accessToken();
  octokit = (await probot.auth(1)) as GitHubClient;
});

afterEach(() => {
  unmatched.stop();
  expect(unmatched.requests).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

function serve(yaml: string, repo = REPO): void {
  nock(API).get(`/repos/${OWNER}/${repo}/contents/${CONFIG_PATH}`).reply(200, yaml, { 'content-type': 'text/plain; charset=utf-8' });
}

describe('loadRepoConfig', () => {
  it('no file in the repository nor in the owner’s .github repository: all defaults', async () => {
    new GitHubMock().config();
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded).toMatchObject({ ok: true, config: { fail_on: 'high', max_comments: 30, skip_drafts: false } });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('follows _extends and lets the repository override a key and add to a section', async () => {
    serve('_extends: security-defaults\nfail_on: medium\nauth:\n  public_routes: ["/health"]\n');
    serve('max_comments: 5\nfail_on: critical\nauth:\n  functions: [requireUser]\n', 'security-defaults');
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded).toMatchObject({ ok: true, config: { fail_on: 'medium', max_comments: 5, auth: { functions: ['requireUser'], public_routes: ['/health'] } } });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an alias bomb is refused before it expands', async () => {
    serve(['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]'].join('\n'));
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues[0].found).toMatch(/alias/i);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('duplicate keys are an error, not "last one wins"', async () => {
    serve('fail_on: low\nfail_on: critical\n');
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues[0].found).toContain('unique');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a language tag is data, never code: the value is validated like any string', async () => {
    serve('fail_on: !!js/function "function () { return 1 }"\n');
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded).toMatchObject({ ok: false, issues: [{ key: 'fail_on' }] });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a list instead of a mapping, and a __proto__ key, are reported', async () => {
    serve('- fail_on\n- low\n');
    serve('__proto__:\n  fail_on: low\n');
    expect(await loadRepoConfig(octokit, ref)).toMatchObject({ ok: false, issues: [{ key: '(top level)' }] });
    expect(await loadRepoConfig(octokit, ref)).toMatchObject({ ok: false, issues: [{ key: '__proto__' }] });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a custom tag is never resolved: its text is data, validated like any value (no file is read)', async () => {
    serve('fail_on: !include /etc/passwd\nmax_comments: !!binary aGVsbG8=\n');
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded).toMatchObject({ ok: false, issues: [{ key: 'fail_on', found: '"/etc/passwd"' }, { key: 'max_comments' }] });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('wrong types: each key named with what was found and what was expected', async () => {
    serve('max_comments: ten\nskip_drafts: "yes"\nauth: [requireUser]\nrules:\n  missing-authentication: loud\npaths: src/**\n');
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.issues.map((issue) => issue.key).sort()).toEqual(['auth', 'max_comments', 'paths', 'rules.missing-authentication', 'skip_drafts']);
      expect(loaded.issues.find((issue) => issue.key === 'max_comments')).toMatchObject({ found: '"ten"' });
    }
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('unknown keys are named, nested ones with their section', async () => {
    serve('fail_onn: high\nauth:\n  function: [requireUser]\n');
    const loaded = await loadRepoConfig(octokit, ref);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.issues.map((issue) => issue.key).sort()).toEqual(['auth.function', 'fail_onn']);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a 1 MB config: a valid one (mostly comments) loads, a 1 MB list is refused at its limit', async () => {
    serve(`${'# padding padding padding padding padding padding padding padding padding\n'.repeat(14_000)}fail_on: critical\n`);
    serve(`ignore:\n${Array.from({ length: 40_000 }, (_, i) => `  - "generated/${i}/**"`).join('\n')}\n`);
    expect(await loadRepoConfig(octokit, ref)).toMatchObject({ ok: true, config: { fail_on: 'critical' } });
    const huge = await loadRepoConfig(octokit, ref);
    expect(huge).toMatchObject({ ok: false, issues: [{ key: 'ignore' }] });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a GitHub error is thrown (the review cannot run), not reported as a bad file', async () => {
    nock(API).get(`/repos/${OWNER}/${REPO}/contents/${CONFIG_PATH}`).reply(502, { message: 'Bad Gateway' });
    await expect(loadRepoConfig(octokit, ref)).rejects.toMatchObject({ status: 502 });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('mergeConfigFiles', () => {
  it('replaces lists and merges sections key by key, base first', () => {
    expect(mergeConfigFiles([{ paths: ['a/**'], rules: { x: 'off' } }, { paths: ['b/**'], rules: { y: 'low' } }])).toEqual({ paths: ['b/**'], rules: { x: 'off', y: 'low' } });
  });

  it('returns a file that is not a mapping as it is, for validation to report', () => {
    expect(mergeConfigFiles([{ fail_on: 'low' }, 'text'])).toBe('text');
  });

  it('nothing to merge is an empty mapping: all defaults', () => {
    expect(mergeConfigFiles([])).toEqual({});
  });
});
