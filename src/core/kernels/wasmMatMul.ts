/**
 * The studio's BatchMatMul for TF.js's wasm backend: every matmul (batched or not, transposed or
 * not) runs the SIMD kernel of `gemmWat.ts` directly on the backend's heap, so attention's
 * batched products and the transposed products of the backward pass no longer fall to TF.js
 * 4.22's scalar loop (~2 GFLOP/s against ~16-35 for this kernel on 128-1024 wide operands).
 * A transposed left operand is read in place; a transposed right one is packed once per batch
 * into a scratch buffer (the cost of a Transpose op, without the extra kernel and tensor). Only very large plain 2-D products stay with TF.js's
 * own kernel (XNNPACK), which is faster there; on the threaded build (a cross-origin isolated
 * page with more than one thread) every 2-D product does, with its operands made upright.
 */
import * as tf from '@tensorflow/tfjs';

import {
  type GemmExports,
  type WasmBackendLike,
  gemmFor,
  memoryOf,
  ptrOf,
  sizeOf,
  wasmKernelsEnabled,
} from './wasmModule';

/** Plain 2-D products go to XNNPACK when their weights (K x N) are this large. */
const XNN_MIN_WEIGHT_ELEMENTS = 1024 * 1024;
/** Below this many rows a product is a row-vector product per row (gemv: one pass over b). */
const GEMV_MAX_ROWS = 4;
/**
 * Blocks of K: a^T @ b streams two tall matrices (the weight gradient dy^T x over B*T rows), so
 * it runs over 64 rows of both at a time, which stay in cache (3-4x at 4,096 rows); a plain
 * product only needs blocking for a long K.
 */
const KC_TRANSPOSED_A = 64;
const KC_PLAIN = 256;
const KC_PLAIN_FROM = 512;

interface MatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: { transposeA: boolean; transposeB: boolean };
}

/**
 * Shapes of a (possibly batched, possibly transposed) product, as tf.matMul defines it: the
 * outer dimensions broadcast, the last two multiply.
 */
function productShape(
  a: readonly number[],
  b: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
) {
  const ra = a.length;
  const rb = b.length;
  const M = transposeA ? a[ra - 1] : a[ra - 2];
  const K = transposeA ? a[ra - 2] : a[ra - 1];
  const Kb = transposeB ? b[rb - 1] : b[rb - 2];
  const N = transposeB ? b[rb - 2] : b[rb - 1];
  if (K !== Kb) {
    throw new Error(
      `Error in matMul: inner shapes (${K}) and (${Kb}) of Tensors with shapes ${a} and ${b} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2));
  return {
    M,
    K,
    N,
    batchA: sizeOf(a.slice(0, -2)),
    batchB: sizeOf(b.slice(0, -2)),
    batch: sizeOf(outer),
    outShape: [...outer, M, N],
  };
}

/**
 * A 2-D product on TF.js's threaded build (a cross-origin isolated page): transposed operands
 * are copied out upright and XNNPACK runs it on the backend's threads, which beats this
 * single-threaded kernel once there are several.
 */
function threadedProduct(
  original: tf.KernelFunc,
  args: Parameters<tf.KernelFunc>[0],
  gemm: GemmExports,
  shape: { M: number; K: number; N: number; outShape: number[] },
): tf.TensorInfo | tf.TensorInfo[] {
  const { inputs, backend, attrs } = args as unknown as MatMulArgs;
  const { M, K, N } = shape;
  const temps: tf.TensorInfo[] = [];
  const upright = (t: tf.TensorInfo, rows: number, cols: number, transposed: boolean) => {
    if (!transposed) return t;
    // stored [cols, rows]
    const u = backend.makeOutput([rows, cols], 'float32');
    temps.push(u);
    gemm.transpose(ptrOf(backend, t), ptrOf(backend, u), cols, rows);
    return u;
  };
  const a = upright(inputs.a, M, K, attrs.transposeA);
  const b = upright(inputs.b, K, N, attrs.transposeB);
  try {
    const out = original({
      ...args,
      inputs: { a, b },
      attrs: { transposeA: false, transposeB: false },
    } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    out.shape = shape.outShape;
    return out;
  } finally {
    for (const t of temps)
      (backend as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
  }
}

/** Wraps TF.js's wasm BatchMatMul (`original`, kept for the products it runs faster). */
export function makeMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as MatMulArgs;
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    const gemm = gemmFor(backend);
    const s = productShape(a.shape, b.shape, transposeA, transposeB);
    const plain2d = s.batchA === 1 && s.batchB === 1 && !transposeA && !transposeB;
    if (
      !wasmKernelsEnabled() ||
      !gemm ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      (plain2d && s.K > 0 && s.M >= GEMV_MAX_ROWS && s.K * s.N >= XNN_MIN_WEIGHT_ELEMENTS)
    ) {
      return original(args);
    }
    const { M, K, N, batch, batchA, batchB } = s;
    if (
      batch === 1 &&
      K > 0 &&
      M >= GEMV_MAX_ROWS &&
      (backend.wasm._get_threads_count?.() ?? 1) > 1
    ) {
      return threadedProduct(original, args, gemm, s);
    }
    const out = backend.makeOutput(s.outShape, 'float32');
    const outPtr = ptrOf(backend, out);
    if (M * N === 0) return out;
    if (K === 0) {
      new Float32Array(memoryOf(backend)!.buffer, outPtr, batch * M * N).fill(0);
      return out;
    }
    // Scratch for the packed right operand; malloc may grow the heap, so pointers of the inputs
    // are read after it.
    const scratchB = transposeB ? backend.wasm._malloc(4 * K * N) : 0;
    try {
      const aPtr = ptrOf(backend, a);
      const bPtr = ptrOf(backend, b);
      let packedB = -1;
      for (let i = 0; i < batch; i++) {
        const ia = i % batchA;
        const ib = i % batchB;
        const pa = aPtr + 4 * ia * M * K;
        let pb = bPtr + 4 * ib * K * N;
        if (transposeB) {
          // stored [N, K]
          if (packedB !== ib) gemm.transpose(pb, scratchB, N, K);
          packedB = ib;
          pb = scratchB;
        }
        const pc = outPtr + 4 * i * M * N;
        // a^T is read in place (stored [K, M]); b^T is packed once per distinct b.
        if (transposeA) {
          for (let k0 = 0; k0 < K; k0 += KC_TRANSPOSED_A) {
            const kc = Math.min(KC_TRANSPOSED_A, K - k0);
            gemm.gemmTN(pa + 4 * k0 * M, pb + 4 * k0 * N, pc, M, kc, N, M, k0 > 0 ? 1 : 0);
          }
        } else if (M < GEMV_MAX_ROWS) {
          for (let r = 0; r < M; r++) gemm.gemv(pa + 4 * r * K, pb, pc + 4 * r * N, K, N);
        } else {
          const kcMax = K >= KC_PLAIN_FROM ? KC_PLAIN : K;
          for (let k0 = 0; k0 < K; k0 += kcMax) {
            const kc = Math.min(kcMax, K - k0);
            gemm.gemm(pa + 4 * k0, pb + 4 * k0 * N, pc, M, kc, N, K, k0 > 0 ? 1 : 0);
          }
        }
      }
    } finally {
      if (scratchB) backend.wasm._free(scratchB);
    }
    return out;
  };
}
