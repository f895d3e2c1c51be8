/**
 * The fake GitHub's in-memory state: repositories with files per ref, pull
 * requests with their files, collaborators, installations, and everything
 * the app writes (check runs, reviews, review comments, threads, comments,
 * reactions). Tests seed it through these methods and read it back.
 */
import { createHash } from 'node:crypto';
import { countPatchChanges } from './patch-lines.js';

export type RoleName = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface SeedRepository {
  owner: string;
  name: string;
  /** Defaults to `main`. */
  defaultBranch?: string;
  private?: boolean;
  /** Files of the default branch, by path. */
  files?: Record<string, string>;
}

export interface SeedPullRequestFile {
  filename: string;
  /** Defaults to `modified`. */
  status?: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  /** The hunk text GitHub returns; `null` leaves the field out, as GitHub does for large or binary diffs. */
  patch: string | null;
  previousFilename?: string;
  /** The file at the head commit; also stored as the head ref's content. */
  content?: string;
}

export interface SeedPullRequest {
  number: number;
  title?: string;
  body?: string;
  /** Login of the author; defaults to `octocat`. */
  user?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  files: SeedPullRequestFile[];
}

export interface PullRequestFile {
  sha: string;
  filename: string;
  status: NonNullable<SeedPullRequestFile['status']>;
  additions: number;
  deletions: number;
  changes: number;
  patch: string | null;
  previousFilename?: string;
}

export interface PullRequestState {
  number: number;
  id: number;
  title: string;
  body: string;
  user: string;
  state: 'open' | 'closed';
  draft: boolean;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  files: PullRequestFile[];
  createdAt: string;
}

export interface RepositoryState {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  /** ref (branch name or commit sha) -> path -> content. */
  refs: Map<string, Map<string, string>>;
  collaborators: Map<string, RoleName>;
  pulls: Map<number, PullRequestState>;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  message: string;
  [key: string]: unknown;
}

export interface CheckRunState {
  id: number;
  repository: string;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: CheckRunAnnotation[];
  /** Every create/update request body, in order. */
  history: Array<{ method: 'POST' | 'PATCH'; body: Record<string, unknown> }>;
  /** The head branches of the open pull requests the commit headed when the run was created (GitHub's check suite `head_branch`). */
  headBranches?: string[];
}

export interface ReviewState {
  id: number;
  repository: string;
  pullNumber: number;
  user: string;
  body: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING';
  commitId: string;
  submittedAt: string | null;
  commentIds: number[];
}

export interface ReviewCommentState {
  id: number;
  repository: string;
  pullNumber: number;
  reviewId: number;
  threadId: string;
  user: string;
  body: string;
  path: string;
  line: number | null;
  side: 'LEFT' | 'RIGHT';
  startLine: number | null;
  startSide: 'LEFT' | 'RIGHT' | null;
  position: number | null;
  subjectType: 'line' | 'file';
  commitId: string;
  inReplyToId: number | null;
  createdAt: string;
}

export interface ReviewThreadState {
  id: string;
  repository: string;
  pullNumber: number;
  isResolved: boolean;
  resolvedBy: string | null;
  commentIds: number[];
}

export interface IssueCommentState {
  id: number;
  repository: string;
  issueNumber: number;
  user: string;
  body: string;
  createdAt: string;
}

export interface ReactionState {
  id: number;
  subject: { kind: 'issue_comment' | 'pull_request_review_comment'; id: number };
  user: string;
  content: string;
  createdAt: string;
}

export interface InstallationState {
  id: number;
  account: string;
  permissions: Record<string, string>;
}

export interface IssuedToken {
  token: string;
  installationId: number;
  expiresAt: string;
}

export interface AppIdentity {
  id: number;
  slug: string;
  name: string;
}

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The git blob id of `content`, as the contents and files APIs report it. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export const DEFAULT_INSTALLATION_PERMISSIONS: Readonly<Record<string, string>> = {
  checks: 'write',
  contents: 'read',
  issues: 'write',
  metadata: 'read',
  pull_requests: 'write',
};

export class FakeGitHubStore {
  readonly app: AppIdentity;
  readonly repositories = new Map<string, RepositoryState>();
  readonly installations = new Map<number, InstallationState>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly checkRuns = new Map<number, CheckRunState>();
  readonly reviews = new Map<number, ReviewState>();
  readonly reviewComments = new Map<number, ReviewCommentState>();
  readonly reviewThreads = new Map<string, ReviewThreadState>();
  readonly issueComments = new Map<number, IssueCommentState>();
  readonly reactions = new Map<number, ReactionState>();
  private readonly userIds = new Map<string, number>();
  private nextId = 1000;

  constructor(app: AppIdentity) {
    this.app = app;
  }

