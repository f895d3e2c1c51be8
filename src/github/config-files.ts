import type { GitHubClient, RepoRef } from './client.js';

export type ConfigFilesResult =
  /** The parsed files, the one that is extended first and the repository's own last; empty when there is none. */
  | { ok: true; configs: unknown[] }
  /** A file exists but cannot be used: YAML that does not parse, a bad `_extends`, a directory. */
  | { ok: false; message: string };

const PLUGIN_PREFIX = '[@probot/octokit-plugin-config] ';

/**
 * Reads the configuration file from the repository's default branch, the
 * way Probot's `context.config` does (`@probot/octokit-plugin-config`): the
 * repository's file, else the owner's `.github` repository's, following
 * `_extends`. Reading from the default branch is deliberate: a pull request
 * must not be able to switch off or weaken its own review.
 *
 * File problems come back as `ok: false`; GitHub errors (other than 404,
 * which means "no file") are thrown, since they say nothing about the file.
 */
export async function readConfigFiles(octokit: GitHubClient, ref: RepoRef & { path: string }): Promise<ConfigFilesResult> {
  try {
    const { files } = await octokit.config.get({ owner: ref.owner, repo: ref.repo, path: ref.path });
    const configs = files.map((file) => file.config).filter((config) => config !== null);
    return { ok: true, configs: configs.reverse() };
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith(PLUGIN_PREFIX)) throw error;
    const cause = error.cause instanceof Error ? `: ${firstLine(error.cause.message)}` : '';
    return { ok: false, message: `${error.message.slice(PLUGIN_PREFIX.length)}${cause}` };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/:\s*$/, '');
}
