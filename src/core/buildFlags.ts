/**
 * Build-time flags. `__STUDIO_TEST_HOOKS__` is set by Vite's `define` (vite.config.ts: true only in
 * the e2e tests' build, `vite build --mode e2e`) and by vitest.config.ts (true); the CLI in Node
 * runs without it (false). Code behind `if (TEST_HOOKS)` is dropped from the production bundle,
 * which `scripts/check-dist.ts` checks.
 */
declare const __STUDIO_TEST_HOOKS__: boolean | undefined;

/** True in test builds only: the e2e fault-injection hooks (simulated full quota, device loss). */
export const TEST_HOOKS: boolean =
  typeof __STUDIO_TEST_HOOKS__ !== 'undefined' && __STUDIO_TEST_HOOKS__ === true;
