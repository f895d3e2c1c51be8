/**
 * JSON representations of the fake's state in the shapes the GitHub REST
 * reference documents (the fields an app reads, plus the usual URLs).
 */
import type {
  CheckRunState,
  FakeGitHubStore,
  IssueCommentState,
  PullRequestFile,
  PullRequestState,
  ReactionState,
  RepositoryState,
  ReviewCommentState,
  ReviewState,
} from './store.js';

const WEB_ROOT = 'https://github.example';

export function userJson(store: FakeGitHubStore, login: string): Record<string, unknown> {
  const id = store.userId(login);
  const isBot = login.endsWith('[bot]');
  return {
    login,
    id,
    node_id: nodeId(isBot ? 'BOT' : 'U', id),
    avatar_url: `${WEB_ROOT}/avatars/u/${id}`,
    url: `${WEB_ROOT}/api/v3/users/${encodeURIComponent(login)}`,
    html_url: `${WEB_ROOT}/${isBot ? `apps/${login.replace(/\[bot\]$/, '')}` : login}`,
    type: isBot ? 'Bot' : 'User',
    site_admin: false,
  };
}

export function repositoryJson(store: FakeGitHubStore, repo: RepositoryState, apiBaseUrl: string): Record<string, unknown> {
  return {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    owner: userJson(store, repo.owner),
    html_url: `${WEB_ROOT}/${repo.fullName}`,
    url: `${apiBaseUrl}/repos/${repo.fullName}`,
    fork: false,
    default_branch: repo.defaultBranch,
    archived: false,
    disabled: false,
  };
}

export function pullRequestJson(store: FakeGitHubStore, repo: RepositoryState, pull: PullRequestState, apiBaseUrl: string): Record<string, unknown> {
  const url = `${apiBaseUrl}/repos/${repo.fullName}/pulls/${pull.number}`;
  const repoJson = repositoryJson(store, repo, apiBaseUrl);
  const additions = pull.files.reduce((sum, file) => sum + file.additions, 0);
  const deletions = pull.files.reduce((sum, file) => sum + file.deletions, 0);
  return {
    url,
    id: pull.id,
    node_id: nodeId('PR', pull.id),
    html_url: `${WEB_ROOT}/${repo.fullName}/pull/${pull.number}`,
    diff_url: `${WEB_ROOT}/${repo.fullName}/pull/${pull.number}.diff`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(store, pull.user),
    body: pull.body,
    created_at: pull.createdAt,
    updated_at: pull.createdAt,
    closed_at: null,
    merged_at: null,
    draft: pull.draft,
    head: { label: `${repo.owner}:${pull.head.ref}`, ref: pull.head.ref, sha: pull.head.sha, user: userJson(store, repo.owner), repo: repoJson },
    base: { label: `${repo.owner}:${pull.base.ref}`, ref: pull.base.ref, sha: pull.base.sha, user: userJson(store, repo.owner), repo: repoJson },
    author_association: authorAssociation(repo, pull.user),
    merged: false,
    mergeable: null,
    comments: [...store.issueComments.values()].filter((c) => c.issueNumber === pull.number && c.repository === repo.fullName).length,
    review_comments: [...store.reviewComments.values()].filter((c) => c.pullNumber === pull.number && c.repository === repo.fullName).length,
    commits: 1,
    additions,
    deletions,
    changed_files: pull.files.length,
  };
}

export function pullRequestFileJson(repo: RepositoryState, pull: PullRequestState, file: PullRequestFile, apiBaseUrl: string): Record<string, unknown> {
  const encodedPath = file.filename.split('/').map(encodeURIComponent).join('/');
  const json: Record<string, unknown> = {
    sha: file.sha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    blob_url: `${WEB_ROOT}/${repo.fullName}/blob/${pull.head.sha}/${encodedPath}`,
    raw_url: `${WEB_ROOT}/${repo.fullName}/raw/${pull.head.sha}/${encodedPath}`,
    contents_url: `${apiBaseUrl}/repos/${repo.fullName}/contents/${encodedPath}?ref=${pull.head.sha}`,
  };
  if (file.patch !== null) json.patch = file.patch;
  if (file.previousFilename !== undefined) json.previous_filename = file.previousFilename;
  return json;
}

