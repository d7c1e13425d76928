/**
 * The studio's own defaults and limits for the fields the UI edits. Everything the UI does not
 * edit is left out of the request, and the worker fills HF's `TrainingArguments` defaults for it.
 * Kept here (not imported from core) because the UI may only import types from core.
 */
import type {
  ColumnChoice,
  ModelSpec,
  TokenizerSource,
  TrainedTokenizerModel,
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

/** The from-scratch model's sizes (`ModelSpec` without its `kind`). */
export type ModelSizes = Omit<Extract<ModelSpec, { kind: 'scratch' }>, 'kind'>;

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
export interface NumberFieldSpec {
  min: number;
  max: number;
  integer: boolean;
  /** True when `min` itself is not allowed (e.g. a learning rate of 0). */
  exclusiveMin?: boolean;
  hint: string;
}

export type UiArgsNumberKey = Exclude<keyof UiArgs, 'eval_strategy' | 'lr_scheduler_type'>;

export const DEFAULT_MODEL: ModelSizes = {
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 128,
  max_length: 64,
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

export const VALIDATION_FRACTION_SPEC: NumberFieldSpec = {
  min: 0.01,
  max: 0.9,
  integer: false,
  hint: 'Share of rows held out (stratified, seeded) to evaluate on; like a validation split.',
};

export const MODEL_SPECS: Record<keyof ModelSizes, NumberFieldSpec> = {
  hidden_size: {
    min: 4,
    max: 1024,
    integer: true,
    hint: 'BertConfig.hidden_size: width of every token vector. Must be divisible by the heads.',
  },
  num_hidden_layers: {
    min: 1,
    max: 24,
    integer: true,
    hint: 'BertConfig.num_hidden_layers: how many transformer blocks are stacked.',
  },
  num_attention_heads: {
    min: 1,
    max: 64,
    integer: true,
    hint: 'BertConfig.num_attention_heads: attention heads per block.',
  },
  intermediate_size: {
    min: 4,
    max: 8192,
    integer: true,
    hint: 'BertConfig.intermediate_size: width of the feed-forward layer (HF uses 4x hidden).',
  },
  max_length: {
    min: 8,
    max: 512,
    integer: true,
    hint: 'Tokenizer max_length: rows are truncated to this many tokens ([CLS] and [SEP] included).',
  },
};

export const ARG_SPECS: Record<UiArgsNumberKey, NumberFieldSpec> = {
  learning_rate: {
    min: 0,
    exclusiveMin: true,
    max: 1,
    integer: false,
    hint: 'Peak AdamW learning rate. HF defaults to 5e-5 for fine-tuning; a model trained from scratch needs more, hence 5e-4.',
  },
  num_train_epochs: {
    min: 0,
    exclusiveMin: true,
    max: 1000,
    integer: false,
    hint: 'Passes over the training split (fractions allowed). Ignored when max_steps > 0.',
  },
  max_steps: {
    min: -1,
    max: 10_000_000,
    integer: true,
    hint: 'If > 0: total optimizer steps, overriding num_train_epochs. -1 means use epochs.',
  },
  per_device_train_batch_size: {
    min: 1,
    max: 4096,
    integer: true,
    hint: 'Rows per training step (one device here).',
  },
  per_device_eval_batch_size: {
    min: 1,
    max: 4096,
    integer: true,
    hint: 'Rows per evaluation batch; only speed and memory, not results.',
  },
  weight_decay: {
    min: 0,
    max: 1,
    integer: false,
    hint: 'Decoupled AdamW weight decay; never applied to biases or LayerNorm weights.',
  },
  warmup_steps: {
    min: 0,
    max: 10_000_000,
    integer: false,
    hint: 'Steps of linear warm-up from 0 to learning_rate; below 1, a fraction of all steps (0.1: the first 10%).',
  },
  logging_steps: {
    min: 1,
    max: 10_000_000,
    integer: true,
    hint: 'Log loss, grad_norm and learning_rate every this many steps (points on the charts).',
  },
  eval_steps: {
    min: 1,
    max: 10_000_000,
    integer: true,
    hint: 'Evaluate every this many steps when eval_strategy is "steps".',
  },
  seed: {
    min: 0,
    max: 4_294_967_295,
    integer: true,
    hint: 'Random seed for initialisation, shuffling, dropout and the validation split.',
  },
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
