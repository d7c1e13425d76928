/**
 * The e2e fault-injection hooks as unit tests see them (a test build: `TEST_HOOKS` is on here,
 * see vitest.config.ts; `scripts/check-dist.ts` checks that the production build has none).
 */
import * as tf from '@tensorflow/tfjs';
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

  it('lose the device once, at the asked step, and only then', async () => {
    // The cpu backend has no device to lose: give it one that records when it is destroyed, as
    // WebGPU's GPUDevice.destroy() would be called.
    await tf.setBackend('cpu');
    const backend = tf.backend() as unknown as { device?: { destroy(): void } };
    const destroyedAt: number[] = [];
    let step = 0;
    backend.device = { destroy: () => destroyedAt.push(step) };
    try {
      const hooks = createTestHooks();
      hooks.set(e2eHooksFromUrl('?e2e-device-loss=2') ?? {});
      for (step of [1, 2, 2, 3]) hooks.afterStep(step);
      expect(destroyedAt).toEqual([2]);
      // Without the flag nothing is lost.
      const off = createTestHooks();
      off.set(e2eHooksFromUrl('?') ?? {});
      for (step of [1, 2, 3]) off.afterStep(step);
      expect(destroyedAt).toEqual([2]);
    } finally {
      delete backend.device;
    }
  });
});
