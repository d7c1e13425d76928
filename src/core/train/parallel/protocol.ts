/**
 * Messages between the main thread and a gradient replica (a worker_threads worker), and the
 * flat layout of the parameters in the shared weight and gradient buffers.
 */
import type { BertConfig } from '../../model/config';
import type { ProblemType } from '../dataset';
import type { LossOptions } from '../losses';

/** Parameter `names[j]` of shape `shapes[j]` lives at float offset `offsets[j]` of a buffer. */
export interface ParamLayout {
  names: string[];
  shapes: number[][];
  offsets: number[];
  sizes: number[];
  /** Floats in all parameters together. */
  total: number;
}

/** The layout of `params` in their Map order. */
export function layoutOf(params: Map<string, { shape: number[] }>): ParamLayout {
  const layout: ParamLayout = { names: [], shapes: [], offsets: [], sizes: [], total: 0 };
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

export interface InitMessage {
  type: 'init';
  index: number;
  config: BertConfig;
  layout: ParamLayout;
  problemType: ProblemType;
  loss: Pick<LossOptions, 'labelSmoothing' | 'classWeights'>;
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
  /** int32 [rows] (single-label) or float32 [rows * labelWidth]. */
  labels: Int32Array | Float32Array;
  labelWidth: number;
  /** The whole micro-batch's loss denominator ({@link lossDenominator}). */
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

export type ToReplica = InitMessage | StepMessage | { type: 'close' };

export type FromReplica =
  | { type: 'ready' }
  /** Gradients are in the replica's buffer; `has[j]` is 0 for a parameter that got none. */
  | { type: 'done'; id: number; loss: number; has: Uint8Array }
  | { type: 'error'; message: string; stack?: string };
