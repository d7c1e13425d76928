/**
 * The options of data parallelism over worker_threads, when a step is worth splitting, and the
 * context of a source used for evaluation only (see workerGradients.ts).
 */
import type { SequenceClassifier } from '../../model/classifier';
import type { GradientContext } from '../gradients';
import type { ReplicaSpawner } from './transport';

export interface ParallelOptions {
  /** Shares per micro-batch (replicas, this thread included when `mainReplica`). At least 1. */
  replicas: number;
  /** This thread computes share 0 itself (one worker fewer) instead of only coordinating. */
  mainReplica?: boolean;
  /** TF.js backend of the workers. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
  /**
   * Starts a replica (`transport.ts`): the page's Web Workers (src/worker/replicas.ts). Default:
   * worker_threads (`nodeReplicas.ts`) on `workerUrl`.
   */
  spawn?: ReplicaSpawner;
  /** The worker_threads script (tests substitute a failing one). Default `./nodeReplica.ts`. */
  workerUrl?: URL;
  /**
   * A step whose micro-batches add up to fewer encoder FLOPs than this (6 x encoder parameters x
   * padded tokens) runs on this thread alone: below ~1 GFLOP the shares' exchange (weights out,
   * gradients back, a message each way) costs more than the second core gives (measured on the
   * default model: 30 ms a step on one thread, 42 ms split, at 32 tokens; even at 64; 142 -> 107 ms
   * at 128). Default {@link MIN_SPLIT_FLOPS}; 0 always splits.
   */
  minSplitFlops?: number;
  /**
   * Floats of the staging buffer that weights and gradients pass through (`staging.ts`), raised
   * to the widest table row. Default 16 MiB (`STAGING_FLOATS`); tests make it small so
   * parameters and rows are cut across chunks.
   */
  stagingFloats?: number;
}

/** See {@link ParallelOptions.minSplitFlops}. */
export const MIN_SPLIT_FLOPS = 1e9;

/** Dense-layer FLOPs of a training step over `tokens` padded tokens (6 x parameters x tokens). */
export function encoderFlops(model: GradientContext['model'], tokens: number): number {
  const d = model.family.dims(model.config);
  const H = d.hiddenSize;
  const perLayer = 4 * H * H + 2 * H * d.intermediateSize;
  return 6 * d.numLayers * perLayer * tokens;
}

/**
 * Whether an evaluation batch of `tokens` padded tokens is worth splitting over the replicas.
 * Forward only, it costs a third of a training step over the same tokens (2 x encoder parameters
 * x tokens against {@link encoderFlops}' 6), held to the same threshold as a step
 * ({@link ParallelOptions.minSplitFlops}; 0 always splits): below it the replicas' start, the
 * weights sent and the logits gathered cost more than the second core gives.
 */
export function forwardWorthSplitting(
  model: GradientContext['model'],
  tokens: number,
  minSplitFlops = MIN_SPLIT_FLOPS,
): boolean {
  return minSplitFlops <= 0 || encoderFlops(model, tokens) / 3 >= minSplitFlops;
}

/** Whether an eval batch of `tokens` padded tokens runs on this thread alone (see above). */
export function forwardOnThisThread(
  opts: ParallelOptions,
  model: GradientContext['model'],
  tokens: number,
): boolean {
  return !!opts.mainReplica && !forwardWorthSplitting(model, tokens, opts.minSplitFlops);
}

/**
 * The context of a source used only for its {@link ParallelGradients.forward} (an evaluation
 * with no training, e.g. `studio evaluate`): no training rows, the model's own problem type.
 */
export function evaluationContext(model: SequenceClassifier): GradientContext {
  return {
    model,
    train: {
      encoded: {
        ids: new Uint16Array(0),
        offsets: new Uint32Array(1),
        typeIds: null,
        truncated: 0,
      },
      labels: new Int32Array(0),
      labelWidth: 1,
      size: 0,
    },
    problemType: model.config.problem_type ?? 'single_label_classification',
    numLabels: model.config.num_labels,
    collate: { padding: 'longest', maxLength: model.maxInputLength(), padId: 0 },
    loss: {},
    seed: 0,
  };
}
