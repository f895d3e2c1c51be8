/**
 * An invalid config file on stderr: what is wrong with the file, then a
 * table with one row per bad key (key, what was found, what was expected),
 * the same facts the app puts in its check run.
 */
import type { ConfigIssue } from '../config/validate-config.js';

export function formatConfigError(source: string, message: string, issues: readonly ConfigIssue[]): string {
  const lines = [`error: config file ${source} ${message}`];
  if (issues.length > 0) {
    const header: ConfigIssue = { key: 'key', found: 'found', expected: 'expected' };
    const rows = [header, ...issues];
    const keyWidth = Math.max(...rows.map((row) => row.key.length));
    const foundWidth = Math.max(...rows.map((row) => row.found.length));
    lines.push('');
    for (const row of rows) lines.push(`  ${row.key.padEnd(keyWidth)}  ${row.found.padEnd(foundWidth)}  ${row.expected}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
