import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'checks/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The per-file analysis budget (2 s by default) is a production guard; on a shared 2-core CI machine a
    // cold worker thread under load can exceed it and skip a file a test expects reviewed. Tests of the budget
    // pass their own limits (fileTimeoutMs, perFileMs), so the default is only raised here.
    env: { REVIEW_FILE_BUDGET_MS: '30000' },
  },
});
