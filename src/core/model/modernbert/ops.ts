/**
 * ModernBERT's ops beside the shared ones in `layers.ts`, each with its gradient written out so
 * the tape records one op and keeps only what the backward pass reads: the token-embedding
 * lookup, a LayerNorm with or without bias, a residual sum, the rotary
 * embedding of the fused QKV projection, and the sliding-window attention mask.
 */
import * as tf from '@tensorflow/tfjs';

import { FLOAT32_MIN, additiveMask } from '../encoderLayer';
import { layerNormBackward, layerNormForward } from '../layers';

/**
 * `LayerNorm(x)` over the last axis of [N, H] with weight `gamma` and, when given, bias `beta`
 * (ModernBERT's `norm_bias`). Keeps the normalised input and the reciprocal std for backward.
 */
export function layerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor | null,
  eps: number,
): tf.Tensor2D {
  const run = (args: Array<tf.Tensor | tf.GradSaveFunc>, withBias: boolean) => {
    const g = args[1] as tf.Tensor;
    const save = args[withBias ? 3 : 2] as tf.GradSaveFunc;
    const { y, xhat, rstd } = tf.tidy(() =>
      layerNormForward(
        args[0] as tf.Tensor2D,
        g,
        withBias ? (args[2] as tf.Tensor) : tf.scalar(0),
        eps,
      ),
    );
    save([xhat, rstd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [dx, dg, db] = layerNormBackward(dy as tf.Tensor2D, saved[0], saved[1], saved[2]);
          return withBias ? [dx, dg, db] : [dx, dg];
        }),
    };
  };
  const fn = beta
    ? tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => run(args, true))
    : tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => run(args, false));
  return (beta ? fn(x, gamma, beta) : fn(x, gamma)) as tf.Tensor2D;
}

/** `a + b` of equal shapes, keeping nothing for the tape (tf.add keeps both inputs). */
export const residual = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => [dy, tf.clone(dy)],
})) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * The rows `word[ids]`, with the lookup's gradient written as a scatter-add into the table (the
 * wasm backend has no gradient for gather); keeps only the ids.
 * @param ids int32 [B, T]
 * @returns float32 [B*T, H]
 */
export function tokenRows(word: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor2D {
  const N = ids.size;
  const [vocab, H] = word.shape;
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[1] as tf.GradSaveFunc;
    const flatIds = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [N]);
    save([flatIds]);
    return {
      value: tf.gather(args[0] as tf.Tensor, flatIds),
      // scatterND sums duplicate ids, as the gradient of a lookup needs
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.scatterND(tf.reshape(saved[0], [N, 1]), dy, [vocab, H]),
      ],
    };
  });
  return fn(word) as tf.Tensor2D;
}

/** HF's `inv_freq` of heads of size `dH` and base `theta`, in float32 steps: `1 / theta ** (arange(0, dH, 2) / dH)`. */
export function inverseFrequencies(dH: number, theta: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(dH / 2);
  for (let i = 0; i < dH / 2; i++) out[i] = f(1 / f(theta ** f(f(2 * i) / dH)));
  return out;
}

/**
 * What {@link rotary} multiplies by for `T` positions, heads of size `dH` and base `theta` (HF's
 * `ModernBertRotaryEmbedding`: angle = position * inv_freq in float32, the halves repeated):
 * `cos` and `sin` [3T, 1, dH] (position-major, then the query, key and value slot; the value
 * slot 1 and 0, and the sine's first half negated as `rotate_half` needs) and the [dH, dH]
 * permutation that swaps the halves.
 */
export interface RotaryFactors {
  cos: Float32Array;
  sin: Float32Array;
  swap: Float32Array;
}

export function rotaryFactors(T: number, dH: number, theta: number): RotaryFactors {
  const half = dH / 2;
  const invFreq = inverseFrequencies(dH, theta);
  const cos = new Float32Array(T * 3 * dH);
  const sin = new Float32Array(T * 3 * dH);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(t * invFreq[i]);
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      for (const slot of [0, 1]) {
        const o = (t * 3 + slot) * dH;
        cos[o + i] = cos[o + half + i] = c;
        sin[o + i] = -s;
        sin[o + half + i] = s;
      }
    }
    cos.fill(1, (t * 3 + 2) * dH, (t * 3 + 3) * dH);
  }
  const swap = new Float32Array(dH * dH);
  for (let i = 0; i < dH; i++) swap[i * dH + ((i + half) % dH)] = 1;
  return { cos, sin, swap };
}

