/**
 * The model arguments of a run (transformers' ModelArguments, plus the sizes of a model trained
 * from scratch): the checkpoint or the sizes, and the tokenizer. Defined once; see `fields.ts`.
 */
import { z } from 'zod';
import { configField, defaultsOf, limitedNumber, schemaOf, type NumberLimits } from './fields';

const size = (min: number, max: number): NumberLimits => ({ min, max, integer: true });
const HIDDEN = size(4, 1024);
const LAYERS = size(1, 24);
const HEADS = size(1, 64);
const INTERMEDIATE = size(4, 8192);
const VOCAB = size(300, 65_536);
const DROPOUT: NumberLimits = { min: 0, max: 0.9, integer: false };

/**
 * The from-scratch model's settings: each is the config.json key of the same name (the default
 * family's, BERT's), handed to the model's config as it is (see `scratchModelSettings`). A new
 * model setting is one field here and the model code that reads it: the run config, the CLI's
 * flags, the model spec, studio_args.json and the stored run record all follow from this table.
 */
export const SCRATCH_MODEL_FIELDS = {
  model_type: configField(
    z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a config.json model_type (lower case)'),
    'transformer',
    "the from-scratch model's family: 'transformer' (a small BERT, the default) or the config.json model_type of a family the studio builds (e.g. bert, roberta)",
    'string',
  ),
  hidden_size: configField(
    limitedNumber(HIDDEN),
    64,
    'hidden_size of the from-scratch model: width of every token vector (divisible by the heads)',
    'number',
    { limits: HIDDEN },
  ),
  num_hidden_layers: configField(
    limitedNumber(LAYERS),
    2,
    'num_hidden_layers of the from-scratch model: how many transformer blocks are stacked',
    'number',
    { limits: LAYERS },
  ),
  num_attention_heads: configField(
    limitedNumber(HEADS),
    4,
    'num_attention_heads of the from-scratch model: attention heads per block',
    'number',
    { limits: HEADS },
  ),
  intermediate_size: configField(
    limitedNumber(INTERMEDIATE),
    128,
    'intermediate_size of the from-scratch model: width of the feed-forward layer (HF uses 4x hidden)',
    'number',
    { limits: INTERMEDIATE },
  ),
  hidden_dropout_prob: configField(
    limitedNumber(DROPOUT),
    0.1,
    'hidden_dropout_prob of the from-scratch model: dropout after embeddings, attention output and feed-forward (0 for runs that must repeat step for step elsewhere)',
    'number',
    { limits: DROPOUT },
  ),
  attention_probs_dropout_prob: configField(
    limitedNumber(DROPOUT),
    0.1,
    'attention_probs_dropout_prob of the from-scratch model: dropout on the attention weights',
    'number',
    { limits: DROPOUT },
  ),
  classifier_dropout: configField(
    limitedNumber(DROPOUT).nullable(),
    null,
    "classifier_dropout of the from-scratch model: dropout before the classifier (hidden_dropout_prob when left out, as transformers')",
    'number',
    { limits: DROPOUT },
  ),
};

export const MODEL_FIELDS = {
  model_name_or_path: configField(
    z.string().min(1).nullable(),
    null,
    'pretrained checkpoint to fine-tune: a folder, a folder URL or a Hub id (config.json + model.safetensors); from scratch when left out',
    'string',
  ),
  tokenizer_name_or_path: configField(
    z.string().min(1).nullable(),
    null,
    'folder with tokenizer.json and tokenizer_config.json, or a Hub id (owner/name@revision) or folder URL to download them from',
    'string',
    { shownDefault: "the checkpoint's own, else bundled bert-base-uncased" },
  ),
  train_tokenizer_vocab_size: configField(
    limitedNumber(VOCAB).nullable(),
    null,
    'train a tokenizer of this many tokens on the text column instead (from-scratch models)',
    'number',
    { limits: VOCAB },
  ),
  train_tokenizer_model: configField(
    z.enum(['wordpiece', 'bpe']),
    'wordpiece',
    "with --train_tokenizer_vocab_size: 'wordpiece' (BERT's) or 'bpe' (byte-level, as RoBERTa)",
    'string',
  ),
  ...SCRATCH_MODEL_FIELDS,
};

export type ModelArguments = {
  [K in keyof typeof MODEL_FIELDS]: z.infer<(typeof MODEL_FIELDS)[K]['schema']>;
};
export const modelArgumentsSchema = schemaOf(MODEL_FIELDS);
export const defaultModelArguments = (): ModelArguments => defaultsOf(MODEL_FIELDS);

/** The from-scratch model's settings, every one set (see {@link SCRATCH_MODEL_FIELDS}). */
export type ScratchModelSettings = {
  [K in keyof typeof SCRATCH_MODEL_FIELDS]: z.infer<(typeof SCRATCH_MODEL_FIELDS)[K]['schema']>;
};

/** The settings that fix the from-scratch model's shape: a model spec always names them. */
export type ScratchShapeKey =
  'hidden_size' | 'num_hidden_layers' | 'num_attention_heads' | 'intermediate_size';

/**
 * Every from-scratch setting: `given`'s (a model spec, already checked) where it sets one, the
 * table's default where not. The model's config checks the values again when it is built.
 */
export function scratchModelSettings(given: object = {}): ScratchModelSettings {
  const g = given as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(SCRATCH_MODEL_FIELDS)) {
    out[k] = g[k] !== undefined ? g[k] : structuredClone(f.default);
  }
  return out as ScratchModelSettings;
}

/**
 * The from-scratch settings `given` (JSON from a stored record or a file) holds valid values
 * for, each checked against its field; none filled in.
 */
export function givenScratchModelSettings(
  given: Record<string, unknown>,
): Partial<ScratchModelSettings> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(SCRATCH_MODEL_FIELDS)) {
    if (given[k] === undefined) continue;
    const r = (f.schema as z.ZodType).safeParse(given[k]);
    if (r.success) out[k] = r.data;
  }
  return out as Partial<ScratchModelSettings>;
}
