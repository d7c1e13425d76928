/**
 * HF's callback API (`transformers.TrainerCallback`): events with the run's state and a control
 * object whose flags steer the loop. The UI's charts and progress bar, the command line's log
 * lines and early stopping (`bestModel.ts`) are all callbacks.
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

/** What callbacks see of `state` now (see {@link CallbackState}). */
export function callbackStateOf(
  state: Pick<
    CallbackState,
    | 'global_step'
    | 'max_steps'
    | 'epoch'
    | 'num_train_epochs'
    | 'log_history'
    | 'best_metric'
    | 'best_model_checkpoint'
  >,
  samplesSeen: number,
  elapsed: number,
): CallbackState {
  return {
    global_step: state.global_step,
    max_steps: state.max_steps,
    epoch: state.epoch,
    num_train_epochs: state.num_train_epochs,
    log_history: state.log_history,
    best_metric: state.best_metric,
    best_model_checkpoint: state.best_model_checkpoint,
    samples_seen: samplesSeen,
    elapsed,
  };
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

/**
 * A callback whose state trainer_state.json keeps (transformers' `ExportableState`), under
 * `exportName` in `stateful_callbacks`.
 */
export interface ExportableCallback extends TrainerCallback {
  readonly exportName: string;
  exportState(): Record<string, unknown>;
}

function isExportable(cb: TrainerCallback): cb is ExportableCallback {
  const c = cb as Partial<ExportableCallback>;
  return typeof c.exportName === 'string' && typeof c.exportState === 'function';
}

/**
 * trainer_state.json's `stateful_callbacks` as transformers writes them when saving: the control
 * (log and evaluate already handled, save in progress), then each exportable callback's state.
 */
export function statefulCallbacks(
  control: TrainerControl,
  callbacks: readonly TrainerCallback[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    TrainerControl: {
      args: {
        should_epoch_stop: control.should_epoch_stop,
        should_evaluate: false,
        should_log: false,
        should_save: true,
        should_training_stop: control.should_training_stop,
      },
      attributes: {},
    },
  };
  for (const cb of callbacks) if (isExportable(cb)) out[cb.exportName] = cb.exportState();
  return out;
}
