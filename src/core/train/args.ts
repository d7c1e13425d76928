/**
 * `TrainingArguments` as transformers 5.x defines them (names, defaults, validation messages),
 * plus the studio's extras (`class_weights`, `nan_policy`, early stopping; see
 * {@link STUDIO_ARGUMENT_KEYS}). One serialisable object that round-trips through JSON and the
 * command line: `training_args.json` holds the transformers fields only, so
 * `TrainingArguments(**json)` loads it in Python; the extras go to `studio_args.json`.
 */
import { z } from 'zod';
import type { FlagSpec } from './flags';
import { closestName } from './flags';
import { LR_SCHEDULER_TYPES, schedulerKwargNames } from './schedules';

/** A bad argument or combination of arguments; `argument` names the (first) culprit. */
export class ArgumentsError extends Error {
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
    this.name = 'ArgumentsError';
  }
}

const interval = z.enum(['no', 'steps', 'epoch']);

/** transformers 5's `train_sampling_strategy` values the studio runs (see the alias notes). */
export const TRAIN_SAMPLING_STRATEGIES = ['random', 'sequential', 'group_by_length'] as const;
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const int = z.number().int('expected an integer');

/** The schema; field order is the order of `training_args.json`. */
export const trainingArgumentsSchema = z.object({
  output_dir: z.string(),
  num_train_epochs: finite.min(0),
  max_steps: int.min(-1),
  per_device_train_batch_size: int.min(1),
  per_device_eval_batch_size: int.min(1),
  gradient_accumulation_steps: int.min(1),
  learning_rate: finite.min(0),
  weight_decay: finite.min(0),
  adam_beta1: finite.min(0).lt(1),
  adam_beta2: finite.min(0).lt(1),
  adam_epsilon: finite.min(0),
  max_grad_norm: finite,
  lr_scheduler_type: z.enum(LR_SCHEDULER_TYPES),
  lr_scheduler_kwargs: z.record(z.string(), finite),
  warmup_steps: finite,
  logging_strategy: interval,
  logging_steps: finite.min(0),
  logging_first_step: z.boolean(),
  eval_strategy: interval,
  eval_steps: finite.min(0).nullable(),
  save_strategy: z.enum(['no', 'steps', 'epoch', 'best']),
  save_steps: finite.gt(0),
  save_total_limit: int.nullable(),
  load_best_model_at_end: z.boolean(),
  metric_for_best_model: z.string().min(1).nullable(),
  greater_is_better: z.boolean().nullable(),
  seed: int,
  label_smoothing_factor: finite.min(0).max(1),
  train_sampling_strategy: z.enum(TRAIN_SAMPLING_STRATEGIES),
  early_stopping_patience: int.min(1).nullable(),
  early_stopping_threshold: finite.min(0),
  resume_from_checkpoint: z.string().nullable(),
  class_weights: z.union([z.literal('balanced'), z.array(finite.min(0)).min(1)]).nullable(),
  nan_policy: z.enum(['stop', 'skip']),
});

/** The run configuration; HF field names (see {@link ARG_DOCS}). */
export type TrainingArguments = z.infer<typeof trainingArgumentsSchema>;
type Key = keyof TrainingArguments;

/** HF's defaults (plus the studio's extras). A fresh object each call. */
export function defaultTrainingArguments(): TrainingArguments {
  return {
    output_dir: 'trainer_output',
    num_train_epochs: 3,
    max_steps: -1,
    per_device_train_batch_size: 8,
    per_device_eval_batch_size: 8,
    gradient_accumulation_steps: 1,
    learning_rate: 5e-5,
    weight_decay: 0,
    adam_beta1: 0.9,
    adam_beta2: 0.999,
    adam_epsilon: 1e-8,
    max_grad_norm: 1,
    lr_scheduler_type: 'linear',
    lr_scheduler_kwargs: {},
    warmup_steps: 0,
    logging_strategy: 'steps',
    logging_steps: 500,
    logging_first_step: false,
    eval_strategy: 'no',
    eval_steps: null,
    save_strategy: 'steps',
    save_steps: 500,
    save_total_limit: null,
    load_best_model_at_end: false,
    metric_for_best_model: null,
    greater_is_better: null,
    seed: 42,
    label_smoothing_factor: 0,
    train_sampling_strategy: 'random',
    early_stopping_patience: null,
    early_stopping_threshold: 0,
    resume_from_checkpoint: null,
    class_weights: null,
    nan_policy: 'stop',
  };
}

