import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The workspace packages' names (@vitana/*) resolve to their sources through tsconfig.json "paths",
  // as they do for tsc, tsx and esbuild: one map, no build step before a test.
  resolve: { tsconfigPaths: true },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and databases; two cores do not gain from more workers.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
