/**
 * A training run on the prepared data: the Trainer for a built model, and running it to the
 * result the session returns.
 */
import type { SequenceClassifier } from '../model/classifier';
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
  model: SequenceClassifier,
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
 * Runs `trainer` to its end (or a stop). The final metrics are the final model's: the last
 * evaluation's when it was of these weights, else a fresh one (no evaluation ran, the run was
 * stopped after its last one, or an earlier best checkpoint was loaded at the end).
 */
export async function runTrainer(trainer: Trainer, notices: string[]): Promise<TrainResult> {
  const out = await trainer.train();
  let metrics = out.metrics;
  const lastEvalStep = out.state.log_history.findLast((e) => 'eval_loss' in e)?.step ?? null;
  const finalStep = out.loaded_best_step ?? out.global_step;
  if (Object.keys(metrics).length === 0 || lastEvalStep !== finalStep) {
    metrics = await trainer.finalMetrics();
  }
  return {
    globalStep: out.global_step,
    stopped: out.stopped,
    logHistory: out.state.log_history,
    metrics,
    state: out.state,
    notices,
  };
}