/** One-line help per argument (HF's wording where it fits) and where the UI shows it. */
export const ARG_DOCS: Record<Key, { help: string; group: 'basic' | 'advanced' }> = {
  output_dir: {
    help: 'The output directory where checkpoints and the final model are written.',
    group: 'basic',
  },
  num_train_epochs: {
    help: 'Total number of training epochs to perform (a fraction stops mid-epoch).',
    group: 'basic',
  },
  max_steps: {
    help: 'If > 0: total number of optimizer steps to perform; overrides num_train_epochs.',
    group: 'basic',
  },
  per_device_train_batch_size: { help: 'Batch size for training.', group: 'basic' },
  per_device_eval_batch_size: { help: 'Batch size for evaluation.', group: 'advanced' },
  gradient_accumulation_steps: {
    help: 'Number of update steps to accumulate the gradients for, before performing a backward/update pass.',
    group: 'advanced',
  },
  learning_rate: { help: 'The initial learning rate for AdamW.', group: 'basic' },
  weight_decay: {
    help: 'Weight decay for AdamW (never applied to biases and LayerNorm weights).',
    group: 'basic',
  },
  adam_beta1: { help: 'Beta1 for AdamW optimizer.', group: 'advanced' },
  adam_beta2: { help: 'Beta2 for AdamW optimizer.', group: 'advanced' },
  adam_epsilon: { help: 'Epsilon for AdamW optimizer.', group: 'advanced' },
  max_grad_norm: {
    help: 'Max gradient norm for clipping (0 or less disables clipping).',
    group: 'advanced',
  },
  lr_scheduler_type: {
    help: 'The scheduler type to use: linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup or inverse_sqrt.',
    group: 'basic',
  },
  lr_scheduler_kwargs: {
    help: "Extra parameters for the lr_scheduler, e.g. {'num_cycles': 1} for cosine_with_restarts.",
    group: 'advanced',
  },
  warmup_steps: {
    help: 'Steps of linear warmup from 0 to learning_rate: an integer, or a float in [0, 1) for a ratio of the total steps.',
    group: 'basic',
  },
  logging_strategy: { help: 'The logging strategy to use: no, steps or epoch.', group: 'advanced' },
  logging_steps: {
    help: 'Log every X updates steps (a value < 1 is a ratio of total training steps).',
    group: 'basic',
  },
  logging_first_step: { help: 'Log the first global_step.', group: 'advanced' },
  eval_strategy: { help: 'The evaluation strategy to use: no, steps or epoch.', group: 'basic' },
  eval_steps: {
    help: 'Run an evaluation every X steps (defaults to logging_steps; a value < 1 is a ratio of total steps).',
    group: 'basic',
  },
  save_strategy: {
    help: 'The checkpoint save strategy to use: no, steps, epoch or best.',
    group: 'advanced',
  },
  save_steps: {
    help: 'Save checkpoint every X updates steps (a value < 1 is a ratio of total steps).',
    group: 'advanced',
  },
  save_total_limit: {
    help: 'If a value is passed, will limit the total amount of checkpoints, deleting the older ones.',
    group: 'advanced',
  },
  load_best_model_at_end: {
    help: 'Whether or not to load the best model found during training at the end of training.',
    group: 'advanced',
  },
  metric_for_best_model: {
    help: 'The metric to use to compare two different models (default: loss when load_best_model_at_end).',
    group: 'advanced',
  },
  greater_is_better: {
    help: 'Whether the metric_for_best_model should be maximized or not (default: false for metrics ending in loss).',
    group: 'advanced',
  },
  seed: { help: 'Random seed that will be set at the beginning of training.', group: 'basic' },
  label_smoothing_factor: {
    help: 'The label smoothing epsilon to apply (zero means no label smoothing).',
    group: 'advanced',
  },
  train_sampling_strategy: {
    help: "Order of the training rows: 'random' (shuffled each epoch), 'sequential' (file order) or 'group_by_length' (rows of similar length batched together).",
    group: 'advanced',
  },
  early_stopping_patience: {
    help: 'Studio extension (HF: EarlyStoppingCallback). Stop training when the metric worsens for this many evaluations (needs evaluation).',
    group: 'advanced',
  },
  early_stopping_threshold: {
    help: 'Studio extension (HF: EarlyStoppingCallback). How much the metric must improve to reset the early stopping patience counter.',
    group: 'advanced',
  },
  resume_from_checkpoint: {
    help: 'The path to a folder with a valid checkpoint to resume training from.',
    group: 'advanced',
  },
  class_weights: {
    help: "Studio extension (HF: a Trainer subclass with a weighted loss). Per-class loss weights for single-label classification: 'balanced' (sklearn) or a list of numbers.",
    group: 'advanced',
  },
  nan_policy: {
    help: "Studio extension (HF: a callback that stops on a non-finite loss). What to do when the loss is NaN or infinite: 'stop' training or 'skip' the update.",
    group: 'advanced',
  },
};

