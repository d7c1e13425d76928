import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Unit tests are a test build: the e2e fault-injection hooks are on (src/core/buildFlags.ts).
  define: { __STUDIO_TEST_HOOKS__: 'true' },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
});
