/**
 * One endpoint in the check run summary: its row of the overview table (one
 * mark per checklist section) and its filled-in checklist (the 18 items with
 * evidence, findings or reasons) in a collapsible block.
 */
import { CHECKLIST, SECTIONS } from '../../checks/checklist.js';
import { endpointName, type EndpointReport, type Evidence, type Finding, type ItemResult } from '../../checks/model.js';
import { STATUS_MARK, countStatuses, itemOf, sectionStatus } from './checklist-status.js';
import { sortFindings } from './finding-order.js';
import { clip, codeSpan, escapeHtml, escapeText, tableCodeSpan } from './markdown.js';
import { locationLink } from './location.js';
import { severityBadge } from './severity-badge.js';
import { maskSecrets } from './mask-secrets.js';

/** Longest code-derived text shown per note, reason or message: one runaway string must not eat the summary. */
const NOTE_LIMIT = 300;
const MESSAGE_LIMIT = 500;

export interface EndpointRenderOptions {
  /** `https://github.com/o/r/blob/<sha>/` for links; plain `file:line` when absent. */
  linkBase?: string;
  /** False to leave out the evidence of passing items (to save space). */
  evidence: boolean;
}

export function renderTableHeader(): string {
  return [`| Endpoint | ${SECTIONS.join(' | ')} |`, `| --- |${SECTIONS.map(() => ' :-: |').join('')}`].join('\n');
}

/** `| \`PATCH /x\`<br>[file:12](…) | ✅ | ❌ | … |` */
export function renderEndpointRow(endpoint: EndpointReport, linkBase?: string): string {
  const publicNote = endpoint.publicReason ? ` (public: ${escapeText(clip(endpoint.publicReason, NOTE_LIMIT))})` : '';
  const name = `${tableCodeSpan(endpointName(endpoint))}${publicNote}<br>${locationLink(endpoint.file, endpoint.line, linkBase)}`;
  const marks = SECTIONS.map((section) => STATUS_MARK[sectionStatus(endpoint, section)]);
  return `| ${name} | ${marks.join(' | ')} |`;
}

/** The `<details>` block with the endpoint's 18 items under the six section headings. */
export function renderEndpointDetails(endpoint: EndpointReport, options: EndpointRenderOptions): string {
  const counts = countStatuses(endpoint);
  const tally = [
    counts.fail > 0 ? `${counts.fail} failed` : '',
    counts.unknown > 0 ? `${counts.unknown} unknown` : '',
    `${counts.pass} passed`,
    counts['n/a'] > 0 ? `${counts['n/a']} n/a` : '',
  ].filter((part) => part !== '');
  const mark = counts.fail > 0 ? STATUS_MARK.fail : counts.unknown > 0 ? STATUS_MARK.unknown : STATUS_MARK.pass;
  const lines: string[] = [
    '<details>',
    `<summary>${mark} <code>${escapeHtml(endpointName(endpoint))}</code> · ${escapeHtml(`${endpoint.file}:${endpoint.line}`)} · ${tally.join(', ')}</summary>`,
    '',
    `${codeSpan(endpointName(endpoint))} at ${locationLink(endpoint.file, endpoint.line, options.linkBase)} (${escapeText(endpoint.framework)})${
      endpoint.publicReason ? `, public by design: ${escapeText(clip(endpoint.publicReason, NOTE_LIMIT))}` : ''
    }`,
  ];
  for (const section of SECTIONS) {
    lines.push('', `**${section}**`, '');
    for (const item of CHECKLIST.filter((entry) => entry.section === section)) {
      lines.push(...renderItem(item.title, itemOf(endpoint, item.id), endpoint, options));
    }
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

function renderItem(title: string, item: ItemResult, endpoint: EndpointReport, options: EndpointRenderOptions): string[] {
  const head = `- ${STATUS_MARK[item.status]} **${title}**`;
  if (item.status === 'fail' && item.findings.length > 0) {
    return [head, ...sortFindings(item.findings).map((finding) => `  - ${renderFindingLine(finding, options.linkBase, endpoint.file)}`)];
  }
  if (item.status === 'pass') {
    if (!options.evidence || item.evidence.length === 0) return [head];
    return [`${head}: ${item.evidence.map((evidence) => renderEvidence(evidence, endpoint.file, options.linkBase)).join('; ')}`];
  }
  const reason = item.reason !== undefined && item.reason.trim() !== '' ? item.reason : defaultReason(item);
  return [`${head}: ${escapeText(clip(reason, NOTE_LIMIT))}`];
}

function defaultReason(item: ItemResult): string {
  if (item.status === 'fail') return 'a check failed this item';
  if (item.status === 'n/a') return 'does not apply to this endpoint';
  return 'no check could decide this item';
}

/** `[line 14](…) auth() from @clerk/nextjs/server`; the file is named only when it is not the endpoint's. */
function renderEvidence(evidence: Evidence, endpointFile: string, linkBase?: string): string {
  const label = evidence.file === endpointFile ? `line ${evidence.line}` : `${evidence.file}:${evidence.line}`;
  return `${locationLink(evidence.file, evidence.line, linkBase, label)} ${escapeText(clip(maskSecrets(evidence.note), NOTE_LIMIT))}`;
}

/** `🔴 High \`rule-id\`: message ([line 20](…))` */
export function renderFindingLine(finding: Finding, linkBase?: string, contextFile?: string): string {
  const label = finding.file === contextFile ? `line ${finding.line}` : `${finding.file}:${finding.line}`;
  const location = locationLink(finding.file, finding.line, linkBase, label, finding.endLine);
  return `${severityBadge(finding.severity)} ${codeSpan(finding.ruleId)}: ${escapeText(clip(maskSecrets(finding.message), MESSAGE_LIMIT))} (${location})`;
}

