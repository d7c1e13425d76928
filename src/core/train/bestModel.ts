/**
 * A run's best model and early stopping, as transformers' Trainer keeps them: after every
 * evaluation `_determine_best_metric` updates `best_metric` and `best_global_step`; when the best
 * step's checkpoint is saved it becomes `best_model_checkpoint`; `EarlyStoppingCallback` stops a
 * run whose metric stops improving.
 */
import type { ProblemType } from '../model/config';
import type { TrainingArguments } from './args';
import { ArgumentsError, fail } from './argsError';
import { TAGGED_METRIC_NAMES } from './evaluateTagged';
import { computeMetrics } from './metrics';
import type { CallbackState, ExportableCallback, TrainerControl } from './callbacks';
import type { TrainerState } from './state';

type BestArguments = Pick<TrainingArguments, 'metric_for_best_model' | 'greater_is_better'>;

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

/** `metric_for_best_model`, or 'loss' where it is unset (early stopping then watches eval_loss). */
export function metricForBest(args: BestArguments): string {
  return args.metric_for_best_model ?? 'loss';
}

/** `greater_is_better`, or (unset) true unless the metric ends in 'loss'. */
export function greaterIsBetter(args: BestArguments): boolean {
  const g = args.greater_is_better;
  if (g !== null && g !== undefined) return g;
  return !metricForBest(args).endsWith('loss');
}

/** Keys every evaluation logs besides compute_metrics' (see evaluate.ts). */
const EVAL_LOOP_KEYS = ['loss', 'runtime', 'samples_per_second', 'steps_per_second'];

/**
 * The `eval_*` keys an evaluation of a `problemType` model with `numLabels` labels logs; of a
 * token-classification model (`tagged`) the guide's precision, recall, f1 and accuracy.
 */
export function evalMetricKeys(
  problemType: ProblemType,
  numLabels: number,
  tagged = false,
): string[] {
  if (tagged) return [...EVAL_LOOP_KEYS, ...TAGGED_METRIC_NAMES].map((k) => `eval_${k}`);
  // compute_metrics on one made-up row names the metrics; their values do not matter here.
  const rowLabels = problemType === 'single_label_classification' ? 1 : numLabels;
  const names = Object.keys(
    computeMetrics(
      problemType,
      new Float32Array(numLabels),
      new Float32Array(rowLabels),
      numLabels,
    ),
  );
  return [...EVAL_LOOP_KEYS, ...names].map((k) => `eval_${k}`);
}

/**
 * Before training: `metric_for_best_model` must name a metric the evaluations will log, so a
 * misspelt name fails at once rather than at the first evaluation, minutes in (transformers
 * fails there, with a KeyError).
 * @throws ArgumentsError naming metric_for_best_model and the metrics there are
 */
export function checkMetricForBest(
  args: BestArguments,
  problemType: ProblemType,
  numLabels: number,
  tagged = false,
): void {
  if (args.metric_for_best_model === null) return;
  const key = bestMetricKey(args.metric_for_best_model);
  const keys = evalMetricKeys(problemType, numLabels, tagged);
  if (keys.includes(key)) return;
  fail(
    'metric_for_best_model',
    `metric_for_best_model is '${args.metric_for_best_model}', but the evaluations will log ` +
      `only ${keys.join(', ')}: set metric_for_best_model to one of them (the eval_ prefix is ` +
      'optional).',
  );
}

/**
 * transformers 5's `_determine_best_metric`, after every evaluation: a strict improvement on
 * `state.best_metric` (for `metric_for_best_model`, when set) becomes the best, at this step
 * (`best_global_step`, kept only when the run saves). Updates `state`.
 * @returns whether this evaluation is the new best.
 * @throws when the metric is not among `metrics`
 */
export function determineBestMetric(
  args: BestArguments & Pick<TrainingArguments, 'save_strategy'>,
  state: Pick<TrainerState, 'best_metric' | 'best_global_step' | 'global_step'>,
  metrics: Record<string, number>,
): boolean {
  if (args.metric_for_best_model === null) return false;
  const key = bestMetricKey(args.metric_for_best_model);
  const value = metrics[key];
  if (value === undefined) {
    throw new ArgumentsError(
      `metric_for_best_model is '${key}', which is not among the evaluation metrics ` +
        `(${Object.keys(metrics).join(', ')}): set metric_for_best_model to one of them.`,
      'metric_for_best_model',
    );
  }
  if (!isImprovement(value, state.best_metric, greaterIsBetter(args))) return false;
  state.best_metric = value;
  if (args.save_strategy !== 'no') state.best_global_step = state.global_step;
  return true;
}

/**
 * `best_model_checkpoint` as `_save_checkpoint` sets it while saving `saving`: the best step's
 * checkpoint once it exists (being saved now, or among `saved`), else the value it had.
 */
export function bestModelCheckpoint(
  state: Pick<TrainerState, 'best_global_step' | 'best_model_checkpoint'>,
  outputDir: string,
  saving: string,
  saved: readonly string[],
): string | null {
  const best = state.best_global_step;
  if (best === null) return state.best_model_checkpoint;
  const bestName = `checkpoint-${best}`;
  if (bestName === saving || saved.includes(bestName)) return `${outputDir}/${bestName}`;
  return state.best_model_checkpoint;
}

/** The checkpoint name (`checkpoint-N`) of a `best_model_checkpoint` path, or null. */
export function bestCheckpointName(bestModelCheckpoint: string | null): string | null {
  return bestModelCheckpoint?.split('/').pop() ?? null;
}

/**
 * `transformers.EarlyStoppingCallback`: stops when the best-model metric has not improved on the
 * trainer's best so far (`state.best_metric`, updated after this callback sees an evaluation) by
 * more than `threshold` for `patience` evaluations in a row.
 */
export class EarlyStoppingCallback implements ExportableCallback {
  readonly exportName = 'EarlyStoppingCallback';
  private waited = 0;

  constructor(
    readonly patience: number,
    readonly threshold: number,
    private readonly metricKey: string,
    private readonly greaterIsBetter: boolean,
  ) {}

  /** The callback a run's arguments ask for (`early_stopping_patience` set), or null. */
  static fromArgs(
    args: BestArguments &
      Pick<TrainingArguments, 'early_stopping_patience' | 'early_stopping_threshold'>,
  ): EarlyStoppingCallback | null {
    const patience = args.early_stopping_patience;
    if (patience === null || patience === undefined) return null;
    return new EarlyStoppingCallback(
      patience,
      args.early_stopping_threshold,
      bestMetricKey(metricForBest(args)),
      greaterIsBetter(args),
    );
  }

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
