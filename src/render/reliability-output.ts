/**
 * Texts for the reviews that do not end the usual way: overtaken by a newer
 * head (or a closed / deleted PR), left behind by a process that died, or
 * posted without the inline comments GitHub refused.
 */
import type { Finding } from '../../checks/model.js';
import type { CheckRunOutput } from './check-run-output.js';
import { renderFindingLine } from './endpoint-checklist.js';
import { clip, escapeText, plural } from './markdown.js';

/** Findings listed in the review body when their inline comments were refused; the check run has them all. */
const REFUSED_LIST_LIMIT = 50;
/** Longest reason quoted, like the failure output's. */
const REASON_LIMIT = 2_000;

/** The run of a review that stopped because what it reviewed is no longer the PR's head. */
export function renderAbandonedOutput(reason: string): CheckRunOutput {
  return {
    title: 'Review stopped: the pull request changed',
    summary: [
      '### ⏭️ This review was stopped before it finished',
      `Reason: ${escapeText(clip(reason, REASON_LIMIT))}`,
      'Nothing was posted for this commit. The current head of the pull request is reviewed on its own; comment `/security-review` to review it again.',
    ].join('\n\n'),
    annotations: [],
  };
}

/** The run a review left "in progress" when its process died (deploy, crash, out of memory). */
export function renderInterruptedOutput(openedAt: string): CheckRunOutput {
  return {
    title: 'The review was interrupted',
    summary: [
      '### ⚠️ The review was interrupted',
      `The review started at ${escapeText(openedAt)} did not finish: the app was restarted while it ran, and nothing of it was posted.`,
      'Comment `/security-review` on the pull request, or use **Re-run** on this check, to review it again.',
    ].join('\n\n'),
    annotations: [],
  };
}

/**
 * Appended to the review body when GitHub refused some inline comments (422)
 * and the review was posted again without them: those findings are listed
 * here so they stay on the pull request, not only in the check run.
 */
export function renderRefusedComments(refused: readonly Finding[], linkBase?: string): string {
  if (refused.length === 0) return '';
  const listed = refused.slice(0, REFUSED_LIST_LIMIT).map((finding) => `- ${renderFindingLine(finding, linkBase)}`);
  const rest = refused.length - listed.length;
  return [
    '',
    '',
    `**${plural(refused.length, 'finding')} could not be commented inline** (GitHub refused the line, most likely because the diff changed during the review):`,
    '',
    ...listed,
    ...(rest > 0 ? [`- … ${rest} more in the check run's annotations.`] : []),
  ].join('\n');
}
