/**
 * Every `TrainingArguments` field, defined once: its validation (zod), transformers' default, its
 * help and where the page shows it. The schema, the defaults and the docs are derived from it.
 */
import { z } from 'zod';
import { LR_SCHEDULER_TYPES } from './schedules';

/** Limits of a number field (the page checks them as the user types). */
export interface NumberLimits {
  min: number;
  max: number;
  integer: boolean;
  /** True when `min` itself is not allowed (e.g. a learning rate of 0). */
  exclusiveMin?: boolean;
}

const interval = z.enum(['no', 'steps', 'epoch']);

/** transformers 5's `train_sampling_strategy` values the studio runs (see the alias notes). */
export const TRAIN_SAMPLING_STRATEGIES = ['random', 'sequential', 'group_by_length'] as const;
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const int = z.number().int('expected an integer');

/** One argument: its validation, transformers' default, one-line help and where the page shows it. */
interface ArgField<S extends z.ZodType> {
  schema: S;
  default: z.infer<S>;
  help: string;
  group: 'basic' | 'advanced';
  /** The page's limits, for the numbers it shows up front. */
  limits?: NumberLimits;
}

function field<S extends z.ZodType>(
  schema: S,
  dflt: z.infer<S>,
  help: string,
  group: 'basic' | 'advanced',
  limits?: NumberLimits,
): ArgField<S> {
  return { schema, default: dflt, help, group, ...(limits ? { limits } : {}) };
}

/**
 * Every argument, defined once (HF's wording where it fits). Field order is the order of
 * `training_args.json`.
 */
const FIELDS = {
  output_dir: field(
    z.string(),
    'trainer_output',
    'The output directory where checkpoints and the final model are written.',
    'basic',
  ),
  num_train_epochs: field(
    finite.min(0),
    3,
    'Total number of training epochs to perform (a fraction stops mid-epoch).',
    'basic',
    { min: 0, exclusiveMin: true, max: 1000, integer: false },
  ),
  max_steps: field(
    int.min(-1),
    -1,
    'If > 0: total number of optimizer steps to perform; overrides num_train_epochs.',
    'basic',
    { min: -1, max: 10_000_000, integer: true },
  ),
  per_device_train_batch_size: field(int.min(1), 8, 'Batch size for training.', 'basic', {
    min: 1,
    max: 4096,
    integer: true,
  }),
  per_device_eval_batch_size: field(int.min(1), 8, 'Batch size for evaluation.', 'advanced', {
    min: 1,
    max: 4096,
    integer: true,
  }),
  gradient_accumulation_steps: field(
    int.min(1),
    1,
    'Number of update steps to accumulate the gradients for, before performing a backward/update pass.',
    'advanced',
  ),
  learning_rate: field(finite.min(0), 5e-5, 'The initial learning rate for AdamW.', 'basic', {
    min: 0,
    exclusiveMin: true,
    max: 1,
    integer: false,
  }),
  weight_decay: field(
    finite.min(0),
    0,
    'Weight decay for AdamW (never applied to biases and LayerNorm weights).',
    'basic',
    { min: 0, max: 1, integer: false },
  ),
  adam_beta1: field(finite.min(0).lt(1), 0.9, 'Beta1 for AdamW optimizer.', 'advanced'),
  adam_beta2: field(finite.min(0).lt(1), 0.999, 'Beta2 for AdamW optimizer.', 'advanced'),
  adam_epsilon: field(finite.min(0), 1e-8, 'Epsilon for AdamW optimizer.', 'advanced'),
  max_grad_norm: field(
    finite,
    1,
    'Max gradient norm for clipping (0 or less disables clipping).',
    'advanced',
  ),
  lr_scheduler_type: field(
    z.enum(LR_SCHEDULER_TYPES),
    'linear',
    'The scheduler type to use: linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup or inverse_sqrt.',
    'basic',
  ),
  lr_scheduler_kwargs: field(
    z.record(z.string(), finite),
    {},
    "Extra parameters for the lr_scheduler, e.g. {'num_cycles': 1} for cosine_with_restarts.",
    'advanced',
  ),
  warmup_steps: field(
    finite,
    0,
    'Steps of linear warmup from 0 to learning_rate: an integer, or a float in [0, 1) for a ratio of the total steps.',
    'basic',
    { min: 0, max: 10_000_000, integer: false },
  ),
  logging_strategy: field(
    interval,
    'steps',
    'The logging strategy to use: no, steps or epoch.',
    'advanced',
  ),
  logging_steps: field(
    finite.min(0),
    500,
    'Log every X updates steps (a value < 1 is a ratio of total training steps).',
    'basic',
    { min: 1, max: 10_000_000, integer: true },
  ),
  logging_first_step: field(z.boolean(), false, 'Log the first global_step.', 'advanced'),
  eval_strategy: field(
    interval,
    'no',
    'The evaluation strategy to use: no, steps or epoch.',
    'basic',
  ),
  eval_steps: field(
    finite.min(0).nullable(),
    null,
    'Run an evaluation every X steps (defaults to logging_steps; a value < 1 is a ratio of total steps).',
    'basic',
    { min: 1, max: 10_000_000, integer: true },
  ),
  eval_delay: field(
    finite.min(0),
    0,
    'Number of epochs or steps to wait for before the first evaluation can be performed, depending on the eval_strategy.',
    'advanced',
  ),
  save_strategy: field(
    z.enum(['no', 'steps', 'epoch', 'best']),
    'steps',
    'The checkpoint save strategy to use: no, steps, epoch or best.',
    'advanced',
  ),
  save_steps: field(
    finite.gt(0),
    500,
    'Save checkpoint every X updates steps (a value < 1 is a ratio of total steps).',
    'advanced',
  ),
  save_total_limit: field(
    int.nullable(),
    null,
    'If a value is passed, will limit the total amount of checkpoints, deleting the older ones.',
    'advanced',
  ),
  load_best_model_at_end: field(
    z.boolean(),
    false,
    'Whether or not to load the best model found during training at the end of training.',
    'advanced',
  ),
  metric_for_best_model: field(
    z.string().min(1).nullable(),
    null,
    'The metric to use to compare two different models (default: loss when load_best_model_at_end).',
    'advanced',
  ),
  greater_is_better: field(
    z.boolean().nullable(),
    null,
    'Whether the metric_for_best_model should be maximized or not (default: false for metrics ending in loss).',
    'advanced',
  ),
  seed: field(int, 42, 'Random seed that will be set at the beginning of training.', 'basic', {
    min: 0,
    max: 4_294_967_295,
    integer: true,
  }),
  label_smoothing_factor: field(
    finite.min(0).max(1),
    0,
    'The label smoothing epsilon to apply (zero means no label smoothing).',
    'advanced',
  ),
  gradient_checkpointing: field(
    z.boolean(),
    false,
    'If True, use gradient checkpointing to save memory at the expense of slower backward pass (each encoder layer is run again in the backward pass instead of keeping its activations).',
    'advanced',
  ),
  train_sampling_strategy: field(
    z.enum(TRAIN_SAMPLING_STRATEGIES),
    'random',
    "Order of the training rows: 'random' (shuffled each epoch), 'sequential' (file order) or 'group_by_length' (rows of similar length batched together).",
    'advanced',
  ),
  early_stopping_patience: field(
    int.min(1).nullable(),
    null,
    'Studio extension (HF: EarlyStoppingCallback). Stop training when the metric worsens for this many evaluations (needs evaluation).',
    'advanced',
  ),
  early_stopping_threshold: field(
    finite.min(0),
    0,
    'Studio extension (HF: EarlyStoppingCallback). How much the metric must improve to reset the early stopping patience counter.',
    'advanced',
  ),
  resume_from_checkpoint: field(
    z.string().nullable(),
    null,
    'The path to a folder with a valid checkpoint to resume training from.',
    'advanced',
  ),
  class_weights: field(
    z.union([z.literal('balanced'), z.array(finite.min(0)).min(1)]).nullable(),
    null,
    "Studio extension (HF: a Trainer subclass with a weighted loss). Per-class loss weights for single-label classification: 'balanced' (sklearn) or a list of numbers.",
    'advanced',
  ),
  nan_policy: field(
    z.enum(['stop', 'skip']),
    'stop',
    "Studio extension (HF: a callback that stops on a non-finite loss). What to do when the loss is NaN or infinite: 'stop' training or 'skip' the update.",
    'advanced',
  ),
};

