/**
 * Cutting a step into shares and summing them (for {@link ParallelGradients},
 * `workerGradients.ts`): a share is a contiguous run of a collated micro-batch's rows, and each
 * share's contribution ({@link Part}) is summed in share order, so the result does not depend on
 * which replica finished first.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../../model/classifier';
import { collateBatch } from '../../tokenize/collate';
import { collateTagLabels } from '../../tokenize/alignTags';
import { isTagged, taggedEncodingOf, type LabeledDataset } from '../dataset';
import type { GradientBatch, GradientContext, StepGradients } from '../gradients';
import type { HeadKind } from '../../model/family';
import { lossDenominator } from '../losses';
import { deriveSeed } from '../../util/rng';
import { inProcessLogits } from '../evaluate';
import { rowSparseGrad } from '../flatParams';
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

/**
 * The step's micro-batches collated and cut into `R` contiguous shares of rows each: per share,
 * its slice of every micro-batch (with the whole micro-batch's loss denominator and the share's
 * dropout seed); and the step's real tokens.
 */
export function cutShares(
  ctx: GradientContext,
  groups: Uint32Array[],
  step: number,
  R: number,
): { perShare: ShareBatch[][]; tokens: number } {
  const { train, problemType, collate, numLabels, loss } = ctx;
  const perShare: ShareBatch[][] = Array.from({ length: R }, () => []);
  let tokens = 0;
  groups.forEach((idx, i) => {
    const b = collateBatch(train.encoded, idx, collate);
    for (let t = 0; t < b.attentionMask.length; t++) tokens += b.attentionMask[t];
    const { labels, w } = shareLabels(train, problemType, idx, b.seqLen);
    // Token classification: the labelled tokens of the whole micro-batch (labels in
    // [0, numLabels), -100 left out), as the one-thread loss's mean takes them.
    const denominator = lossDenominator(
      isTagged(train) ? 'single_label_classification' : problemType,
      labels,
      { numLabels, classWeights: loss.classWeights },
    );
    for (let k = 0; k < R; k++) {
      const from = Math.floor((k * idx.length) / R);
      const to = Math.floor(((k + 1) * idx.length) / R);
      if (to === from) continue;
      const seed = deriveSeed(ctx.seed, step, i, k);
      perShare[k].push(microBatchShare(b, labels, w, from, to, denominator, seed));
    }
  });
  return { perShare, tokens };
}

/**
 * The labels of micro-batch rows `idx` as the shares carry them, and their width per row: one id
 * per row (single-label), a float row (multi-label, regression), or for token classification
 * the collated tags [rows, seqLen] (`collateTagLabels`, -100 on padding), width seqLen.
 */
function shareLabels(
  train: LabeledDataset,
  problemType: GradientContext['problemType'],
  idx: Uint32Array,
  seqLen: number,
): { labels: Int32Array | Float32Array; w: number } {
  if (isTagged(train))
    return { labels: collateTagLabels(taggedEncodingOf(train), idx, seqLen), w: seqLen };
  const w = train.labelWidth;
  const labels =
    problemType === 'single_label_classification'
      ? new Int32Array(idx.length)
      : new Float32Array(idx.length * w);
  for (let r = 0; r < idx.length; r++)
    for (let j = 0; j < w; j++) labels[r * w + j] = train.labels[idx[r] * w + j];
  return { labels, w };
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

/** The sorted union of sorted distinct rows. */
function unionRows(lists: Int32Array[]): Int32Array {
  if (lists.length === 1) return lists[0];
  const seen = new Set<number>();
  for (const l of lists) for (const r of l) seen.add(r);
  return Int32Array.from(seen).sort();
}

/**
 * Sums the shares' gradients and losses in share order into new tensors. Of the word
 * embeddings, only each share's rows are added (they come compact, row k at k * width): its
 * gradient is exactly zero elsewhere, and it stays rows, a row-sparse gradient
 * (`rowSparseGrad`, flatParams.ts) of the union of the shares' rows, so no dense table is built.
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
    if (sparse) {
      const withGrad = parts.filter((p) => p.grad(j) !== null);
      if (withGrad.length === 0) continue;
      const rows = unionRows(withGrad.map((p) => p.rows));
      // Where each table row is in `rows`.
      const slot = new Map<number, number>();
      rows.forEach((r, k) => slot.set(r, k));
      out = new Float32Array(rows.length * width);
      for (const p of withGrad) {
        const g = p.grad(j) as { src: Float32Array; at: number };
        const r = p.rows;
        for (let k = 0; k < r.length; k++) {
          addInto(out, (slot.get(r[k]) as number) * width, g.src, g.at + k * width, width);
        }
      }
      const values = tf.tensor2d(out, [rows.length, width], 'float32');
      grads.set(names[j], rowSparseGrad(values, rows, [shapes[j][0], width]));
      continue;
    }
    for (const p of parts) {
      const g = p.grad(j);
      if (!g) continue;
      if (out === null) out = g.src.slice(g.at, g.at + sizes[j]);
      else addInto(out, 0, g.src, g.at, sizes[j]);
    }
    if (out !== null) grads.set(names[j], tf.tensor(out, shapes[j], 'float32'));
  }
  return { grads, loss: tf.scalar(lossSum), tokens };
}

/**
 * A share's model inputs and labels as tensors (caller disposes them): labels int32 [rows]
 * (single-label), float32 [rows] (regression) or [rows, labelWidth] (multi-label); with head
 * 'token' int32 [rows, seqLen]. `token_type_ids` only when `tokenTypeIds` (the model reads them).
 */
export function shareTensors(
  s: ShareBatch,
  problemType: GradientContext['problemType'],
  head: HeadKind,
  tokenTypeIds: boolean,
): GradientBatch {
  const shape: [number, number] = [s.rows, s.seqLen];
  const labels =
    head === 'token'
      ? tf.tensor2d(s.labels, shape, 'int32')
      : problemType === 'single_label_classification'
        ? tf.tensor1d(s.labels, 'int32')
        : problemType === 'regression'
          ? tf.tensor1d(s.labels, 'float32')
          : tf.tensor2d(s.labels, [s.rows, s.labelWidth], 'float32');
  return {
    input_ids: tf.tensor2d(s.inputIds, shape, 'int32'),
    attention_mask: tf.tensor2d(s.attentionMask, shape, 'int32'),
    ...(tokenTypeIds ? { token_type_ids: tf.tensor2d(s.tokenTypeIds, shape, 'int32') } : {}),
    labels,
  };
}

/** Logits of an evaluation share (forward only, no dropout), as this thread computes a batch's. */
export function shareLogits(model: SequenceClassifier, s: ForwardShare): Promise<Float32Array> {
  return inProcessLogits(model).logits({ ...s, batchSize: s.rows });
}
