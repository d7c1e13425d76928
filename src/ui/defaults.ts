/**
 * The page's defaults for the fields it edits, and their limits and help from the run config's
 * field tables (src/core/config, src/core/train/argsFields.ts: each field defined once). Everything
 * the page does not edit is left out of the request, and the worker fills HF's
 * `TrainingArguments` defaults for it.
 */
import {
  ARG_DOCS,
  ARG_LIMITS,
  DATA_FIELDS,
  MODEL_FIELDS,
  type ColumnChoice,
  type ModelSpec,
  type NumberLimits,
  type TokenizerSource,
  type TrainedTokenizerModel,
} from '../worker/client';

/** LR schedules HF's `get_scheduler` knows and the trainer implements. */
export const SCHEDULERS = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup',
  'inverse_sqrt',
] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export const EVAL_STRATEGIES = ['no', 'steps', 'epoch'] as const;
export type EvalStrategy = (typeof EVAL_STRATEGIES)[number];

/** The `TrainingArguments` fields the UI edits, with HF's names. */
export interface UiArgs {
  learning_rate: number;
  num_train_epochs: number;
  max_steps: number;
  per_device_train_batch_size: number;
  per_device_eval_batch_size: number;
  weight_decay: number;
  warmup_steps: number;
  logging_steps: number;
  eval_strategy: EvalStrategy;
  eval_steps: number;
  seed: number;
  lr_scheduler_type: SchedulerName;
}

/**
 * The from-scratch model's settings the page edits (`ModelSpec`'s; the model table's others
 * are left to their defaults).
 */
export type ModelSizes = Pick<
  Required<Extract<ModelSpec, { kind: 'scratch' }>>,
  | 'hidden_size'
  | 'num_hidden_layers'
  | 'num_attention_heads'
  | 'intermediate_size'
  | 'max_length'
  | 'hidden_dropout_prob'
  | 'attention_probs_dropout_prob'
  | 'model_type'
>;

/** The page's numeric model settings (the fields of the model panel). */
export type ModelSizeKey = Exclude<keyof ModelSizes, 'model_type'>;

/** Everything the studio remembers between visits. */
export interface StudioSettings {
  /** Last chosen columns; applied only when the loaded table has them. */
  columns: ColumnChoice | null;
  /** Fraction of rows held out for validation. */
  validationFraction: number;
  model: ModelSizes;
  args: UiArgs;
  /**
   * The chosen tokenizer, had again on the next visit: a bundled one, a Hub id, one trained on
   * the data (trained again: training is deterministic), or the user's files (kept in the
   * browser's storage by the worker; `{ kept: true }` here).
   */
  tokenizer?: TokenizerSource | TrainedTokenizerChoice | KeptTokenizerChoice;
  /**
   * How the data file is read where detection was overruled (delimiter, header row), had again
   * on the next visit for the kept file; a new file is read as detected.
   */
  read?: { delimiter?: string; hasHeader?: boolean };
  /**
   * Workers a run trains on (the compute panel; a run config's `compute.num_replicas`): left out
   * for one per core.
   */
  workers?: number;
}

/** The tokenizer files the user dropped, kept in the browser's storage. */
export interface KeptTokenizerChoice {
  kept: true;
}

/** A tokenizer trained on the data's text column. */
export interface TrainedTokenizerChoice {
  trainVocabSize: number;
  model: TrainedTokenizerModel;
}

/** Tokenizers the app bundles (public/tokenizers). */
export const BUNDLED_TOKENIZERS = ['bert-base-uncased', 'bert-base-cased'] as const;

/** Limits of a numeric field, and the Hugging Face meaning shown under it. */
export interface NumberFieldSpec extends NumberLimits {
  hint: string;
}

export type UiArgsNumberKey = Exclude<keyof UiArgs, 'eval_strategy' | 'lr_scheduler_type'>;

export const DEFAULT_MODEL: ModelSizes = {
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 128,
  max_length: 64,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  model_type: MODEL_FIELDS.model_type.default,
};

