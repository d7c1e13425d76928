/**
 * Messages between the main thread and a gradient replica (a worker_threads worker), and the
 * flat layout of the parameters in the shared weight and gradient buffers. A replica also
 * computes evaluation logits of a share of rows ('forward').
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../model/families';
import type { HeadKind } from '../../model/family';
import type { ProblemType } from '../dataset';
import type { LossOptions } from '../losses';
import type { ErrorOnWire } from '../../util/errors';

/** Parameter `names[j]` of shape `shapes[j]` lives at float offset `offsets[j]` of a buffer. */
export interface ParamLayout {
  names: string[];
  shapes: number[][];
  offsets: number[];
  sizes: number[];
  /** Floats in all parameters together. */
  total: number;
  /**
   * The word embeddings' name (null: none): a share's gradient is zero outside the rows of
   * its token ids, and its forward pass reads only those rows, so only those rows travel (both
   * ways).
   */
  wordEmbeddings: string | null;
}

/** The layout of `params` in their Map order; `wordEmbeddings`: see {@link ParamLayout}. */
export function layoutOf(
  params: Map<string, { shape: number[] }>,
  wordEmbeddings: string | null,
): ParamLayout {
  const layout: ParamLayout = {
    names: [],
    shapes: [],
    offsets: [],
    sizes: [],
    total: 0,
    wordEmbeddings,
  };
  for (const [name, v] of params) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    layout.names.push(name);
    layout.shapes.push([...v.shape]);
    layout.offsets.push(layout.total);
    layout.sizes.push(size);
    layout.total += size;
  }
  return layout;
}

/** The sorted distinct token ids of `shares`: the word-embedding rows they read and touch. */
export function rowsOf(shares: Pick<ShareBatch, 'inputIds'>[]): Int32Array {
  const seen = new Set<number>();
  for (const s of shares) for (const id of s.inputIds) seen.add(id);
  return Int32Array.from(seen).sort();
}

/** Rows `rows` of the 2-D `t`, compact (row k at k * width), read from the backend. */
export async function readRows(t: tf.Tensor, rows: Int32Array): Promise<Float32Array> {
  const idx = tf.tensor1d(rows, 'int32');
  const part = tf.gather(t, idx);
  const values = await part.data<'float32'>();
  tf.dispose([idx, part]);
  return values;
}

export interface InitMessage {
  type: 'init';
  index: number;
  /** The model's config; its `model_type` picks the family the replica rebuilds (families.ts). */
  config: ModelConfig;
  layout: ParamLayout;
  problemType: ProblemType;
  /**
   * The model's head: 'token' for token classification (labels [rows, seqLen] with -100 where no
   * loss is taken, the token head's loss, logits [rows, seqLen, num_labels]).
   */
  head: HeadKind;
  loss: Pick<LossOptions, 'labelSmoothing' | 'classWeights'>;
  /** The model's `gradientCheckpointing` (TrainingArguments' `gradient_checkpointing`). */
  gradientCheckpointing: boolean;
  /** TF.js backend of the replica ('wasm' in the CLI). */
  backend: 'wasm' | 'cpu';
  /** float32 [layout.total]: the main model's weights, written before each step. */
  weights: SharedArrayBuffer;
  /** int32 [1]: the version of `weights` (Atomics), bumped after each write. */
  control: SharedArrayBuffer;
  /** float32 [layout.total]: where this replica writes its step's gradients. */
  grads: SharedArrayBuffer;
}

/** One share (a slice of rows) of one micro-batch, collated on the main thread. */
export interface ShareBatch {
  rows: number;
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  /**
   * int32 [rows] (single-label) or float32 [rows * labelWidth]; token classification: int32
   * [rows * seqLen] (labelWidth = seqLen), IGNORE_INDEX on padding and unlabelled tokens.
   */
  labels: Int32Array | Float32Array;
  labelWidth: number;
  /**
   * The whole micro-batch's loss denominator ({@link lossDenominator}): its labelled rows, or for
   * token classification its labelled tokens, so the shares' losses add up to the micro-batch's.
   */
  denominator: number;
  /** Dropout seed of this share. */
  seed: number;
}

export interface StepMessage {
  type: 'step';
  id: number;
  /** Micro-batches in the step: each share's loss is divided by this. */
  microBatches: number;
  shares: ShareBatch[];
}

/** Rows of one evaluation batch: forward only (training false), logits back in row order. */
export interface ForwardShare {
  rows: number;
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
}

export interface ForwardMessage {
  type: 'forward';
  id: number;
  share: ForwardShare;
}

/** Selects the backend ahead of `init` (workers started before the model exists). */
export interface WarmMessage {
  type: 'warm';
  backend: InitMessage['backend'];
}

export type ToReplica =
  WarmMessage | InitMessage | StepMessage | ForwardMessage | { type: 'close' };

export type FromReplica =
  | { type: 'ready' }
  /**
   * Gradients are in the replica's buffer (of the word embeddings, only the rows of
   * {@link rowsOf} its shares, compact: row k at the parameter's offset + k * width); `has[j]` is
   * 0 for a parameter that got none; `ms`: the replica's time on the step (weights copied in,
   * forward, backward, gradients written out).
   */
  | { type: 'done'; id: number; loss: number; has: Uint8Array; ms: number }
  /** Row-major logits [rows, num_labels] of a 'forward' share. */
  | { type: 'logits'; id: number; logits: Float32Array }
  /** The step's error, its code and remedy kept (`errorToWire`, core/util/errors.ts). */
  | { type: 'error'; message: string; error: ErrorOnWire; stack?: string };
