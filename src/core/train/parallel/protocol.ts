/**
 * Messages between the main thread and a gradient replica (a worker_threads worker or a Web
 * Worker), and the flat layout of the parameters that transfers through the staging buffer
 * (`staging.ts`) are planned over. A replica also computes evaluation logits of a share of rows
 * ('forward').
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../model/families';
import type { HeadKind } from '../../model/family';
import type { ProblemType } from '../dataset';
import type { LossOptions } from '../losses';
import type { ErrorOnWire } from '../../util/errors';
import type { Piece } from './staging';

/** Parameter `names[j]` of shape `shapes[j]` is at float offset `offsets[j]` of a flat copy. */
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
  /**
   * float32, shared by the main thread and every replica: the chunks of weights ('weights') and
   * of this replica's gradients ('grads') pass through it (`staging.ts`).
   */
  staging: SharedArrayBuffer;
}

/**
 * A chunk of the main thread's weights is in the staging buffer: the replica copies it into its
 * model and replies 'ack'. A step's or an evaluation's weights come before its 'step' or
 * 'forward' messages.
 */
export interface WeightsMessage {
  type: 'weights';
  id: number;
  pieces: Piece[];
  /** The transfer's last chunk (off wasm the replica assigns what it copied now). */
  last: boolean;
}

/**
 * After a step's 'done': the replica writes this chunk of its gradients into the staging buffer
 * and replies 'ack' (of the word embeddings, rows of {@link rowsOf} its shares). After the
 * `last` one it lets its gradients go.
 */
export interface GradsMessage {
  type: 'grads';
  id: number;
  pieces: Piece[];
  last: boolean;
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
  | WarmMessage
  | InitMessage
  | WeightsMessage
  | StepMessage
  | GradsMessage
  | ForwardMessage
  | { type: 'close' };

export type FromReplica =
  | { type: 'ready' }
  /** A 'weights' or 'grads' chunk was taken from or written to the staging buffer. */
  | { type: 'ack'; id: number }
  /**
   * The step's forward and backward are done; its gradients wait in the replica for 'grads'
   * messages. `has[j]` is 0 for a parameter that got none; `ms`: the replica's time on the step
   * (forward and backward).
   */
  | { type: 'done'; id: number; loss: number; has: Uint8Array; ms: number }
  /** Row-major logits [rows, num_labels] of a 'forward' share. */
  | { type: 'logits'; id: number; logits: Float32Array }
  /** The step's error, its code and remedy kept (`errorToWire`, core/util/errors.ts). */
  | { type: 'error'; message: string; error: ErrorOnWire; stack?: string };
