/**
 * The Re-run buttons: `check_run.rerequested` for our run and
 * `check_suite.rerequested`, for the PRs of the commit.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordingApp, createTestApp, loadFixture, trackUnmatchedRequests } from './harness.js';
import { GitHubMock, HEAD_SHA, PR_NUMBER } from './github-mock.js';

let unmatched: ReturnType<typeof trackUnmatchedRequests>;

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

const RUN_SHA = loadFixture('check_run', 'rerequested').check_run.head_sha as string;

describe('check_run.rerequested', () => {
  it('with no pull requests in the event (a fork PR), finds the open PRs of the commit and reviews them', async () => {
    const app = await createRecordingApp();
    const github = new GitHubMock('github', 'hello-world').accessToken().pullsForCommit(RUN_SHA, [
      { number: 7, headSha: RUN_SHA },
      { number: 8, headSha: RUN_SHA, state: 'closed' },
      { number: 9, headSha: 'f'.repeat(40) },
    ]);

    await app.receive('check_run', loadFixture('check_run', 'rerequested'), 'delivery-run');

    expect(app.jobs).toEqual([
      { installationId: 1, owner: 'github', repo: 'hello-world', pullNumber: 7, headSha: RUN_SHA, trigger: 'check_run.rerequested', deliveryId: 'delivery-run' },
    ]);
    expect(github.createdRuns).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('ignores a run with another name', async () => {
    const app = await createRecordingApp();
    const payload = loadFixture('check_run', 'rerequested');
    payload.check_run.name = 'lint';

    await app.receive('check_run', payload);

    expect(app.jobs).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('end to end: the re-run completes a new check run on the commit', async () => {
    const app = await createTestApp();
    const github = new GitHubMock('github', 'hello-world')
      .accessToken()
      .pullsForCommit(RUN_SHA, [{ number: PR_NUMBER, headSha: RUN_SHA }])
      .pullRequest({ headSha: RUN_SHA })
      .createCheckRun(RUN_SHA)
      .config()
      .files([])
      // The PR read for the re-run says it has no comment yet: no comment list is read.
      .updateCheckRun();

    await app.receive('check_run', loadFixture('check_run', 'rerequested'));

    expect(github.createdRuns[0]).toMatchObject({ name: 'API Security Review', head_sha: RUN_SHA });
    expect(github.completion.conclusion).toBe('success');
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('check_suite.rerequested', () => {
  it('reviews each pull request listed in the event', async () => {
    const app = await createRecordingApp();

    await app.receive('check_suite', loadFixture('check_suite', 'rerequested'), 'delivery-suite');

    expect(app.jobs).toEqual([
      {
        installationId: 957387,
        owner: 'Codertocat',
        repo: 'Hello-World',
        pullNumber: PR_NUMBER,
        headSha: HEAD_SHA,
        trigger: 'check_suite.rerequested',
        deliveryId: 'delivery-suite',
      },
    ]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('with an empty list, asks GitHub which open PRs the commit heads', async () => {
    const app = await createRecordingApp();
    const payload = loadFixture('check_suite', 'rerequested');
    payload.check_suite.pull_requests = [];
    new GitHubMock().accessToken(957387).pullsForCommit(HEAD_SHA, []);

    await app.receive('check_suite', payload);

    expect(app.jobs).toEqual([]);
    expect(app.logs.some((line) => String(line.msg).includes('heads no open pull request'))).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
