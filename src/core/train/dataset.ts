/**
 * A tokenized split with its labels, and turning a batch of it into tensors.
 */
import type { ProblemType } from '../model/config';
import * as tf from '@tensorflow/tfjs';
import { collateBatch, type CollatedBatch } from '../tokenize/collate';
import type { EncodedDataset } from '../tokenize/encode';
import { collateTagLabels } from '../tokenize/alignTags';
import type { TaggedEncoding } from '../data/taggedTypes';

export type { ProblemType };

/** Token ids of a split plus its labels. */
export interface LabeledDataset {
  encoded: EncodedDataset;
  /**
   * int32 class ids [N] (single-label), float32 multi-hot [N * labelWidth], or float32 [N]. Token
   * classification ({@link tagged} set): int32 tag ids per token, parallel to `encoded.ids`, with
   * IGNORE_INDEX (-100) where no loss is taken (special tokens, a word's later sub-tokens).
   */
  labels: Int32Array | Float32Array;
  /** Labels per row: 1 for single-label and regression, num_labels for multi-label, 0 per token. */
  labelWidth: number;
  size: number;
  /** Token classification: what the per-token labels need besides the ids; absent otherwise. */
  tagged?: TaggedLabels;
}

/** What a token-classification split holds besides its per-token labels. */
export interface TaggedLabels {
  /** Tag names by id (seqeval reads the entity types from their B-/I- prefixes). */
  labelNames: string[];
  /** Each token's word index within its sentence, -1 for special tokens (parallel to ids). */
  wordIds: Int32Array;
  /** Words per row (sentence), truncated ones included. */
  words: Uint32Array;
}

/** Whether `ds` is a token-classification split (labels per token). */
export function isTagged(ds: LabeledDataset): ds is LabeledDataset & { tagged: TaggedLabels } {
  return ds.tagged !== undefined;
}

export interface TensorBatch {
  input_ids: tf.Tensor2D;
  attention_mask: tf.Tensor2D;
  /** Only for a model that reads them (`SequenceClassifier.takesTokenTypeIds`). */
  token_type_ids?: tf.Tensor2D;
  labels: tf.Tensor;
  /** Real (unpadded) tokens in the batch. */
  tokens: number;
}

export interface CollateOptions {
  padding: 'longest' | 'max_length';
  maxLength: number;
  padId: number;
}

/**
 * Builds the batch tensors for rows `indices` (caller disposes them, or runs inside tf.tidy);
 * `token_type_ids` only when `tokenTypeIds` (the model reads them).
 */
export function batchTensors(
  ds: LabeledDataset,
  indices: ArrayLike<number>,
  problemType: ProblemType,
  opts: CollateOptions,
  tokenTypeIds = true,
): TensorBatch {
  const b = collateBatch(ds.encoded, indices, opts);
  let tokens = 0;
  for (let i = 0; i < b.attentionMask.length; i++) tokens += b.attentionMask[i];
  return {
    ...inputTensors(b, tokenTypeIds),
    labels: labelTensor(ds, indices, problemType, b.seqLen),
    tokens,
  };
}

/**
 * The model inputs of a collated batch as tensors (caller disposes them); `token_type_ids` only
 * when `tokenTypeIds` (the model reads them).
 */
export function inputTensors(
  b: CollatedBatch,
  tokenTypeIds = true,
): Pick<TensorBatch, 'input_ids' | 'attention_mask' | 'token_type_ids'> {
  const shape: [number, number] = [b.batchSize, b.seqLen];
  return {
    input_ids: tf.tensor2d(b.inputIds, shape, 'int32'),
    attention_mask: tf.tensor2d(b.attentionMask, shape, 'int32'),
    ...(tokenTypeIds ? { token_type_ids: tf.tensor2d(b.tokenTypeIds, shape, 'int32') } : {}),
  };
}

/**
 * The labels of rows `indices` as a tensor: int32 [n], float32 [n] or float32 [n, labelWidth];
 * for token classification int32 [n, seqLen] (the batch's padded length), IGNORE_INDEX on
 * padding, as DataCollatorForTokenClassification pads them.
 */
export function labelTensor(
  ds: LabeledDataset,
  indices: ArrayLike<number>,
  problemType: ProblemType,
  seqLen?: number,
): tf.Tensor {
  const n = indices.length;
  if (isTagged(ds)) {
    if (seqLen === undefined) throw new Error('labelTensor: token labels need the batch length.');
    return tf.tensor2d(
      collateTagLabels(taggedEncodingOf(ds), indices, seqLen),
      [n, seqLen],
      'int32',
    );
  }
  if (problemType === 'single_label_classification') {
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = ds.labels[indices[i]];
    return tf.tensor1d(ids, 'int32');
  }
  const w = ds.labelWidth;
  const vals = new Float32Array(n * w);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < w; j++) vals[i * w + j] = ds.labels[indices[i] * w + j];
  return problemType === 'regression' ? tf.tensor1d(vals) : tf.tensor2d(vals, [n, w]);
}

/**
 * The model inputs of a batch, without its labels: the trainer and the evaluation compute the
 * loss themselves (label smoothing, class weights), so the model need not compute one too.
 */
export function inputsOf(
  b: TensorBatch,
): Pick<TensorBatch, 'input_ids' | 'attention_mask' | 'token_type_ids'> {
  return {
    input_ids: b.input_ids,
    attention_mask: b.attention_mask,
    ...(b.token_type_ids ? { token_type_ids: b.token_type_ids } : {}),
  };
}

export function disposeBatch(b: TensorBatch): void {
  tf.dispose([b.input_ids, b.attention_mask, b.token_type_ids, b.labels]);
}

/** A token-classification split in the shape the alignment module's collation reads. */
export function taggedEncodingOf(ds: LabeledDataset & { tagged: TaggedLabels }): TaggedEncoding {
  return {
    ids: ds.encoded.ids,
    offsets: ds.encoded.offsets,
    typeIds: null,
    truncated: ds.encoded.truncated,
    labels: ds.labels as Int32Array,
    wordIds: ds.tagged.wordIds,
  };
}
