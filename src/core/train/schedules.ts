/**
 * Learning-rate schedules with the formulas of `transformers/optimization.py`.
 *
 * Each schedule is the multiplier HF's `LambdaLR` applies to the base learning rate. The Trainer
 * calls `optimizer.step()` then `scheduler.step()`, so optimizer update k+1 (k = 0, 1, ...) uses
 * the multiplier at `step = k`: with warmup the first update uses a learning rate of 0.
 */
import { ArgumentsError } from './argsError';

/** The schedule names HF's `get_scheduler` accepts that the studio implements. */
export const LR_SCHEDULER_TYPES = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup',
  'inverse_sqrt',
] as const;

/** One of {@link LR_SCHEDULER_TYPES}. */
export type LrSchedulerType = (typeof LR_SCHEDULER_TYPES)[number];

/** What a schedule needs; names follow `TrainingArguments`. */
export interface ScheduleOptions {
  lr_scheduler_type: LrSchedulerType;
  /** Base (peak) learning rate. */
  learning_rate: number;
  /** Warmup length in optimizer steps (already resolved, see {@link warmupSteps}). */
  num_warmup_steps: number;
  /** Total optimizer steps of the run (HF's `max_steps`). */
  num_training_steps: number;
  /**
   * HF's `lr_scheduler_kwargs`: `num_cycles` (cosine 0.5, cosine_with_restarts 1), `lr_end`
   * (polynomial, 1e-7), `power` (polynomial, 1.0), `timescale` (inverse_sqrt, default
   * `num_warmup_steps || 10000`).
   */
  lr_scheduler_kwargs?: Record<string, number>;
}

const KNOWN_KWARGS: Record<LrSchedulerType, readonly string[]> = {
  linear: [],
  cosine: ['num_cycles'],
  cosine_with_restarts: ['num_cycles'],
  polynomial: ['lr_end', 'power'],
  constant: [],
  constant_with_warmup: [],
  inverse_sqrt: ['timescale'],
};

/** The `lr_scheduler_kwargs` keys each schedule accepts (others make {@link learningRateAt} throw). */
export function schedulerKwargNames(type: LrSchedulerType): readonly string[] {
  return KNOWN_KWARGS[type];
}

function warmupFactor(step: number, warmup: number): number {
  return step / Math.max(1, warmup);
}

/**
 * The LambdaLR multiplier at `step` (a float, usually in [0, 1]); `learning_rate` is only used by
 * `polynomial`, whose HF formula depends on the base learning rate.
 */
export function lrLambda(opts: ScheduleOptions, step: number): number {
  const w = opts.num_warmup_steps;
  const total = opts.num_training_steps;
  const kw = opts.lr_scheduler_kwargs ?? {};
  const allowed = KNOWN_KWARGS[opts.lr_scheduler_type];
  if (!allowed) {
    throw new ArgumentsError(
      `Unknown lr_scheduler_type '${String(opts.lr_scheduler_type)}'.`,
      'lr_scheduler_type',
    );
  }
  for (const k of Object.keys(kw)) {
    if (!allowed.includes(k)) {
      throw new ArgumentsError(
        `lr_scheduler_kwargs: '${k}' is not an argument of the '${opts.lr_scheduler_type}' schedule` +
          (allowed.length ? ` (it takes ${allowed.join(', ')})` : ' (it takes none)'),
        'lr_scheduler_kwargs',
      );
    }
  }
  switch (opts.lr_scheduler_type) {
    case 'constant':
      // HF ignores warmup for 'constant'.
      return 1;
    case 'constant_with_warmup':
      return step < w ? warmupFactor(step, w) : 1;
    case 'linear':
      if (step < w) return warmupFactor(step, w);
      return Math.max(0, (total - step) / Math.max(1, total - w));
    case 'cosine': {
      if (step < w) return warmupFactor(step, w);
      const numCycles = kw.num_cycles ?? 0.5;
      const progress = (step - w) / Math.max(1, total - w);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
    }
    case 'cosine_with_restarts': {
      if (step < w) return warmupFactor(step, w);
      const numCycles = kw.num_cycles ?? 1;
      const progress = (step - w) / Math.max(1, total - w);
      if (progress >= 1) return 0;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * pyMod(numCycles * progress, 1))));
    }
    case 'polynomial': {
      const lrInit = opts.learning_rate;
      const lrEnd = kw.lr_end ?? 1e-7;
      const power = kw.power ?? 1;
      if (!(lrEnd <= lrInit)) {
        // HF's own message.
        throw new ArgumentsError(
          `lr_end (${lrEnd}) must be smaller than initial lr (${lrInit})`,
          'lr_scheduler_kwargs',
        );
      }
      if (step < w) return warmupFactor(step, w);
      // HF: `current_step > num_training_steps` returns lr_end; the guard on decaySteps <= 0
      // covers total == warmup, where HF would divide by zero at step == total.
      const decaySteps = total - w;
      if (step > total || decaySteps <= 0) return lrEnd / lrInit;
      const pctRemaining = 1 - (step - w) / decaySteps;
      const decay = (lrInit - lrEnd) * Math.pow(pctRemaining, power) + lrEnd;
      return decay / lrInit;
    }
    case 'inverse_sqrt': {
      // HF: `timescale = num_warmup_steps or 10_000`.
      const timescale = kw.timescale ?? (w || 10_000);
      if (step < w) return warmupFactor(step, w);
      const shift = timescale - w;
      return 1 / Math.sqrt((step + shift) / timescale);
    }
  }
}

/**
 * Python's `%` (result has the sign of the divisor). Adds `b` only when the signs differ: the
 * `((a % b) + b) % b` idiom rounds, e.g. 0.2 becomes 0.19999999999999996.
 */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * The learning rate optimizer update `step + 1` uses: `learning_rate * lambda(step)`, as HF's
 * `LambdaLR` after `step` scheduler steps. `step` counts completed optimizer updates (0-based).
 */
export function learningRateAt(opts: ScheduleOptions, step: number): number {
  return opts.learning_rate * lrLambda(opts, step);
}

/**
 * transformers 5's `TrainingArguments.get_warmup_steps`: `int(warmup_steps)` when it is 1 or
 * more, else a ratio of the total steps, `ceil(maxSteps * warmup_steps)`.
 */
export function warmupSteps(args: { warmup_steps: number }, maxSteps: number): number {
  const w = args.warmup_steps;
  return w >= 1 ? Math.trunc(w) : Math.ceil(maxSteps * w);
}