export function checkRunJson(store: FakeGitHubStore, run: CheckRunState, apiBaseUrl: string): Record<string, unknown> {
  return {
    id: run.id,
    node_id: nodeId('CR', run.id),
    head_sha: run.headSha,
    external_id: run.externalId ?? '',
    url: `${apiBaseUrl}/repos/${run.repository}/check-runs/${run.id}`,
    html_url: `${WEB_ROOT}/${run.repository}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${apiBaseUrl}/repos/${run.repository}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.id + 1 },
    app: { id: store.app.id, slug: store.app.slug, name: store.app.name },
    pull_requests: checkRunPullRequests(store, run, apiBaseUrl),
  };
}

/**
 * As GitHub lists them on a run: the open pull requests whose head is the
 * run's commit or whose head branch is the run's branch, each with its head
 * as it is now (so a push after the run was created shows a newer sha).
 */
function checkRunPullRequests(store: FakeGitHubStore, run: CheckRunState, apiBaseUrl: string): Record<string, unknown>[] {
  const repo = store.repositories.get(run.repository.toLowerCase());
  if (repo === undefined) return [];
  const branches = new Set(run.headBranches ?? []);
  return [...repo.pulls.values()]
    .filter((pull) => pull.state === 'open' && (pull.head.sha === run.headSha || branches.has(pull.head.ref)))
    .map((pull) => ({
      id: pull.id,
      number: pull.number,
      url: `${apiBaseUrl}/repos/${repo.fullName}/pulls/${pull.number}`,
      head: { ref: pull.head.ref, sha: pull.head.sha, repo: { id: repo.id, url: `${apiBaseUrl}/repos/${repo.fullName}`, name: repo.name } },
      base: { ref: pull.base.ref, sha: pull.base.sha, repo: { id: repo.id, url: `${apiBaseUrl}/repos/${repo.fullName}`, name: repo.name } },
    }));
}

export function reviewJson(store: FakeGitHubStore, review: ReviewState, apiBaseUrl: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: review.id,
    node_id: nodeId('PRR', review.id),
    user: userJson(store, review.user),
    body: review.body,
    state: review.state,
    html_url: `${WEB_ROOT}/${review.repository}/pull/${review.pullNumber}#pullrequestreview-${review.id}`,
    pull_request_url: `${apiBaseUrl}/repos/${review.repository}/pulls/${review.pullNumber}`,
    commit_id: review.commitId,
    author_association: review.user.endsWith('[bot]') ? 'NONE' : 'CONTRIBUTOR',
  };
  if (review.submittedAt !== null) json.submitted_at = review.submittedAt;
  return json;
}

export function reviewCommentJson(store: FakeGitHubStore, comment: ReviewCommentState, apiBaseUrl: string): Record<string, unknown> {
  return {
    id: comment.id,
    node_id: nodeId('PRRC', comment.id),
    pull_request_review_id: comment.reviewId,
    url: `${apiBaseUrl}/repos/${comment.repository}/pulls/comments/${comment.id}`,
    html_url: `${WEB_ROOT}/${comment.repository}/pull/${comment.pullNumber}#discussion_r${comment.id}`,
    pull_request_url: `${apiBaseUrl}/repos/${comment.repository}/pulls/${comment.pullNumber}`,
    path: comment.path,
    position: comment.position,
    original_position: comment.position,
    line: comment.line,
    original_line: comment.line,
    side: comment.side,
    start_line: comment.startLine,
    original_start_line: comment.startLine,
    start_side: comment.startSide,
    subject_type: comment.subjectType,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    in_reply_to_id: comment.inReplyToId ?? undefined,
    user: userJson(store, comment.user),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: comment.user.endsWith('[bot]') ? 'NONE' : 'CONTRIBUTOR',
  };
}

export function issueCommentJson(store: FakeGitHubStore, comment: IssueCommentState, apiBaseUrl: string): Record<string, unknown> {
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: `${apiBaseUrl}/repos/${comment.repository}/issues/comments/${comment.id}`,
    html_url: `${WEB_ROOT}/${comment.repository}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${apiBaseUrl}/repos/${comment.repository}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(store, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: comment.user.endsWith('[bot]') ? 'NONE' : 'CONTRIBUTOR',
  };
}

export function reactionJson(store: FakeGitHubStore, reaction: ReactionState): Record<string, unknown> {
  return {
    id: reaction.id,
    node_id: nodeId('REA', reaction.id),
    user: userJson(store, reaction.user),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

function authorAssociation(repo: RepositoryState, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
  return repo.collaborators.has(login.toLowerCase()) ? 'COLLABORATOR' : 'CONTRIBUTOR';
}

/** Opaque global node ids, shaped like GitHub's (`PRRT_kwDO...`). */
export function nodeId(prefix: string, id: number | string): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString('base64url')}`;
}
