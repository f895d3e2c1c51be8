/**
 * `/security-review` on a pull request: who may ask, what counts as asking,
 * and what happens (👀, then a review of the PR's current head).
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReviewCommand } from '../../src/handlers/issue-comment.js';
import { createRecordingApp, createTestApp, loadFixture, trackUnmatchedRequests, type RecordingApp } from './harness.js';
import { GitHubMock, HEAD_SHA, PR_NUMBER } from './github-mock.js';
import { decodeWaivers } from '../../src/review/waivers.js';
import { renderWaiverComment } from '../../src/render/waiver-comment.js';

let unmatched: ReturnType<typeof trackUnmatchedRequests>;

type Payload = Record<string, any>;

/** The fixture comment (by the PR's author, Codertocat) with another body and, optionally, another sender. */
function command(body: string, sender?: { login: string; id: number; type?: string }): Payload {
  const payload = loadFixture('issue_comment', 'created');
  payload.comment.body = body;
  if (sender !== undefined) {
    payload.sender = { ...payload.sender, login: sender.login, id: sender.id, type: sender.type ?? 'User' };
    payload.comment.user = { ...payload.comment.user, login: sender.login, id: sender.id, type: sender.type ?? 'User' };
  }
  return payload;
}

const COMMENT_ID = loadFixture('issue_comment', 'created').comment.id as number;
/** The job carries the PR as the handler read it (the comment's payload has no head sha), so the review need not read it again. */
const JOB = {
  installationId: 1,
  owner: 'Codertocat',
  repo: 'Hello-World',
  pullNumber: PR_NUMBER,
  headSha: HEAD_SHA,
  trigger: 'issue_comment.created',
  deliveryId: 'delivery-1',
  pullRequest: expect.objectContaining({ number: PR_NUMBER, headSha: HEAD_SHA, state: 'open', discussion: expect.objectContaining({ comments: 0, reviewComments: 0 }) }),
};

let app: RecordingApp;
let github: GitHubMock;

beforeEach(async () => {
  nock.disableNetConnect();
  unmatched = trackUnmatchedRequests();
  app = await createRecordingApp();
  github = new GitHubMock();
});

