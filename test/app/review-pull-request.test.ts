/**
 * A pull request event, end to end: webhook -> queue -> review job ->
 * GitHub, with GitHub played by nock as its API documents it.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintMarker } from '../../src/render/review-comment.js';
import { renderWaiverComment } from '../../src/render/waiver-comment.js';
import missingAuthentication from '../../checks/authentication/missing-authentication.js';
import { analyzeSource } from '../support/analyze-source.js';
import { createTestApp, loadFixture, trackUnmatchedRequests, type TestApp } from './harness.js';
import { GitHubMock, HEAD_SHA, PR_NUMBER, TOKEN, addedFilePatch, pullRequestResponse } from './github-mock.js';

/** An Express app with two routes and no authentication: GET (medium) on line 6, POST (high) on line 11. */
const APP_FILE = `import express from 'express';
import { db } from './db';

const app = express();

app.get('/users/:id', async (req, res) => {
  const user = await db.user.findUnique({ where: { id: req.params.id } });
  res.json(user);
});

app.post('/users', async (req, res) => {
  const user = await db.user.create({ data: req.body });
  res.json(user);
});

app.listen(3000);
`;
const APP_PATH = 'src/app.ts';

let unmatched: ReturnType<typeof trackUnmatchedRequests>;
let app: TestApp;
let github: GitHubMock;

beforeEach(async () => {
  nock.disableNetConnect();
  unmatched = trackUnmatchedRequests();
  // Only missing-authentication: these tests are about how findings reach GitHub, and must
  // not change whenever another check learns something about the sample file.
  app = await createTestApp({ checks: [missingAuthentication] });
  github = new GitHubMock();
});

