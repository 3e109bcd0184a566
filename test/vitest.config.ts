import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-node.ts'],
    globalSetup: ['test/package-setup.ts'],
    testTimeout: 30_000,
    // Two cores: two worker processes, no more.
    maxWorkers: 2,
  },
});
