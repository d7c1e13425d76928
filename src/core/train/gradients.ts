/**
 * Where a training step's gradients come from: the seam between the Trainer's loop (clip, AdamW,
 * schedule, logging, checkpoints) and the forward/backward passes. The default computes them in
 * this thread, as the Trainer always has; `parallel/` (Node only) splits each micro-batch over
 * worker_threads replicas and sums their gradients. Browser-safe: no Node imports here.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../model/classifier';
import { batchTensors, disposeBatch, inputsOf, type CollateOptions } from './dataset';
import type { LabeledDataset, ProblemType } from './dataset';
import type { LogitsSource } from './evaluate';
import type { HeadLossOptions, LossOptions } from './losses';
import { taskLoss } from './taskLoss';
import { deriveSeed } from '../util/rng';

/** What a gradient source needs to know about the run (given by the Trainer). */
export interface GradientContext {
  /** The model the optimizer updates; its weights are the ones to differentiate at. */
  model: SequenceClassifier;
  train: LabeledDataset;
  problemType: ProblemType;
  numLabels: number;
  collate: CollateOptions;
  /** Label smoothing and class weights of the run's loss ({@link headLoss} with them). */
  loss: HeadLossOptions;
  /** `args.seed`: dropout masks are derived from it, the step and the micro-batch. */
  seed: number;
}

/** The gradients of one optimizer step. All tensors are new and owned by the caller. */
export interface StepGradients {
  /**
   * d(loss)/d(param) by HF parameter name, summed over the step's micro-batches. A table's may be
   * row-sparse (`rowSparseGrad`, flatParams.ts: the rows it holds travel beside it; `denseGrad`
   * fills it out): `AdamW.flattenGrads` takes either.
   */
  grads: Map<string, tf.Tensor>;
  /** The step's loss: the sum over micro-batches of each one's mean loss / micro-batches. */
  loss: tf.Scalar;
  /** Real (unpadded) tokens in the step's batches. */
  tokens: number;
}

/** Computes each optimizer step's gradients at the model's current weights. */
export interface GradientSource {
  /** Gradients over `groups` (one index array per micro-batch) for update step `step`. */
  compute(groups: Uint32Array[], step: number): Promise<StepGradients>;
  /** Frees what the source holds (workers, buffers); `compute` may start it again. */
  close(): Promise<void>;
  /**
   * Evaluation logits from the same compute (the replicas of `parallel/`), at the model's current
   * weights; the Trainer's evaluations use it when present, this thread otherwise.
   */
  readonly forward?: LogitsSource;
}

/** Builds a gradient source for a run; {@link TrainerOptions.gradients}. */
export type GradientSourceFactory = (ctx: GradientContext) => GradientSource;

/** The model inputs and labels of a micro-batch (or of a share of one). */
export interface GradientBatch {
  input_ids: tf.Tensor2D;
  attention_mask: tf.Tensor2D;
  /** Only for a model that reads them. */
  token_type_ids?: tf.Tensor2D;
  labels: tf.Tensor;
}

/**
 * Forward + backward of one (share of a) micro-batch: the loss the model's forward pass returns
 * for the labels ({@link headLoss} of `problemType` with `loss`), divided by `microBatches`, and its
 * gradients by HF parameter name. New tensors, owned by the caller.
 *
 * @param microBatches the loss is divided by this (HF's Trainer scales each micro-batch's loss by
 *   1 / gradient_accumulation_steps)
 * @param tagged token classification: labels [B, T] and the token head's loss (see taskLoss.ts)
 */
export function batchGradients(
  model: SequenceClassifier,
  problemType: ProblemType,
  batch: GradientBatch,
  loss: LossOptions,
  seed: number,
  microBatches: number,
  tagged = false,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const vars = [...model.params.values()];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(
      { ...inputsOf({ ...batch, tokens: 0 }), labels: batch.labels },
      { training: true, seed, loss: taskLoss(problemType, loss, tagged) },
    );
    return (out.loss as tf.Scalar).div(microBatches) as tf.Scalar;
  }, vars);
  const nameOf = new Map([...model.params].map(([hf, v]) => [v.name, hf]));
  const named = new Map<string, tf.Tensor>();
  for (const [vn, g] of Object.entries(grads)) named.set(nameOf.get(vn) ?? vn, g);
  return { loss: value, grads: named };
}

/** Adds `next` into `acc` (both owned by the caller; `next`'s tensors are consumed). */
export function accumulateInto(
  acc: { loss: tf.Scalar; grads: Map<string, tf.Tensor> },
  next: { loss: tf.Scalar; grads: Map<string, tf.Tensor> },
): void {
  for (const [k, g] of next.grads) {
    const prev = acc.grads.get(k);
    if (!prev) {
      acc.grads.set(k, g);
      continue;
    }
    acc.grads.set(k, tf.add(prev, g));
    tf.dispose([prev, g]);
  }
  const prevLoss = acc.loss;
  acc.loss = tf.add(prevLoss, next.loss) as tf.Scalar;
  tf.dispose([prevLoss, next.loss]);
}

/** Today's path: every micro-batch forward/backward in this thread, accumulated in order. */
export class InProcessGradients implements GradientSource {
  constructor(private readonly ctx: GradientContext) {}

  async compute(groups: Uint32Array[], step: number): Promise<StepGradients> {
    const { model, problemType, train, collate, loss } = this.ctx;
    let acc: { loss: tf.Scalar; grads: Map<string, tf.Tensor> } | null = null;
    let tokens = 0;
    for (let i = 0; i < groups.length; i++) {
      const batch = batchTensors(train, groups[i], problemType, collate, model.takesTokenTypeIds());
      const seed = deriveSeed(this.ctx.seed, step, i);
      const tagged = train.tagged !== undefined;
      const out = batchGradients(model, problemType, batch, loss, seed, groups.length, tagged);
      tokens += batch.tokens;
      disposeBatch(batch);
      if (acc === null) acc = out;
      else accumulateInto(acc, out);
    }
    if (acc === null) throw new Error('compute: a step needs at least one micro-batch.');
    return { grads: acc.grads, loss: acc.loss, tokens };
  }

  async close(): Promise<void> {}
}

/** The default {@link GradientSourceFactory}. */
export const inProcessGradients: GradientSourceFactory = (ctx) => new InProcessGradients(ctx);
