/**
 * "What this PR changes in your API's security posture": endpoints added and
 * removed, and the checklist items that got worse or better, in a few lines
 * at the top of the check run.
 */
import { CHECKLIST } from '../../checks/checklist.js';
import type { PostureChange, PostureDiff, PostureEndpoint } from '../review/posture.js';
import { renderBoundedList } from './fit-to-limit.js';
import { locationLink } from './location.js';
import { codeSpan, escapeText, plural } from './markdown.js';
import { maskSecrets } from './mask-secrets.js';

const TITLE = new Map<string, string>(CHECKLIST.map((item) => [item.id, item.title]));
const SECTION_BUDGET = 6_000;

function endpointText(endpoint: PostureEndpoint, linkBase?: string): string {
  return `${codeSpan(endpoint.name)} (${locationLink(endpoint.file, endpoint.line, linkBase)})`;
}

function changeText(change: PostureChange, linkBase?: string): string {
  const title = escapeText(TITLE.get(change.item) ?? change.item);
  const removed = change.removedControl === undefined ? '' : `: this PR deletes the line that provided it, ${codeSpan(`${change.removedControl.file}:${change.removedControl.line}`)}${change.removedControl.note === '' ? '' : ` (${escapeText(maskSecrets(change.removedControl.note))})`}`;
  return `- ${endpointText(change.endpoint, linkBase)}: **${title}** ${change.before} → ${change.after}${removed}`;
}

export function renderPostureSection(diff: PostureDiff | undefined, linkBase?: string): string {
  if (diff === undefined) return '';
  const more = (what: string) => (count: number) => `- … ${plural(count, what)} more.`;
  const parts = [
    renderBoundedList(`**Got worse** (${plural(diff.worse.length, 'item')}):`, diff.worse.map((change) => changeText(change, linkBase)), SECTION_BUDGET, more('item')),
    renderBoundedList(`**Got better** (${plural(diff.better.length, 'item')}):`, diff.better.map((change) => changeText(change, linkBase)), SECTION_BUDGET / 2, more('item')),
    renderBoundedList(`**Endpoints added** (${diff.added.length}):`, diff.added.map((endpoint) => `- ${endpointText(endpoint, linkBase)}`), SECTION_BUDGET / 2, more('endpoint')),
    renderBoundedList(`**Endpoints removed** (${diff.removed.length}):`, diff.removed.map((endpoint) => `- ${endpointText(endpoint)} (in the base version)`), SECTION_BUDGET / 2, more('endpoint')),
  ].filter((part) => part !== '');
  if (parts.length === 0) return '';
  return ["### What this PR changes in your API's security posture", '', ...parts].join('\n\n');
}