/**
 * `TrainingArguments` fields of HF `transformers` that the studio does not use: accepted in a
 * `training_args.json` and ignored with a notice.
 */
const HF_IGNORED_KEYS = new Set([
  'overwrite_output_dir',
  'do_train',
  'do_eval',
  'do_predict',
  'prediction_loss_only',
  'per_gpu_train_batch_size',
  'per_gpu_eval_batch_size',
  'eval_accumulation_steps',
  'eval_delay',
  'torch_empty_cache_steps',
  'log_level',
  'log_level_replica',
  'log_on_each_node',
  'logging_dir',
  'logging_nan_inf_filter',
  'save_safetensors',
  'save_on_each_node',
  'save_only_model',
  'restore_callback_states_from_checkpoint',
  'no_cuda',
  'use_cpu',
  'use_mps_device',
  'data_seed',
  'jit_mode_eval',
  'use_ipex',
  'bf16',
  'fp16',
  'fp16_opt_level',
  'half_precision_backend',
  'bf16_full_eval',
  'fp16_full_eval',
  'tf32',
  'local_rank',
  'ddp_backend',
  'tpu_num_cores',
  'tpu_metrics_debug',
  'debug',
  'dataloader_drop_last',
  'dataloader_num_workers',
  'dataloader_prefetch_factor',
  'past_index',
  'run_name',
  'disable_tqdm',
  'remove_unused_columns',
  'label_names',
  'ignore_data_skip',
  'fsdp',
  'fsdp_min_num_params',
  'fsdp_config',
  'fsdp_transformer_layer_cls_to_wrap',
  'accelerator_config',
  'parallelism_config',
  'deepspeed',
  'optim',
  'optim_args',
  'adafactor',
  'length_column_name',
  'report_to',
  'ddp_find_unused_parameters',
  'ddp_bucket_cap_mb',
  'ddp_broadcast_buffers',
  'dataloader_pin_memory',
  'dataloader_persistent_workers',
  'skip_memory_metrics',
  'use_legacy_prediction_loop',
  'push_to_hub',
  'hub_model_id',
  'hub_strategy',
  'hub_token',
  'hub_private_repo',
  'hub_always_push',
  'hub_revision',
  'gradient_checkpointing',
  'gradient_checkpointing_kwargs',
  'include_inputs_for_metrics',
  'include_for_metrics',
  'eval_do_concat_batches',
  'fp16_backend',
  'push_to_hub_model_id',
  'push_to_hub_organization',
  'push_to_hub_token',
  'mp_parameters',
  'auto_find_batch_size',
  'full_determinism',
  'torchdynamo',
  'ray_scope',
  'ddp_timeout',
  'torch_compile',
  'torch_compile_backend',
  'torch_compile_mode',
  'include_tokens_per_second',
  'include_num_input_tokens_seen',
  'neftune_noise_alpha',
  'optim_target_modules',
  'batch_eval_metrics',
  'eval_on_start',
  'use_liger_kernel',
  'liger_kernel_config',
  'eval_use_gather_object',
  'average_tokens_across_devices',
  'dispatch_batches',
  'split_batches',
  'include_tokens_per_second',
  'tf32',
  'xpu_backend',
  'sharded_ddp',
  'logging_first_step_',
  '_n_gpu',
  'world_size',
  'process_index',
  'hub_model_revision',
  'use_cache',
  'project',
  'trackio_space_id',
  'trackio_bucket_id',
  'trackio_static_space_id',
  'enable_jit_checkpoint',
  'dataloader_multiprocessing_context',
  'dataloader_in_order',
  'ddp_static_graph',
]);

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