type Fields = typeof FIELDS;
export type Key = keyof Fields;

function mapFields<T>(f: (field: Fields[Key], key: Key) => T): { [K in Key]: T } {
  return Object.fromEntries((Object.keys(FIELDS) as Key[]).map((k) => [k, f(FIELDS[k], k)])) as {
    [K in Key]: T;
  };
}

/** The schema, built from {@link FIELDS}. */
export const trainingArgumentsSchema = z.object(
  mapFields((f) => f.schema) as { [K in Key]: Fields[K]['schema'] },
);

/** The run configuration; HF field names (see {@link ARG_DOCS}). */
export type TrainingArguments = z.infer<typeof trainingArgumentsSchema>;

/** HF's defaults (plus the studio's extras). A fresh object each call. */
export function defaultTrainingArguments(): TrainingArguments {
  return structuredClone(mapFields((f) => f.default)) as TrainingArguments;
}

/** The page's limits of the arguments it shows up front. */
export const ARG_LIMITS = Object.fromEntries(
  Object.entries(FIELDS).flatMap(([k, f]) => ('limits' in f && f.limits ? [[k, f.limits]] : [])),
) as Partial<Record<Key, NumberLimits>>;

/** One-line help per argument and where the UI shows it. */
export const ARG_DOCS: Record<Key, { help: string; group: 'basic' | 'advanced' }> = mapFields(
  (f) => ({ help: f.help, group: f.group }),
);

/**
 * The studio's own arguments, beyond transformers' `TrainingArguments`: written to
 * `studio_args.json`, never to `training_args.json` (Python's `TrainingArguments(**json)` would
 * reject them). Their transformers equivalents are in ARG_DOCS.
 */
export const STUDIO_ARGUMENT_KEYS = [
  'early_stopping_patience',
  'early_stopping_threshold',
  'class_weights',
  'nan_policy',
] as const satisfies readonly Key[];
export type StudioArgumentKey = (typeof STUDIO_ARGUMENT_KEYS)[number];
