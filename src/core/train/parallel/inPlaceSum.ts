/**
 * The step's gradients summed into this thread's own share's gradient tensors, in the wasm
 * backend's memory, in place: the replicas' shares (chunks of the staging buffer) are added to
 * them in share order, this thread's first, which are the float additions `sumParts` (shares.ts)
 * makes, without its copies of the model (this thread's gradients read out, a new sum, a new
 * tensor of it). Used by `workerGradients.ts` when this thread computes share 0 on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../../kernels/wasmModule';
import type { StepGradients } from '../gradients';
import { readRows, type ParamLayout } from './protocol';

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
 * The step's gradients once the replicas' have been added to `own`'s (this thread's share's,
 * taken over) in place (`workerGradients.ts`, chunk by chunk through `staging.ts`): its loss is
 * `own`'s plus the replicas' `losses`, in share order.
 */
export function sumInPlace(
  own: { loss: number; grads: Map<string, tf.Tensor> },
  losses: number[],
  tokens: number,
): StepGradients {
  let lossSum = own.loss;
  for (const l of losses) lossSum += l;
  return { grads: own.grads, loss: tf.scalar(lossSum), tokens };
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
