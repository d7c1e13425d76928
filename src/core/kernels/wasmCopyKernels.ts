/**
 * The studio's copy kernels for TF.js's wasm backend: GatherV2 of whole rows (an embedding
 * lookup, one memory.copy per row), Slice and SplitV as a few long copies on the backend's heap
 * instead of TF.js's row-by-row loops, and Identity (`tf.clone`) without a copy.
 */
import * as tf from '@tensorflow/tfjs';

import {
  type WasmBackendLike,
  gemmFor,
  memoryOf,
  ptrOf,
  sizeOf,
  wasmKernelsEnabled,
} from './wasmModule';

interface GatherArgs {
  inputs: { x: tf.TensorInfo; indices: tf.TensorInfo };
  backend: WasmBackendLike;
  attrs: { axis: number; batchDims: number };
}

/**
 * GatherV2 of whole rows (axis 0, no batch dims, 4-byte elements, int32 ids): one memory.copy
 * per row. Other gathers, and ids of another dtype, stay with TF.js.
 */
export function makeGather(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as GatherArgs;
    const { x, indices } = inputs;
    const gemm = gemmFor(backend);
    const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
    if (
      !wasmKernelsEnabled() ||
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
    gemm.gatherRows(
      ptrOf(backend, x),
      x.shape[0],
      ptrOf(backend, indices),
      n,
      ptrOf(backend, out),
      4 * rowSize,
    );
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
  const src = ptrOf(backend, x);
  const dst = ptrOf(backend, out);
  const heap = new Uint8Array(memory.buffer);
  const idx = new Array<number>(k).fill(0);
  let o = dst;
  for (let n = 0; n < total / run; n++) {
    let off = begin[k] * stride(k);
    for (let d = 0; d < k; d++) off += (begin[d] + idx[d]) * stride(d);
    const from = src + 4 * off;
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
  if (
    !wasmKernelsEnabled() ||
    (x.dtype !== 'float32' && x.dtype !== 'int32') ||
    x.shape.length === 0
  ) {
    return null;
  }
  return memoryOf(backend) ?? null;
}

/** Wraps TF.js's wasm Slice (`original`, kept for other dtypes and scalars). */
export function makeSlice(original: tf.KernelFunc): tf.KernelFunc {
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

/** Wraps TF.js's wasm SplitV (`original`, kept for other dtypes and scalars). */
export function makeSplit(original: tf.KernelFunc): tf.KernelFunc {
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

/**
 * Identity (`tf.clone`, and what a custom gradient's `save` keeps for the backward pass) sharing
 * its input's buffer, as TF.js's cpu, WebGL and WebGPU backends do; TF.js's wasm Identity copies,
 * which doubled every saved activation and weight between the forward and the backward pass
 * (bert-base, 4 x 128 tokens: 1.25 GB of activations held for 12 layers). Whoever writes a buffer
 * in place checks it is not shared (`refCount`). Strings stay with TF.js (`original`).
 */
export function makeIdentity(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args as unknown as {
      inputs: { x: tf.TensorInfo };
      backend: WasmBackendLike & { incRef(dataId: object): void };
    };
    const { x } = inputs;
    if (!wasmKernelsEnabled() || x.dtype === 'string') return original(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
