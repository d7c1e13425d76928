/**
 * The one writer of `trainer_state.json`: always HF's full `TrainerState` shape
 * (`transformers.TrainerState`, as the trainer keeps it in `train/state.ts`). A run's own state
 * is written as it is; where only its log history is known (a stored run without its trainer
 * state, a model whose state was not kept), the other fields are filled from the log and the
 * run's arguments as HF would have set them, and the best-checkpoint fields are null.
 */
import type { LogEntry, TrainerState } from '../train/state';

/** What is known of a run when its trainer state is not. */
export interface KnownRun {
  logHistory: LogEntry[];
  /** The run's last optimizer step (else the last log entry's step). */
  globalStep?: number;
  /** The run's planned steps (else its global step). */
  maxSteps?: number;
  /** The run's arguments (TrainingArguments, or their training_args.json form). */
  args?: object | null;
}

/** HF's `logging_steps`/`eval_steps`/`save_steps`: a ratio below 1 is of max_steps. */
function stepsOf(value: unknown, maxSteps: number, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return fallback;
  return value < 1 ? Math.ceil(maxSteps * value) : value;
}

/** A full TrainerState from what is known of a run (see the module comment). */
export function trainerStateFromLog(run: KnownRun): TrainerState {
  const args = (run.args ?? {}) as Record<string, unknown>;
  const last = run.logHistory.at(-1);
  const globalStep = run.globalStep ?? last?.step ?? 0;
  const maxSteps = run.maxSteps && run.maxSteps > 0 ? run.maxSteps : globalStep;
  const epoch = last?.epoch ?? 0;
  const loggingSteps = stepsOf(args.logging_steps, maxSteps, 500);
  const summary = run.logHistory.findLast((e) => 'total_flos' in e) as
    { total_flos?: number } | undefined;
  const epochs =
    typeof args.max_steps === 'number' && args.max_steps > 0
      ? Math.max(1, Math.ceil(epoch))
      : typeof args.num_train_epochs === 'number'
        ? Math.ceil(args.num_train_epochs)
        : Math.max(1, Math.ceil(epoch));
  return {
    best_metric: null,
    best_global_step: null,
    best_model_checkpoint: null,
    epoch,
    eval_steps: stepsOf(args.eval_steps, maxSteps, loggingSteps),
    global_step: globalStep,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: run.logHistory,
    logging_steps: loggingSteps,
    max_steps: maxSteps,
    num_input_tokens_seen: 0,
    num_train_epochs: epochs,
    save_steps: stepsOf(args.save_steps, maxSteps, 500),
    stateful_callbacks: {},
    total_flos: summary?.total_flos ?? 0,
    train_batch_size:
      typeof args.per_device_train_batch_size === 'number' ? args.per_device_train_batch_size : 8,
    trial_name: null,
    trial_params: null,
  };
}

/**
 * trainer_state.json's text: the run's own `state` when there is one, else one filled from what
 * is known ({@link trainerStateFromLog}).
 */
export function trainerStateJson(state: TrainerState | null, known?: KnownRun): string {
  const full = state ?? trainerStateFromLog(known ?? { logHistory: [] });
  return JSON.stringify(full, null, 2);
}
