/**
 * The app's waiver comment on a pull request: a visible table of the risks
 * accepted with `/security-review accept`, and the hidden block the reviews
 * read them back from.
 */
import { ACCEPT_USAGE, encodeWaivers, isActive, type Waiver } from '../review/waivers.js';
import { clip, codeSpan, escapeText, singleLine } from './markdown.js';

/** Marks the comment as the app's waiver comment (with the hidden block). */
export const WAIVER_COMMENT_MARKER = '<!-- api-security-review:waiver-comment -->';

export function renderWaiverComment(waivers: readonly Waiver[], today: string): string {
  const rows = waivers.map(
    (waiver) =>
      `| ${codeSpan(waiver.ruleId)} | ${escapeText(clip(singleLine(waiver.reason), 300))} | @${escapeText(waiver.by)} | ${waiver.at.slice(0, 10)} | ${waiver.until ?? 'no end date'} | ${isActive(waiver, today) ? 'active' : 'expired'} |`,
  );
  return [
    WAIVER_COMMENT_MARKER,
    '### API Security Review: accepted risks',
    '',
    'Findings of these rules are accepted risks on this pull request: they are listed in the check run with who accepted them, why and until when, and do not fail it. An expired waiver no longer applies.',
    '',
    '| rule | reason | accepted by | on | until | state |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Add or renew one (write access needed): ${ACCEPT_USAGE}.`,
    encodeWaivers(waivers),
  ].join('\n');
}
