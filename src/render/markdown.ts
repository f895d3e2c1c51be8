/**
 * Escaping for text that comes from analysed code (routes, paths, notes,
 * messages) before it goes into GitHub-flavoured markdown. Everything the
 * renderers print from a finding or a file passes through one of these, so a
 * `|` cannot break a table, a `<` cannot open HTML and an `@name` cannot ping
 * anyone.
 */

/** GitHub's limit for a check run's `summary` and `text`, which it counts in UTF-8 bytes. */
export const CHECK_RUN_TEXT_LIMIT = 65_535;

/** Size of a string as GitHub counts it for check run output. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Shortens `text` to at most `max` characters, marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** One line: code-derived text may hold newlines that would end a list item or a table row. */
export function singleLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

// Inline syntax of CommonMark and GFM (emphasis, code, links, HTML, tables, strike-through, entities).
const INLINE_SYNTAX = /[\\`*_[\]<>|~&]/g;
// A line that starts with one of these becomes a heading, quote, list or rule.
const LEADING_BLOCK_SYNTAX = /^(\s*)(?:([#+=-])|(\d+)([.)]))/;
// `@name` at a word start: GitHub turns it into a mention and notifies the user or team.
const MENTION = /(^|[^\w])@(?=\w)/g;

/**
 * Plain text from code, on one line, rendered literally by GitHub: markdown
 * syntax is backslash-escaped (pipes included, so the result is safe in a
 * table cell) and mentions are defused with a zero-width space.
 */
export function escapeText(text: string): string {
  return singleLine(text)
    .replace(INLINE_SYNTAX, (char) => `\\${char}`)
    .replace(LEADING_BLOCK_SYNTAX, (_whole, space: string, marker?: string, digits?: string, delimiter?: string) =>
      marker !== undefined ? `${space}\\${marker}` : `${space}${digits}\\${delimiter}`,
    )
    .replace(MENTION, '$1@\u200b');
}

/**
 * Markdown written by a check's author (`why`, `fix`): its code spans and
 * emphasis are kept, but raw HTML is not, since `{{placeholders}}` in it are
 * filled from the analysed code. `<` outside code spans is escaped; inside a
 * code span GitHub shows it literally anyway.
 */
export function sanitiseAuthoredMarkdown(text: string): string {
  const source = singleLine(text);
  let output = '';
  let position = 0;
  while (position < source.length) {
    const opener = /`+/g;
    opener.lastIndex = position;
    const open = opener.exec(source);
    if (open === null) break;
    output += escapeProse(source.slice(position, open.index));
    // A code span closes only on a run of exactly the same length (CommonMark).
    const closer = new RegExp(`(?<!\`)${open[0]}(?!\`)`, 'g');
    closer.lastIndex = open.index + open[0].length;
    const close = closer.exec(source);
    if (close === null) {
      output += open[0];
      position = open.index + open[0].length;
      continue;
    }
    output += source.slice(open.index, close.index + close[0].length);
    position = close.index + close[0].length;
  }
  return output + escapeProse(source.slice(position));
}

function escapeProse(text: string): string {
  return text.replace(/</g, '\\<').replace(MENTION, '$1@\u200b');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** A code span that shows `text` verbatim, whatever backticks it contains. */
export function codeSpan(text: string): string {
  const code = singleLine(text);
  if (code.trim() === '') return '(empty)';
  const fence = '`'.repeat(longestBacktickRun(code) + 1);
  const padding = code.startsWith('`') || code.endsWith('`') || code.startsWith(' ') || code.endsWith(' ') ? ' ' : '';
  return `${fence}${padding}${code}${padding}${fence}`;
}

/**
 * A code span inside a GFM table cell: GitHub splits cells on `|` before it
 * parses code spans, so pipes need a backslash there (it removes it again).
 */
export function tableCodeSpan(text: string): string {
  return codeSpan(text).replace(/\|/g, '\\|');
}

/** Text inside raw HTML (`<summary>`), where markdown is not parsed. */
export function escapeHtml(text: string): string {
  return singleLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(MENTION, '$1@\u200b');
}

/** A fenced code block whose fence is longer than any backtick run in `code`. */
export function fencedBlock(info: string, code: string): string {
  const body = code.endsWith('\n') ? code.slice(0, -1) : code;
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return body === '' ? `${fence}${info}\n${fence}` : `${fence}${info}\n${body}\n${fence}`;
}

/** `1 finding`, `2 findings`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