/**
 * The rotary embedding of the query and key parts of a fused QKV projection, the values left as
 * they are: per head `x cos + rotate_half(x) sin` with `rotate_half(x) = [-x2, x1]`, written as
 * `x C + swap(x) S` (swap exchanges the halves: a matmul by a permutation, one fast kernel where
 * wasm's Reverse is slow). It is linear in x, so the backward pass is `dy C + swap(dy S)`; it
 * keeps only the factors.
 *
 * @param qkv float32 [B*T, 3H] (HF's `Wqkv` output: query, key, value side by side)
 * @returns float32 [B*T, 3H]
 */
export function rotary(
  qkv: tf.Tensor2D,
  dims: { batch: number; seqLen: number; heads: number },
  factors: RotaryFactors,
): tf.Tensor2D {
  const { batch: B, seqLen: T, heads: nH } = dims;
  const H3 = qkv.shape[1];
  const dH = H3 / 3 / nH;
  const shape4 = [B, T * 3, nH, dH]; // 4-D: every backend broadcasts it
  const swap = (x: tf.Tensor, p: tf.Tensor) =>
    tf.reshape(tf.matMul(tf.reshape(x, [-1, dH]), p as tf.Tensor2D), shape4);
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[1] as tf.GradSaveFunc;
    // saved for backward (they would go with the layer's tidy otherwise)
    const c = tf.tensor(factors.cos, [T * 3, 1, dH]);
    const s = tf.tensor(factors.sin, [T * 3, 1, dH]);
    const p = tf.tensor(factors.swap, [dH, dH]);
    save([c, s, p]);
    return {
      value: tf.tidy(() => {
        const x = tf.reshape(args[0] as tf.Tensor, shape4);
        return tf.reshape(tf.add(tf.mul(x, c), tf.mul(swap(x, p), s)), [B * T, H3]);
      }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sc, ss, sp] = saved;
          const d = tf.reshape(dy, shape4);
          return [tf.reshape(tf.add(tf.mul(d, sc), swap(tf.mul(d, ss), sp)), [B * T, H3])];
        }),
    };
  });
  return fn(qkv) as tf.Tensor2D;
}

/**
 * The additive masks of both layer types from the padding mask: full attention [B, 1, 1, T]
 * (0 where attended, float32 min on padding, as BERT's), sliding attention [B, 1, T, T] that
 * also masks keys farther than `local_attention // 2` from the query (HF's
 * `create_bidirectional_sliding_window_mask`: |i - j| <= window). A window covering the whole
 * sequence gives the full mask. Null where nothing is masked.
 *
 * One difference, on padded queries only: a padding position farther than the window from every
 * real token has no key left (HF adds float32 min to its whole row; the WebGPU backend's softmax
 * then gives NaN, which the mean pooling's zero weight would carry on). Here every query also
 * sees itself. Only padded rows change, and nothing reads them: real queries never attend to
 * padded keys, and the pooling gives padded rows weight 0.
 */
export function attentionMasks(
  attentionMask: tf.Tensor2D | undefined,
  B: number,
  T: number,
  window: number,
): { full: tf.Tensor | null; sliding: tf.Tensor | null } {
  const full = additiveMask(attentionMask);
  if (T - 1 <= window) return { full, sliding: full };
  const keep = attentionMask ? tf.reshape(tf.cast(attentionMask, 'float32'), [B, 1, 1, T]) : null;
  const additive = (k: tf.Tensor) => tf.mul(tf.sub(1, k), FLOAT32_MIN);
  const band = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = Math.max(0, i - window); j <= Math.min(T - 1, i + window); j++)
      band[i * T + j] = 1;
  }
  const bandT = tf.tensor(band, [1, 1, T, T]);
  if (!keep) return { full, sliding: additive(bandT) };
  const self = tf.reshape(tf.eye(T), [1, 1, T, T]);
  return { full, sliding: additive(tf.mul(bandT, tf.maximum(keep, self))) };
}
