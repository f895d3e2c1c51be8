/**
 * The Octokit of the action: the App's Octokit class (same retry and
 * rate-limit settings, same config plugin) authenticated with the workflow's
 * token, and the action's inputs applied to the configuration it reads.
 */
import type { Logger } from 'pino';
import type { GitHubClient } from '../github/client.js';
import { createAppOctokit } from '../github/octokit-options.js';

export interface ConfigOverrides {
  /** Repository path of the configuration file (default: the App's `.github/api-security-review.yml`). */
  path?: string;
  fail_on?: string;
  max_comments?: number;
}

interface ConfigGetParams {
  owner: string;
  repo: string;
  path: string;
  [key: string]: unknown;
}

interface ConfigFile {
  owner: string;
  repo: string;
  path: string;
  url: string;
  config: Record<string, unknown> | null;
}

type ConfigGet = (params: ConfigGetParams) => Promise<{ config: Record<string, unknown>; files: ConfigFile[] }>;

/**
 * Wraps the config plugin's `config.get` (what `loadRepoConfig` calls):
 * the file is read from the default branch like the App's, from the
 * `config` input's path when given; the `fail-on` and `max-comments` inputs
 * come as a last file of the chain, so they win over the repository's and
 * are validated with everything else.
 */
export function withConfigOverrides(get: ConfigGet, overrides: ConfigOverrides): ConfigGet {
  const settings: Record<string, unknown> = {};
  if (overrides.fail_on !== undefined) settings.fail_on = overrides.fail_on;
  if (overrides.max_comments !== undefined) settings.max_comments = overrides.max_comments;
  return async (params) => {
    const read = await get({ ...params, path: overrides.path ?? params.path });
    if (Object.keys(settings).length === 0) return read;
    // `files` lists the repository's own file first; the reader applies them in reverse.
    const inputs: ConfigFile = { owner: params.owner, repo: params.repo, path: '(action inputs)', url: '', config: settings };
    return { config: { ...read.config, ...settings }, files: [inputs, ...read.files] };
  };
}

export function createActionOctokit(options: { token: string; baseUrl: string; log: Logger; config: ConfigOverrides }): GitHubClient {
  const Octokit = createAppOctokit();
  const octokit = new Octokit({ auth: { token: options.token }, baseUrl: options.baseUrl, log: options.log }) as unknown as GitHubClient;
  const original = octokit.config.get.bind(octokit.config) as unknown as ConfigGet;
  (octokit.config as unknown as { get: ConfigGet }).get = withConfigOverrides(original, options.config);
  return octokit;
}
