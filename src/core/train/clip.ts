/** Global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_` (HF's `max_grad_norm`). */
import * as tf from '@tensorflow/tfjs';

/**
 * Total L2 norm of all gradients together, and the gradients scaled by
 * `min(1, maxNorm / (norm + 1e-6))` (torch always multiplies by the clamped coefficient).
 * `maxNorm <= 0` (or not finite) means no clipping; the norm is still returned, as HF logs it.
 *
 * Ownership: the returned map holds new tensors and `norm` is a new scalar, all owned by the
 * caller; the input gradients are not disposed. No GPU read-back: read `norm` with
 * `await norm.data()` only when logging.
 */
export function clipByGlobalNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const out = new Map<string, tf.Tensor>();
  const norm = tf.tidy(() => {
    if (grads.size === 0) return tf.scalar(0);
    // torch: norm of the per-tensor norms. Summed pairwise, not with tf.addN: on WebGPU, AddN
    // binds one storage buffer per input and a model has more parameters than an adapter allows
    // per shader stage (8 on SwiftShader), which silently produced a norm of 0 there.
    let total: tf.Tensor = tf.scalar(0);
    for (const g of grads.values()) total = tf.add(total, tf.sum(tf.square(g.toFloat())));
    return tf.sqrt(total) as tf.Scalar;
  });
  const clip = Number.isFinite(maxNorm) && maxNorm > 0;
  if (!clip) {
    for (const [name, g] of grads) out.set(name, tf.clone(g));
    return { grads: out, norm };
  }
  tf.tidy(() => {
    const coef = tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)), 1);
    for (const [name, g] of grads) out.set(name, tf.keep(tf.mul(g, coef)));
  });
  return { grads: out, norm };
}
