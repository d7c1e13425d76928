/**
 * The training step's loss, grad norm and finiteness kept on the device, so a step never waits
 * for the GPU: the Trainer reads them back only where it needs them (a log entry, an
 * evaluation, a checkpoint, the end of the run), one read of a few floats, as transformers keeps
 * `tr_loss` on the device and reads it at `logging_steps`.
 *
 * Each step is recorded with {@link DeviceStepLog.record}, which also gives the step's gate: 1
 * when its update may be applied, 0 when not; AdamW applies the update under that gate on the
 * device (`AdamW.step`'s `gate`). A step is applied when its loss and grad norm are finite, and,
 * under `nan_policy` 'stop', no earlier step since the last read was not: from the first
 * non-finite step on nothing is applied, so when the read finds it the weights are those before
 * it, as if the run had stopped there.
 *
 * The state is one float32 vector, {@link SLOTS}; on a backend with the studio's kernel for it
 * (WebGPU: `kernels/webgpu/`) a record is one dispatch, elsewhere a few TF.js ops.
 */
import * as tf from '@tensorflow/tfjs';

import { STEP_LOG_KERNEL, type StepLogAttrs } from '../kernels/webgpu/webgpuKernels';
import type { AdamW } from './adamw';
import { checkStepLog } from './nonFinite';
import type { TrainLosses } from './trainLog';

/** Where each value sits in the state vector. */
export const SLOTS = {
  /** Sum of the applied steps' losses since the last read. */
  lossSum: 0,
  /** Applied steps since the last read. */
  steps: 1,
  /** Grad norm of the last applied step (kept across reads). */
  lastNorm: 2,
  /** 1-based step of the first non-finite step since the last read, 0 if none. */
  firstBadStep: 3,
  /** Its loss when that was not finite, else its grad norm. */
  firstBadValue: 4,
  /** Steps not applied since the last read. */
  notApplied: 5,
  /** The gate of the step recorded last: 1 applied, 0 not. */
  gate: 6,
} as const;
export const STATE_SIZE = 8;

/** What one read finds. */
export interface StepLogRead {
  lossSum: number;
  steps: number;
  lastNorm: number;
  /** The first step since the last read whose loss or grad norm was not finite. */
  firstBad: { step: number; value: number } | null;
  notApplied: number;
}

/**
 * The record as TF.js ops (any backend): `state`, the step's `loss` and `norm` (scalars) ->
 * the new state. The reference for the kernels of {@link STEP_LOG_KERNEL}.
 */
export function recordStepOps(
  state: tf.Tensor1D,
  loss: tf.Tensor,
  norm: tf.Tensor,
  attrs: StepLogAttrs,
): tf.Tensor1D {
  return tf.tidy(() => {
    const s = tf.unstack(state) as tf.Scalar[];
    const l = tf.reshape(loss, []) as tf.Scalar;
    const n = tf.reshape(norm, []) as tf.Scalar;
    const finite = tf.logicalAnd(tf.isFinite(l), tf.isFinite(n));
    const clean = tf.equal(s[SLOTS.firstBadStep], 0);
    const open = attrs.stopOnBad ? tf.logicalAnd(finite, clean) : finite;
    const firstBadHere = tf.logicalAnd(clean, tf.logicalNot(finite));
    const zero = tf.scalar(0);
    const out: tf.Tensor[] = [...s];
    out[SLOTS.lossSum] = tf.add(s[SLOTS.lossSum], tf.where(open, l, zero));
    out[SLOTS.steps] = tf.add(s[SLOTS.steps], tf.cast(open, 'float32'));
    out[SLOTS.lastNorm] = tf.where(open, n, s[SLOTS.lastNorm]);
    out[SLOTS.firstBadStep] = tf.where(firstBadHere, tf.scalar(attrs.step), s[SLOTS.firstBadStep]);
    out[SLOTS.firstBadValue] = tf.where(
      firstBadHere,
      tf.where(tf.isFinite(l), n, l),
      s[SLOTS.firstBadValue],
    );
    out[SLOTS.notApplied] = tf.add(s[SLOTS.notApplied], tf.cast(tf.logicalNot(open), 'float32'));
    out[SLOTS.gate] = tf.cast(open, 'float32');
    return tf.stack(out) as tf.Tensor1D;
  });
}

/** The device-side log of a run's steps (see the file's comment). Owns its state tensor. */
export class DeviceStepLog {
  private state: tf.Tensor1D;

  constructor(
    private readonly policy: 'stop' | 'skip',
    lastNorm = 0,
  ) {
    this.state = DeviceStepLog.fresh(lastNorm);
  }

  private static fresh(lastNorm: number): tf.Tensor1D {
    const v = new Float32Array(STATE_SIZE);
    v[SLOTS.lastNorm] = lastNorm;
    v[SLOTS.gate] = 1;
    return tf.tensor1d(v, 'float32');
  }

  /**
   * Records update step `step` (1-based) from its loss and pre-clip grad norm (scalars, not
   * consumed). Returns its gate, a float32 [1] tensor owned by the caller: 1 to apply the
   * update, 0 not. No read.
   */
  record(loss: tf.Tensor, norm: tf.Tensor, step: number): tf.Tensor1D {
    const attrs: StepLogAttrs = { step, stopOnBad: this.policy === 'stop' ? 1 : 0 };
    const prev = this.state;
    const kernel = tf.getKernel(STEP_LOG_KERNEL, tf.getBackend());
    this.state = kernel
      ? (tf
          .engine()
          .runKernel(
            STEP_LOG_KERNEL,
            { state: prev, loss, norm },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor1D)
      : recordStepOps(prev, loss, norm, attrs);
    prev.dispose();
    return tf.slice(this.state, [SLOTS.gate], [1]);
  }

  /** Starts again from nothing (a new run), keeping no grad norm. */
  clear(): void {
    this.state.dispose();
    this.state = DeviceStepLog.fresh(0);
  }

  /**
   * Reads the log back (one GPU-to-CPU read of {@link STATE_SIZE} floats) and starts a new
   * interval: the sums, the first non-finite step and the count of steps not applied start
   * again from 0; the last grad norm is kept.
   */
  async read(): Promise<StepLogRead> {
    const v = (await this.state.data()) as Float32Array;
    const out: StepLogRead = {
      lossSum: v[SLOTS.lossSum],
      steps: v[SLOTS.steps],
      lastNorm: v[SLOTS.lastNorm],
      firstBad:
        v[SLOTS.firstBadStep] > 0
          ? { step: v[SLOTS.firstBadStep], value: v[SLOTS.firstBadValue] }
          : null,
      notApplied: v[SLOTS.notApplied],
    };
    this.state.dispose();
    this.state = DeviceStepLog.fresh(out.lastNorm);
    return out;
  }

  dispose(): void {
    this.state.dispose();
  }
}

/**
 * Reads `log` (one small GPU read) into `losses`: the steps' losses and last grad norm since the
 * previous read; `optimizer`'s step count forgets the steps not applied; `nan_policy` 'stop'
 * raises on a non-finite step ({@link checkStepLog}).
 */
export async function readStepLogInto(
  log: DeviceStepLog,
  optimizer: AdamW,
  losses: TrainLosses,
  policy: 'stop' | 'skip',
): Promise<void> {
  const r = await log.read();
  optimizer.forgetSteps(r.notApplied);
  losses.addSteps(r.lossSum, r.steps, r.lastNorm);
  checkStepLog(policy, r.firstBad);
}
