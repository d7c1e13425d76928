/**
 * The studio's kernels for TF.js's wasm backend, from the module of `gemmWat.ts`.
 *
 * BatchMatMul: every matmul (batched or not, transposed or
 * not) runs the SIMD kernel of `gemmWat.ts` directly on the backend's heap, so attention's
 * batched products and the transposed products of the backward pass no longer fall to TF.js
 * 4.22's scalar loop (~2 GFLOP/s against ~16-35 for this kernel on 128-1024 wide operands).
 * A transposed left operand is read in place; a transposed right one is packed once per batch
 * into a scratch buffer (the cost of a Transpose op, without the extra kernel and tensor). Only very large plain 2-D products stay with TF.js's
 * own kernel (XNNPACK), which is faster there; on the threaded build (a cross-origin isolated
 * page with more than one thread) every 2-D product does, with its operands made upright.
 */
import * as tf from '@tensorflow/tfjs';

import { GEMM_WASM, GEMM_WASM_SHARED } from './gemmWasm.generated';

/** The parts of TF.js's `BackendWasm` this kernel uses (internal, stable across 4.x). */
interface WasmBackendLike {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
    _get_threads_count?(): number;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** `c (+)= a @ b` (or `a^T @ b`) over byte offsets: see gemmWat.ts. */
type GemmFn = (
  a: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
  lda: number,
  acc: number,
) => void;

interface GemmExports {
  gemm: GemmFn;
  gemmTN: GemmFn;
  gemv(a: number, b: number, c: number, k: number, n: number): void;
  geluForward(x: number, unused: number, y: number, n: number): void;
  geluBackward(x: number, dy: number, dx: number, n: number): void;
  dropout(x: number, out: number, n: number, rate: number, scale: number, seed: number): void;
  adamw(
    p: number,
    g: number,
    m: number,
    v: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    decayMul: number,
    oneMinusB1: number,
    b2: number,
    oneMinusB2: number,
    bc2Sqrt: number,
    eps: number,
    negStep: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  gatherRows(
    table: number,
    rows: number,
    ids: number,
    n: number,
    out: number,
    rowBytes: number,
  ): void;
}

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

let enabled = true;

/** Turns the studio kernels off (TF.js's own runs) or on, for side-by-side benchmarks. */
export function setWasmKernelsEnabled(on: boolean): void {
  enabled = on;
}

const instances = new WeakMap<object, GemmExports | null>();

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function memoryOf(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  return backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
}

/** The kernel module bound to this backend's memory, or null where it cannot be (then: TF.js's). */
function gemmFor(backend: WasmBackendLike): GemmExports | null {
  let inst = instances.get(backend);
  if (inst !== undefined) return inst;
  inst = null;
  const memory = memoryOf(backend);
  if (memory) {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(decodeBase64(shared ? GEMM_WASM_SHARED : GEMM_WASM));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    inst = instance.exports as unknown as GemmExports;
  }
  instances.set(backend, inst);
  return inst;
}

interface MatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: { transposeA: boolean; transposeB: boolean };
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

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
  const ptr = (t: tf.TensorInfo) =>
    (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
  const temps: tf.TensorInfo[] = [];
  const upright = (t: tf.TensorInfo, rows: number, cols: number, transposed: boolean) => {
    if (!transposed) return t;
    // stored [cols, rows]
    const u = backend.makeOutput([rows, cols], 'float32');
    temps.push(u);
    gemm.transpose(ptr(t), ptr(u), cols, rows);
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

function makeKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as MatMulArgs;
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    const gemm = gemmFor(backend);
    const s = productShape(a.shape, b.shape, transposeA, transposeB);
    const plain2d = s.batchA === 1 && s.batchB === 1 && !transposeA && !transposeB;
    if (
      !enabled ||
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
    const outPtr = (backend.dataIdMap.get(out.dataId) as { memoryOffset: number }).memoryOffset;
    if (M * N === 0) return out;
    if (K === 0) {
      new Float32Array(memoryOf(backend)!.buffer, outPtr, batch * M * N).fill(0);
      return out;
    }
    // Scratch for the packed right operand; malloc may grow the heap, so pointers of the inputs
    // are read after it.
    const scratchB = transposeB ? backend.wasm._malloc(4 * K * N) : 0;
    try {
      const aPtr = (backend.dataIdMap.get(a.dataId) as { memoryOffset: number }).memoryOffset;
      const bPtr = (backend.dataIdMap.get(b.dataId) as { memoryOffset: number }).memoryOffset;
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

interface GatherArgs {
  inputs: { x: tf.TensorInfo; indices: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: { axis: number; batchDims: number };
}

/**
 * GatherV2 of whole rows (axis 0, no batch dims, 4-byte elements, int32 ids): one memory.copy
 * per row. Other gathers, and ids of another dtype, stay with TF.js.
 */
function makeGather(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as GatherArgs;
    const { x, indices } = inputs;
    const gemm = gemmFor(backend);
    const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
    if (
      !enabled ||
      !gemm ||
      axis !== 0 ||
      attrs.batchDims !== 0 ||
      indices.dtype !== 'int32' ||
      (x.dtype !== 'float32' && x.dtype !== 'int32') ||
      x.shape.length < 1
    ) {
      return original(args);
    }
    const rowSize = sizeOf(x.shape.slice(1));
    const n = sizeOf(indices.shape);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    if (n * rowSize === 0) return out;
    const ptr = (t: tf.TensorInfo) =>
      (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
    gemm.gatherRows(ptr(x), x.shape[0], ptr(indices), n, ptr(out), 4 * rowSize);
    return out;
  };
}

/**
 * A slice of a 4-byte tensor as a few long copies: the trailing dimensions the slice keeps whole
 * merge into one contiguous run, and only the leading ones are walked (TF.js's wasm Slice copies
 * one innermost row at a time: 87 ms to split a [128, 6, 128, 64] QKV tensor three ways).
 */
function sliceInto(
  backend: WasmBackendLike,
  memory: WebAssembly.Memory,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const total = sizeOf(size);
  if (total === 0) return out;
  const shape = x.shape;
  const rank = shape.length;
  // k: the first dimension of the contiguous run (all later ones whole).
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const strides = tf.util.computeStrides(shape);
  const stride = (d: number) => (d === rank - 1 ? 1 : strides[d]);
  const run = size[k] * stride(k);
  const src = backend.dataIdMap.get(x.dataId) as { memoryOffset: number };
  const dst = backend.dataIdMap.get(out.dataId) as { memoryOffset: number };
  const heap = new Uint8Array(memory.buffer);
  const idx = new Array<number>(k).fill(0);
  let o = dst.memoryOffset;
  for (let n = 0; n < total / run; n++) {
    let off = begin[k] * stride(k);
    for (let d = 0; d < k; d++) off += (begin[d] + idx[d]) * stride(d);
    const from = src.memoryOffset + 4 * off;
    heap.copyWithin(o, from, from + 4 * run);
    o += 4 * run;
    for (let d = k - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

interface SliceArgs {
  inputs: { x: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: { begin: number | number[]; size: number | number[] };
}

function fastSliceable(backend: WasmBackendLike, x: tf.TensorInfo): WebAssembly.Memory | null {
  if (!enabled || (x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) {
    return null;
  }
  return memoryOf(backend) ?? null;
}

function makeSlice(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as SliceArgs;
    const memory = fastSliceable(backend, inputs.x);
    if (!memory) return original(args);
    const [begin, size] = tf.slice_util.parseSliceParams(
      inputs.x as unknown as tf.Tensor,
      attrs.begin,
      attrs.size,
    );
    return sliceInto(backend, memory, inputs.x, begin, size);
  };
}

interface SplitArgs {
  inputs: { x: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: { numOrSizeSplits: number | number[]; axis: number | number[] };
}

function makeSplit(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as SplitArgs;
    const { x } = inputs;
    const memory = fastSliceable(backend, x);
    if (!memory) return original(args);
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(
      x as unknown as tf.Tensor,
      attrs.numOrSizeSplits,
      axis,
    );
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = sliceInto(backend, memory, x, [...begin], size);
      begin[axis] += s;
      return piece;
    });
  };
}

/** Kernel names of the exact GELU and its gradient ({@link wasmGelu}). */
export const GELU_FORWARD = 'StudioGeluForward';
export const GELU_BACKWARD = 'StudioGeluBackward';

function geluKernel(backward: boolean): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as {
      inputs: { x: tf.TensorInfo; dy?: tf.TensorInfo };
      backend: WasmBackendLike;
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { x, dy } = inputs;
    const out = backend.makeOutput([...x.shape], 'float32');
    const ptr = (t: tf.TensorInfo) =>
      (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
    const n = sizeOf(x.shape);
    if (backward) gemm.geluBackward(ptr(x), ptr(dy as tf.TensorInfo), ptr(out), n);
    else gemm.geluForward(ptr(x), ptr(x), ptr(out), n);
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
  if (!installed || !enabled || tf.getBackend() !== 'wasm') return null;
  if (!gemmFor(tf.backend() as unknown as WasmBackendLike)) return null;
  return {
    forward: (x) => tf.engine().runKernel(GELU_FORWARD, { x }, {}) as tf.Tensor,
    backward: (x, dy) => tf.engine().runKernel(GELU_BACKWARD, { x, dy }, {}) as tf.Tensor,
  };
}

/** Kernel name of the hashed-mask dropout ({@link wasmDropout}). */
export const DROPOUT = 'StudioDropout';

function dropoutKernel(): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { x: tf.TensorInfo };
      backend: WasmBackendLike;
      attrs: { rate: number; seed: number };
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { x } = inputs;
    const out = backend.makeOutput([...x.shape], 'float32');
    const ptr = (t: tf.TensorInfo) =>
      (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
    const scale = Math.fround(1 / (1 - attrs.rate));
    gemm.dropout(ptr(x), ptr(out), sizeOf(x.shape), attrs.rate, scale, attrs.seed | 0);
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
  if (!installed || !enabled || tf.getBackend() !== 'wasm') return null;
  if (!gemmFor(tf.backend() as unknown as WasmBackendLike)) return null;
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

function adamwKernel(): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { p: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo };
      backend: WasmBackendLike;
      attrs: AdamWScalars;
    };
    const gemm = gemmFor(backend) as GemmExports;
    const { p, g, m, v } = inputs;
    const outs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
    const ptr = (t: tf.TensorInfo) =>
      (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
    const a = attrs;
    gemm.adamw(
      ptr(p),
      ptr(g),
      ptr(m),
      ptr(v),
      ptr(outs[0]),
      ptr(outs[1]),
      ptr(outs[2]),
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
  if (!installed || !enabled || tf.getBackend() !== 'wasm') return null;
  if (!gemmFor(tf.backend() as unknown as WasmBackendLike)) return null;
  return (p, g, m, v, scalars) =>
    tf
      .engine()
      .runKernel(ADAMW, { p, g, m, v }, scalars as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

let installed = false;

/**
 * Replaces the wasm backend's BatchMatMul, GatherV2, Slice and SplitV with the studio's kernels
 * and adds the exact GELU's, dropout's and AdamW's (idempotent). Call once the
 * wasm backend is registered; returns false when the backend's kernel is not there.
 */
export function installWasmKernels(): boolean {
  if (installed) return true;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const gather = tf.getKernel('GatherV2', 'wasm');
  const slice = tf.getKernel('Slice', 'wasm');
  const split = tf.getKernel('SplitV', 'wasm');
  if (!matMul || !gather || !slice || !split) return false;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...matMul, kernelFunc: makeKernel(matMul.kernelFunc) });
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel({ ...gather, kernelFunc: makeGather(gather.kernelFunc) });
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...slice, kernelFunc: makeSlice(slice.kernelFunc) });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({ ...split, kernelFunc: makeSplit(split.kernelFunc) });
  tf.registerKernel({ kernelName: DROPOUT, backendName: 'wasm', kernelFunc: dropoutKernel() });
  tf.registerKernel({ kernelName: ADAMW, backendName: 'wasm', kernelFunc: adamwKernel() });
  tf.registerKernel({
    kernelName: GELU_FORWARD,
    backendName: 'wasm',
    kernelFunc: geluKernel(false),
  });
  tf.registerKernel({
    kernelName: GELU_BACKWARD,
    backendName: 'wasm',
    kernelFunc: geluKernel(true),
  });
  installed = true;
  return true;
}
