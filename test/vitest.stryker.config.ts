import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The suite Stryker runs for each mutant of src/ (npm run mutate): the in-process tests.
// Left out are the tests that run the packed package, other runtimes, browsers, bundlers or
// child processes: they import dist/ or a packed copy, never the mutated src/, so they could
// neither kill nor cover a mutant and would only cost time.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/browser.test.ts',
      'test/bundlers.test.ts',
      'test/edge.test.ts',
      'test/runtimes.test.ts',
      'test/determinism.test.ts',
      'test/memory.test.ts',
      'test/threads.test.ts',
      'test/pool-faults.test.ts',
      // Only the packed package (test/package-setup.ts), never src/:
      'test/cli.test.ts',
      'test/cold.test.ts',
      'test/infer-abi.test.ts',
      'test/newcomer.test.ts',
      'test/playground.test.ts',
      'test/examples.test.ts',
      // Instrumented for mutation, the pure-JS backend runs several times slower: the digits
      // runs take minutes. The learning test is measured on planted core bugs instead
      // (npm run mutate:core -- --learning).
      'test/mnist.test.ts',
    ],
    setupFiles: ['test/setup-node.ts'],
    // docs, quantize and tiny mix in-process tests with some of the packed package's.
    globalSetup: ['test/package-setup.ts'],
    // Two tests that take minutes on instrumented code check it (test/contract.test.ts).
    env: { WASM_MLP_MUTATION: '1' },
    testTimeout: 60_000,
  },
});
