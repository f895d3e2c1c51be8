/**
 * A crash in the analysis costs the least it can: one check on one
 * endpoint (the engine's isolation), or one file (the job's), never the review.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCheck, type Check, type CheckContext } from '../../checks/create-check.js';
import { CHECKS } from '../../checks/index.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';
import { analyzeIsolated } from '../../src/review/run-review.js';
import { createTestApp, loadFixture, trackUnmatchedRequests } from './harness.js';
import { GitHubMock, addedFilePatch } from './github-mock.js';

const APP_PATH = 'src/app.ts';
const APP_FILE = `import express from 'express';
import { db } from './db';

const app = express();

app.post('/users', async (req, res) => {
  const user = await db.user.create({ data: { createdAt: new Date() } });
  res.json({ id: user.id });
});
`;

const META = {
  items: ['authz.ownership'],
  description: 'test check',
  severity: 'low',
  confidence: 'low',
  cwe: ['CWE-639'],
  owasp: ['API1:2023'],
  messages: { never: 'never reported' },
  why: 'test',
  fix: { default: 'test' },
} as const;

/** A check with a bug: it throws on every endpoint. */
const throwingCheck = createCheck({
  ...META,
  id: 'always-throws',
  run() {
    throw new TypeError("Cannot read properties of undefined (reading 'kind')");
  },
});

const silent = { warn: () => undefined };
let unmatched: ReturnType<typeof trackUnmatchedRequests>;

describe('an analyzer that throws', () => {
  beforeEach(() => {
    nock.disableNetConnect();
    unmatched = trackUnmatchedRequests();
  });
  afterEach(() => {
    unmatched.stop();
    expect(unmatched.requests).toEqual([]);
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('a throwing check costs its own items; the other checks still comment and decide the run', async () => {
    const app = await createTestApp({ checks: [throwingCheck, ...CHECKS.filter((check) => check.severity !== 'low')] });
    const github = new GitHubMock()
      .accessToken()
      .createCheckRun()
      .config()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews[0].comments.map((comment: Record<string, unknown>) => comment.line)).toEqual([6]);
    expect(github.completion.conclusion).toBe('failure');
    expect(github.completion.output.summary).toContain('check always-throws failed on src/app.ts:6');
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('analyzeIsolated', () => {
  it('when the engine itself throws, analyses file by file and loses only the file that crashes', async () => {
    // A defect outside the engine's per-check isolation: the check's `items`, read after `run`, throws for one file.
    let crashNext = false;
    const brokenItems: Check = {
      ...META,
      id: 'broken-items',
      get items() {
        if (crashNext) throw new Error('items exploded');
        return ['authz.ownership'] as const;
      },
      run(context: CheckContext) {
        crashNext = context.endpoint.file === 'src/bad.ts';
      },
    } as unknown as Check;
    const inputs = [
      { path: APP_PATH, text: APP_FILE },
      { path: 'src/bad.ts', text: APP_FILE },
    ];
    const options = { config: DEFAULT_CONFIG, checks: [brokenItems, ...CHECKS.filter((check) => check.severity !== 'low')] };
    await expect(analyzeFiles(inputs, options)).rejects.toThrow('items exploded');

    const result = await analyzeIsolated(inputs, options, silent);

    expect(result.findings.map((finding) => [finding.file, finding.ruleId])).toEqual([[APP_PATH, 'missing-authentication']]);
    expect(result.skipped).toEqual([{ file: 'src/bad.ts', reason: 'the analysis crashed on this file: items exploded' }]);
  });

  it('passes the engine result through when nothing throws', async () => {
    const result = await analyzeIsolated([{ path: APP_PATH, text: APP_FILE }], { config: DEFAULT_CONFIG }, silent);
    // The low-severity rate-limit and logging checks inform on every route; only the authentication finding is at stake here.
    expect(result.findings.filter((finding) => finding.severity !== 'low')).toHaveLength(1);
    expect(result.skipped).toEqual([]);
  });
});
