/**
 * The worker's side of the e2e tests' fault injection, in test builds only (`TEST_HOOKS`: the
 * e2e build, `vite build --mode e2e`, and unit tests). The page reads its URL flags once at start
 * (`e2eHooksFromUrl` in src/ui/studio/urlOptions.ts) and sends them in a `testHooks` request:
 *
 * - `quota`: a run's first checkpoint is written, every later write fails as a full storage quota
 *   would (so a test sees the last good checkpoint survive);
 * - `loseDeviceAtStep: N`: the WebGPU device is destroyed after optimizer step N (once).
 *
 * In the production build `createTestHooks` returns hooks that do nothing (a `testHooks` request
 * fails), and the code below is dropped from the bundle.
 */
import * as tf from '@tensorflow/tfjs';
import { TEST_HOOKS } from '../core/buildFlags';
import type { Api } from './protocol';
import { StudioError } from '../core/run/errors';

export interface WorkerTestHooks {
  /** The `testHooks` request: replaces the settings. */
  set(request: Api['testHooks'][0]): void;
  /** A new run's checkpoint store hook (IdbCheckpointStore's `simulateQuota`); undefined: off. */
  checkpointQuota(): (() => boolean) | undefined;
  /** Called after each optimizer step with the run's global step. */
  afterStep(globalStep: number): void;
}

const NO_TEST_HOOKS: WorkerTestHooks = {
  set() {
    // Only the e2e build's page sends this request: from another page it is not a request it knows.
    throw new StudioError('protocol', 'Test hooks exist only in the e2e build.');
  },
  checkpointQuota: () => undefined,
  afterStep() {},
};

/** The hooks of one worker; inert outside test builds. */
export function createTestHooks(): WorkerTestHooks {
  return TEST_HOOKS ? liveTestHooks() : NO_TEST_HOOKS;
}

function liveTestHooks(): WorkerTestHooks {
  let quota = false;
  let loseDeviceAt: number | null = null;
  return {
    set(request) {
      quota = Boolean(request.quota);
      loseDeviceAt = request.loseDeviceAtStep ?? null;
    },
    checkpointQuota() {
      let writes = 0;
      return () => quota && writes++ >= 1;
    },
    afterStep(globalStep) {
      if (loseDeviceAt === null || globalStep !== loseDeviceAt) return;
      loseDeviceAt = null;
      const dev = (tf.backend() as unknown as { device?: { destroy(): void } }).device;
      dev?.destroy();
    },
  };
}