afterEach(() => {
  unmatched.stop();
  expect(unmatched.requests).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

/**
 * The start every review shares: token, check run in progress, config. No
 * GET of the PR: the webhook's pull request is what the review starts from.
 */
function reviewStarts(options: { config?: string } = {}): GitHubMock {
  return github.accessToken().createCheckRun().config(options.config);
}

/** The `opened` event, for a draft or a PR from a fork when asked. */
function openedEvent(options: { draft?: boolean; headRepo?: { owner: string; repo: string } } = {}): Record<string, any> {
  const payload = loadFixture('pull_request', 'opened') as Record<string, any>;
  payload.pull_request = { ...payload.pull_request, ...pullRequestResponse(options) };
  return payload;
}

async function fingerprintsOf(text: string): Promise<Map<number, string>> {
  const result = await analyzeSource(APP_PATH, text, { checks: [missingAuthentication] });
  return new Map(result.findings.map((finding) => [finding.line, finding.fingerprint]));
}

describe('pull_request: review of a change', () => {
  it('opened: posts one review with an inline comment per finding and fails the check run', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.createdRuns).toHaveLength(1);
    expect(github.createdRuns[0]).toMatchObject({ name: 'API Security Review', head_sha: HEAD_SHA, status: 'in_progress' });
    expect(github.reviews).toHaveLength(1);
    const review = github.reviews[0];
    expect(review).toMatchObject({ event: 'COMMENT', commit_id: HEAD_SHA });
    expect(review.comments.map((comment: Record<string, unknown>) => [comment.path, comment.line, comment.side])).toEqual([
      [APP_PATH, 11, 'RIGHT'],
      [APP_PATH, 6, 'RIGHT'],
    ]);
    expect(review.comments[0].body).toContain('missing-authentication');
    expect(review.comments[0].body).toMatch(/<!-- api-security-review:fingerprint=[^ ]+ -->$/);
    expect(review.comments[0]).not.toHaveProperty('start_line');
    const completion = github.completion;
    expect(completion).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(completion.output.title).toContain('high');
    expect(completion.output.summary).toContain('POST /users');
    expect(completion.output.annotations.map((annotation: Record<string, unknown>) => [annotation.path, annotation.start_line, annotation.annotation_level])).toEqual([
      [APP_PATH, 11, 'failure'],
      [APP_PATH, 6, 'warning'],
    ]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('reopened, ready_for_review and synchronize review the head too; closed does nothing', async () => {
    for (const action of ['reopened', 'ready_for_review', 'synchronize']) {
      const mock = new GitHubMock();
      mock.accessToken().createCheckRun().config().files([{ filename: 'README.md', patch: '@@ -0,0 +1 @@\n+# Hello' }]).issueComments().reviewComments([]).updateCheckRun();
      const fresh = await createTestApp();
      await fresh.receive('pull_request', loadFixture('pull_request', action));
      expect(mock.completion, action).toMatchObject({ conclusion: 'success' });
    }
    await app.receive('pull_request', loadFixture('pull_request', 'closed'));
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a finding on a line outside the diff is no inline comment (GitHub would refuse the review with 422); it is in the summary', async () => {
    // The change touches line 8 of the GET handler only; the hunk shows lines 7-9.
    const patch = ['@@ -7,3 +7,3 @@', '   const user = await db.user.findUnique({ where: { id: req.params.id } });', '-  res.send(user);', '+  res.json(user);', ' });'].join('\n');
    reviewStarts()
      .files([{ filename: APP_PATH, status: 'modified', patch }])
      .content(APP_PATH, APP_FILE)
      .baseContent(APP_PATH, APP_FILE.replace('res.json(user);\n});\napp.post', 'res.send(user);\n});\napp.post'))
      .issueComments().reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'synchronize'));

    expect(github.reviews).toEqual([]);
    const completion = github.completion;
    // Only the GET endpoint changed: a medium finding, below fail_on high.
    expect(completion.conclusion).toBe('success');
    expect(completion.output.summary).toContain('GET /users/:id');
    expect(completion.output.summary).toContain('outside the diff');
    expect(completion.output.annotations).toHaveLength(1);
    expect(completion.output.annotations[0]).toMatchObject({ path: APP_PATH, start_line: 6 });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('should GitHub still answer 422, the findings stay in the check run and the run completes with its verdict', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      .review(422)
      // The retry lists the PR's files again to find the comments GitHub refused, then posts once more.
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .reviewPost(422)
      // The completion, then its text revised: the refused comments are in the summary instead.
      .updateCheckRun(1);

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews).toHaveLength(2);
    // Every line is still in the diff, so the diff cannot say which comment was refused: the retry has none inline.
    expect(github.reviews[1].comments).toEqual([]);
    expect(github.reviews[1].body).toContain('could not be commented inline');
    expect(github.completion.conclusion).toBe('failure');
    // The run was completed before the review was posted; its text is then revised to where the findings went.
    const revised = github.runUpdates.at(-1)!;
    expect(revised).not.toHaveProperty('conclusion');
    expect(revised.output.annotations).toBeUndefined();
    expect(revised.output.summary).toContain('outside the diff');
    expect(revised.output.summary).not.toContain('new inline comment');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a 422 once: the review is posted again without the inline comments, which move to its body', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      .review(422)
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .reviewPost(200)
      .updateCheckRun(1);

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews).toHaveLength(2);
    const refused = github.reviews[0].comments.length;
    expect(refused).toBeGreaterThan(0);
    expect(github.reviews[1].comments).toEqual([]);
    expect(github.reviews[1].body).toContain(`${refused === 1 ? '1 finding' : `${refused} findings`} could not be commented inline`);
    expect(github.completion.conclusion).toBe('failure');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('keeps to max_comments: the rest are listed in the review body and the check run', async () => {
    reviewStarts({ config: 'max_comments: 1\n' })
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    const review = github.reviews[0];
    expect(review.comments).toHaveLength(1);
    expect(review.comments[0].line).toBe(11);
    expect(review.body).toContain('1 finding not commented inline');
    expect(review.body).toContain('GET /users/:id');
    expect(github.completion.output.summary).toContain('over the limit of inline comments');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('synchronize that moves lines: a finding already commented is not posted again, a new one is', async () => {
    const before = await fingerprintsOf(APP_FILE);
    const moved = `// Users API\n// (two lines added above)\n${APP_FILE}`;
    reviewStarts()
      .files([{ filename: APP_PATH, status: 'modified', patch: addedFilePatch(moved) }])
      .content(APP_PATH, moved)
      .baseContent(APP_PATH, APP_FILE)
      .issueComments().reviewComments([{ id: 501, body: `GET finding\n\n${fingerprintMarker(before.get(6)!)}` }])
      .review()
      .updateCheckRun()
      .reviewThreads([{ id: 'THREAD_GET', path: APP_PATH, body: `GET finding\n\n${fingerprintMarker(before.get(6)!)}`, databaseId: 501 }]);

    await app.receive('pull_request', loadFixture('pull_request', 'synchronize'));

    const review = github.reviews[0];
    expect(review.comments.map((comment: Record<string, unknown>) => comment.line)).toEqual([13]);
    expect(review.body).toContain('1 more already commented in an earlier review');
    expect(github.completion.conclusion).toBe('failure');
    // The GET finding is still there: its thread stays open.
    expect(github.replies).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('resolves our thread of a fixed finding, and only that one', async () => {
    const before = await fingerprintsOf(APP_FILE);
    const fixed = APP_FILE.replace(/app\.post[\s\S]*?\n\}\);\n/, '');
    const getMarker = fingerprintMarker(before.get(6)!);
    const postMarker = fingerprintMarker(before.get(11)!);
    reviewStarts()
      .files([{ filename: APP_PATH, status: 'modified', patch: addedFilePatch(fixed) }])
      .content(APP_PATH, fixed)
      .baseContent(APP_PATH, APP_FILE)
      .issueComments().reviewComments([
        { id: 501, body: `GET\n\n${getMarker}` },
        { id: 502, body: `POST\n\n${postMarker}` },
      ])
      .updateCheckRun()
      .reviewThreads([
        { id: 'THREAD_GET', path: APP_PATH, body: `GET\n\n${getMarker}`, databaseId: 501 },
        { id: 'THREAD_POST', path: APP_PATH, body: `POST\n\n${postMarker}`, databaseId: 502 },
        // A human quoting our marker: not our thread.
        { id: 'THREAD_HUMAN', path: APP_PATH, body: `copy\n\n${fingerprintMarker('0123456789abcdef0123')}`, databaseId: 503, author: 'User' },
        // A file this run did not analyse: its silence proves nothing.
        { id: 'THREAD_OTHER_FILE', path: 'src/other.ts', body: `x\n\n${fingerprintMarker('aaaaaaaaaaaaaaaaaaaa')}`, databaseId: 504 },
        { id: 'THREAD_DONE', path: APP_PATH, isResolved: true, body: `old\n\n${fingerprintMarker('bbbbbbbbbbbbbbbbbbbb')}`, databaseId: 505 },
      ])
      .replyAndResolve(502, 'THREAD_POST');

    await app.receive('pull_request', loadFixture('pull_request', 'synchronize'));

    // Nothing new to comment: the GET finding was commented before.
    expect(github.reviews).toEqual([]);
    expect(github.completion.conclusion).toBe('success');
    expect(github.replies).toEqual([{ commentId: 502, body: { body: `Fixed in \`${HEAD_SHA.slice(0, 7)}\`: this finding is no longer reported. 🎉` } }]);
    expect(github.resolvedThreads).toEqual(['THREAD_POST']);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a PR that touches no API code gets a success run', async () => {
    const util = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
    reviewStarts()
      .files([
        { filename: 'README.md', patch: '@@ -0,0 +1 @@\n+# Hello' },
        { filename: 'src/math.ts', patch: addedFilePatch(util) },
        { filename: 'src/old.ts', status: 'removed', patch: '@@ -1 +0,0 @@\n-export {};' },
      ])
      .content('src/math.ts', util)
      .baseContent('src/old.ts', 'export {};\n')
      .issueComments().reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.completion).toMatchObject({ conclusion: 'success', output: { title: 'No API changes' } });
    expect(github.reviews).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('reads a fork PR head from the fork', async () => {
    const fork = { owner: 'contributor', repo: 'Hello-World' };
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE, { owner: 'contributor' })
      .issueComments().reviewComments([])
      // GitHub does not list a fork's PR on the run: the head is checked with a GET before the review is posted.
      .updateCheckRun(0, 200, [])
      .pullRequest({ headRepo: fork })
      .review();

    await app.receive('pull_request', openedEvent({ headRepo: fork }));

    expect(github.completion.conclusion).toBe('failure');
    expect(github.completion.output.summary).toContain('https://github.com/contributor/Hello-World/blob/');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('sends annotations 50 per request: the first 50 with the completion, the rest in follow-ups', async () => {
    const routes = Array.from({ length: 60 }, (_, i) => `app.delete('/items/${i}', async (req, res) => { await db.item.delete({ where: { id: req.params.id } }); res.end(); });`);
    const many = `import express from 'express';\nimport { db } from './db';\nconst app = express();\n${routes.join('\n')}\napp.listen(3000);\n`;
    reviewStarts({ config: 'max_comments: 0\n' })
      .files([{ filename: APP_PATH, patch: addedFilePatch(many) }])
      .content(APP_PATH, many)
      .issueComments().reviewComments([])
      .review()
      .updateCheckRun(1);

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.runUpdates.map((update) => [update.status, update.conclusion, update.output.annotations.length])).toEqual([
      ['completed', 'failure', 50],
      [undefined, undefined, 10],
    ]);
    expect(github.runUpdates[1].output.title).toBe(github.runUpdates[0].output.title);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('pull_request: drafts', () => {
  it('reviews a draft by default', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', openedEvent({ draft: true }));

    expect(github.completion.conclusion).toBe('failure');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('skip_drafts: completes a success run titled as skipped, without reading the change', async () => {
    reviewStarts({ config: 'skip_drafts: true\n' }).updateCheckRun();

    await app.receive('pull_request', openedEvent({ draft: true }));

    expect(github.completion).toMatchObject({ conclusion: 'success', output: { title: 'Skipped: draft pull request' } });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('pull_request: configuration', () => {
  it('an invalid config fails the run with a table of the bad keys; no review', async () => {
    reviewStarts({ config: 'fail_on: severe\nmax_coments: 5\n' }).updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    const completion = github.completion;
    expect(completion.conclusion).toBe('failure');
    expect(completion.output.title).toBe('Invalid configuration: 2 problems in .github/api-security-review.yml');
    expect(completion.output.summary).toContain('| Key | Found | Expected |');
    expect(completion.output.summary).toContain('fail_on');
    expect(completion.output.summary).toContain('max_coments');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('YAML that does not parse fails the run and says so', async () => {
    reviewStarts({ config: 'paths: [src/**\nfail_on: high\n' }).updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.completion.conclusion).toBe('failure');
    expect(github.completion.output.summary).toContain('invalid YAML');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('hostile YAML (an alias bomb) is rejected, not expanded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]'].join('\n');
    reviewStarts({ config: `${bomb}\n` }).updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.completion.conclusion).toBe('failure');
    expect(github.completion.output.title).toMatch(/^Invalid configuration/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('applies the config: an ignored path is not reviewed', async () => {
    reviewStarts({ config: 'ignore: ["src/**"]\n' })
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .issueComments().reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.completion).toMatchObject({ conclusion: 'success', output: { title: 'No API changes' } });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('pull_request: failures never leave the run in progress', () => {
  it('GitHub 500 while listing files: the run completes neutral with the reason', async () => {
    reviewStarts().files([], 500).updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.completion.conclusion).toBe('neutral');
    expect(github.completion.output.title).toBe('The review could not run');
    expect(github.completion.output.summary).toContain('GitHub answered 500');
    // The failed request's error is logged; Octokit redacts its authorization header.
    expect(app.logs.some((line) => line.level === 50 && String(line.msg).includes('review failed'))).toBe(true);
    expect(JSON.stringify(app.logs)).not.toContain(TOKEN);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a file whose content cannot be fetched is skipped with the reason; the others are reviewed', async () => {
    reviewStarts()
      .files([
        { filename: APP_PATH, patch: addedFilePatch(APP_FILE) },
        { filename: 'src/broken.ts', patch: '@@ -0,0 +1 @@\n+export {};' },
      ])
      .content(APP_PATH, APP_FILE)
      .content('src/broken.ts', '', { status: 500 })
      .issueComments().reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews[0].comments).toHaveLength(2);
    expect(github.completion.conclusion).toBe('failure');
    expect(github.completion.output.summary).toContain('src/broken.ts');
    expect(github.completion.output.summary).toContain('could not be fetched');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('when the check run cannot even be created, it says so in the log and stops', async () => {
    // 403 "Resource not accessible by integration": the installation lacks checks:write. Not retried (5xx are: see test/app/github-faults.test.ts).
    github.accessToken().createCheckRun(HEAD_SHA, 403);

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(app.logs.some((line) => line.level === 50 && String(line.msg).includes('cannot create the check run'))).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a review that overruns its deadline is stopped and completed neutral', async () => {
    const slow = await createTestApp({ timeoutMs: 200 });
    reviewStarts().updateCheckRun();
    github.scope.get(`/repos/Codertocat/Hello-World/pulls/2/files`).query({ per_page: '100' }).delay(5_000).reply(200, []);

    await slow.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.completion.conclusion).toBe('neutral');
    expect(github.completion.output.summary).toContain('did not finish within 200 ms');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a job whose head has moved on (a newer push has its own job) reads no file and posts nothing: GitHub lists the files of the newer head', async () => {
    const newer = 'f'.repeat(40);
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }], 200, newer)
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews).toEqual([]);
    expect(github.completion.conclusion).toBe('neutral');
    expect(github.completion.output.summary).toContain(`head moved to ${newer.slice(0, 7)}`);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('the head moves while the PR is reviewed: the completed run lists it at the newer head, so no review is posted and the run says why', async () => {
    const newer = 'e'.repeat(40);
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments().reviewComments([])
      // The completion, then the text revised to "stopped".
      .updateCheckRun(1, 200, [{ number: PR_NUMBER, headSha: newer }]);

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews).toEqual([]);
    expect(github.runUpdates.at(-1)).toMatchObject({ conclusion: 'neutral', output: { title: 'Review stopped: the pull request changed' } });
    expect(github.runUpdates.at(-1)!.output.summary).toContain(`head moved to ${newer.slice(0, 7)}`);
    expect(github.runUpdates.at(-1)!.output).not.toHaveProperty('annotations');
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('logging', () => {
  it('binds repo, PR and delivery id to the job log and never writes the token', async () => {
    reviewStarts()
      .files([{ filename: 'README.md', patch: '@@ -0,0 +1 @@\n+# Hello' }])
      .issueComments().reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'), 'delivery-42');

    const finished = app.logs.find((line) => line.msg === 'review job finished');
    expect(finished).toMatchObject({ repo: 'Codertocat/Hello-World', pr: 2, deliveryId: 'delivery-42', headSha: HEAD_SHA, outcome: { kind: 'completed', conclusion: 'success' } });
    expect(JSON.stringify(app.logs)).not.toContain(TOKEN);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('pull_request: waivers recorded with /security-review accept', () => {
  const waiverComment = (until: string) =>
    renderWaiverComment([{ ruleId: 'missing-authentication', reason: 'internal admin API behind the VPN', by: 'octocat', at: '2026-11-20T09:00:00.000Z', until }], '2026-11-20');

  it('an active waiver turns the findings into accepted risks: no comment, success, listed with who, why and until when', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments([{ id: 501, body: waiverComment('2099-12-31') }])
      .reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews).toEqual([]);
    const completion = github.completion;
    expect(completion).toMatchObject({ conclusion: 'success' });
    expect(completion.output.summary).toContain('**Waivers on this pull request**');
    expect(completion.output.summary).toContain('`missing-authentication` accepted by @octocat on 2026-11-20 until 2099-12-31: internal admin API behind the VPN');
    expect(completion.output.summary).toContain('waived by @octocat until 2099-12-31');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an expired waiver no longer applies, and says so', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, patch: addedFilePatch(APP_FILE) }])
      .content(APP_PATH, APP_FILE)
      .issueComments([{ id: 501, body: waiverComment('2026-01-31') }])
      .reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    expect(github.reviews).toHaveLength(1);
    expect(github.completion).toMatchObject({ conclusion: 'failure' });
    expect(github.completion.output.summary).toContain('(**expired**: no longer applies)');
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('pull_request: the posture diff against the base branch', () => {
  const BASE = `import express from 'express';
import jwt from 'jsonwebtoken';
const app = express();
app.use(requireAuth);
function requireAuth(req, res, next) {
  try {
    req.user = jwt.verify(String(req.headers.authorization), process.env.JWT_SECRET!, { algorithms: ['HS256'] });
    next();
  } catch {
    return res.status(401).end();
  }
}
// Projects of the signed-in user.
app.delete('/projects/:id', async (req, res) => {
  await db.project.deleteMany({ where: { id: req.params.id, ownerId: req.user.sub } });
  res.status(204).end();
});
`;
  const HEAD = BASE.replace('app.use(requireAuth);\n', '');
  const PATCH = ['@@ -2,3 +2,2 @@', " import jwt from 'jsonwebtoken';", ' const app = express();', '-app.use(requireAuth);', ' function requireAuth(req, res, next) {'].join('\n');

  it('a deleted app.use(requireAuth) is a finding on the deleted line (LEFT), and the endpoint is listed as worse', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, status: 'modified', patch: PATCH }])
      .content(APP_PATH, HEAD)
      .baseContent(APP_PATH, BASE)
      .issueComments()
      .reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'synchronize'));

    expect(github.reviews).toHaveLength(1);
    const comments = github.reviews[0].comments as Record<string, unknown>[];
    expect(comments).toEqual([expect.objectContaining({ path: APP_PATH, line: 4, side: 'LEFT' })]);
    expect(String(comments[0].body)).toContain('**This PR removes a security control here:** DELETE /projects/:id passed "User identity verified before processing" because of this line');
    expect(String(comments[0].body)).toContain('missing-authentication');
    const completion = github.completion;
    expect(completion.conclusion).toBe('failure');
    expect(completion.output.summary).toContain("### What this PR changes in your API's security posture");
    expect(completion.output.summary).toContain('**User identity verified before processing** pass → fail: this PR deletes the line that provided it, `src/app.ts:4`');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an unchanged posture adds no section', async () => {
    const patch = ['@@ -13,1 +13,1 @@', '-// Projects of the signed-in user.', '+// Projects of the caller.'].join('\n');
    reviewStarts()
      .files([{ filename: APP_PATH, status: 'modified', patch }])
      .content(APP_PATH, BASE.replace('signed-in user', 'caller'))
      .baseContent(APP_PATH, BASE)
      .issueComments()
      .reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'synchronize'));

    expect(github.completion.output.summary).not.toContain('security posture');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a base file GitHub cannot serve costs the posture only, said in the check run', async () => {
    reviewStarts()
      .files([{ filename: APP_PATH, status: 'modified', patch: PATCH }])
      .content(APP_PATH, HEAD)
      .baseContent(APP_PATH, BASE, 502)
      .issueComments()
      .reviewComments([])
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'synchronize'));

    const completion = github.completion;
    expect(completion.status).toBe('completed');
    expect(completion.output.summary).toContain('not compared with the base branch: its base version could not be fetched');
    expect(completion.output.summary).toContain('502');
    expect(completion.output.summary).not.toContain('Endpoints added');
    expect(nock.pendingMocks()).toEqual([]);
  });
});
