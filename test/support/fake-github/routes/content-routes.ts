/**
 * Repository metadata, the contents API (JSON and raw media types, files
 * and directories, per ref) and git blobs.
 */
import type { ApiReply, ApiRequest, RawBody, Route } from '../http-types.js';
import { errorReply, notFound, ok } from '../responses.js';
import { repositoryJson } from '../representations.js';
import { gitBlobSha, type RepositoryState } from '../store.js';
import { withRepository } from './lookup.js';

const CONTENTS_DOCS = 'https://docs.github.com/rest/repos/contents#get-repository-content';
const BLOB_DOCS = 'https://docs.github.com/rest/git/blobs#get-a-blob';
const TREE_DOCS = 'https://docs.github.com/rest/git/trees#get-a-tree';
/** Above this size the contents API answers `encoding: "none"` with empty content. */
const INLINE_CONTENT_LIMIT = 1024 * 1024;

export const contentRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, 'https://docs.github.com/rest/repos/repos#get-a-repository', (repo) =>
        ok(repositoryJson(request.store, repo, request.apiBaseUrl)),
      ),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/contents/{path+}',
    auth: 'installation',
    handle: (request) => withRepository(request, CONTENTS_DOCS, (repo) => getContents(request, repo)),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/git/trees/{tree_sha}',
    auth: 'installation',
    handle: (request) => withRepository(request, TREE_DOCS, (repo) => getTree(request, repo)),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/git/blobs/{file_sha}',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, BLOB_DOCS, (repo) => {
        for (const files of repo.refs.values()) {
          for (const content of files.values()) {
            if (gitBlobSha(content) === request.params.file_sha) {
              const size = Buffer.byteLength(content);
              return ok({
                sha: request.params.file_sha,
                node_id: `B_kw${request.params.file_sha}`,
                size,
                url: `${request.apiBaseUrl}/repos/${repo.fullName}/git/blobs/${request.params.file_sha}`,
                content: wrappedBase64(content),
                encoding: 'base64',
              });
            }
          }
        }
        return notFound(BLOB_DOCS);
      }),
  },
];

function getContents(request: ApiRequest, repo: RepositoryState): ApiReply {
  const ref = request.query.get('ref') ?? repo.defaultBranch;
  const files = repo.refs.get(ref);
  if (!files) return errorReply(404, `No commit found for the ref ${ref}`, CONTENTS_DOCS);
  const path = (request.params.path ?? '').replace(/^\/+|\/+$/g, '');
  const content = files.get(path);
  const wantsRaw = /application\/vnd\.github(\.v3)?\.raw/.test(String(request.headers.accept ?? ''));

  if (content !== undefined) {
    if (wantsRaw) {
      const raw: RawBody = { raw: content, contentType: 'text/plain; charset=utf-8' };
      return ok(raw);
    }
    return ok(fileJson(request, repo, ref, path, content));
  }

  const entries = directoryEntries(files, path);
  // Directories answer a JSON listing even for the raw media type, which is
  // how Probot's config plugin tells them apart from files.
  if (entries.length > 0) return ok(entries.map((entry) => entryJson(request, repo, ref, entry, files)));
  return notFound(CONTENTS_DOCS);
}

/**
 * The tree of a ref (commit sha or branch name): the top level, or every
 * entry with `?recursive=1` (any value turns recursion on, as on GitHub).
 */
function getTree(request: ApiRequest, repo: RepositoryState): ApiReply {
  const ref = request.params.tree_sha ?? '';
  const files = repo.refs.get(ref);
  if (!files) return notFound(TREE_DOCS);
  const recursive = request.query.has('recursive');
  const entries = new Map<string, { path: string; type: 'blob' | 'tree'; content?: string }>();
  for (const [path, content] of files) {
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth += 1) {
      const directory = parts.slice(0, depth).join('/');
      if (recursive || depth === 1) entries.set(directory, { path: directory, type: 'tree' });
    }
    if (recursive || parts.length === 1) entries.set(path, { path, type: 'blob', content });
  }
  const tree = [...entries.values()]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((entry) =>
      entry.type === 'blob'
        ? { path: entry.path, mode: '100644', type: 'blob', sha: gitBlobSha(entry.content ?? ''), size: Buffer.byteLength(entry.content ?? ''), url: `${request.apiBaseUrl}/repos/${repo.fullName}/git/blobs/${gitBlobSha(entry.content ?? '')}` }
        : { path: entry.path, mode: '040000', type: 'tree', sha: gitBlobSha(`tree:${entry.path}`), url: `${request.apiBaseUrl}/repos/${repo.fullName}/git/trees/${gitBlobSha(`tree:${entry.path}`)}` },
    );
  return ok({ sha: gitBlobSha(`tree:${ref}`), url: `${request.apiBaseUrl}/repos/${repo.fullName}/git/trees/${ref}`, tree, truncated: false });
}

function fileJson(request: ApiRequest, repo: RepositoryState, ref: string, path: string, content: string): Record<string, unknown> {
  const size = Buffer.byteLength(content);
  const inline = size <= INLINE_CONTENT_LIMIT;
  return {
    type: 'file',
    encoding: inline ? 'base64' : 'none',
    size,
    name: path.split('/').pop(),
    path,
    content: inline ? wrappedBase64(content) : '',
    sha: gitBlobSha(content),
    url: `${request.apiBaseUrl}/repos/${repo.fullName}/contents/${path}?ref=${ref}`,
    git_url: `${request.apiBaseUrl}/repos/${repo.fullName}/git/blobs/${gitBlobSha(content)}`,
    html_url: `https://github.example/${repo.fullName}/blob/${ref}/${path}`,
    download_url: `https://raw.github.example/${repo.fullName}/${ref}/${path}`,
  };
}

interface DirectoryEntry {
  name: string;
  path: string;
  type: 'file' | 'dir';
}

function directoryEntries(files: Map<string, string>, directory: string): DirectoryEntry[] {
  const prefix = directory === '' ? '' : `${directory}/`;
  const entries = new Map<string, DirectoryEntry>();
  for (const path of files.keys()) {
    if (!path.startsWith(prefix)) continue;
    const [name, ...rest] = path.slice(prefix.length).split('/');
    if (!name) continue;
    entries.set(name, { name, path: `${prefix}${name}`, type: rest.length > 0 ? 'dir' : 'file' });
  }
  return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function entryJson(request: ApiRequest, repo: RepositoryState, ref: string, entry: DirectoryEntry, files: Map<string, string>): Record<string, unknown> {
  const content = files.get(entry.path);
  return {
    type: entry.type,
    name: entry.name,
    path: entry.path,
    size: content === undefined ? 0 : Buffer.byteLength(content),
    sha: gitBlobSha(content ?? entry.path),
    url: `${request.apiBaseUrl}/repos/${repo.fullName}/contents/${entry.path}?ref=${ref}`,
  };
}

/** GitHub wraps base64 content at 60 characters with `\n`; clients must cope. */
function wrappedBase64(content: string): string {
  const encoded = Buffer.from(content, 'utf8').toString('base64');
  return `${encoded.replace(/.{60}/g, '$&\n')}${encoded.length % 60 === 0 ? '' : '\n'}`;
}
