/**
 * HF's callback API (`transformers.TrainerCallback`): events with the run's state and a control
 * object whose flags steer the loop. The UI's charts and progress bar, the command line's log
 * lines and early stopping are all callbacks.
 */
import type { TrainingArguments } from './args';
import type { LogEntry } from './state';

/** Flags a callback sets to steer the loop, as `transformers.TrainerControl`. */
export interface TrainerControl {
  should_training_stop: boolean;
  should_epoch_stop: boolean;
  should_save: boolean;
  should_evaluate: boolean;
  should_log: boolean;
}

/** What callbacks see of the run (a live view of `trainer_state.json`). */
export interface CallbackState {
  global_step: number;
  max_steps: number;
  epoch: number;
  num_train_epochs: number;
  log_history: LogEntry[];
  best_metric: number | null;
  best_model_checkpoint: string | null;
  /** Training samples seen so far in this process (for throughput). */
  samples_seen: number;
  /** Seconds since train() began in this process. */
  elapsed: number;
}

export interface TrainerCallback {
  on_train_begin?(args: TrainingArguments, state: CallbackState, control: TrainerControl): void;
  on_epoch_begin?(args: TrainingArguments, state: CallbackState, control: TrainerControl): void;
  on_step_end?(args: TrainingArguments, state: CallbackState, control: TrainerControl): void;
  on_epoch_end?(args: TrainingArguments, state: CallbackState, control: TrainerControl): void;
  on_log?(
    args: TrainingArguments,
    state: CallbackState,
    control: TrainerControl,
    logs: LogEntry,
  ): void;
  on_evaluate?(
    args: TrainingArguments,
    state: CallbackState,
    control: TrainerControl,
    metrics: Record<string, number>,
  ): void;
  on_save?(
    args: TrainingArguments,
    state: CallbackState,
    control: TrainerControl,
    checkpoint: string,
  ): void;
  on_train_end?(args: TrainingArguments, state: CallbackState, control: TrainerControl): void;
}

export function newControl(): TrainerControl {
  return {
    should_training_stop: false,
    should_epoch_stop: false,
    should_save: false,
    should_evaluate: false,
    should_log: false,
  };
}

/** The metric name as logged (`eval_` prefixed) for `metric_for_best_model`. */
export function bestMetricKey(metric: string): string {
  return metric.startsWith('eval_') ? metric : `eval_${metric}`;
}

/** True when `value` improves on `best` by more than `threshold` in the metric's direction. */
export function isImprovement(
  value: number,
  best: number | null,
  greaterIsBetter: boolean,
  threshold = 0,
): boolean {
  if (best === null) return true;
  return greaterIsBetter ? value > best + threshold : value < best - threshold;
}

/**
 * `transformers.EarlyStoppingCallback`: stops when the best-model metric has not improved on the
 * trainer's best so far (`state.best_metric`, updated after this callback sees an evaluation) by
 * more than `threshold` for `patience` evaluations in a row.
 */
export class EarlyStoppingCallback implements TrainerCallback {
  private waited = 0;

  constructor(
    readonly patience: number,
    readonly threshold: number,
    private readonly metricKey: string,
    private readonly greaterIsBetter: boolean,
  ) {}

  on_evaluate(
    _args: TrainingArguments,
    state: CallbackState,
    control: TrainerControl,
    metrics: Record<string, number>,
  ): void {
    const value = metrics[this.metricKey];
    if (value === undefined) return;
    if (isImprovement(value, state.best_metric, this.greaterIsBetter, this.threshold)) {
      this.waited = 0;
    } else {
      this.waited += 1;
      if (this.waited >= this.patience) control.should_training_stop = true;
    }
  }

  /** As `ExportableState.state()`, for trainer_state.json's `stateful_callbacks`. */
  exportState(): Record<string, unknown> {
    return {
      args: {
        early_stopping_patience: this.patience,
        early_stopping_threshold: this.threshold,
      },
      attributes: { early_stopping_patience_counter: this.waited },
    };
  }
}
