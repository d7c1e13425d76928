/**
 * Functional layers in PyTorch's conventions (Linear weight `[out, in]`, LayerNorm with biased
 * variance), built only from ops that exist — forward and backward — on the cpu, wasm and webgpu
 * backends of TF.js 4.22. Callers run them inside `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';

import type { BertActivation } from './config';

/**
 * `x @ W^T` for x [N, in], W [out, in], with every matmul (forward and both gradients) written
 * with explicit transposes: the wasm backend's BatchMatMul is 2-4x slower on operands it has to
 * read transposed (its `transposeA/B` path), and tf.matMul's own gradient uses those flags.
 * On WebGPU the transposes are a few small extra ops.
 */
const matMulWT = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor2D;
  const w = args[1] as tf.Tensor2D;
  const save = args[2] as tf.GradSaveFunc;
  save([x, w]);
  return {
    value: tf.matMul(x, tf.transpose(w)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      // dx = dy @ W ; dW = dy^T @ x
      return [tf.matMul(dy2, sw), tf.matMul(tf.transpose(dy2), sx)];
    },
  };
});

/**
 * `torch.nn.functional.linear`: `y = x @ W^T + b`.
 * @param x float32 [..., in]
 * @param weight float32 [out, in] (PyTorch layout)
 * @param bias float32 [out]
 * @returns float32 [..., out]
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  const outDim = weight.shape[0];
  const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor = matMulWT(x2, weight);
  if (bias) y = tf.add(y, bias);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/**
 * `torch.nn.LayerNorm` over the last axis: `(x - mean) / sqrt(var + eps) * gamma + beta`, with the
 * biased variance (divide by N), as torch computes it.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axis, true);
  const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, gamma), beta);
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** HF `ACT2FN[hidden_act]`, elementwise. */
export function activation(x: tf.Tensor, act: BertActivation): tf.Tensor {
  switch (act) {
    case 'gelu':
    case 'gelu_python':
      // Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1));
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), SQRT_2_OVER_PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    case 'relu':
      return tf.relu(x);
    case 'silu':
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    default: {
      const never: never = act;
      throw new Error(`Unsupported activation ${String(never)}`);
    }
  }
}

/** `table[ids]` whose gradient scatters `dy` back into a dense `[V, H]` table (see below). */
const gatherRows = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const table = args[0] as tf.Tensor2D;
  const ids = args[1] as tf.Tensor1D;
  const save = args[2] as tf.GradSaveFunc;
  // Saved through the engine (not captured): callers' tidy scopes may end before backprop.
  save([ids]);
  const [vocab, hidden] = table.shape;
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const idx = tf.reshape(saved[0], [-1, 1]);
      // scatterND sums duplicate indices (checked on cpu, wasm and webgpu), as the gradient needs.
      const dTable = tf.scatterND(idx, dy, [vocab, hidden]);
      // ids are integers: no gradient, but the tape wants a float32 tensor of their shape.
      return [dTable, tf.zeros(saved[0].shape, 'float32')];
    },
  };
});

/**
 * Embedding lookup `table[ids]` with a gradient built from `scatterND` instead of tf.gather's own
 * gradient, which needs `UnsortedSegmentSum` — a kernel the wasm backend lacks. The gradient is a
 * dense `[V, H]` tensor, like torch's non-sparse embedding. No int32 tensor is transposed (TF.js
 * WebGPU int32 transpose bug, tfjs#8638).
 *
 * @param table float32 [V, H]
 * @param ids int32 [B, T]
 * @returns float32 [B, T, H]
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const hidden = table.shape[1] as number;
  const flat =
    ids.dtype === 'int32' ? tf.reshape(ids, [-1]) : tf.cast(tf.reshape(ids, [-1]), 'int32');
  return tf.reshape(gatherRows(table, flat), [...ids.shape, hidden]);
}

/**
 * Inverted dropout (`torch.nn.Dropout` in training mode): zero with probability `rate`, scale the
 * rest by 1 / (1 - rate). Identity when not training or rate is 0. A given seed gives the same mask.
 */
export function dropout(
  x: tf.Tensor,
  rate: number,
  training: boolean,
  seed?: number | string,
): tf.Tensor {
  if (!training || rate <= 0) return x;
  if (rate >= 1) return tf.zerosLike(x);
  return tf.dropout(x, rate, undefined, seed);
}
