/**
 * The e2e fault-injection hooks as unit tests see them (a test build: `TEST_HOOKS` is on here,
 * see vitest.config.ts; `scripts/check-dist.ts` checks that the production build has none).
 */
import { describe, expect, it } from 'vitest';
import { TEST_HOOKS } from '../../src/core/buildFlags';
import { e2eHooksFromUrl } from '../../src/ui/studio/urlOptions';
import { createTestHooks } from '../../src/worker/testHooks';

describe('test hooks (test build)', () => {
  it('are on in unit tests', () => {
    expect(TEST_HOOKS).toBe(true);
  });

  it('let the first checkpoint through, then fail every write while the quota hook is on', () => {
    const hooks = createTestHooks();
    const simulate = hooks.checkpointQuota();
    expect(simulate?.()).toBe(false);
    hooks.set({ quota: true });
    expect([simulate?.(), simulate?.(), simulate?.()]).toEqual([false, true, true]);
    // A new run's store starts counting again.
    const next = hooks.checkpointQuota();
    expect([next?.(), next?.()]).toEqual([false, true]);
    hooks.set({});
    expect(simulate?.()).toBe(false);
  });

  it('lose the device once, at the asked step (nothing to lose on the cpu backend)', () => {
    const hooks = createTestHooks();
    hooks.set(e2eHooksFromUrl('?e2e-device-loss=2') ?? {});
    expect(() => [1, 2, 2, 3].forEach((s) => hooks.afterStep(s))).not.toThrow();
  });
});
