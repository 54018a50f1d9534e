import { defineConfig } from 'vitest/config';

/**
 * Two projects: `node` needs only Node (core, CLI, server, Electron shell logic); `browser` drives
 * Debian's Chromium (SwiftShader WebGL) against the built renderer, which its global setup builds
 * once for all its files. `npm run test:unit` runs the first alone: no Chromium needed.
 */
const BROWSER_TESTS = [
  'tests/e2e/**/*.test.ts',
  'tests/**/*.e2e.test.ts',
  'tests/screenshot-cli.test.ts',
  'tests/main/desktop-e2e.test.ts',
  'tests/hostile/screenshot-signal.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Built bundles (CLI, trace worker) cache models in the user's cache folder by default: tests must
    // neither read a model an earlier test stored (an open would skip its progress) nor leave any
    // behind. tests/model-cache.test.ts turns it on explicitly, in a temp folder.
    env: { NSYS_VIEWER_MODEL_CACHE: '0' },
    hookTimeout: 120_000,
    // Browser end-to-end tests each start Chromium; keep the 2-core CI machine from thrashing.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: BROWSER_TESTS,
          // One line about ../shared/traces when it is missing (skip locally, fail on CI).
          globalSetup: ['tests/helpers/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'browser', include: BROWSER_TESTS, globalSetup: ['tests/helpers/global-setup.ts', 'tests/e2e/global-setup.ts'] },
      },
    ],
  },
});
