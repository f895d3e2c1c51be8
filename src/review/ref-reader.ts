/**
 * Reads project files at one commit for the engine's context files
 * (middleware.ts, entry files, imported wrappers): contents on demand, cached,
 * and one tree listing to answer "does this file exist".
 */
import type { ContextFileReader } from '../../checks/project-context.js';
import type { GitHubClient, RepoRef } from '../github/client.js';
import { readFileAtRef } from '../github/file-contents.js';
import { listFilePaths } from '../github/repository-tree.js';
import { decodeSource } from './decode-source.js';

/**
 * Other files of the project at the head commit (`middleware.ts`,
 * wrappers), read once per review however often the analysis asks.
 */
export function createRefReader(octokit: GitHubClient, ref: RepoRef & { sha: string }): ContextFileReader {
  const cache = new Map<string, Promise<string | undefined>>();
  const read = async (path: string): Promise<string | undefined> => {
    const file = await readFileAtRef(octokit, { ...ref, path });
    if (file.status === 'missing') return undefined;
    if (file.status === 'unreadable') throw new Error(file.reason);
    const decoded = decodeSource(file.bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.text;
  };
  // One tree listing answers "does this file exist" for every candidate path.
  let tree: Promise<ReadonlySet<string> | undefined> | undefined;
  const listing = () => (tree ??= listFilePaths(octokit, ref).catch(() => undefined));
  const readCached = (path: string): Promise<string | undefined> => {
    let pending = cache.get(path);
    if (pending === undefined) {
      pending = read(path);
      cache.set(path, pending);
    }
    return pending;
  };
  let probes = 0;
  return {
    // A path the listing does not have costs no request: Next.js alone tries six middleware names.
    async read(path) {
      const paths = await listing();
      if (paths !== undefined && !paths.has(path)) return undefined;
      return readCached(path);
    },
    async exists(path) {
      const paths = await listing();
      if (paths !== undefined) return paths.has(path);
      // A truncated listing (huge repository): probe a few candidates with reads, then give up.
      if (probes >= MAX_EXISTENCE_PROBES) return false;
      probes++;
      return (await readCached(path).catch(() => undefined)) !== undefined;
    },
  };
}

/** Content requests spent on existence checks when the tree listing is unavailable. */
const MAX_EXISTENCE_PROBES = 8;
