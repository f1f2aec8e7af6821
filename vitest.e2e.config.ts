import { defineConfig } from 'vitest/config';

// The built app driven in Chromium: each file starts its own server process and data folder,
// and files run one after another so they do not compete for the CPU (argon2, Chromium).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
