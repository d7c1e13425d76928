/** Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_` (HF's `max_grad_norm`). */
import * as tf from '@tensorflow/tfjs';
import type { FlatGrads } from './flatParams';

/**
 * Total L2 norm of all gradients together, and the gradients scaled by
 * `min(1, maxNorm / (norm + 1e-6))` (torch always multiplies by the clamped coefficient).
 * `maxNorm <= 0` (or not finite) means no clipping; the norm is still returned, as HF logs it.
 *
 * Ownership: the returned map holds new tensors and `norm` is a new scalar, all owned by the
 * caller; the input gradients are not disposed. No GPU read-back: read `norm` with
 * `await norm.data()` only when logging.
 *
 * Per parameter: a Square, a Sum, an Add and (when clipping) a Multiply. With an optimizer at
 * hand, {@link clipFlatGradsByGlobalNorm} on `optimizer.flattenGrads(grads)` is a handful of
 * kernels in all and shares the concatenation with `optimizer.step`.
 */
export function clipByGlobalNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const out = new Map<string, tf.Tensor>();
  const norm = tf.tidy(() => {
    if (grads.size === 0) return tf.scalar(0);
    // torch: norm of the per-tensor norms, i.e. sqrt of the summed squares. Summed pairwise, not
    // with tf.addN: on WebGPU, AddN binds one storage buffer per input and a model has more
    // parameters than an adapter allows per shader stage (8 on SwiftShader), which silently
    // produced a norm of 0 there.
    let total: tf.Tensor | null = null;
    for (const g of grads.values()) {
      const s = tf.sum(tf.square(g.dtype === 'float32' ? g : g.toFloat()));
      total = total ? tf.add(total, s) : s;
    }
    return tf.sqrt(total as tf.Tensor) as tf.Scalar;
  });
  if (!clipping(maxNorm)) {
    for (const [name, g] of grads) out.set(name, tf.clone(g));
    return { grads: out, norm };
  }
  tf.tidy(() => {
    const coef = clipCoef(norm, maxNorm);
    for (const [name, g] of grads) out.set(name, tf.keep(tf.mul(g, coef)));
  });
  return { grads: out, norm };
}

/**
 * {@link clipByGlobalNorm} on flat gradients (`AdamW.flattenGrads`), scaling them in place: one
 * Square and Sum per bucket, then one Multiply per bucket. Returns the pre-clip total norm, a new
 * scalar owned by the caller. `flat` stays owned by the caller. No GPU read-back.
 *
 * The trainer's step, with the optimizer and clipping sharing one flattening:
 * ```ts
 * const flat = optimizer.flattenGrads(grads);
 * tf.dispose([...grads.values()]);
 * const norm = clipFlatGradsByGlobalNorm(flat, args.max_grad_norm);
 * if (Number.isFinite((await norm.data())[0])) optimizer.step(flat, lr);
 * flat.dispose();
 * norm.dispose();
 * ```
 */
export function clipFlatGradsByGlobalNorm(flat: FlatGrads, maxNorm: number): tf.Scalar {
  const norm = tf.tidy(() => tf.sqrt(flat.sumOfSquares()) as tf.Scalar);
  if (clipping(maxNorm)) tf.tidy(() => flat.scale(clipCoef(norm, maxNorm)));
  return norm;
}

function clipping(maxNorm: number): boolean {
  return Number.isFinite(maxNorm) && maxNorm > 0;
}

/** torch: `clip_coef = max_norm / (total_norm + 1e-6)`, clamped to 1. */
function clipCoef(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)), 1) as tf.Scalar;
}