  /** The bot login the app's installation writes as (`<slug>[bot]`). */
  get botLogin(): string {
    return `${this.app.slug}[bot]`;
  }

  newId(): number {
    this.nextId += 1;
    return this.nextId;
  }

  userId(login: string): number {
    const key = login.toLowerCase();
    let id = this.userIds.get(key);
    if (id === undefined) {
      id = this.newId();
      this.userIds.set(key, id);
    }
    return id;
  }

  addInstallation(id: number, account: string, permissions: Record<string, string> = { ...DEFAULT_INSTALLATION_PERMISSIONS }): InstallationState {
    const installation = { id, account, permissions };
    this.installations.set(id, installation);
    return installation;
  }

  addRepository(seed: SeedRepository): RepositoryState {
    const defaultBranch = seed.defaultBranch ?? 'main';
    const repo: RepositoryState = {
      id: this.newId(),
      owner: seed.owner,
      name: seed.name,
      fullName: `${seed.owner}/${seed.name}`,
      defaultBranch,
      private: seed.private ?? false,
      refs: new Map([[defaultBranch, new Map(Object.entries(seed.files ?? {}))]]),
      collaborators: new Map(),
      pulls: new Map(),
    };
    this.repositories.set(repo.fullName.toLowerCase(), repo);
    return repo;
  }

  /** Repository names are case-insensitive on GitHub. */
  findRepository(owner: string, name: string): RepositoryState | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }

  findRepositoryById(id: number): RepositoryState | undefined {
    return [...this.repositories.values()].find((repo) => repo.id === id);
  }

  requireRepository(fullName: string): RepositoryState {
    const repo = this.repositories.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake-github: no repository ${fullName} was seeded`);
    return repo;
  }

  /** Stores `content` at `path` for `ref` (a branch name or a commit sha). */
  setFile(fullName: string, ref: string, path: string, content: string): void {
    const repo = this.requireRepository(fullName);
    let files = repo.refs.get(ref);
    if (!files) {
      files = new Map();
      repo.refs.set(ref, files);
    }
    files.set(path, content);
  }

  /** Makes `ref` exist (an empty tree unless files are set later). */
  addRef(fullName: string, ref: string): void {
    const repo = this.requireRepository(fullName);
    if (!repo.refs.has(ref)) repo.refs.set(ref, new Map());
  }

  setCollaborator(fullName: string, login: string, role: RoleName): void {
    this.requireRepository(fullName).collaborators.set(login.toLowerCase(), role);
  }

  addPullRequest(fullName: string, seed: SeedPullRequest): PullRequestState {
    const repo = this.requireRepository(fullName);
    this.addRef(fullName, seed.head.ref);
    this.addRef(fullName, seed.head.sha);
    this.addRef(fullName, seed.base.ref);
    this.addRef(fullName, seed.base.sha);
    const files = seed.files.map((file): PullRequestFile => {
      if (file.content !== undefined) {
        this.setFile(fullName, seed.head.sha, file.filename, file.content);
        this.setFile(fullName, seed.head.ref, file.filename, file.content);
      }
      const { additions, deletions } = file.patch === null ? { additions: 0, deletions: 0 } : countPatchChanges(file.patch);
      return {
        sha: file.content !== undefined ? gitBlobSha(file.content) : gitBlobSha(`${file.filename}\n${file.patch ?? ''}`),
        filename: file.filename,
        status: file.status ?? 'modified',
        additions,
        deletions,
        changes: additions + deletions,
        patch: file.patch,
        previousFilename: file.previousFilename,
      };
    });
    const pull: PullRequestState = {
      number: seed.number,
      id: this.newId(),
      title: seed.title ?? `Pull request #${seed.number}`,
      body: seed.body ?? '',
      user: seed.user ?? 'octocat',
      state: seed.state ?? 'open',
      draft: seed.draft ?? false,
      head: { ...seed.head },
      base: { ...seed.base },
      files,
      createdAt: timestamp(),
    };
    repo.pulls.set(pull.number, pull);
    return pull;
  }

  addIssueComment(fullName: string, issueNumber: number, user: string, body: string): IssueCommentState {
    this.requireRepository(fullName);
    const comment: IssueCommentState = { id: this.newId(), repository: fullName, issueNumber, user, body, createdAt: timestamp() };
    this.issueComments.set(comment.id, comment);
    return comment;
  }

  /** Review threads of a pull request, oldest first. */
  threadsOf(fullName: string, pullNumber: number): ReviewThreadState[] {
    return [...this.reviewThreads.values()].filter(
      (thread) => thread.repository.toLowerCase() === fullName.toLowerCase() && thread.pullNumber === pullNumber,
    );
  }
}
