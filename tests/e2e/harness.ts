/**
 * Types shared by the e2e runner (`run.ts`) and the test files (`*.e2e.ts`).
 *
 * A test file exports either `default` (one async test function, or a list of named tests) or
 * `tests` (a list of named tests). Each test gets a fresh context object; pages it opens through
 * `browser.newPage()` / `browser.newContext()` have their console errors and page errors forwarded
 * to the runner's output, and are closed when the test ends.
 */
import type { Browser } from 'playwright-core';

export interface E2EContext {
  /** Headless Chromium with WebGPU (SwiftShader) enabled. */
  browser: Browser;
  /** The built app, served by scripts/serve.mjs; ends with "/". */
  baseUrl: string;
  /** Absolute path of `test-results/`: screenshots and downloads go here. */
  outDir: string;
  /** Prints a progress line under the current test (indented, with seconds since its start). */
  log: (message: string) => void;
}

export type E2ETestFn = (ctx: E2EContext) => Promise<void>;

export interface E2ETest {
  name: string;
  fn: E2ETestFn;
  /** Per-test limit; the runner's default (8 minutes, or E2E_TIMEOUT_MS) when absent. */
  timeoutMs?: number;
}

/** What a `*.e2e.ts` module may export. */
export interface E2EModule {
  default?: E2ETestFn | E2ETest[];
  tests?: E2ETest[];
}
