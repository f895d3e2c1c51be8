import { describe, expect, it } from 'vitest';
import { changedFilesOfDiff, unquoteGitPath } from '../../src/cli/base-diff.js';

const DIFF = `diff --git a/src/routes.ts b/src/routes.ts
index 1c943a9..f8f7a32 100644
--- a/src/routes.ts
+++ b/src/routes.ts
@@ -1,5 +1,6 @@
 const a = 1;
-const b = 2;
+const b = 3;
+const c = 4;
 const d = 5;
 const e = 6;
 const f = 7;
diff --git a/src/new.ts b/src/new.ts
new file mode 100644
index 0000000..4286f42
--- /dev/null
+++ b/src/new.ts
@@ -0,0 +1,2 @@
+export const x = 1;
+export const y = 2;
diff --git a/src/gone.ts b/src/gone.ts
deleted file mode 100644
index bca70f3..0000000
--- a/src/gone.ts
+++ /dev/null
@@ -1 +0,0 @@
-export const gone = true;
diff --git a/old-name.ts b/new-name.ts
similarity 100%
rename from old-name.ts
rename to new-name.ts
`;

describe('changedFilesOfDiff', () => {
  it('gives the head-side files with their changed lines, as the app computes them from a PR patch', () => {
    const files = changedFilesOfDiff(DIFF);
    expect(files.map((file) => file.path)).toEqual(['src/routes.ts', 'src/new.ts', 'new-name.ts']);
    // parsePatch's rule: the replaced line counts for the lines around it (1) and the added ones (2, 3).
    expect([...files[0].changedLines!].sort()).toEqual([1, 2, 3]);
    expect([...files[1].changedLines!].sort()).toEqual([1, 2]);
  });

  it('counts no line of a file that was only renamed as changed', () => {
    const renamed = changedFilesOfDiff(DIFF).find((file) => file.path === 'new-name.ts');
    expect(renamed?.changedLines?.size).toBe(0);
  });

  it('gives nothing for an empty diff', () => {
    expect(changedFilesOfDiff('')).toEqual([]);
  });
});

describe('unquoteGitPath', () => {
  it('leaves ordinary names alone', () => {
    expect(unquoteGitPath('app/api/invoices/[id]/route.ts')).toBe('app/api/invoices/[id]/route.ts');
  });

  it('decodes the C escapes of a quoted name, octal escapes as UTF-8 bytes', () => {
    expect(unquoteGitPath('src/caf\\303\\251.ts')).toBe('src/café.ts');
    expect(unquoteGitPath('src/a\\tb\\"c\\\\d.ts')).toBe('src/a\tb"c\\d.ts');
  });
});
