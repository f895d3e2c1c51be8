import { MAX_SOURCE_BYTES, formatSize } from '../review/decode-source.js';
import { isNotFound, type GitHubClient, type RepoRef } from './client.js';

export type FileAtRef =
  | { status: 'found'; bytes: Uint8Array }
  /** No such file at that ref (404). */
  | { status: 'missing' }
  /** It exists but is not something the app can read: a directory, a submodule, too large. */
  | { status: 'unreadable'; reason: string };

/** Files fetched at once; GitHub counts concurrent requests against the secondary rate limit. */
export const CONTENT_FETCH_CONCURRENCY = 8;

/**
 * One file at a commit (`GET /repos/{owner}/{repo}/contents/{path}?ref=`),
 * as bytes: the JSON form carries base64 for files up to 1 MB, which is
 * also the analysis limit, so larger files are reported, never downloaded.
 * Throws for errors other than 404.
 */
export async function readFileAtRef(octokit: GitHubClient, ref: RepoRef & { path: string; sha: string }, maxBytes = MAX_SOURCE_BYTES): Promise<FileAtRef> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner: ref.owner, repo: ref.repo, path: ref.path, ref: ref.sha }));
  } catch (error) {
    if (isNotFound(error)) return { status: 'missing' };
    throw error;
  }
  if (Array.isArray(data)) return { status: 'unreadable', reason: 'is a directory' };
  const file = data as { type?: unknown; size?: unknown; content?: unknown; encoding?: unknown };
  if (file.type !== 'file') return { status: 'unreadable', reason: `is a ${typeof file.type === 'string' ? file.type : 'non-file entry'}, not a file` };
  if (typeof file.size === 'number' && file.size > maxBytes) {
    return { status: 'unreadable', reason: `file is ${formatSize(file.size)}, over the ${formatSize(maxBytes)} analysis limit` };
  }
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    return { status: 'unreadable', reason: `GitHub returned the content with encoding ${JSON.stringify(file.encoding)}` };
  }
  return { status: 'found', bytes: new Uint8Array(Buffer.from(file.content, 'base64')) };
}

/** What happened to one path of a batch: the file, or the error its request threw. */
export type FileFetch = { path: string; file: FileAtRef } | { path: string; error: unknown };

/**
 * Many files at one commit, at most `concurrency` requests in flight. One
 * failing request costs only its own file: its error is returned in place.
 */
export async function readFilesAtRef(
  octokit: GitHubClient,
  ref: RepoRef & { sha: string; paths: readonly string[] },
  concurrency = CONTENT_FETCH_CONCURRENCY,
): Promise<FileFetch[]> {
  const results: FileFetch[] = new Array(ref.paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ref.paths.length) {
      const index = next++;
      const path = ref.paths[index];
      try {
        results[index] = { path, file: await readFileAtRef(octokit, { owner: ref.owner, repo: ref.repo, sha: ref.sha, path }) };
      } catch (error) {
        results[index] = { path, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ref.paths.length)) }, worker));
  return results;
}
