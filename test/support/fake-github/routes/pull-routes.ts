/**
 * Pull requests: one, its files (paginated, with `link`), and the pull
 * requests associated with a commit.
 */
import type { Route } from '../http-types.js';
import { paginate } from '../pagination.js';
import { ok } from '../responses.js';
import { pullRequestFileJson, pullRequestJson } from '../representations.js';
import { withPullRequest, withRepository } from './lookup.js';

const PULL_DOCS = 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request';
const FILES_DOCS = 'https://docs.github.com/rest/pulls/pulls#list-pull-requests-files';
const COMMIT_PULLS_DOCS = 'https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit';
/** The files API never lists more than this many files. */
const MAX_LISTED_FILES = 3000;

export const pullRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}',
    auth: 'installation',
    handle: (request) =>
      withPullRequest(request, PULL_DOCS, (repo, pull) => ok(pullRequestJson(request.store, repo, pull, request.apiBaseUrl))),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/pulls/{pull_number}/files',
    auth: 'installation',
    handle: (request) =>
      withPullRequest(request, FILES_DOCS, (repo, pull) => {
        const files = pull.files.slice(0, MAX_LISTED_FILES).map((file) => pullRequestFileJson(repo, pull, file, request.apiBaseUrl));
        const page = paginate(files, request);
        return ok(page.items, page.headers);
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, COMMIT_PULLS_DOCS, (repo) => {
        const pulls = [...repo.pulls.values()]
          .filter((pull) => pull.head.sha === request.params.commit_sha)
          .map((pull) => pullRequestJson(request.store, repo, pull, request.apiBaseUrl));
        const page = paginate(pulls, request);
        return ok(page.items, page.headers);
      }),
  },
];
