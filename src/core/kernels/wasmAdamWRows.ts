/**
 * AdamW over a table whose gradient is row-sparse (the word embeddings of a data-parallel step:
 * only the rows of the step's token ids have one), in one pass over the table: every row is
 * updated, as torch updates every element of a dense gradient (the moments decay where the
 * gradient is zero), with the kernel of the dense update (`adamw` of the module of `gemmWat.ts`,
 * torch's float32 order of operations). The rows with a gradient read it from the compact values;
 * the others read a small block of zeros that stays in cache, so no dense gradient is ever built
 * and the result equals the dense update of the zero-filled gradient bit for bit.
 */
import * as tf from '@tensorflow/tfjs';

import type { AdamWScalars } from './wasmFusedKernels';
import {
  type GemmExports,
  type WasmBackendLike,
  gemmFor,
  memoryOf,
  ptrOf,
  studioKernelsActive,
} from './wasmModule';

/** Kernel name of {@link wasmAdamWRows}. */
export const ADAMW_ROWS = 'StudioAdamWRows';

/** Floats in the block of zeros the rows without a gradient read. */
const ZERO_FLOATS = 1 << 14;

/** Per backend: the byte offset of its block of zeros (allocated once, never freed). */
const zeroBlocks = new WeakMap<object, number>();

function zerosOf(backend: WasmBackendLike): number {
  let at = zeroBlocks.get(backend);
  if (at === undefined) {
    at = backend.wasm._malloc(ZERO_FLOATS * 4);
    zeroBlocks.set(backend, at);
  }
  // Zeroed on every use (64 KiB): nothing else should write there, and then nothing can.
  new Float32Array((memoryOf(backend) as WebAssembly.Memory).buffer, at, ZERO_FLOATS).fill(0);
  return at;
}

/**
 * The kernel of {@link ADAMW_ROWS}: p, m, v of a table [rows, width] (flat) and the compact
 * gradient g [k * width]; attributes `rowIds` (the sorted distinct rows of g, int32 [k]),
 * `width` and the step's {@link AdamWScalars}. Returns [p', m', v'].
 */
export function adamwRowsKernel(): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: {
        p: tf.TensorInfo;
        m: tf.TensorInfo;
        v: tf.TensorInfo;
        g: tf.TensorInfo;
      };
      backend: WasmBackendLike;
      attrs: AdamWScalars & { width: number; rowIds: Int32Array };
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { p, m, v, g } = inputs;
    const outs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
    const a = attrs;
    const width = a.width;
    const total = p.shape.reduce((x, y) => x * y, 1);
    const tableRows = total / width;
    const zeros = zerosOf(backend);
    const [pp, mp, vp, gp] = [p, m, v, g].map((t) => ptrOf(backend, t));
    const [po, mo, vo] = outs.map((t) => ptrOf(backend, t));
    /** `adamw` over elements [from, from + n) of the table, the gradient at byte offset `gAt`. */
    const run = (from: number, n: number, gAt: number) => {
      const b = from * 4;
      gemm.adamw(
        pp + b,
        gAt,
        mp + b,
        vp + b,
        po + b,
        mo + b,
        vo + b,
        n,
        a.decayMul,
        a.oneMinusB1,
        a.b2,
        a.oneMinusB2,
        a.bc2Sqrt,
        a.eps,
        a.negStep,
      );
    };
    /** Rows [from, to) without a gradient, in blocks of the zeros. */
    const zeroRows = (from: number, to: number) => {
      for (let e = from * width; e < to * width; e += ZERO_FLOATS) {
        run(e, Math.min(ZERO_FLOATS, to * width - e), zeros);
      }
    };
    const rows = a.rowIds;
    let next = 0;
    for (let k = 0; k < rows.length;) {
      const first = rows[k];
      let end = k + 1;
      while (end < rows.length && rows[end] === rows[end - 1] + 1) end++;
      zeroRows(next, first);
      run(first * width, (end - k) * width, gp + k * width * 4);
      next = first + (end - k);
      k = end;
    }
    zeroRows(next, tableRows);
    return outs;
  };
}

/**
 * AdamW over a table with a row-sparse gradient in one wasm kernel: [p', m', v'] for flat p, m,
 * v of a [rows, width] table and the compact gradient `g` ([rowIds.length, width]) of the sorted
 * distinct rows `rowIds`; null where the backend is not wasm with the studio kernels.
 */
export function wasmAdamWRows():
  | ((
      p: tf.Tensor,
      m: tf.Tensor,
      v: tf.Tensor,
      g: tf.Tensor,
      rowIds: Int32Array,
      width: number,
      s: AdamWScalars,
    ) => tf.Tensor[])
  | null {
  if (!studioKernelsActive()) return null;
  if (!tf.getKernel(ADAMW_ROWS, 'wasm')) {
    tf.registerKernel({
      kernelName: ADAMW_ROWS,
      backendName: 'wasm',
      kernelFunc: adamwRowsKernel(),
    });
  }
  return (p, m, v, g, rowIds, width, scalars) =>
    tf.engine().runKernel(ADAMW_ROWS, { p, m, v, g }, {
      ...scalars,
      width,
      rowIds,
    } as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
