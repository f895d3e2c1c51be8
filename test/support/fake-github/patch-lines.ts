/**
 * The fake's own reading of a pull request file's `patch`: which lines
 * GitHub accepts a review comment on. Written independently of
 * src/diff/ on purpose, so a bug in the app's parser cannot hide behind the
 * same bug in the fake.
 */

/** One `@@ -a,b +c,d @@` hunk with the lines each side of the diff can be commented on. */
export interface PatchHunk {
  /** New-file line numbers of added and context lines (side RIGHT). */
  right: Set<number>;
  /** Old-file line numbers of deleted and context lines (side LEFT). */
  left: Set<number>;
}

export interface ParsedPatch {
  hunks: PatchHunk[];
  /** Number of diff lines below the first hunk header; valid `position`s are 1..positions. */
  positions: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Parses a patch as the pull request files API returns it (hunks, no file headers). */
export function parsePatchHunks(patch: string): ParsedPatch {
  const hunks: PatchHunk[] = [];
  let current: PatchHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  let positions = 0;
  let seenFirstHeader = false;
  for (const text of patch.split('\n')) {
    const header = HUNK_HEADER.exec(text);
    if (header) {
      // Later hunk headers count as positions too, as GitHub documents.
      if (seenFirstHeader) positions += 1;
      seenFirstHeader = true;
      current = { right: new Set(), left: new Set() };
      hunks.push(current);
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (!current) continue;
    if (text === '') continue; // the trailing newline of the patch string
    positions += 1;
    const marker = text[0];
    if (marker === '+') {
      current.right.add(newLine);
      newLine += 1;
    } else if (marker === '-') {
      current.left.add(oldLine);
      oldLine += 1;
    } else if (marker === ' ') {
      current.right.add(newLine);
      current.left.add(oldLine);
      newLine += 1;
      oldLine += 1;
    }
    // "\ No newline at end of file" occupies a position but no line.
  }
  return { hunks, positions };
}

/** The hunk holding `line` on `side`, if the line is part of the diff. */
export function findHunk(parsed: ParsedPatch, side: 'LEFT' | 'RIGHT', line: number): PatchHunk | undefined {
  return parsed.hunks.find((hunk) => (side === 'RIGHT' ? hunk.right : hunk.left).has(line));
}

/** Counts added and deleted lines of a patch, as the files API reports them. */
export function countPatchChanges(patch: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  let inHunk = false;
  for (const text of patch.split('\n')) {
    if (HUNK_HEADER.test(text)) {
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (text.startsWith('+')) additions += 1;
    else if (text.startsWith('-')) deletions += 1;
  }
  return { additions, deletions };
}

/** The patch GitHub shows for a newly added file with this content. */
export function patchForAddedFile(content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  const noNewline = content.endsWith('\n') ? '' : '\n\\ No newline at end of file';
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((line) => `+${line}`).join('\n')}${noNewline}`;
}
