/**
 * Cutting a step into shares and summing them (for {@link ParallelGradients},
 * `workerGradients.ts`): a share is a contiguous run of a collated micro-batch's rows, and each
 * share's contribution ({@link Part}) is summed in share order, so the result does not depend on
 * which replica finished first.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../../model/classifier';
import type { collateBatch } from '../../tokenize/collate';
import type { StepGradients } from '../gradients';
import { inProcessLogits } from '../evaluate';
import { type ForwardShare, type ParamLayout, type ShareBatch } from './protocol';

/** One share's contribution to a step: its loss, and where its gradient of parameter j is. */
export interface Part {
  loss: number;
  /** Its word-embedding rows (`rowsOf` (protocol.ts)). */
  rows: Int32Array;
  grad(j: number): { src: Float32Array; at: number } | null;
}

/** `out[o..o+n) += src[s..s+n)` (float32 additions, in index order). */
function addInto(out: Float32Array, o: number, src: Float32Array, s: number, n: number): void {
  for (let e = 0; e < n; e++) out[o + e] += src[s + e];
}

/** Rows [from, to) of a collated micro-batch, as a share. */
export function microBatchShare(
  b: ReturnType<typeof collateBatch>,
  labels: Int32Array | Float32Array,
  labelWidth: number,
  from: number,
  to: number,
  denominator: number,
  seed: number,
): ShareBatch {
  const T = b.seqLen;
  const w = labelWidth;
  return {
    rows: to - from,
    seqLen: T,
    inputIds: b.inputIds.slice(from * T, to * T),
    attentionMask: b.attentionMask.slice(from * T, to * T),
    tokenTypeIds: b.tokenTypeIds.slice(from * T, to * T),
    labels: labels.slice(from * w, to * w),
    labelWidth: w,
    denominator,
    seed,
  };
}

/**
 * Sums the shares' gradients and losses in share order into new tensors. Of the word
 * embeddings, only each share's rows are added (they come compact, row k at k * width): its
 * gradient is exactly zero elsewhere.
 */
export function sumParts(layout: ParamLayout, parts: Part[], tokens: number): StepGradients {
  const { names, shapes, sizes } = layout;
  const grads = new Map<string, tf.Tensor>();
  let lossSum = 0;
  for (const p of parts) lossSum += p.loss;
  for (let j = 0; j < names.length; j++) {
    const sparse = names[j] === layout.wordEmbeddings;
    const width = shapes[j][1];
    let out: Float32Array | null = null;
    for (const p of parts) {
      const g = p.grad(j);
      if (!g) continue;
      if (sparse) {
        out ??= new Float32Array(sizes[j]);
        const r = p.rows;
        for (let k = 0; k < r.length; k++) {
          addInto(out, r[k] * width, g.src, g.at + k * width, width);
        }
      } else if (out === null) out = g.src.slice(g.at, g.at + sizes[j]);
      else addInto(out, 0, g.src, g.at, sizes[j]);
    }
    if (out !== null) grads.set(names[j], tf.tensor(out, shapes[j], 'float32'));
  }
  return { grads, loss: tf.scalar(lossSum), tokens };
}

/** Logits of an evaluation share (forward only, no dropout), as this thread computes a batch's. */
export function shareLogits(model: SequenceClassifier, s: ForwardShare): Promise<Float32Array> {
  return inProcessLogits(model).logits({ ...s, batchSize: s.rows });
}
