import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // One line about ../shared/traces when it is missing (skip locally, fail on CI).
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser end-to-end tests each start Chromium; keep the 2-core CI machine from thrashing.
    maxWorkers: 2,
  },
});
