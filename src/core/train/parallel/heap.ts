/**
 * Weights moved between the shared weight buffer and a model's variables without copies in
 * between: on the wasm backend a variable's values are read from and written to the backend's
 * heap in place (one copy each way, no JS arrays and no new tensors); elsewhere through TF.js's
 * own calls. Used by the main thread to publish its weights (`workerGradients.ts`) and by the
 * replicas to load them (`replica.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { memoryOf, ptrOf, type WasmBackendLike } from '../../kernels/wasmModule';

/**
 * A float32 view of `t`'s values in the wasm backend's heap, or null on another backend. Valid
 * until the next allocation (a growing heap replaces its buffer): use it at once.
 */
export function heapView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackendLike;
  const memory = memoryOf(backend);
  if (!memory) return null;
  return new Float32Array(memory.buffer, ptrOf(backend, t), t.size);
}

/** Copies `v`'s values into `dst` at float offset `at`. */
export async function readInto(v: tf.Tensor, dst: Float32Array, at: number): Promise<void> {
  const view = heapView(v);
  dst.set(view ?? (await v.data<'float32'>()), at);
}

/** Copies rows `rows` of the 2-D `v` (row width `width`) into `dst`, row r at `at + r * width`. */
export async function readRowsInto(
  v: tf.Tensor,
  rows: Int32Array,
  width: number,
  dst: Float32Array,
  at: number,
): Promise<void> {
  const view = heapView(v);
  if (view) {
    for (const r of rows) dst.set(view.subarray(r * width, (r + 1) * width), at + r * width);
    return;
  }
  const idx = tf.tensor1d(rows, 'int32');
  const part = tf.gather(v, idx);
  const values = await part.data<'float32'>();
  tf.dispose([idx, part]);
  for (let k = 0; k < rows.length; k++) {
    dst.set(values.subarray(k * width, (k + 1) * width), at + rows[k] * width);
  }
}

/**
 * A model variable the weights are written into in place: on wasm it must own its buffer alone
 * (a variable made from a tensor shares that tensor's until it is disposed).
 */
export function ownedVariable(shape: number[]): tf.Variable {
  const zeros = tf.zeros(shape);
  const v = tf.variable(zeros, true);
  zeros.dispose();
  return v;
}

/** Sets `v` to `src` (its size), in place on wasm. */
export function writeAll(v: tf.Variable, src: Float32Array): void {
  const view = heapView(v);
  if (view) {
    view.set(src);
    return;
  }
  // The cpu backend keeps the array it is given: a copy, never the shared buffer itself.
  const t = tf.tensor(src.slice(), v.shape, 'float32');
  v.assign(t);
  t.dispose();
}

/**
 * Sets rows `rows` of the 2-D `v` (row width `width`) from `src` (row r at `at + r * width`),
 * in place on wasm; elsewhere through `mirror`, the table as last written (kept by the caller),
 * assigned whole.
 */
export function writeRows(
  v: tf.Variable,
  src: Float32Array,
  at: number,
  rows: Iterable<number>,
  width: number,
  mirror: () => Float32Array,
): void {
  const view = heapView(v);
  const dst = view ?? mirror();
  for (const r of rows) dst.set(src.subarray(at + r * width, at + (r + 1) * width), r * width);
  if (view) return;
  const t = tf.tensor(dst.slice(), v.shape, 'float32');
  v.assign(t);
  t.dispose();
}
