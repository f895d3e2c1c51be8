/**
 * action.yml and the committed bundle it runs. The runner downloads the
 * repository at the ref a workflow names and runs `node action/dist/index.mjs`
 * without installing anything, so the bundle is run here from a directory
 * with no node_modules, against the fake GitHub, with the runner's
 * environment. (The behaviour itself is tested on the source entry in
 * run-action.test.ts; `npm run build:action` refreshes the bundle.)
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { patchForAddedFile, startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { REPO_ROOT } from '../e2e/app-process.js';
import { adaptPullRequestPayload, loadPullRequestExample } from '../e2e/pull-request-payload.js';

const run = promisify(execFile);

interface ActionManifest {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
}

const manifest = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionManifest;

describe('action.yml', () => {
  it('is a node20 JavaScript action whose entry is committed', () => {
    expect(manifest.runs.using).toBe('node20');
    expect(existsSync(join(REPO_ROOT, manifest.runs.main))).toBe(true);
  });

  it('declares the inputs the action reads, none required, the token defaulting to the workflow token', () => {
    expect(Object.keys(manifest.inputs).sort()).toEqual(['config', 'fail-on', 'github-token', 'max-comments', 'sarif-file']);
    expect(manifest.inputs['github-token']?.default).toBe('${{ github.token }}');
    expect(Object.values(manifest.inputs).every((input) => input.required === false)).toBe(true);
    expect(Object.keys(manifest.outputs).sort()).toEqual(['conclusion', 'findings', 'mode', 'sarif-file']);
  });
});

describe('the committed bundle is fresh', () => {
  // The runner runs what is committed, not the sources: a source change that is not
  // rebuilt (`npm run build:action`) would ship old behaviour, so a fresh build must match it byte for byte.
  it('equals a build of the current sources, .wasm files included', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'asr-action-build-'));
    try {
      await run(process.execPath, ['action/build.mjs'], { cwd: REPO_ROOT, env: { ...process.env, ACTION_OUTDIR: outdir } });
      for (const name of ['index.mjs', 'web-tree-sitter.wasm', 'tree-sitter-python.wasm']) {
        const fresh = readFileSync(join(outdir, name));
        const committed = readFileSync(join(REPO_ROOT, 'action', 'dist', name));
        expect(fresh.equals(committed), `action/dist/${name} is stale: run npm run build:action and commit it`).toBe(true);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the committed bundle', () => {
  const owner = 'octo-org';
  const repo = 'bundle-api';
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  let fake: FakeGitHub;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.store.addInstallation(5, owner);
    fake.store.tokens.set(token, { token, installationId: 5, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    fake.store.addRepository({ owner, name: repo, files: { 'README.md': '# bundle-api\n' } });
    dir = mkdtempSync(join(tmpdir(), 'asr-action-bundle-'));
  });

  afterAll(async () => {
    await fake?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('runs without node_modules: posts the check run for a vulnerable pull request and exits 1', async () => {
    const content = "import express from 'express';\nconst app = express();\napp.delete('/users/:id', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.sendStatus(204); });\n";
    const target = { owner, repo, number: 3, headRef: 'feature', headSha: randomBytes(20).toString('hex'), baseRef: 'main', baseSha: randomBytes(20).toString('hex'), installationId: 5 };
    fake.store.addPullRequest(`${owner}/${repo}`, {
      number: target.number,
      head: { ref: target.headRef, sha: target.headSha },
      base: { ref: target.baseRef, sha: target.baseSha },
      files: [{ filename: 'src/app.ts', status: 'added', patch: patchForAddedFile(content), content }],
    });
    const entry = join(dir, 'index.mjs');
    copyFileSync(join(REPO_ROOT, manifest.runs.main), entry);
    const eventPath = join(dir, 'event.json');
    writeFileSync(eventPath, JSON.stringify(adaptPullRequestPayload(loadPullRequestExample('opened'), target)));
    const summaryPath = join(dir, 'summary.md');
    writeFileSync(summaryPath, '');

    let code = 0;
    let stdout = '';
    try {
      ({ stdout } = await run(process.execPath, [entry], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_API_URL: fake.apiUrl,
          GITHUB_WORKSPACE: dir,
          GITHUB_STEP_SUMMARY: summaryPath,
          'INPUT_GITHUB-TOKEN': token,
          'INPUT_FAIL-ON': '',
        },
        timeout: 60_000,
      }));
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      code = failed.code;
      stdout = failed.stdout;
    }
    expect(code, stdout).toBe(1);
    const runs = [...fake.store.checkRuns.values()].filter((checkRun) => checkRun.headSha === target.headSha);
    expect(runs.map((checkRun) => [checkRun.status, checkRun.conclusion])).toEqual([['completed', 'failure']]);
    expect(readFileSync(summaryPath, 'utf8')).toContain('DELETE /users/:id');
  }, 90_000);
});
