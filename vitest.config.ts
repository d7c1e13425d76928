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
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'python', include: ['tests/python-unit/**/*.test.ts'] } },
    ],
  },
});
