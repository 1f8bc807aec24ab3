import { defineConfig } from 'vitest/config';

// Unit and integration tests under plain Node, with real SQLite in temp folders.
// No automatic retries: a flaky test is a bug to fix.
export default defineConfig({
  test: {
    include: ['test/{unit,integration,packaging,security,bench}/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    retry: 0,
    reporters: ['default'],
  },
});