/** Old names still found in users' files, mapped to the current HF name. */
const ALIASES: Record<string, Key> = { evaluation_strategy: 'eval_strategy' };

/**
 * transformers 4's `warmup_ratio` and `group_by_length`, gone in 5: read into `warmup_steps` (a
 * float below 1 is a ratio there) and `train_sampling_strategy`, with a one-line notice each.
 * v4's rule that a positive `warmup_steps` overrides `warmup_ratio` is kept.
 */
function readV4Arguments(raw: Record<string, unknown>, notices: string[]): void {
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

const KEYS = Object.keys(defaultTrainingArguments()) as Key[];

/** HF steps arguments: a value in (0, 1) is a ratio of the total optimizer steps. */
const STEP_KEYS = ['logging_steps', 'eval_steps', 'save_steps'] as const;

/**
 * HF's reading of `logging_steps` / `eval_steps` / `save_steps`: a value below 1 is a ratio of
 * `maxSteps`, `ceil(maxSteps * value)`; otherwise the value itself.
 */
export function resolveSteps(value: number, maxSteps: number): number {
  return value > 0 && value < 1 ? Math.ceil(maxSteps * value) : value;
}

/** The key the trainer compares for the best model: HF prefixes `eval_` when missing. */
export function bestMetricKey(args: TrainingArguments): string | null {
  const m = args.metric_for_best_model;
  if (m === null) return null;
  return m.startsWith('eval_') ? m : `eval_${m}`;
}

function fail(argument: string, message: string): never {
  throw new ArgumentsError(message, argument);
}

/**
 * Reads a `training_args.json`-style object (HF's or ours) into validated `TrainingArguments`.
 *
 * Missing keys take HF defaults. Unknown keys are ignored with a notice (HF fields the studio does
 * not use, or typos with a suggestion); `evaluation_strategy` is read as `eval_strategy`;
 * `lr_scheduler_kwargs` may be a JSON string and `class_weights` a string ('balanced', a JSON
 * array or comma-separated numbers). Applies HF's `__post_init__` resolution: `eval_steps`
 * defaults to `logging_steps` when evaluating by steps, `metric_for_best_model` to 'loss' with
 * `load_best_model_at_end`, and `greater_is_better` to false for metrics ending in 'loss'.
 *
 * @throws ArgumentsError naming the argument, with HF's message for invalid combinations.
 */
/** A value as JSON for a message; never throws (user JSON can hold objects without toString). */
function showValue(v: unknown): string {
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}

export function parseTrainingArguments(input: unknown): {
  args: TrainingArguments;
  notices: string[];
} {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ArgumentsError('TrainingArguments must be a JSON object', 'training_args');
  }
  const notices: string[] = [];
  const raw: Record<string, unknown> = { ...(input as Record<string, unknown>) };

  for (const [old, current] of Object.entries(ALIASES)) {
    if (!(old in raw)) continue;
    if (current in raw && raw[current] !== raw[old]) {
      fail(
        current,
        `Both --${old} (${showValue(raw[old])}) and --${current} (${showValue(raw[current])}) are set; ` +
          `--${old} is the old name of --${current}: keep only --${current}.`,
      );
    }
    raw[current] = raw[old];
    delete raw[old];
    notices.push(`'${old}' is deprecated; read it as '${current}'.`);
  }
  readV4Arguments(raw, notices);

  const ignoredHf: string[] = [];
  const unknown: string[] = [];
  const merged: Record<string, unknown> = { ...defaultTrainingArguments() };
  for (const [k, v] of Object.entries(raw)) {
    if ((KEYS as string[]).includes(k)) merged[k] = v;
    else if (HF_IGNORED_KEYS.has(k) || k.startsWith('_')) ignoredHf.push(k);
    else unknown.push(k);
  }
  if (ignoredHf.length) {
    notices.push(`Ignored HF arguments the studio does not use: ${ignoredHf.sort().join(', ')}.`);
  }
  for (const k of unknown) {
    const guess = closestName(k, KEYS);
    notices.push(`Ignored unknown argument '${k}'${guess ? ` (did you mean '${guess}'?)` : ''}.`);
  }

  // Lenient forms that HF's CLI and JSON files use.
  if (typeof merged.lr_scheduler_kwargs === 'string') {
    const s = merged.lr_scheduler_kwargs.trim();
    try {
      merged.lr_scheduler_kwargs = s === '' ? {} : (JSON.parse(s) as unknown);
    } catch {
      fail('lr_scheduler_kwargs', `--lr_scheduler_kwargs must be a JSON object, got '${s}'.`);
    }
  }
  if (merged.lr_scheduler_kwargs === null) merged.lr_scheduler_kwargs = {};
  if (typeof merged.class_weights === 'string')
    merged.class_weights = parseClassWeights(merged.class_weights);

  const parsed = trainingArgumentsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'training_args');
    const where = issue.path
      .slice(1)
      .map((p) => `[${JSON.stringify(p)}]`)
      .join('');
    const got = JSON.stringify(merged[key]);
    fail(key, `--${key}${where}: ${issue.message} (got ${got}). ${fixHint(key)}`.trim());
  }
  const args = parsed.data;
  postInit(args, notices);
  return { args, notices };
}

