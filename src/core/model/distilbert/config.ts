/**
 * HF `DistilBertConfig` (`transformers/models/distilbert/configuration_distilbert.py`, 5.18): its
 * keys (`dim`, `n_layers`, `n_heads`, `hidden_dim`, `activation`, ...) and defaults, read and
 * written as `save_pretrained` writes them.
 */
import { z } from 'zod';

import {
  TRANSFORMERS_VERSION,
  configJsonText,
  keptTransformersVersion,
  parseLabelFields,
  type BertActivation,
} from '../configCommon';
import type { CommonConfig, ScratchOptions } from '../family';
import { checkActivation, checkEncoderSizes, parseConfigObject } from '../familyParts';

export const DISTILBERT_NAME = 'DistilBERT';

/** A DistilBERT classifier's configuration, with HF's key names. */
export interface DistilBertConfig extends CommonConfig {
  model_type: 'distilbert';
  vocab_size: number;
  max_position_embeddings: number;
  /** Position table initialised with sines and cosines (still a trained parameter in HF 5). */
  sinusoidal_pos_embds: boolean;
  n_layers: number;
  n_heads: number;
  dim: number;
  /** The feed-forward's inner width. */
  hidden_dim: number;
  dropout: number;
  attention_dropout: number;
  activation: BertActivation;
  initializer_range: number;
  /** Dropout of the question-answering head (kept for the file; unused here). */
  qa_dropout: number;
  /** Dropout before the classifier. */
  seq_classif_dropout: number;
  pad_token_id: number;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
  tie_word_embeddings: boolean;
}

/** `DistilBertConfig`'s defaults. */
export const DISTILBERT_DEFAULTS = {
  vocab_size: 30522,
  max_position_embeddings: 512,
  sinusoidal_pos_embds: false,
  n_layers: 6,
  n_heads: 12,
  dim: 768,
  hidden_dim: 4 * 768,
  dropout: 0.1,
  attention_dropout: 0.1,
  activation: 'gelu',
  initializer_range: 0.02,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  pad_token_id: 0,
  tie_word_embeddings: true,
} as const;

/** DistilBERT's LayerNorms have a fixed eps (`nn.LayerNorm(dim, eps=1e-12)`), not a config key. */
export const DISTILBERT_LAYER_NORM_EPS = 1e-12;

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);
const tokenId = z.number().int().nonnegative();

