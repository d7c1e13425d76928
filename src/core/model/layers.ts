/**
 * Functional layers in PyTorch's conventions (Linear weight `[out, in]`, LayerNorm with biased
 * variance), built only from ops that exist — forward and backward — on the cpu, wasm and webgpu
 * backends of TF.js 4.22. Callers run them inside `tf.tidy`. The dense layer, LayerNorm and GELU
 * carry hand-written gradients (`tf.customGrad`): each backward is a few kernels, not the
 * tape's chains of broadcasts, reductions and transposes (on WebGPU every kernel is a dispatch).
 */
import * as tf from '@tensorflow/tfjs';

import { wasmDropout, wasmGelu } from '../kernels/wasmKernels';
import {
  webgpuDropout,
  webgpuGelu,
  webgpuLayerNorm,
  webgpuSoftmaxBackward,
} from '../kernels/webgpu/webgpuKernels';
import { dropoutKeepMask, dropoutSeed } from './dropoutMask';
import type { BertActivation } from './config';

/**
 * Column sums of a 2-D tensor, `x.sum(0)`, as a row vector times the matrix: one matmul that
 * every backend runs fast, where a reduction over axis 0 makes TF.js's wasm backend transpose
 * the whole matrix first.
 * @param x float32 [N, C]
 * @returns float32 [C]
 */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  const [n, c] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, n]), x), [c]);
}

/**
 * `x @ W^T + b` with its gradient written out (dx = dy W, dW = dy^T x, db = column sums of
 * dy): three matmuls using matMul's transpose flags, no Transpose ops and no broadcast-reduction
 * chains in the backward pass.
 */
const denseWithBias = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor2D;
  const w = args[1] as tf.Tensor2D;
  const b = args[2] as tf.Tensor1D;
  const save = args[3] as tf.GradSaveFunc;
  save([x, w]);
  return {
    value: tf.tidy(() => tf.add(tf.matMul(x, w, false, true), b)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return [tf.matMul(dy2, sw), tf.matMul(dy2, sx, true, false), columnSums(dy2)];
      }),
  };
});

const denseNoBias = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor2D;
  const w = args[1] as tf.Tensor2D;
  const save = args[2] as tf.GradSaveFunc;
  save([x, w]);
  return {
    value: tf.matMul(x, w, false, true),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, sw), tf.matMul(dy2, sx, true, false)];
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
  const y = bias ? denseWithBias(x2, weight, bias) : denseNoBias(x2, weight);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/**
 * LayerNorm's forward over the last axis of [N, H]: the output and what its backward needs
 * (the normalised input and the reciprocal standard deviation per row; with the WebGPU kernels,
 * the input itself and the row statistics [N, 2]: pass them to {@link layerNormBackward} as
 * they are).
 */
export function layerNormForward(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): { y: tf.Tensor2D; xhat: tf.Tensor2D; rstd: tf.Tensor2D } {
  const gpu = webgpuLayerNorm();
  const H = x.shape[1];
  if (gpu && gamma.size === H && beta.size === H) return gpu.forward(x, gamma, beta, eps);
  const mean = tf.mean(x, 1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), 1, true);
  const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor2D;
  const xhat = tf.mul(centered, rstd) as tf.Tensor2D;
  return { y: tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor2D, xhat, rstd };
}

/**
 * LayerNorm's backward: `dx = rstd * (g dy - mean(g dy) - xhat * mean(g dy xhat))` per row,
 * `dgamma = sum(dy xhat)`, `dbeta = sum(dy)` over rows.
 * @returns [dx, dgamma, dbeta]
 */
export function layerNormBackward(
  dy: tf.Tensor2D,
  xhat: tf.Tensor,
  rstd: tf.Tensor,
  gamma: tf.Tensor,
): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  const gpu = webgpuLayerNorm();
  // [N, 2] row statistics: the forward ran the WebGPU kernels.
  if (gpu && rstd.rank === 2 && rstd.shape[1] === 2) return gpu.backward(dy, xhat, rstd, gamma);
  const gdy = tf.mul(dy, gamma);
  const m1 = tf.mean(gdy, 1, true);
  const m2 = tf.mean(tf.mul(gdy, xhat), 1, true);
  const dx = tf.mul(tf.sub(tf.sub(gdy, m1), tf.mul(xhat, m2)), rstd) as tf.Tensor2D;
  return [dx, columnSums(tf.mul(dy, xhat) as tf.Tensor2D), columnSums(dy)];
}

/** `LayerNorm(a + b)` over [N, H] (a residual connection), the sum never kept for the tape. */
function residualLayerNorm2d(eps: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const gamma = args[2] as tf.Tensor1D;
    const save = args[4] as tf.GradSaveFunc;
    const { y, xhat, rstd } = tf.tidy(() =>
      layerNormForward(
        tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor) as tf.Tensor2D,
        gamma,
        args[3] as tf.Tensor,
        eps,
      ),
    );
    save([xhat, rstd, gamma]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [dx, dg, db] = layerNormBackward(dy as tf.Tensor2D, saved[0], saved[1], saved[2]);
          return [dx, tf.clone(dx), dg, db];
        }),
    };
  });
}

const residualLayerNormByEps = new Map<number, ReturnType<typeof residualLayerNorm2d>>();

/**
 * `LayerNorm(x + residual)` over the last axis of [N, H] tensors: BERT's "add & norm", one op
 * for the tape (the sum is not kept, and neither are the inputs for it).
 */