/**
 * Studio defaults for the demo. The learning rate is 10x HF's 5e-5 because a model trained from
 * scratch needs larger steps than fine-tuning a pretrained one; the rest are HF's defaults except
 * batch sizes, logging and evaluation cadence, chosen so the demo shows curves within a minute.
 */
export const DEFAULT_ARGS: UiArgs = {
  learning_rate: 5e-4,
  num_train_epochs: 3,
  max_steps: -1,
  per_device_train_batch_size: 16,
  per_device_eval_batch_size: 64,
  weight_decay: 0,
  warmup_steps: 0,
  logging_steps: 10,
  eval_strategy: 'steps',
  eval_steps: 50,
  seed: 42,
  lr_scheduler_type: 'linear',
};

export const DEFAULT_VALIDATION_FRACTION = 0.1;

export const DEFAULT_SETTINGS: StudioSettings = {
  columns: null,
  validationFraction: DEFAULT_VALIDATION_FRACTION,
  model: DEFAULT_MODEL,
  args: DEFAULT_ARGS,
};

/** A page field's spec: the config's limits and help. */
function spec(limits: NumberLimits | undefined, hint: string): NumberFieldSpec {
  if (!limits) throw new Error(`No page limits for the field "${hint}".`);
  return { ...limits, hint };
}

export const VALIDATION_FRACTION_SPEC: NumberFieldSpec = spec(
  DATA_FIELDS.validation_split.limits,
  DATA_FIELDS.validation_split.help,
);

export const MODEL_SPECS: Record<ModelSizeKey, NumberFieldSpec> = {
  hidden_size: spec(MODEL_FIELDS.hidden_size.limits, MODEL_FIELDS.hidden_size.help),
  num_hidden_layers: spec(
    MODEL_FIELDS.num_hidden_layers.limits,
    MODEL_FIELDS.num_hidden_layers.help,
  ),
  num_attention_heads: spec(
    MODEL_FIELDS.num_attention_heads.limits,
    MODEL_FIELDS.num_attention_heads.help,
  ),
  intermediate_size: spec(
    MODEL_FIELDS.intermediate_size.limits,
    MODEL_FIELDS.intermediate_size.help,
  ),
  max_length: spec(DATA_FIELDS.max_length.limits, DATA_FIELDS.max_length.help),
  hidden_dropout_prob: spec(
    MODEL_FIELDS.hidden_dropout_prob.limits,
    MODEL_FIELDS.hidden_dropout_prob.help,
  ),
  attention_probs_dropout_prob: spec(
    MODEL_FIELDS.attention_probs_dropout_prob.limits,
    MODEL_FIELDS.attention_probs_dropout_prob.help,
  ),
};

const argSpec = (k: UiArgsNumberKey): NumberFieldSpec => spec(ARG_LIMITS[k], ARG_DOCS[k].help);

export const ARG_SPECS: Record<UiArgsNumberKey, NumberFieldSpec> = {
  learning_rate: argSpec('learning_rate'),
  num_train_epochs: argSpec('num_train_epochs'),
  max_steps: argSpec('max_steps'),
  per_device_train_batch_size: argSpec('per_device_train_batch_size'),
  per_device_eval_batch_size: argSpec('per_device_eval_batch_size'),
  weight_decay: argSpec('weight_decay'),
  warmup_steps: argSpec('warmup_steps'),
  logging_steps: argSpec('logging_steps'),
  eval_steps: argSpec('eval_steps'),
  seed: argSpec('seed'),
};

export const EVAL_STRATEGY_HINT =
  'When to evaluate on the validation split: never, every eval_steps, or at each epoch end.';
export const SCHEDULER_HINT = 'Learning-rate schedule after warm-up (HF get_scheduler names).';

/** True when `v` satisfies the field's limits. */
export function isValidNumber(spec: NumberFieldSpec, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (spec.integer && !Number.isInteger(v)) return false;
  if (spec.exclusiveMin ? v <= spec.min : v < spec.min) return false;
  return v <= spec.max;
}
