import type { GitHubClient, RepoRef } from './client.js';

export interface RepositoryPermission {
  /** Legacy level: admin, write, read, none (maintain reads as write, triage as read). */
  permission: string;
  /** The role: admin, maintain, write, triage, read, or a custom role's name. */
  roleName: string | undefined;
}

/** A user's permission on the repository (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`). Throws on any error. */
export async function getRepositoryPermission(octokit: GitHubClient, ref: RepoRef & { username: string }): Promise<RepositoryPermission> {
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: ref.owner, repo: ref.repo, username: ref.username });
  return { permission: data.permission, roleName: data.role_name };
}
