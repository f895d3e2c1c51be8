import { isNotFound, type GitHubClient, type RepoRef } from './client.js';

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

/** How long the owner's `.github` configuration is reused: a change there reaches reviews within this time. */
export const ORG_CONFIG_TTL_MS = 5 * 60_000;
const MAX_CACHED_OWNERS = 1000;
const CONTENTS_ROUTE = '/repos/{owner}/{repo}/contents/{path}';

type CachedAnswer = { kind: 'response'; response: unknown } | { kind: 'error'; error: unknown };

/**
 * The owner's `.github` repository's configuration file, remembered per
 * owner for `ORG_CONFIG_TTL_MS` (found or 404). Probot's lookup reads it
 * whenever a repository has no file of its own, which is most repositories
 * of an organisation that configures the app once: without this, every
 * review of each of them would spend a request on the same file. The
 * repository's own file is never cached: a change to it applies to the next
 * review.
 */
export class OrgConfigCache {
  private readonly answers = new Map<string, { at: number; answer: CachedAnswer }>();

  constructor(private readonly ttlMs = ORG_CONFIG_TTL_MS) {}

  /** Serves this client's reads of `{owner}/.github`'s `path` from the cache, for the review of `ref`. */
  attach(octokit: GitHubClient, ref: RepoRef & { path: string }): void {
    // Reviewing the `.github` repository itself: that read is the repository's own file.
    if (ref.repo.toLowerCase() === '.github') return;
    octokit.hook.wrap('request', async (request, options) => {
      const endpoint = options as { method?: string; url?: string; owner?: unknown; repo?: unknown; path?: unknown; ref?: unknown };
      const isOrgFile =
        endpoint.method === 'GET' && endpoint.url === CONTENTS_ROUTE && endpoint.repo === '.github' && endpoint.path === ref.path && endpoint.ref === undefined && typeof endpoint.owner === 'string';
      if (!isOrgFile) return request(options);
      const key = `${(endpoint.owner as string).toLowerCase()}\n${ref.path}`;
      const cached = this.answers.get(key);
      if (cached !== undefined && Date.now() - cached.at < this.ttlMs) {
        if (cached.answer.kind === 'error') throw cached.answer.error;
        return cached.answer.response as Awaited<ReturnType<typeof request>>;
      }
      try {
        const response = await request(options);
        this.remember(key, { kind: 'response', response });
        return response;
      } catch (error) {
        // Only "no such file" is an answer about the file; any other error says nothing and is not kept.
        if (isNotFound(error)) this.remember(key, { kind: 'error', error });
        throw error;
      }
    });
  }

  private remember(key: string, answer: CachedAnswer): void {
    this.answers.delete(key);
    this.answers.set(key, { at: Date.now(), answer });
    if (this.answers.size > MAX_CACHED_OWNERS) this.answers.delete(this.answers.keys().next().value as string);
  }
}
