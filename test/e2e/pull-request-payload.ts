/**
 * A real `pull_request` webhook payload from @octokit/webhooks-examples,
 * adapted only in what identifies the repository, the commits and the
 * installation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './app-process.js';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}

export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  installationId: number;
}

/** The first `pull_request` example with `action`, deep-copied. */
export function loadPullRequestExample(action: string): Record<string, unknown> {
  const path = join(REPO_ROOT, 'node_modules/@octokit/webhooks-examples/api.github.com/index.json');
  const groups = JSON.parse(readFileSync(path, 'utf8')) as ExampleGroup[];
  const example = groups.find((group) => group.name === 'pull_request')?.examples.find((candidate) => candidate.action === action);
  if (!example) throw new Error(`no pull_request.${action} example in @octokit/webhooks-examples`);
  return structuredClone(example);
}

interface RepositoryFields {
  name: string;
  full_name: string;
  owner: { login: string };
  default_branch: string;
  html_url?: string;
}

interface BranchFields {
  ref: string;
  sha: string;
  label: string;
  repo: RepositoryFields;
}

interface PullRequestPayloadFields {
  number: number;
  repository: RepositoryFields;
  pull_request: { number: number; head: BranchFields; base: BranchFields; updated_at?: string };
  installation?: { id: number; node_id: string };
}

/** The example pointed at `target`: repository names, shas, refs, number and installation. */
export function adaptPullRequestPayload(example: Record<string, unknown>, target: PullRequestTarget): Record<string, unknown> {
  const copy = structuredClone(example);
  const payload = copy as unknown as PullRequestPayloadFields;
  const retarget = (repository: RepositoryFields): void => {
    repository.name = target.repo;
    repository.full_name = `${target.owner}/${target.repo}`;
    repository.owner.login = target.owner;
    repository.default_branch = target.baseRef;
    // The fake GitHub's web root, as its own responses give it.
    repository.html_url = `https://github.example/${target.owner}/${target.repo}`;
  };
  const retargetBranch = (branch: BranchFields, ref: string, sha: string): void => {
    branch.ref = ref;
    branch.sha = sha;
    branch.label = `${target.owner}:${ref}`;
    retarget(branch.repo);
  };
  retarget(payload.repository);
  payload.number = target.number;
  payload.pull_request.number = target.number;
  retargetBranch(payload.pull_request.head, target.headRef, target.headSha);
  retargetBranch(payload.pull_request.base, target.baseRef, target.baseSha);
  payload.installation = { id: target.installationId, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${target.installationId}` };
  // GitHub sends the event as the PR changes: its `updated_at` is the event's time.
  payload.pull_request.updated_at = new Date().toISOString();
  return copy;
}
