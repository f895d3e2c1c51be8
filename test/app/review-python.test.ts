/**
 * The app reviews a pull request that changes a Python file exactly as it
 * reviews TypeScript: one review with inline comments on the changed lines,
 * and the check run's checklist for the FastAPI endpoints.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, loadFixture, trackUnmatchedRequests } from './harness.js';
import { GitHubMock, addedFilePatch } from './github-mock.js';

const PATH = 'app/main.py';
const FILE = `from fastapi import Depends, FastAPI
app = FastAPI()


@app.delete("/orders/{order_id}")
async def delete_order(order_id: int, session=Depends(get_session)):
    await session.delete(await session.get(Order, order_id))


@app.get("/me")
async def me(user=Depends(get_current_user)):
    return await profiles.get(user.id)
`;

let unmatched: ReturnType<typeof trackUnmatchedRequests>;

describe('a pull request that changes a FastAPI file', () => {
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

  it('gets inline comments for its findings and a failing check run with the checklists', async () => {
    const app = await createTestApp();
    const github = new GitHubMock()
      .accessToken()
      .createCheckRun()
      .config()
      .files([{ filename: PATH, patch: addedFilePatch(FILE) }])
      .content(PATH, FILE)
      .issueComments()
      .reviewComments([])
      .review()
      .updateCheckRun();

    await app.receive('pull_request', loadFixture('pull_request', 'opened'));

    const comments = github.reviews[0].comments as { path: string; line: number; body: string }[];
    expect(comments.filter((comment) => comment.body.includes('missing-authentication')).map((comment) => [comment.path, comment.line])).toEqual([[PATH, 5]]);
    expect(comments.some((comment) => comment.body.includes('missing-ownership-check') && comment.line === 7)).toBe(true);
    expect(github.completion.conclusion).toBe('failure');
    expect(github.completion.output.summary).toContain('DELETE /orders/{order_id}');
    expect(github.completion.output.summary).toContain('GET /me');
  });
});
