/**
 * Reading and comparing a step's gradients (`StepGradients`) in the data-parallel tests
 * (parallel-gradients, parallel-tagged).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { denseGrad } from '../../../src/core/train/flatParams';
import type { StepGradients } from '../../../src/core/train/gradients';

/** The step's loss and gradients as arrays (a row-sparse one filled out as the table); disposes them. */
export async function readStep(
  g: StepGradients,
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const grads = new Map<string, Float32Array>();
  for (const [k, t] of g.grads) {
    const dense = tf.tidy(() => denseGrad(t));
    grads.set(k, await dense.data<'float32'>());
    if (dense !== t) dense.dispose();
  }
  const loss = (await g.loss.data())[0];
  tf.dispose([g.loss, ...g.grads.values()]);
  return { loss, grads };
}

/**
 * Largest |a - b| over every parameter's gradient, relative to that gradient's largest |b|, or
 * to 1e-3 of the largest over all parameters when that is smaller: some gradients are zero in
 * exact arithmetic (attention key biases: softmax ignores a shift shared by all keys), so theirs
 * is rounding noise. `DEBUG_GRADS=1` prints each parameter's.
 */
export function maxRelDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let global = 0;
  for (const y of b.values()) for (const v of y) global = Math.max(global, Math.abs(v));
  let worst = 0;
  for (const [k, x] of a) {
    const y = b.get(k) as Float32Array;
    let scale = 1e-3 * global;
    for (const v of y) scale = Math.max(scale, Math.abs(v));
    let w = 0;
    for (let i = 0; i < x.length; i++) w = Math.max(w, Math.abs(x[i] - y[i]) / scale);
    if (process.env.DEBUG_GRADS) console.log(k, w.toExponential(2), scale.toExponential(2));
    worst = Math.max(worst, w);
  }
  return worst;
}
