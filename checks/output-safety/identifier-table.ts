import type { SourceIndex } from '../lang/ts/source-index.js';

/**
 * Whether the file may name `name` as an identifier, a property name (quoted
 * or not) or the string key of an element access (`x['name']`): asked of the
 * parser's table of the file's identifier texts (`sourceFile.identifiers`,
 * which also interns those quoted names). False is certain, and lets a rule
 * skip a scan of the whole file or endpoint for that name; true means look.
 * Without the table (another compiler version) the answer is true.
 */
export function mayName(index: SourceIndex, name: string): boolean {
  const table = (index.sourceFile as { identifiers?: unknown }).identifiers;
  return !(table instanceof Map) || table.has(name);
}
