import { defineConfig } from 'vitest/config';

// Native modules (better-sqlite3, onnxruntime-node, argon2) are safest in forked processes.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts', 'src-*/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**', 'out/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
