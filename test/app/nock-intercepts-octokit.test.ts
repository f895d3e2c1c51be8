/**
 * First things first: Octokit 7+ uses `fetch`, and a mock that fetch does not
 * see would let tests talk to the real GitHub or pass vacuously. nock 14
 * intercepts fetch; this proves it for the Octokit that Probot builds.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from './harness.js';

describe('nock and Octokit', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('intercepts the installation token request and an API call made with it', async () => {
    const { probot } = await createTestApp();
    const github = nock('https://api.github.com')
      .post('/app/installations/1/access_tokens')
      .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {}, repository_selection: 'all' })
      .get('/repos/Codertocat/Hello-World')
      .matchHeader('authorization', 'token ghs_test')
      .reply(200, { full_name: 'Codertocat/Hello-World' });

    const octokit = await probot.auth(1);
    const { data } = await octokit.rest.repos.get({ owner: 'Codertocat', repo: 'Hello-World' });

    expect(data.full_name).toBe('Codertocat/Hello-World');
    expect(github.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('blocks a request nobody mocked instead of letting it reach GitHub', async () => {
    const { probot } = await createTestApp();
    const octokit = await probot.auth();
    await expect(octokit.request('GET /app')).rejects.toThrow(/Disallowed net connect|Nock/i);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
