/**
 * A training run on the prepared data: the Trainer for a built model, and running it to the
 * result the session returns.
 */
import type { BertForSequenceClassification } from '../model/bert';
import type { Tokenizer } from '../tokenize/tokenizer';
import type { TrainingArguments } from '../train/args';
import { Trainer, type TrainerOptions } from '../train/trainer';
import type { Prepared, TrainResult } from './types';

/**
 * What a caller of `train` may add to a run: callbacks, a checkpoint store, per-step yields, a
 * gradient source (the Node CLI's worker_threads replicas).
 */
export type RunOptions = Pick<
  TrainerOptions,
  'callbacks' | 'checkpoints' | 'yieldEachStep' | 'gradients'
>;

/** A Trainer of `model` on the prepared splits (validation as the eval set). */
export function newTrainer(
  model: BertForSequenceClassification,
  args: TrainingArguments,
  p: Prepared,
  tok: Tokenizer,
  maxLength: number,
  opts: RunOptions,
): Trainer {
  return new Trainer({
    model,
    args,
    train: p.train,
    eval: p.validation,
    problemType: p.problemType,
    numLabels: p.maps.labels.length,
    padId: tok.padId,
    maxLength,
    callbacks: opts.callbacks,
    checkpoints: opts.checkpoints,
    yieldEachStep: opts.yieldEachStep,
    gradients: opts.gradients,
  });
}

/**
 * Runs `trainer` to its end (or a stop). The final metrics are the last evaluation's, or a fresh
 * one when the run logged none or was stopped before its last evaluation.
 */
export async function runTrainer(trainer: Trainer, notices: string[]): Promise<TrainResult> {
  const out = await trainer.train();
  let metrics = out.metrics;
  if (Object.keys(metrics).length === 0 || out.stopped) metrics = await trainer.evaluate();
  return {
    globalStep: out.global_step,
    stopped: out.stopped,
    logHistory: out.state.log_history,
    metrics,
    state: out.state,
    notices,
  };
}
