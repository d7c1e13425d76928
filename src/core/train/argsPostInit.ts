/**
 * What transformers does to `TrainingArguments` after reading them: the v4 names read into their
 * 5.x forms, and `__post_init__`'s checks and resolutions (plus EarlyStoppingCallback's).
 */
import { fail, showValue } from './argsError';
import type { TrainingArguments } from './argsFields';
import { schedulerKwargNames } from './schedules';

/**
 * transformers 4's `warmup_ratio` and `group_by_length`, gone in 5: read into `warmup_steps` (a
 * float below 1 is a ratio there) and `train_sampling_strategy`, with a one-line notice each.
 * v4's rule that a positive `warmup_steps` overrides `warmup_ratio` is kept.
 */
export function readV4Arguments(raw: Record<string, unknown>, notices: string[]): void {
  if ('warmup_ratio' in raw) {
    const ratio = raw.warmup_ratio;
    delete raw.warmup_ratio;
    if (typeof ratio !== 'number' || !Number.isFinite(ratio)) {
      fail('warmup_ratio', `--warmup_ratio must be a number in [0, 1) (got ${showValue(ratio)}).`);
    }
    if (ratio < 0 || ratio > 1) fail('warmup_ratio', 'warmup_ratio must lie in range [0,1]');
    const steps = raw.warmup_steps;
    if (typeof steps === 'number' && steps > 0) {
      notices.push(
        `'warmup_ratio' is gone in transformers 5; warmup_steps (${steps}) is set and overrides it, as in transformers 4.`,
      );
    } else if (ratio === 1) {
      fail(
        'warmup_ratio',
        'warmup_ratio 1 (warm up over the whole run) has no transformers 5 form: warmup_steps 1 ' +
          'means one step. Set warmup_steps to the number of training steps instead.',
      );
    } else {
      raw.warmup_steps = ratio;
      notices.push(
        `'warmup_ratio' is the transformers 4 name: read ${ratio} as warmup_steps ${ratio} (below 1, a ratio of the total steps).`,
      );
    }
  }
  if ('group_by_length' in raw) {
    const g = raw.group_by_length;
    delete raw.group_by_length;
    if (typeof g !== 'boolean') {
      fail('group_by_length', `--group_by_length must be true or false (got ${showValue(g)}).`);
    }
    const current = raw.train_sampling_strategy;
    if (g && current !== undefined && current !== 'group_by_length') {
      fail(
        'train_sampling_strategy',
        `Both --group_by_length true and --train_sampling_strategy ${showValue(current)} are set; ` +
          "group_by_length is the transformers 4 form of train_sampling_strategy 'group_by_length': keep only one.",
      );
    }
    if (g) raw.train_sampling_strategy = 'group_by_length';
    notices.push(
      `'group_by_length' is the transformers 4 name: read as train_sampling_strategy '${String(
        raw.train_sampling_strategy ?? 'random',
      )}'.`,
    );
  }
  if (raw.train_sampling_strategy === 'batch_rebalance') {
    fail(
      'train_sampling_strategy',
      "train_sampling_strategy 'batch_rebalance' balances tokens across data-parallel processes; " +
        "the studio trains in one process: use 'group_by_length' (the closest) or 'random'.",
    );
  }
}

/** HF steps arguments: a value in (0, 1) is a ratio of the total optimizer steps. */
const STEP_KEYS = ['logging_steps', 'eval_steps', 'save_steps'] as const;

