/**
 * `/security-review` on a pull request: who may ask, what counts as asking,
 * and what happens (👀, then a review of the PR's current head).
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReviewCommand } from '../../src/handlers/issue-comment.js';
import { createRecordingApp, createTestApp, loadFixture, trackUnmatchedRequests, type RecordingApp } from './harness.js';
import { GitHubMock, HEAD_SHA, PR_NUMBER } from './github-mock.js';

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
const JOB = { installationId: 1, owner: 'Codertocat', repo: 'Hello-World', pullNumber: PR_NUMBER, headSha: HEAD_SHA, trigger: 'issue_comment.created', deliveryId: 'delivery-1' };

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
      .pullRequest()
      .pullRequest()
      .createCheckRun()
      .config()
      .files([{ filename: 'docs/api.md', patch: '@@ -0,0 +1 @@\n+# API' }])
      .reviewComments([])
      .updateCheckRun();

    await full.receive('issue_comment', command('/security-review'));

    expect(github.completion).toMatchObject({ conclusion: 'success', output: { title: 'No API changes' } });
    expect(nock.pendingMocks()).toEqual([]);
  });
});
