/**
 * The studio's fused kernels for TF.js's wasm backend, new kernels with no TF.js counterpart:
 * the exact GELU and its gradient, the hashed-mask dropout and the one-pass AdamW bucket update,
 * each one pass of the module of `gemmWat.ts`, and the accessors ({@link wasmGelu},
 * {@link wasmDropout}, {@link wasmAdamW}) through which the model and the optimizer use them
 * where the backend runs the studio kernels.
 */
import * as tf from '@tensorflow/tfjs';

import {
  type GemmExports,
  type WasmBackendLike,
  gemmFor,
  ptrOf,
  sizeOf,
  studioKernelsActive,
} from './wasmModule';

/** Kernel names of the exact GELU and its gradient ({@link wasmGelu}). */
export const GELU_FORWARD = 'StudioGeluForward';
export const GELU_BACKWARD = 'StudioGeluBackward';

/** The kernel of {@link GELU_FORWARD} (x) or, `backward`, of {@link GELU_BACKWARD} (x, dy). */
export function geluKernel(backward: boolean): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as {
      inputs: { x: tf.TensorInfo; dy?: tf.TensorInfo };
      backend: WasmBackendLike;
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { x, dy } = inputs;
    const out = backend.makeOutput([...x.shape], 'float32');
    const n = sizeOf(x.shape);
    if (backward)
      gemm.geluBackward(
        ptrOf(backend, x),
        ptrOf(backend, dy as tf.TensorInfo),
        ptrOf(backend, out),
        n,
      );
    else gemm.geluForward(ptrOf(backend, x), ptrOf(backend, x), ptrOf(backend, out), n);
    return out;
  };
}

/**
 * The exact GELU's forward and backward as one wasm kernel each, where the current backend is
 * wasm with the studio kernels (else null: callers use TF.js ops). `backward(x, dy)` gives
 * `dy * (Phi(x) + x phi(x))`.
 */
export function wasmGelu(): {
  forward: (x: tf.Tensor) => tf.Tensor;
  backward: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor;
} | null {
  if (!studioKernelsActive()) return null;
  return {
    forward: (x) => tf.engine().runKernel(GELU_FORWARD, { x }, {}) as tf.Tensor,
    backward: (x, dy) => tf.engine().runKernel(GELU_BACKWARD, { x, dy }, {}) as tf.Tensor,
  };
}

/** Kernel name of the hashed-mask dropout ({@link wasmDropout}). */
export const DROPOUT = 'StudioDropout';

/** The kernel of {@link DROPOUT}: x, attributes rate and seed (the seed's hash). */
export function dropoutKernel(): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { x: tf.TensorInfo };
      backend: WasmBackendLike;
      attrs: { rate: number; seed: number };
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { x } = inputs;
    const out = backend.makeOutput([...x.shape], 'float32');
    const scale = Math.fround(1 / (1 - attrs.rate));
    gemm.dropout(
      ptrOf(backend, x),
      ptrOf(backend, out),
      sizeOf(x.shape),
      attrs.rate,
      scale,
      attrs.seed | 0,
    );
    return out;
  };
}

/**
 * Inverted dropout with the mask of `model/dropoutMask.ts` (keep where the hash of
 * (seedHash, index) clears `rate`, scale by 1 / (1 - rate)) as one wasm kernel, or null where
 * the backend is not wasm with the studio kernels.
 */
export function wasmDropout():
  ((x: tf.Tensor, rate: number, seedHash: number) => tf.Tensor) | null {
  if (!studioKernelsActive()) return null;
  return (x, rate, seed) => tf.engine().runKernel(DROPOUT, { x }, { rate, seed }) as tf.Tensor;
}

/** Kernel name of the one-pass AdamW update ({@link wasmAdamW}). */
export const ADAMW = 'StudioAdamW';

/** The scalars of one AdamW step, as `AdamW.step` computes them on the host. */
export interface AdamWScalars {
  decayMul: number;
  oneMinusB1: number;
  b2: number;
  oneMinusB2: number;
  bc2Sqrt: number;
  eps: number;
  negStep: number;
}

/** The kernel of {@link ADAMW}: flat p, g, m, v and the step's {@link AdamWScalars}. */
export function adamwKernel(): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { p: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo };
      backend: WasmBackendLike;
      attrs: AdamWScalars;
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { p, g, m, v } = inputs;
    const outs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
    const a = attrs;
    gemm.adamw(
      ptrOf(backend, p),
      ptrOf(backend, g),
      ptrOf(backend, m),
      ptrOf(backend, v),
      ptrOf(backend, outs[0]),
      ptrOf(backend, outs[1]),
      ptrOf(backend, outs[2]),
      sizeOf(p.shape),
      a.decayMul,
      a.oneMinusB1,
      a.b2,
      a.oneMinusB2,
      a.bc2Sqrt,
      a.eps,
      a.negStep,
    );
    return outs;
  };
}

/**
 * AdamW over one flat bucket in one wasm kernel: returns [p', m', v'] for flat p, g, m, v, or
 * null where the backend is not wasm with the studio kernels.
 */
export function wasmAdamW():
  | ((p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamWScalars) => tf.Tensor[])
  | null {
  if (!studioKernelsActive()) return null;
  return (p, g, m, v, scalars) =>
    tf
      .engine()
      .runKernel(ADAMW, { p, g, m, v }, scalars as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** Whether `t`'s heap buffer is its own (no other tensor shares it), so it may be written. */
export function ownsHeapBuffer(backend: WasmBackendLike, t: tf.Tensor): boolean {
  const data = backend.dataIdMap.get(t.dataId) as { refCount?: number } | undefined;
  return t.dtype === 'float32' && data !== undefined && (data.refCount ?? 1) === 1;
}

/**
 * AdamW over one bucket in place, in the wasm heap: each parameter `ps[k]` (its own buffer) is
 * updated with its slice of the flat gradient `g`, and the flat moments `m`, `v` with it, by the
 * kernel of {@link ADAMW} writing where it reads (an element's values are all read before any is
 * written, so the results are the out-of-place kernel's, bit for bit). No tensor is made: a
 * bucket's update needs no new memory, and parameters and moments keep their place in the heap
 * from step to step. Returns false, having written nothing, where a buffer is shared (a
 * snapshot clone of a parameter) or the backend does not run the studio kernels.
 */
export function wasmAdamWInPlace(
  ps: tf.Tensor[],
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  s: AdamWScalars,
): boolean {
  if (!studioKernelsActive()) return false;
  const backend = tf.backend() as unknown as WasmBackendLike;
  if (![...ps, m, v].every((t) => ownsHeapBuffer(backend, t))) return false;
  if (g.dtype !== 'float32' || !backend.dataIdMap.get(g.dataId)) return false;
  const gemm = gemmFor(backend) as GemmExports;
  const [gp, mp, vp] = [g, m, v].map((t) => ptrOf(backend, t));
  let at = 0;
  for (const p of ps) {
    const pp = ptrOf(backend, p);
    const o = 4 * at;
    gemm.adamw(
      pp,
      gp + o,
      mp + o,
      vp + o,
      pp,
      mp + o,
      vp + o,
      p.size,
      s.decayMul,
      s.oneMinusB1,
      s.b2,
      s.oneMinusB2,
      s.bc2Sqrt,
      s.eps,
      s.negStep,
    );
    at += p.size;
  }
  return true;
}