export function addLayerNorm(
  x: tf.Tensor,
  residual: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): tf.Tensor {
  let fn = residualLayerNormByEps.get(eps);
  if (!fn) {
    fn = residualLayerNorm2d(eps);
    residualLayerNormByEps.set(eps, fn);
  }
  return fn(x, residual, gamma, beta);
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Exact GELU `x * Phi(x)` with its gradient `Phi(x) + x * phi(x)` written out (Phi the normal
 * CDF, kept from the forward pass; phi the density).
 */
const geluExact = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const fused = wasmGelu() ?? webgpuGelu();
  if (fused) {
    // wasm / WebGPU: one kernel each way (the studio's erf and exp)
    save([x]);
    return {
      value: fused.forward(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [fused.backward(saved[0], dy)],
    };
  }
  const cdf = tf.tidy(() => tf.mul(tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1), 0.5));
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sc] = saved;
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI);
        return [tf.mul(dy, tf.add(sc, tf.mul(sx, pdf)))];
      }),
  };
});

/** HF `ACT2FN[hidden_act]`, elementwise. */
export function activation(x: tf.Tensor, act: BertActivation): tf.Tensor {
  switch (act) {
    case 'gelu':
    case 'gelu_python':
      // Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
      return geluExact(x);
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

/** `x * mask / (1 - rate)` with the hashed mask of (seedHash, element index). */
export function applyDropout(x: tf.Tensor, rate: number, seedHash: number): tf.Tensor {
  const fused = wasmDropout() ?? webgpuDropout();
  if (fused) return fused(x, rate, seedHash);
  const mask = tf.tensor(dropoutKeepMask(x.size, rate, seedHash), x.shape, 'float32');
  const y = tf.mul(x, tf.mul(mask, Math.fround(1 / (1 - rate))));
  mask.dispose();
  return y;
}

/**
 * Scaled dot-product attention over all heads at once, with its gradient written out:
 * `softmax(q k^T * scale + mask)` (dropout on the probabilities when training) times v, from the
 * fused QKV projection's output to the heads' context, so the tape sees one op, not twenty, and
 * keeps only the head-major QKV and the probabilities for the backward pass.
 *
 * @param qkv float32 [B*T, 3H]: query, key and value projections side by side (HF order)
 * @param maskAdd float32 [B, 1, 1, T] added to the scores (0 or float32 min), or [B, 1, T, T]
 *   where each query has its own keys (ModernBERT's sliding window), or null
 * @returns float32 [B*T, H]: the heads' contexts side by side
 */
export function attention(
  qkv: tf.Tensor2D,
  dims: { batch: number; seqLen: number; heads: number },
  maskAdd: tf.Tensor | null,
  scale: number,
  dropoutRate: number,
  training: boolean,
  seed?: number | string,
): tf.Tensor2D {
  const { batch: B, seqLen: T, heads: nH } = dims;
  const H = (qkv.shape[1] as number) / 3;
  const dH = H / nH;
  const drop = training && dropoutRate > 0 && dropoutRate < 1;
  const seedHash = drop ? dropoutSeed(seed ?? Math.random()) : 0;
  const dropped = (p: tf.Tensor) => {
    if (!training || dropoutRate <= 0) return p;
    if (dropoutRate >= 1) return tf.zerosLike(p);
    return applyDropout(p, dropoutRate, seedHash);
  };
  // [B*T, k*H] <-> [B, k*nH, T, dH]
  const toHeads = (t: tf.Tensor, k: number) =>
    tf.transpose(tf.reshape(t, [B, T, k * nH, dH]), [0, 2, 1, 3]);
  const fromHeads = (t: tf.Tensor, k: number) =>
    tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * T, k * H]);
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[1] as tf.GradSaveFunc;
    // tidy: scores, masked scores and the q, k, v copies go as soon as they are used (the
    // backward splits x again rather than keeping three more copies of it).
    const { x, probs, value } = tf.tidy(() => {
      const heads = toHeads(args[0] as tf.Tensor, 3);
      const [q, k, v] = tf.split(heads, 3, 1);
      let scores = tf.mul(tf.matMul(q, k, false, true), scale); // [B, nH, T, T]
      if (maskAdd) scores = tf.add(scores, maskAdd);
      const p = tf.softmax(scores, -1);
      return { x: heads, probs: p, value: fromHeads(tf.matMul(dropped(p), v), 1) };
    });
    save([x, probs]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sx, sp] = saved;
          const [sq, sk, sv] = tf.split(sx, 3, 1);
          const g = toHeads(dy, 1);
          const dv = tf.matMul(dropped(sp), g, true, false);
          const dp = dropped(tf.matMul(g, sv, false, true)); // the same mask
          // softmax: ds = p * (dp - sum(dp * p)) (WebGPU: one dispatch)
          const gpuSoftmax = webgpuSoftmaxBackward();
          const ds = gpuSoftmax
            ? gpuSoftmax(sp, dp, scale)
            : tf.mul(tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true))), scale);
          const dq = tf.matMul(ds, sk);
          const dk = tf.matMul(ds, sq, true, false);
          return [fromHeads(tf.concat([dq, dk, dv], 1), 3)];
        }),
    };
  });
  return fn(qkv) as tf.Tensor2D;
}

/**
 * Inverted dropout (`torch.nn.Dropout` in training mode): zero with probability `rate`, scale the
 * rest by 1 / (1 - rate). Identity when not training or rate is 0. A given seed gives the same
 * mask on every backend (`dropoutMask.ts`); the backward pass recomputes it instead of keeping it.
 */
export function dropout(
  x: tf.Tensor,
  rate: number,
  training: boolean,
  seed?: number | string,
): tf.Tensor {
  if (!training || rate <= 0) return x;
  if (rate >= 1) return tf.zerosLike(x);
  const seedHash = dropoutSeed(seed ?? Math.random());
  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: applyDropout(args[0] as tf.Tensor, rate, seedHash),
    gradFunc: (dy: tf.Tensor) => [applyDropout(dy, rate, seedHash)],
  }));
  return fn(x);
}
