/**
 * Reads the files to analyse from disk as bytes and decodes them the way the
 * app decodes GitHub contents; what cannot be analysed becomes a skipped
 * file with the reason, never an error.
 */
import { open } from 'node:fs/promises';
import type { SkippedFile } from '../../checks/model.js';
import { decodeSource, formatSize, MAX_SOURCE_BYTES } from '../review/decode-source.js';
import type { SourceInput } from '../review/analyze-files.js';
import { fromProjectPath } from './project-paths.js';

export interface FileToRead {
  /** Project path. */
  path: string;
  changedLines?: ReadonlySet<number>;
}

export type ReadSource = { ok: true; input: SourceInput } | { ok: false; skipped: SkippedFile };

export async function readSource(root: string, file: FileToRead): Promise<ReadSource> {
  const skip = (reason: string): ReadSource => ({ ok: false, skipped: { file: file.path, reason } });
  let handle;
  try {
    handle = await open(fromProjectPath(root, file.path), 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return skip('file does not exist in the working tree');
    return skip(`cannot be read: ${code ?? (error as Error).message}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return skip('not a regular file');
    // Checked before reading so that a huge file is never loaded into memory.
    if (stats.size > MAX_SOURCE_BYTES) return skip(`file is ${formatSize(stats.size)}, over the ${formatSize(MAX_SOURCE_BYTES)} analysis limit`);
    const bytes = await handle.readFile();
    const decoded = decodeSource(bytes);
    if (!decoded.ok) return skip(decoded.reason);
    const input: SourceInput = { path: file.path, text: decoded.text };
    if (file.changedLines !== undefined) input.changedLines = file.changedLines;
    return { ok: true, input };
  } catch (error) {
    return skip(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    await handle.close();
  }
}
