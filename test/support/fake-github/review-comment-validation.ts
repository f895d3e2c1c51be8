/**
 * Decides whether GitHub would accept a review comment's anchor, with the
 * error texts GitHub answers in its 422 (a review is all-or-nothing: one bad
 * comment rejects the whole review).
 */
import { findHunk, parsePatchHunks } from './patch-lines.js';
import { toSentence } from './responses.js';
import type { PullRequestState } from './store.js';

export interface ReviewCommentAnchor {
  path: string;
  line?: number;
  side: 'LEFT' | 'RIGHT';
  startLine?: number;
  startSide?: 'LEFT' | 'RIGHT';
  position?: number;
  subjectType: 'line' | 'file';
}

export type AnchorVerdict = { ok: true; anchor: ReviewCommentAnchor } | { ok: false; error: string };

const LINE_NOT_IN_DIFF = 'Pull request review thread line must be part of the diff';
const START_LINE_OTHER_HUNK = 'Pull request review thread start line must be part of the same hunk as the line.';
const HUNK_BLANK = "Pull request review thread diff hunk can't be blank";
const POSITION_INVALID = 'Pull request review thread position is invalid';

/** Reads the anchor fields of one `comments[]` entry (or a single comment body) and validates them against the PR's patches. */
export function validateCommentAnchor(pull: PullRequestState, raw: Record<string, unknown>): AnchorVerdict {
  if (typeof raw.path !== 'string' || raw.path === '') return { ok: false, error: 'Path could not be resolved' };
  if (typeof raw.body !== 'string' || raw.body.trim() === '') return { ok: false, error: "Body can't be blank" };
  const file = pull.files.find((candidate) => candidate.filename === raw.path);
  if (!file) return { ok: false, error: 'Path could not be resolved' };

  const subjectType = raw.subject_type === 'file' ? 'file' : 'line';
  const side = raw.side === 'LEFT' ? 'LEFT' : 'RIGHT';
  const base: ReviewCommentAnchor = { path: raw.path, side, subjectType };
  if (subjectType === 'file') return { ok: true, anchor: base };

  const parsed = parsePatchHunks(file.patch ?? '');
  if (raw.line === undefined && raw.position !== undefined) {
    const position = raw.position;
    if (!Number.isInteger(position) || (position as number) < 1 || (position as number) > parsed.positions) {
      return { ok: false, error: toSentence([POSITION_INVALID, HUNK_BLANK]) };
    }
    return { ok: true, anchor: { ...base, position: position as number } };
  }

  const line = raw.line;
  const hunk = Number.isInteger(line) ? findHunk(parsed, side, line as number) : undefined;
  const startLine = raw.start_line;
  const startSide = raw.start_side === 'LEFT' ? 'LEFT' : raw.start_side === 'RIGHT' ? 'RIGHT' : side;
  const startProblem =
    startLine !== undefined &&
    startLine !== null &&
    (!Number.isInteger(startLine) ||
      hunk === undefined ||
      !(startSide === 'RIGHT' ? hunk.right : hunk.left).has(startLine as number) ||
      (startSide === side && (startLine as number) >= (line as number)));

  const errors: string[] = [];
  if (!hunk) errors.push(LINE_NOT_IN_DIFF);
  if (startProblem) errors.push(START_LINE_OTHER_HUNK);
  if (!hunk) errors.push(HUNK_BLANK);
  if (errors.length > 0) return { ok: false, error: toSentence(errors) };

  const anchor: ReviewCommentAnchor = { ...base, line: line as number };
  if (typeof startLine === 'number') {
    anchor.startLine = startLine;
    anchor.startSide = startSide;
  }
  return { ok: true, anchor };
}
