/**
 * The app's configuration for one repository: `.github/api-security-review.yml`
 * from the default branch (with `_extends` and the owner's `.github`
 * repository as Probot apps do), merged and validated. A file that is
 * missing means all defaults; a file that is wrong is reported, key by key,
 * and never half-applied.
 */
import { readConfigFiles } from '../github/config-files.js';
import type { GitHubClient, RepoRef } from '../github/client.js';
import { validateConfig, type Config, type ConfigIssue } from './validate-config.js';

/** **Contract**: the configuration file's path in the repository. */
export const CONFIG_PATH = '.github/api-security-review.yml';

export type RepoConfigResult = { ok: true; config: Config } | { ok: false; path: string; issues: ConfigIssue[] };

/** Loads and validates the repository's configuration. Throws only for GitHub errors. */
export async function loadRepoConfig(octokit: GitHubClient, ref: RepoRef): Promise<RepoConfigResult> {
  const files = await readConfigFiles(octokit, { ...ref, path: CONFIG_PATH });
  if (!files.ok) {
    return { ok: false, path: CONFIG_PATH, issues: [{ key: '(file)', found: files.message, expected: 'a YAML mapping of settings' }] };
  }
  const merged = mergeConfigFiles(files.configs);
  const validated = validateConfig(merged);
  return validated.ok ? { ok: true, config: validated.config } : { ok: false, path: CONFIG_PATH, issues: validated.issues };
}

/**
 * Merges the files of an `_extends` chain, base first: a later file's key
 * replaces the base's, and a section (`auth:`, `rules:`...) is merged key by
 * key so that a repository can add one rule setting without restating the
 * organisation's others. Lists are replaced, not concatenated, so that a
 * repository can narrow `paths`. A file that is not a mapping is returned
 * as it is, for validation to report.
 */
export function mergeConfigFiles(configs: readonly unknown[]): unknown {
  let merged: Record<string, unknown> = {};
  for (const config of configs) {
    if (!isPlainObject(config)) return config;
    // Built with fromEntries (data properties), so a `__proto__` key stays a key for validation to reject.
    merged = Object.fromEntries([
      ...Object.entries(merged).filter(([key]) => !Object.hasOwn(config, key)),
      ...Object.entries(config).map(([key, value]) => {
        const base = Object.hasOwn(merged, key) ? merged[key] : undefined;
        return [key, isPlainObject(base) && isPlainObject(value) ? Object.fromEntries([...Object.entries(base), ...Object.entries(value)]) : value];
      }),
    ]);
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
