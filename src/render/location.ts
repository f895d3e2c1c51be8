/**
 * `file:line` references. On GitHub they link to the file at the reviewed
 * commit; in the CLI they are plain text a terminal or editor can follow.
 */
import { escapeText } from './markdown.js';

/** `https://github.com/o/r/blob/<sha>/` with the trailing slash ensured. */
function normaliseBase(linkBase: string): string {
  return linkBase.endsWith('/') ? linkBase : `${linkBase}/`;
}

/** The URL of `file` at `line` (or the range `line`..`endLine`) under `linkBase`. */
export function locationUrl(linkBase: string, file: string, line: number, endLine?: number): string {
  // Each segment is encoded on its own so that `[id]` or spaces in a path keep the link whole.
  const path = file.split('/').map(encodeURIComponent).join('/');
  const anchor = endLine !== undefined && endLine > line ? `#L${line}-L${endLine}` : `#L${line}`;
  return `${normaliseBase(linkBase)}${path}${anchor}`;
}

/**
 * Markdown for a code location: a link `[label](url)` when `linkBase` is
 * given, else the escaped label. The label is `file:line` unless given.
 */
export function locationLink(file: string, line: number, linkBase?: string, label = `${file}:${line}`, endLine?: number): string {
  const text = escapeText(label);
  if (linkBase === undefined || linkBase === '') return text;
  return `[${text}](${locationUrl(linkBase, file, line, endLine)})`;
}