/** HF `TrainingArguments.__post_init__` checks and resolutions (plus EarlyStoppingCallback's). */
export function postInit(a: TrainingArguments, notices: string[]): void {
  if (a.max_steps <= 0 && !(a.num_train_epochs > 0)) {
    fail('num_train_epochs', '--num_train_epochs must be > 0 when --max_steps is not set (> 0).');
  }
  if (a.warmup_steps < 0) fail('warmup_steps', 'warmup_steps must be an integer or a float');
  if (a.logging_strategy === 'steps' && a.logging_steps === 0) {
    fail(
      'logging_steps',
      `logging strategy ${a.logging_strategy} requires non-zero --logging_steps`,
    );
  }
  if (a.eval_strategy === 'steps' && (a.eval_steps === null || a.eval_steps === 0)) {
    if (a.logging_steps > 0) {
      notices.push(`using \`logging_steps\` to initialize \`eval_steps\` to ${a.logging_steps}`);
      a.eval_steps = a.logging_steps;
    } else {
      fail(
        'eval_steps',
        `evaluation strategy ${a.eval_strategy} requires either non-zero --eval_steps or --logging_steps`,
      );
    }
  }
  const strategyOf = {
    logging_steps: a.logging_strategy,
    eval_steps: a.eval_strategy,
    save_steps: a.save_strategy,
  };
  for (const k of STEP_KEYS) {
    const v = a[k];
    if (strategyOf[k] === 'steps' && v !== null && v > 1 && v !== Math.floor(v)) {
      fail(k, `--${k} must be an integer if bigger than 1: ${v}`);
    }
  }
  if (a.save_strategy === 'steps' && a.save_steps <= 0) {
    fail('save_steps', `save strategy ${a.save_strategy} requires non-zero --save_steps`);
  }
  if (a.load_best_model_at_end && a.save_strategy !== 'best') {
    if (a.eval_strategy !== a.save_strategy) {
      fail(
        'load_best_model_at_end',
        '--load_best_model_at_end requires the save and eval strategy to match, except when --save_strategy="best", but found\n' +
          `- Evaluation strategy: ${a.eval_strategy}\n- Save strategy: ${a.save_strategy}`,
      );
    }
    const ev = a.eval_steps as number;
    // HF's checks verbatim, float `%` included (JS and Python agree for positive operands).
    if (a.eval_strategy === 'steps' && a.save_steps % ev !== 0) {
      if (ev < 1 || a.save_steps < 1) {
        if (!(ev < 1 && a.save_steps < 1)) {
          fail(
            'save_steps',
            '--load_best_model_at_end requires the saving steps to be a multiple of the evaluation ' +
              'steps, which cannot get guaranteed when mixing ratio and absolute steps for save_steps ' +
              `${a.save_steps} and eval_steps ${ev}.`,
          );
        }
        const LARGE_MULTIPLIER = 1_000_000;
        if ((a.save_steps * LARGE_MULTIPLIER) % (ev * LARGE_MULTIPLIER) !== 0) {
          fail(
            'save_steps',
            '--load_best_model_at_end requires the saving steps to be a multiple of the evaluation ' +
              `steps, but found ${a.save_steps}, which is not a multiple of ${ev}.`,
          );
        }
      } else {
        fail(
          'save_steps',
          '--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation ' +
            `steps, but found ${a.save_steps}, which is not a round multiple of ${ev}.`,
        );
      }
    }
  }
  if (a.load_best_model_at_end && a.metric_for_best_model === null) {
    a.metric_for_best_model = 'loss';
  }
  if (a.save_strategy === 'best' && a.metric_for_best_model === null) {
    fail(
      'metric_for_best_model',
      "`args.metric_for_best_model` must be provided when using 'best' save_strategy.",
    );
  }
  if (a.greater_is_better === null && a.metric_for_best_model !== null) {
    a.greater_is_better = !a.metric_for_best_model.endsWith('loss');
  }
  if (a.early_stopping_patience !== null) {
    if (a.eval_strategy === 'no') {
      fail(
        'early_stopping_patience',
        'EarlyStoppingCallback requires IntervalStrategy of steps or epoch: set --eval_strategy steps or epoch, or unset --early_stopping_patience.',
      );
    }
    if (a.metric_for_best_model === null) {
      fail(
        'metric_for_best_model',
        'EarlyStoppingCallback requires metric_for_best_model is defined: set --metric_for_best_model (e.g. loss) or --load_best_model_at_end.',
      );
    }
    if (!a.load_best_model_at_end) {
      notices.push(
        'Using EarlyStoppingCallback without load_best_model_at_end=True. Once training is finished, the best model will not be loaded automatically.',
      );
    }
  }
  if (a.class_weights !== null && a.label_smoothing_factor > 0) {
    // Valid (torch combines them); noted because the weighted-smoothing formula surprises people.
    notices.push(
      'class_weights and label_smoothing_factor are both set: the smoothing term is weighted too, as torch does.',
    );
  }
  const allowedKwargs = schedulerKwargNames(a.lr_scheduler_type);
  for (const k of Object.keys(a.lr_scheduler_kwargs)) {
    if (!allowedKwargs.includes(k)) {
      fail(
        'lr_scheduler_kwargs',
        `--lr_scheduler_kwargs: '${k}' is not an argument of the '${a.lr_scheduler_type}' schedule; ` +
          (allowedKwargs.length ? `it takes ${allowedKwargs.join(', ')}.` : 'it takes none.'),
      );
    }
  }
  if (a.lr_scheduler_type === 'polynomial') {
    const lrEnd = a.lr_scheduler_kwargs.lr_end ?? 1e-7;
    if (lrEnd > a.learning_rate) {
      // HF's message from get_polynomial_decay_schedule_with_warmup.
      fail(
        'lr_scheduler_kwargs',
        `lr_end (${lrEnd}) must be smaller than initial lr (${a.learning_rate})`,
      );
    }
  }
}
