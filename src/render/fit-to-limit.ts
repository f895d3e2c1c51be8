/**
 * Greedy fitting of markdown into a byte budget: GitHub rejects a check run
 * whose summary or text passes 65,535 bytes, so long lists keep their first
 * (most important) entries and say how many were left out.
 */
import { byteLength } from './markdown.js';

export interface FittedList {
  /** The entries that fit, joined by `separator`. */
  text: string;
  /** How many entries were taken. */
  taken: number;
}

/** Takes entries in order while the joined text stays within `budget` bytes. */
export function takeWhileFits(entries: readonly string[], budget: number, separator = '\n'): FittedList {
  const separatorBytes = byteLength(separator);
  let used = 0;
  let taken = 0;
  for (const entry of entries) {
    const cost = byteLength(entry) + (taken > 0 ? separatorBytes : 0);
    if (used + cost > budget) break;
    used += cost;
    taken += 1;
  }
  return { text: entries.slice(0, taken).join(separator), taken };
}

/**
 * A titled list that fits in `budget` bytes, ending with `omitted(n)` when n
 * entries had to go. Empty when there are no entries.
 */
export function renderBoundedList(title: string, entries: readonly string[], budget: number, omitted: (count: number) => string): string {
  if (entries.length === 0) return '';
  const full = [title, '', ...entries].join('\n');
  if (byteLength(full) <= budget) return full;
  // Room for the title and the note, whose length depends only on the digits of the count.
  const note = omitted(entries.length);
  const room = budget - byteLength(title) - byteLength(note) - 8;
  const fitted = takeWhileFits(entries, Math.max(0, room));
  return [title, '', ...(fitted.taken > 0 ? [fitted.text] : []), omitted(entries.length - fitted.taken)].join('\n');
}
