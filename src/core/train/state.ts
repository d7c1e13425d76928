/**
 * HF `trainer_state.json` shapes. Field names follow `transformers.TrainerState` so the files a run
 * writes load in Python and vice versa.
 */

/** One `log_history` entry: a training log, an evaluation, or the closing summary. */
export type LogEntry = TrainLogEntry | EvalLogEntry | TrainSummaryEntry;

/** Logged every `logging_steps`: mean loss since the previous log, pre-clip grad norm, LR used. */
export interface TrainLogEntry {
  loss: number;
  grad_norm: number;
  learning_rate: number;
  epoch: number;
  step: number;
}

/** Logged after each evaluation; metric keys carry the `eval_` prefix. */
export interface EvalLogEntry {
  eval_loss: number;
  eval_runtime: number;
  eval_samples_per_second: number;
  eval_steps_per_second: number;
  epoch: number;
  step: number;
  [metric: `eval_${string}`]: number;
}

/** The closing entry of a run. */
export interface TrainSummaryEntry {
  train_runtime: number;
  train_samples_per_second: number;
  train_steps_per_second: number;
  train_loss: number;
  total_flos: number;
  epoch: number;
  step: number;
}

export function isTrainLog(e: LogEntry): e is TrainLogEntry {
  return 'loss' in e && !('eval_loss' in e);
}
export function isEvalLog(e: LogEntry): e is EvalLogEntry {
  return 'eval_loss' in e;
}
export function isSummaryLog(e: LogEntry): e is TrainSummaryEntry {
  return 'train_runtime' in e;
}

/** `trainer_state.json` as HF writes it. */
export interface TrainerState {
  best_metric: number | null;
  best_global_step: number | null;
  best_model_checkpoint: string | null;
  epoch: number;
  eval_steps: number;
  global_step: number;
  is_hyper_param_search: boolean;
  is_local_process_zero: boolean;
  is_world_process_zero: boolean;
  log_history: LogEntry[];
  logging_steps: number;
  max_steps: number;
  num_input_tokens_seen: number;
  num_train_epochs: number;
  save_steps: number;
  stateful_callbacks: Record<string, unknown>;
  total_flos: number;
  train_batch_size: number;
  trial_name: null;
  trial_params: null;
}
