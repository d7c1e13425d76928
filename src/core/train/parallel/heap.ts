/**
 * Tensors' values in the wasm backend's heap, read and written in place (one copy each way, no
 * JS arrays and no new tensors): how weights and gradients pass between a model's tensors and
 * the staging buffer (`staging.ts`), and how gradients are summed in place (`inPlaceSum.ts`).
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
