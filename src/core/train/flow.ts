/**
 * When a run logs, evaluates, saves and stops: the decisions of transformers'
 * `DefaultFlowCallback` (its `on_step_end` and `on_epoch_end`) as pure functions of the arguments
 * and of where the run is. The Trainer copies a decision into its `TrainerControl` before the
 * callbacks see it; they may still change it.
 */
import type { TrainerControl } from './callbacks';
import type { TrainingArguments } from './args';
import { resolveSteps } from './args';

/** The arguments the flow reads. */
export type FlowArguments = Pick<
  TrainingArguments,
  'logging_strategy' | 'logging_first_step' | 'eval_strategy' | 'save_strategy' | 'eval_delay'
>;

/** Logging, evaluation and saving intervals, in optimizer steps (each at least 1). */
export interface FlowIntervals {
  log: number;
  eval: number;
  save: number;
}

/**
 * The intervals of a run of `maxSteps` steps: `logging_steps`, `eval_steps` (default:
 * `logging_steps`) and `save_steps`, a value below 1 read as a ratio of `maxSteps` (HF).
 */
export function flowIntervals(
  args: Pick<TrainingArguments, 'logging_steps' | 'eval_steps' | 'save_steps'>,
  maxSteps: number,
): FlowIntervals {
  return {
    log: Math.max(1, resolveSteps(args.logging_steps, maxSteps)),
    eval: Math.max(1, resolveSteps(args.eval_steps ?? args.logging_steps, maxSteps)),
    save: Math.max(1, resolveSteps(args.save_steps, maxSteps)),
  };
}

/** When the flow is decided: an optimizer step has just ended (`on_step_end`), or an epoch (`on_epoch_end`). */
export type FlowPoint = 'step' | 'epoch';

/** How far the run is (the TrainerState's fields). */
export interface FlowProgress {
  /** Optimizer steps done, the one that just ended included. */
  global_step: number;
  max_steps: number;
  /** Epochs done (fractional), for `eval_delay` at an epoch end. */
  epoch: number;
}

/** What happens now. */
export interface FlowDecision {
  log: boolean;
  evaluate: boolean;
  save: boolean;
  /** The run has reached max_steps (never set at an epoch end). */
  stop: boolean;
}

/**
 * The flow at a step end or an epoch end, as transformers 5's DefaultFlowCallback decides it.
 * At a step end: log at step 1 with `logging_first_step` (whatever the logging strategy) and
 * every `every.log` steps when logging by steps; evaluate every `every.eval` steps when
 * evaluating by steps and at least `eval_delay` steps in; save every `every.save` steps when
 * saving by steps. At `max_steps` the run stops, and also evaluates (by steps, off the interval)
 * and saves (by steps) there. At an epoch end: log, evaluate (from `eval_delay` epochs) and save
 * where those go by epoch. With `save_strategy` 'best' nothing is saved here:
 * {@link saveAfterEvaluation} decides after each evaluation.
 */
export function decideFlow(
  args: FlowArguments,
  every: FlowIntervals,
  at: FlowPoint,
  progress: FlowProgress,
): FlowDecision {
  if (at === 'epoch') {
    return {
      log: args.logging_strategy === 'epoch',
      evaluate: args.eval_strategy === 'epoch' && args.eval_delay <= progress.epoch,
      save: args.save_strategy === 'epoch',
      stop: false,
    };
  }
  const gs = progress.global_step;
  const byStepsEval = args.eval_strategy === 'steps' && args.eval_delay <= gs;
  const stop = gs >= progress.max_steps;
  return {
    log:
      (gs === 1 && args.logging_first_step) ||
      (args.logging_strategy === 'steps' && gs % every.log === 0),
    evaluate: byStepsEval && (gs % every.eval === 0 || stop),
    save: args.save_strategy === 'steps' && (gs % every.save === 0 || stop),
    stop,
  };
}

/**
 * Whether to save after an evaluation: with `save_strategy` 'best' exactly when that evaluation
 * found a new best (transformers' `_maybe_log_save_evaluate`); otherwise as already `planned`.
 */
export function saveAfterEvaluation(
  args: Pick<TrainingArguments, 'save_strategy'>,
  planned: boolean,
  isNewBest: boolean,
): boolean {
  return args.save_strategy === 'best' ? isNewBest : planned;
}

/**
 * Writes a decision into `control`: log, evaluate and save as decided; `should_training_stop`
 * is only ever set (a callback or a stop request may have set it already).
 */
export function applyFlow(control: TrainerControl, d: FlowDecision): void {
  control.should_log = d.log;
  control.should_evaluate = d.evaluate;
  control.should_save = d.save;
  if (d.stop) control.should_training_stop = true;
}
