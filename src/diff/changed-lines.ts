/**
 * What a pull request's patch says about a file's head version: which lines
 * the change touched (for "is this endpoint changed?") and which lines
 * GitHub accepts review comments on (added and context lines of the hunks).
 */
import parseDiff from 'parse-diff';

export interface FileChanges {
  /** Lines of the head version added by the change, plus the line after each deletion. */
  changed: Set<number>;
  /** Lines a RIGHT-side review comment may be placed on: added and context lines. */
  commentable: Set<number>;
  /** Lines of the head version added by the change. */
  added: Set<number>;
  /** Lines of the base version the change deletes: where a LEFT-side comment can say "this removed a control". */
  deleted: Set<number>;
}

/**
 * Parses a GitHub `patch` (hunks without file headers, as the pull request
 * files API returns it). An absent patch (GitHub leaves it out for large or
 * binary diffs) gives undefined: the caller then treats the whole file as
 * changed and comments on no line.
 */
export function parsePatch(patch: string | undefined | null): FileChanges | undefined {
  if (patch === undefined || patch === null) return undefined;
  const changes: FileChanges = { changed: new Set(), commentable: new Set(), added: new Set(), deleted: new Set() };
  for (const file of parseDiff(patch)) {
    for (const chunk of file.chunks) {
      let nextNewLine = chunk.newStart;
      let pendingDeletion = false;
      for (const change of chunk.changes) {
        if (change.type === 'add') {
          changes.added.add(change.ln);
          changes.changed.add(change.ln);
          changes.commentable.add(change.ln);
          nextNewLine = change.ln + 1;
          pendingDeletion = false;
        } else if (change.type === 'normal') {
          changes.commentable.add(change.ln2);
          if (pendingDeletion) changes.changed.add(change.ln2);
          nextNewLine = change.ln2 + 1;
          pendingDeletion = false;
        } else {
          // A deleted line has no head line: the change touched the code where it was.
          changes.changed.add(Math.max(1, nextNewLine - 1));
          changes.deleted.add(change.ln);
          pendingDeletion = true;
        }
      }
      if (pendingDeletion) changes.changed.add(nextNewLine);
    }
  }
  return changes;
}

/**
 * `parsePatch` for a patch from GitHub: one the parser cannot read counts as
 * absent (the whole file is reviewed, no line is commented) rather than
 * failing the review.
 */
export function parsePatchSafely(patch: string | undefined | null): FileChanges | undefined {
  try {
    return parsePatch(patch);
  } catch {
    return undefined;
  }
}