afterEach(() => {
  unmatched.stop();
  expect(unmatched.requests).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('/security-review: who may ask', () => {
  it('the PR author: 👀 and a review of the current head, without a permission lookup', async () => {
    github.accessToken().reaction(COMMENT_ID).pullRequest();

    await app.receive('issue_comment', command('/security-review'));

    expect(github.reactions).toEqual([{ commentId: COMMENT_ID, body: { content: 'eyes' } }]);
    expect(app.jobs).toEqual([JOB]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a user with write access (role write)', async () => {
    github.accessToken().permission('writer', 'write', 'write').reaction(COMMENT_ID).pullRequest();

    await app.receive('issue_comment', command('/security-review', { login: 'writer', id: 5001 }));

    expect(app.jobs).toEqual([JOB]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a maintainer (role maintain, legacy permission write) and an admin', async () => {
    github.accessToken().permission('maintainer', 'write', 'maintain').reaction(COMMENT_ID).pullRequest();
    github.permission('owner', 'admin', 'admin').reaction(COMMENT_ID).pullRequest();

    await app.receive('issue_comment', command('/security-review', { login: 'maintainer', id: 5002 }));
    await app.receive('issue_comment', command('/security-review', { login: 'owner', id: 5003 }));

    expect(app.jobs).toHaveLength(2);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a stranger (read, or triage): nothing at all, not even a reaction', async () => {
    github.accessToken().permission('stranger', 'read', 'read').permission('triager', 'read', 'triage');

    await app.receive('issue_comment', command('/security-review', { login: 'stranger', id: 6001 }));
    await app.receive('issue_comment', command('/security-review', { login: 'triager', id: 6002 }));

    expect(github.reactions).toEqual([]);
    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a bot: nothing at all, no request to GitHub', async () => {
    await app.receive('issue_comment', command('/security-review', { login: 'renovate[bot]', id: 7001, type: 'Bot' }));

    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('fails closed: when the permission lookup errors, nobody is allowed', async () => {
    github.accessToken().permission('writer', '', '', 500);

    await app.receive('issue_comment', command('/security-review', { login: 'writer', id: 5001 }));

    expect(app.jobs).toEqual([]);
    expect(app.logs.some((line) => String(line.msg).includes('permission lookup failed'))).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('/security-review: what counts as asking', () => {
  it('ignores comments on issues, edited comments and comments where the command is not the first line', async () => {
    const onIssue = command('/security-review');
    delete onIssue.issue.pull_request;
    const edited = loadFixture('issue_comment', 'edited');
    edited.comment.body = '/security-review';

    await app.receive('issue_comment', onIssue);
    await app.receive('issue_comment', edited);
    await app.receive('issue_comment', command('Thanks!\n/security-review'));
    await app.receive('issue_comment', command('> /security-review\n\nwhy did this run?'));

    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('runs with trailing text after the command, on the first line or below it', async () => {
    github.accessToken().reaction(COMMENT_ID).pullRequest().reaction(COMMENT_ID).pullRequest();

    await app.receive('issue_comment', command('/security-review please, after the fix'));
    await app.receive('issue_comment', command('/security-review\r\n\nThe last push moved the auth middleware.'));

    expect(app.jobs).toEqual([JOB, JOB]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('ignores the command inside a code fence or an indented code block, and a lookalike command', async () => {
    await app.receive('issue_comment', command('```\n/security-review\n```'));
    await app.receive('issue_comment', command('~~~text\n/security-review\n~~~'));
    await app.receive('issue_comment', command('    /security-review'));
    await app.receive('issue_comment', command('/security-reviewer'));
    await app.receive('issue_comment', command('`/security-review`'));

    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('does not review a closed pull request', async () => {
    github.accessToken().reaction(COMMENT_ID).pullRequest({ state: 'closed' });

    await app.receive('issue_comment', command('/security-review'));

    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it.each([
    ['/security-review', true],
    ['  /security-review  \nplease', true],
    ['/security-review now please', true],
    ['/security-review\r\nsecond line', true],
    ['/security-reviewer', false],
    ['/Security-Review', false],
    ['> /security-review', false],
    ['```\n/security-review\n```', false],
    ['    /security-review', false],
    ['please /security-review', false],
    ['', false],
  ])('isReviewCommand(%j) is %s', (body, expected) => {
    expect(isReviewCommand(body)).toBe(expected);
  });
});

describe('/security-review end to end', () => {
  it('the author’s command runs a review whose check run completes', async () => {
    const full = await createTestApp();
    github
      .accessToken()
      .reaction(COMMENT_ID)
      // Read once, by the handler: the job carries it, and its counts (no comment yet) spare the review the comment lists.
      .pullRequest()
      .createCheckRun()
      .config()
      .files([{ filename: 'docs/api.md', patch: '@@ -0,0 +1 @@\n+# API' }])
      .updateCheckRun();

    await full.receive('issue_comment', command('/security-review'));

    expect(github.completion).toMatchObject({ conclusion: 'success', output: { title: 'No API changes' } });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('/security-review accept: waivers', () => {
  const ACCEPT = '/security-review accept missing-authentication signup is public by design until 2099-12-31';

  it('from a user with write access: records the waiver in a new app comment, then re-runs the review', async () => {
    github.accessToken().permission('writer', 'write', 'write').reaction(COMMENT_ID).issueComments([]).writeIssueComment('create').pullRequest();

    await app.receive('issue_comment', command(ACCEPT, { login: 'writer', id: 5001 }));

    expect(github.issueCommentWrites).toHaveLength(1);
    const body = String(github.issueCommentWrites[0].body.body);
    expect(body).toContain('<!-- api-security-review:waiver-comment -->');
    expect(decodeWaivers(body)).toEqual([expect.objectContaining({ ruleId: 'missing-authentication', reason: 'signup is public by design', by: 'writer', until: '2099-12-31' })]);
    expect(app.jobs).toEqual([JOB]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('adds to the existing waiver comment of this app (PATCH), keeping the other rules', async () => {
    const existing = renderWaiverComment([{ ruleId: 'missing-rate-limit', reason: 'gateway', by: 'owner', at: '2026-11-01T00:00:00.000Z' }], '2026-11-28');
    github.accessToken().permission('writer', 'write', 'write').reaction(COMMENT_ID).issueComments([{ id: 777, body: existing }]).writeIssueComment('update', 777).pullRequest();

    await app.receive('issue_comment', command(ACCEPT, { login: 'writer', id: 5001 }));

    const waivers = decodeWaivers(String(github.issueCommentWrites[0].body.body));
    expect(github.issueCommentWrites[0].kind).toBe('update');
    expect(waivers?.map((waiver) => waiver.ruleId)).toEqual(['missing-rate-limit', 'missing-authentication']);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("ignores a human's comment that carries the marker: a new app comment is written", async () => {
    const forged = renderWaiverComment([{ ruleId: 'sql-injection', reason: 'trust me', by: 'mallory', at: '2026-11-01T00:00:00.000Z' }], '2026-11-28');
    github.accessToken().permission('writer', 'write', 'write').reaction(COMMENT_ID).issueComments([{ id: 778, body: forged, userType: 'User' }]).writeIssueComment('create').pullRequest();

    await app.receive('issue_comment', command(ACCEPT, { login: 'writer', id: 5001 }));

    expect(decodeWaivers(String(github.issueCommentWrites[0].body.body))?.map((waiver) => waiver.ruleId)).toEqual(['missing-authentication']);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('the PR author without write access cannot accept a risk: nothing happens', async () => {
    github.accessToken().permission('Codertocat', 'read', 'read');

    await app.receive('issue_comment', command(ACCEPT));

    expect(github.issueCommentWrites).toEqual([]);
    expect(github.reactions).toEqual([]);
    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an invalid command gets a reply saying why, and no re-run', async () => {
    github.accessToken().permission('writer', 'write', 'write').reaction(COMMENT_ID).writeIssueComment('create');

    await app.receive('issue_comment', command('/security-review accept missing-authentication', { login: 'writer', id: 5001 }));

    expect(String(github.issueCommentWrites[0].body.body)).toContain('@writer the waiver was not recorded: a waiver needs a reason');
    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
