/**
 * AdamW over a table whose gradient is row-sparse (the word embeddings of a data-parallel step:
 * only the rows of the step's token ids have one), in one pass over the table: every row is
 * updated, as torch updates every element of a dense gradient (the moments decay where the
 * gradient is zero), with the kernel of the dense update (`adamw` of the module of `gemmWat.ts`,
 * torch's float32 order of operations), called once per block of rows: the block's gradient is
 * a small block of zeros that stays in cache with the block's rows of the compact gradient copied
 * in, so no dense gradient is ever built and the result equals the dense update of the
 * zero-filled gradient bit for bit.
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

/** Floats in the gradient block of a call at least (64 KiB: it stays in cache). */
const BLOCK_FLOATS = 1 << 14;

/** Per backend: its gradient block (byte offset and floats), allocated once, grown as needed. */
const blocks = new WeakMap<object, { at: number; floats: number }>();

/** A block of at least `floats` zeros in the backend's heap (its byte offset). */
function zeroBlock(backend: WasmBackendLike, floats: number): number {
  let block = blocks.get(backend);
  if (!block || block.floats < floats) {
    if (block) backend.wasm._free(block.at);
    block = { at: backend.wasm._malloc(floats * 4), floats };
    blocks.set(backend, block);
  }
  // Zeroed on every use (the kernel zeroes the rows it wrote, but nothing is left to chance).
  new Float32Array((memoryOf(backend) as WebAssembly.Memory).buffer, block.at, floats).fill(0);
  return block.at;
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
    // The table in blocks of whole rows: each block's gradient is the zeros with the block's
    // rows of g copied in (and zeroed again after), so one call updates the whole block.
    const blockRows = Math.max(1, Math.floor(BLOCK_FLOATS / width));
    const block = zeroBlock(backend, blockRows * width);
    const [pp, mp, vp, gp] = [p, m, v, g].map((t) => ptrOf(backend, t));
    const [po, mo, vo] = outs.map((t) => ptrOf(backend, t));
    const heap = new Float32Array((memoryOf(backend) as WebAssembly.Memory).buffer);
    const rows = a.rowIds;
    const [g0, b0] = [gp / 4, block / 4];
    let k = 0;
    for (let first = 0; first < tableRows; first += blockRows) {
      const end = Math.min(first + blockRows, tableRows);
      const k0 = k;
      for (; k < rows.length && rows[k] < end; k++) {
        const at = b0 + (rows[k] - first) * width;
        heap.copyWithin(at, g0 + k * width, g0 + (k + 1) * width);
      }
      const b = first * width * 4;
      gemm.adamw(
        pp + b,
        block,
        mp + b,
        vp + b,
        po + b,
        mo + b,
        vo + b,
        (end - first) * width,
        a.decayMul,
        a.oneMinusB1,
        a.b2,
        a.oneMinusB2,
        a.bc2Sqrt,
        a.eps,
        a.negStep,
      );
      for (let j = k0; j < k; j++) {
        const at = b0 + (rows[j] - first) * width;
        heap.fill(0, at, at + width);
      }
    }
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
