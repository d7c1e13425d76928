/**
 * The step's gradients summed into this thread's own share's gradient tensors, in the wasm
 * backend's memory, in place: the replicas' shares (in their shared buffers) are added to them in
 * share order, this thread's first, which are the float additions `sumParts` (shares.ts) makes,
 * without its copies of the model (this thread's gradients read out, a new sum, a new tensor of
 * it). Used by `workerGradients.ts` when this thread computes share 0 on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../../kernels/wasmModule';
import type { StepGradients } from '../gradients';
import { heapView } from './heap';
import { readRows, type ParamLayout } from './protocol';
import type { Part } from './shares';

/** `out[o..o+n) += src[s..s+n)` (float32 additions, in index order). */
function addInto(out: Float32Array, o: number, src: Float32Array, s: number, n: number): void {
  for (let e = 0; e < n; e++) out[o + e] += src[s + e];
}

/** Whether `t`'s buffer is its own on wasm (no other tensor shares it), so it may be written. */
function ownsBuffer(t: tf.Tensor): boolean {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return false;
  const data = (tf.backend() as unknown as WasmBackendLike).dataIdMap.get(t.dataId) as
    { refCount?: number } | undefined;
  return data !== undefined && (data.refCount ?? 1) === 1;
}

/** Whether {@link sumInPlace} can take `grads` (this thread's share's, on wasm). */
export function canSumInPlace(grads: Map<string, tf.Tensor>): boolean {
  for (const g of grads.values()) if (!ownsBuffer(g)) return false;
  return true;
}

/**
 * Adds the replicas' `parts` to `own` (this thread's share's gradients, taken over, and its
 * loss) in place and returns the step's gradients. A parameter this thread's share has no
 * gradient for starts from zeros.
 */
export function sumInPlace(
  layout: ParamLayout,
  own: { loss: number; grads: Map<string, tf.Tensor> },
  parts: Part[],
  tokens: number,
): StepGradients {
  const { names, shapes } = layout;
  let lossSum = own.loss;
  for (const p of parts) lossSum += p.loss;
  const grads = own.grads;
  for (let j = 0; j < names.length; j++) {
    const sparse = names[j] === layout.wordEmbeddings;
    const width = shapes[j][1];
    for (const p of parts) {
      const g = p.grad(j);
      if (!g) continue;
      if (!grads.has(names[j])) grads.set(names[j], tf.zeros(shapes[j]));
      // A fresh view per part: nothing here allocates in the heap while it is used.
      const out = heapView(grads.get(names[j]) as tf.Tensor) as Float32Array;
      if (sparse) {
        const r = p.rows;
        for (let k = 0; k < r.length; k++)
          addInto(out, r[k] * width, g.src, g.at + k * width, width);
      } else addInto(out, 0, g.src, g.at, out.length);
    }
  }
  return { grads, loss: tf.scalar(lossSum), tokens };
}

/**
 * This thread's share's gradients as arrays, to sum with `sumParts` where they cannot be summed
 * in place (of the word embeddings, rows `rows`, compact).
 */
export async function readShare(
  layout: ParamLayout,
  grads: Map<string, tf.Tensor>,
  rows: Int32Array,
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, g] of grads) {
    const sparse = name === layout.wordEmbeddings;
    out.set(name, sparse ? await readRows(g, rows) : await g.data<'float32'>());
  }
  return out;
}
