/**
 * One AdamW update of a flat bucket (`adamw.ts`), on whatever runs it best: the studio's WebGPU
 * kernels (three dispatches, the gate read on the device), its wasm kernel (one pass), or TF.js
 * ops in torch's order. Call inside `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';

import { type AdamWScalars, wasmAdamW } from '../kernels/wasmKernels';
import { webgpuAdamW } from '../kernels/webgpu/webgpuKernels';

/**
 * `[p, m, v]` after one step of the bucket's parameters `p`, gradient `g` and moments `m`, `v`
 * (all flat). `gate` (float32 [1], or null: open): where 0, the three come back as they were,
 * bit for bit. On wasm the caller has read the gate already (an open one is passed as null).
 */
export function updateBucket(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  s: AdamWScalars,
  gate: tf.Tensor | null,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  // WebGPU: one dispatch per result, the gate read on the device.
  const gpu = webgpuAdamW();
  if (gpu) return gpu(p, g, m, v, gate, s);
  // wasm: the same float32 operations in one pass over the bucket.
  const fused = wasmAdamW();
  if (fused) return fused(p, g, m, v, s) as [tf.Tensor, tf.Tensor, tf.Tensor];
  // Nested tidies free each temporary as soon as it is used: on a large bucket (a word
  // embedding) the chain then holds a few buffers of its size at a time, not a dozen.
  // torch: exp_avg.lerp_(grad, 1 - beta1) = m + (1-b1) * (g - m) (weight < 0.5 branch).
  const mNew = tf.tidy(() => m.add(g.sub(m).mul(tf.scalar(s.oneMinusB1))));
  // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2).
  const vNew = tf.tidy(() => v.mul(tf.scalar(s.b2)).add(g.mul(g).mul(tf.scalar(s.oneMinusB2))));
  // torch: param.mul_(1 - lr * weight_decay), skipped when the group's decay is 0; then
  // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps) and
  // param.addcdiv_(exp_avg, denom, value=-step_size).
  const pNew = tf.tidy(() => {
    const update = tf.tidy(() => {
      const denom = tf.tidy(() => vNew.sqrt().div(tf.scalar(s.bc2Sqrt)).add(tf.scalar(s.eps)));
      return mNew.div(denom).mul(tf.scalar(s.negStep));
    });
    return (s.decayMul !== 1 ? p.mul(tf.scalar(s.decayMul)) : p).add(update);
  });
  if (!gate) return [pNew, mNew, vNew];
  // A closed gate keeps p, m and v, chosen on the device after the update.
  const open = tf.greater(tf.reshape(gate, []), 0);
  return [tf.where(open, pNew, p), tf.where(open, mNew, m), tf.where(open, vNew, v)];
}