const schema = z.looseObject({
  model_type: z.literal('distilbert').optional(),
  architectures: z.array(z.string()).nullish(),
  vocab_size: posInt.optional(),
  max_position_embeddings: posInt.optional(),
  sinusoidal_pos_embds: z.boolean().optional(),
  n_layers: posInt.optional(),
  n_heads: posInt.optional(),
  dim: posInt.optional(),
  // `DistilBertConfig.attribute_map`: BERT's names of the same three settings.
  num_hidden_layers: posInt.optional(),
  num_attention_heads: posInt.optional(),
  hidden_size: posInt.optional(),
  hidden_dim: posInt.optional(),
  dropout: prob.optional(),
  attention_dropout: prob.optional(),
  activation: z.string().optional(),
  initializer_range: z.number().nonnegative().optional(),
  qa_dropout: prob.optional(),
  seq_classif_dropout: prob.optional(),
  pad_token_id: tokenId.nullish(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  tie_word_embeddings: z.boolean().optional(),
  transformers_version: z.string().optional(),
});

/**
 * config.json -> {@link DistilBertConfig} with HF's defaults. `hidden_size`,
 * `num_attention_heads` and `num_hidden_layers` stand for `dim`, `n_heads` and `n_layers` when
 * those are absent (HF's `attribute_map`). Throws naming the key for bad values and for an
 * `activation` the studio does not implement.
 */
export function parseDistilBertConfig(json: unknown): DistilBertConfig {
  const c = parseConfigObject(schema, json, DISTILBERT_NAME);
  const labels = parseLabelFields(json as Record<string, unknown>, DISTILBERT_NAME);
  const act = checkActivation(
    DISTILBERT_NAME,
    'activation',
    c.activation ?? DISTILBERT_DEFAULTS.activation,
  );
  const config: DistilBertConfig = {
    model_type: 'distilbert',
    architectures: c.architectures ?? ['DistilBertForSequenceClassification'],
    vocab_size: c.vocab_size ?? DISTILBERT_DEFAULTS.vocab_size,
    max_position_embeddings:
      c.max_position_embeddings ?? DISTILBERT_DEFAULTS.max_position_embeddings,
    sinusoidal_pos_embds: c.sinusoidal_pos_embds ?? DISTILBERT_DEFAULTS.sinusoidal_pos_embds,
    n_layers: c.n_layers ?? c.num_hidden_layers ?? DISTILBERT_DEFAULTS.n_layers,
    n_heads: c.n_heads ?? c.num_attention_heads ?? DISTILBERT_DEFAULTS.n_heads,
    dim: c.dim ?? c.hidden_size ?? DISTILBERT_DEFAULTS.dim,
    hidden_dim: c.hidden_dim ?? DISTILBERT_DEFAULTS.hidden_dim,
    dropout: c.dropout ?? DISTILBERT_DEFAULTS.dropout,
    attention_dropout: c.attention_dropout ?? DISTILBERT_DEFAULTS.attention_dropout,
    activation: act,
    initializer_range: c.initializer_range ?? DISTILBERT_DEFAULTS.initializer_range,
    qa_dropout: c.qa_dropout ?? DISTILBERT_DEFAULTS.qa_dropout,
    seq_classif_dropout: c.seq_classif_dropout ?? DISTILBERT_DEFAULTS.seq_classif_dropout,
    pad_token_id: c.pad_token_id ?? DISTILBERT_DEFAULTS.pad_token_id,
    bos_token_id: c.bos_token_id ?? null,
    eos_token_id: c.eos_token_id ?? null,
    tie_word_embeddings: c.tie_word_embeddings ?? DISTILBERT_DEFAULTS.tie_word_embeddings,
    ...labels,
    ...keptTransformersVersion(c.transformers_version),
  };
  checkEncoderSizes(
    DISTILBERT_NAME,
    {
      hidden: config.dim,
      heads: config.n_heads,
      padTokenId: config.pad_token_id,
      vocabSize: config.vocab_size,
    },
    { hidden: 'dim', heads: 'n_heads' },
  );
  return config;
}

/** config.json as `DistilBertConfig.save_pretrained` writes it. */
export function distilBertConfigToJson(
  c: DistilBertConfig,
  architecture = 'DistilBertForSequenceClassification',
): string {
  return configJsonText({
    activation: c.activation,
    architectures: [architecture],
    attention_dropout: c.attention_dropout,
    bos_token_id: c.bos_token_id,
    dim: c.dim,
    dropout: c.dropout,
    dtype: 'float32',
    eos_token_id: c.eos_token_id,
    hidden_dim: c.hidden_dim,
    id2label: c.id2label,
    initializer_range: c.initializer_range,
    label2id: c.label2id,
    max_position_embeddings: c.max_position_embeddings,
    model_type: 'distilbert',
    n_heads: c.n_heads,
    n_layers: c.n_layers,
    pad_token_id: c.pad_token_id,
    problem_type: c.problem_type,
    qa_dropout: c.qa_dropout,
    seq_classif_dropout: c.seq_classif_dropout,
    sinusoidal_pos_embds: c.sinusoidal_pos_embds,
    tie_word_embeddings: c.tie_word_embeddings,
    transformers_version: TRANSFORMERS_VERSION,
    vocab_size: c.vocab_size,
  });
}

/**
 * The studio's from-scratch settings are named as BERT's config keys (the default family's); a
 * DistilBERT reads them under its own keys (`hidden_size` -> `dim`, ...). `classifier_dropout`
 * null (BERT: "as hidden_dropout_prob") leaves `seq_classif_dropout` at its default.
 */
const FROM_BERT_KEYS: Record<string, keyof DistilBertConfig> = {
  hidden_size: 'dim',
  num_hidden_layers: 'n_layers',
  num_attention_heads: 'n_heads',
  intermediate_size: 'hidden_dim',
  hidden_dropout_prob: 'dropout',
  attention_probs_dropout_prob: 'attention_dropout',
  classifier_dropout: 'seq_classif_dropout',
};

/**
 * A small DistilBERT trained from scratch: dim 64, 2 layers, 4 heads, hidden_dim 128 unless the
 * settings say otherwise (DistilBERT's keys, or BERT's names of the same settings); every other
 * key at HF's default.
 */
export function distilBertScratchConfig(opts: ScratchOptions): DistilBertConfig {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts.settings ?? {})) {
    if (v === undefined || v === null) continue;
    settings[FROM_BERT_KEYS[k] ?? k] = v;
  }
  return parseDistilBertConfig({
    architectures: ['DistilBertForSequenceClassification'],
    model_type: 'distilbert',
    vocab_size: opts.vocabSize,
    max_position_embeddings: opts.maxLength,
    dim: 64,
    n_layers: 2,
    n_heads: 4,
    hidden_dim: 128,
    pad_token_id: opts.padTokenId,
    id2label: opts.id2label,
    problem_type: opts.problemType,
    ...settings,
  });
}
