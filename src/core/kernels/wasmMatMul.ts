/**
 * The studio's BatchMatMul for TF.js's wasm backend: every matmul (batched or not, transposed or
 * not) runs the packed, register-blocked kernel of `gemmWat.ts` directly on the backend's heap
 * (relaxed-SIMD FMA where the runtime has it), so attention's batched products, the transposed
 * products of the backward pass and the plain dense layers all run at the wasm ceiling of one
 * thread (`npm run bench:matmul`; TF.js 4.22 sends the batched and transposed ones to a scalar
 * loop, and its XNNPACK ran the plain ones at a quarter of this kernel's speed). On the threaded
 * build (a cross-origin isolated page with more than one thread) every 2-D product goes to
 * XNNPACK on the backend's threads instead, with its operands made upright.
 */
import * as tf from '@tensorflow/tfjs';

import { gemmScratchBytes } from './gemmWat';
import {
  type GemmExports,
  type WasmBackendLike,
  gemmFor,
  memoryOf,
  ptrOf,
  sizeOf,
  wasmKernelsEnabled,
} from './wasmModule';

/** Below this many rows a plain product is a row-vector product per row (gemv: one pass over b). */
const GEMV_MAX_ROWS = 4;

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
    if (!wasmKernelsEnabled() || !gemm || a.dtype !== 'float32' || b.dtype !== 'float32') {
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
    const gemv = M < GEMV_MAX_ROWS && !transposeA && !transposeB;
    // Scratch for the packed blocks; malloc may grow the heap, so pointers of the inputs are read
    // after it.
    const scratch = gemv ? 0 : backend.wasm._malloc(gemmScratchBytes());
    try {
      const aPtr = ptrOf(backend, a);
      const bPtr = ptrOf(backend, b);
      for (let i = 0; i < batch; i++) {
        const pa = aPtr + 4 * (i % batchA) * M * K;
        const pb = bPtr + 4 * (i % batchB) * K * N;
        const pc = outPtr + 4 * i * M * N;
        if (gemv) {
          for (let r = 0; r < M; r++) gemm.gemv(pa + 4 * r * K, pb, pc + 4 * r * N, K, N);
        } else {
          gemm.gemm(pa, pb, pc, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0, 0, scratch);
        }
      }
    } finally {
      if (scratch) backend.wasm._free(scratch);
    }
    return out;
  };
}
