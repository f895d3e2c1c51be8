/**
 * Where waivers are kept: the hidden block of the app's waiver comment on
 * the pull request. Only a comment written by an app (and, when the app id
 * is known, by this app) is read, so a human who pastes the block into a
 * comment cannot waive anything.
 */
import type { GitHubClient, RepoRef } from '../github/client.js';
import { createIssueComment, listIssueComments, updateIssueComment, type ExistingIssueComment } from '../github/issue-comments.js';
import { renderWaiverComment, WAIVER_COMMENT_MARKER } from '../render/waiver-comment.js';
import { addWaiver, decodeWaivers, type Waiver } from './waivers.js';

export interface StoredWaivers {
  commentId?: number;
  waivers: Waiver[];
}

/** This app's id, so that another app's comment is never taken for ours; undefined when not configured (tests, the CLI). */
export function ownAppId(): number | undefined {
  const id = Number(process.env.APP_ID);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

function isOurs(comment: ExistingIssueComment, appId: number | undefined): boolean {
  if (comment.authorType !== 'Bot' || !comment.body.includes(WAIVER_COMMENT_MARKER)) return false;
  return appId === undefined || comment.appId === undefined || comment.appId === appId;
}

export async function loadWaivers(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }, appId = ownAppId()): Promise<StoredWaivers> {
  const comments = await listIssueComments(octokit, { ...ref, issueNumber: ref.pullNumber });
  const comment = comments.find((candidate) => isOurs(candidate, appId));
  if (comment === undefined) return { waivers: [] };
  return { commentId: comment.id, waivers: decodeWaivers(comment.body) ?? [] };
}

/** Adds (or replaces, for the same rule) a waiver and rewrites the comment; creates it the first time. */
export async function recordWaiver(octokit: GitHubClient, ref: RepoRef & { pullNumber: number }, waiver: Waiver, today: string, appId = ownAppId()): Promise<Waiver[]> {
  const stored = await loadWaivers(octokit, ref, appId);
  const waivers = addWaiver(stored.waivers, waiver);
  const body = renderWaiverComment(waivers, today);
  if (stored.commentId !== undefined) await updateIssueComment(octokit, { ...ref, commentId: stored.commentId, body });
  else await createIssueComment(octokit, { ...ref, issueNumber: ref.pullNumber, body });
  return waivers;
}

/** Today as YYYY-MM-DD (UTC): waivers end at the end of their `until` day. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}