function parseClassWeights(s: string): unknown {
  const t = s.trim();
  if (t === '' || t.toLowerCase() === 'none' || t === 'null') return null;
  if (t === 'balanced') return t;
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      fail('class_weights', `--class_weights: '${s}' is not a JSON list of numbers.`);
    }
  }
  const parts = t.split(',').map((p) => Number(p.trim()));
  if (parts.some((n) => !Number.isFinite(n))) {
    fail(
      'class_weights',
      `--class_weights must be 'balanced' or a list of numbers such as 1,2.5,1; got '${s}'.`,
    );
  }
  return parts;
}

function fixHint(key: string): string {
  const doc = ARG_DOCS[key as Key];
  if (!doc) return '';
  return `${doc.help} Default: ${JSON.stringify(defaultTrainingArguments()[key as Key])}.`;
}

/** HF `TrainingArguments.__post_init__` checks and resolutions (plus EarlyStoppingCallback's). */
function postInit(a: TrainingArguments, notices: string[]): void {
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

function copyKeys(args: TrainingArguments, keys: readonly Key[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = args[k];
    out[k] = Array.isArray(v) ? [...v] : v !== null && typeof v === 'object' ? { ...v } : v;
  }
  return out;
}

const HF_KEYS = KEYS.filter((k) => !(STUDIO_ARGUMENT_KEYS as readonly string[]).includes(k));

/**
 * The object written as `training_args.json`: transformers' fields only, in schema order, so
 * Python's `TrainingArguments(**json.load(f))` takes it as it is. The studio's extras are in
 * {@link studioArgumentsToJson}.
 */
export function trainingArgumentsToJson(args: TrainingArguments): Record<string, unknown> {
  return copyKeys(args, HF_KEYS);
}

/** The studio's extras ({@link STUDIO_ARGUMENT_KEYS}), as written to `studio_args.json`. */
export function studioArgumentsToJson(args: TrainingArguments): Record<string, unknown> {
  return copyKeys(args, STUDIO_ARGUMENT_KEYS);
}

/** Every argument, transformers' and the studio's: the form runs are stored and sent in. */
export function allArgumentsToJson(args: TrainingArguments): Record<string, unknown> {
  return copyKeys(args, KEYS);
}

/**
 * Flag specs for the CLI (see `parseFlags`): every argument with its ARG_DOCS help and default.
 * Parse the resulting `values` with {@link parseTrainingArguments}.
 */
export function trainingArgumentFlagSpecs(): Record<Key, FlagSpec> {
  const defaults = defaultTrainingArguments();
  const out = {} as Record<Key, FlagSpec>;
  for (const k of KEYS) {
    const d = defaults[k];
    const type: FlagSpec['type'] =
      k === 'lr_scheduler_kwargs'
        ? 'json'
        : k === 'class_weights'
          ? 'string'
          : typeof d === 'boolean' || k === 'greater_is_better'
            ? 'boolean'
            : typeof d === 'number' ||
                k === 'eval_steps' ||
                k === 'save_total_limit' ||
                k === 'early_stopping_patience'
              ? 'number'
              : 'string';
    out[k] = { type, help: ARG_DOCS[k].help, default: d, group: 'TrainingArguments' };
  }
  return out;
}
