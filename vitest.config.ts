import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (tests/unit, fast, Node only: `npm run test:unit`) and `python`
 * (tests/python-unit, the tests that run Python's torch, transformers, accelerate, onnx and
 * onnxruntime beside the studio: `npm run test:python`). `npx vitest run` runs both.
 */
export default defineConfig({
  // Unit tests are a test build: the e2e fault-injection hooks are on (src/core/buildFlags.ts).
  define: { __STUDIO_TEST_HOOKS__: 'true' },
  test: {
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // One test file per core (Vitest's default leaves a core idle: on 2 cores, one file at a
    // time). On 2 cores, under the same load: 155 s for the unit tests instead of 236 s.
    maxWorkers: availableParallelism(),
    minWorkers: 1,
    // The test files of a worker share their modules (TF.js and the core load once per worker,
    // not once per file): the unit tests in 91 s instead of 156 s on 2 cores. A test that
    // changes shared state (the TF.js backend, a spy) puts it back.
    isolate: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'python',
          include: ['tests/python-unit/**/*.test.ts'],
          // Their Python processes take the other cores (accelerate launches two): one file at
          // a time, in one process.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
