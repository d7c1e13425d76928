/**
 * HF `ElectraConfig` (`transformers/models/electra/configuration_electra.py`, 5.18): BERT's keys
 * plus `embedding_size` (the embedding tables' width, projected to `hidden_size` when smaller)
 * and the `summary_*` keys of the pre-training heads, with HF's defaults, read and written as
 * `save_pretrained` writes them.
 */
import { z } from 'zod';

import {
  TRANSFORMERS_VERSION,
  configJsonText,
  definedSettings,
  invalidConfig,
  keptTransformersVersion,
  parseLabelFields,
} from '../configCommon';
import type { CommonConfig, ScratchOptions } from '../family';
import {
  BERT_LAYER_KEYS,
  BERT_TABLE_KEYS,
  bertKeyJson,
  bertLayerValues,
  bertTableValues,
  checkActivation,
  checkBertKeySizes,
  parseConfigObject,
  type BertKeyFields,
} from '../familyParts';

export const ELECTRA_NAME = 'ELECTRA';

/** An ELECTRA classifier's configuration, with HF's key names. */
export interface ElectraConfig extends CommonConfig, BertKeyFields {
  model_type: 'electra';
  vocab_size: number;
  embedding_size: number;
  /** Keys of the pre-training heads' `ElectraSequenceSummary`, kept for the file. */
  summary_type: string;
  summary_use_proj: boolean;
  summary_activation: string;
  summary_last_dropout: number;
  pad_token_id: number;
  use_cache: boolean;
  /** Dropout of the classification head; null means `hidden_dropout_prob` (HF). */
  classifier_dropout: number | null;
  /** Only false (an encoder) is implemented. */
  is_decoder: false;
  add_cross_attention: false;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
  tie_word_embeddings: boolean;
}

/** `ElectraConfig`'s defaults (electra-small-discriminator's sizes). */
export const ELECTRA_DEFAULTS = {
  vocab_size: 30522,
  embedding_size: 128,
  hidden_size: 256,
  num_hidden_layers: 12,
  num_attention_heads: 4,
  intermediate_size: 1024,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  summary_type: 'first',
  summary_use_proj: true,
  summary_activation: 'gelu',
  summary_last_dropout: 0.1,
  pad_token_id: 0,
  use_cache: true,
  tie_word_embeddings: true,
} as const;

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);
const tokenId = z.number().int().nonnegative();

const schema = z.looseObject({
  model_type: z.literal('electra').optional(),
  architectures: z.array(z.string()).nullish(),
  vocab_size: posInt.optional(),
  embedding_size: posInt.optional(),
  ...BERT_LAYER_KEYS,
  hidden_act: z.string().optional(),
  ...BERT_TABLE_KEYS,
  summary_type: z.string().optional(),
  summary_use_proj: z.boolean().optional(),
  summary_activation: z.string().nullish(),
  summary_last_dropout: prob.optional(),
  pad_token_id: tokenId.nullish(),
  use_cache: z.boolean().optional(),
  classifier_dropout: prob.nullish(),
  is_decoder: z.boolean().optional(),
  add_cross_attention: z.boolean().optional(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  tie_word_embeddings: z.boolean().optional(),
  transformers_version: z.string().optional(),
});

/**
 * config.json -> {@link ElectraConfig} with HF's defaults. Throws naming the key for bad values,
 * for a `hidden_act` the studio does not implement, and for decoder settings (`is_decoder`,
 * `add_cross_attention`: a classifier is an encoder).
 */
export function parseElectraConfig(json: unknown): ElectraConfig {
  const c = parseConfigObject(schema, json, ELECTRA_NAME);
  const labels = parseLabelFields(json as Record<string, unknown>, ELECTRA_NAME);
  const act = checkActivation(
    ELECTRA_NAME,
    'hidden_act',
    c.hidden_act ?? ELECTRA_DEFAULTS.hidden_act,
  );
  for (const key of ['is_decoder', 'add_cross_attention'] as const) {
    if (c[key]) {
      throw invalidConfig(
        ELECTRA_NAME,
        `key "${key}": true is not supported (the studio trains ELECTRA as an encoder ` +
          `classifier); set it to false`,
      );
    }
  }
  const config: ElectraConfig = {
    model_type: 'electra',
    architectures: c.architectures ?? ['ElectraForSequenceClassification'],
    vocab_size: c.vocab_size ?? ELECTRA_DEFAULTS.vocab_size,
    embedding_size: c.embedding_size ?? ELECTRA_DEFAULTS.embedding_size,
    ...bertLayerValues({ ...c, hidden_act: act }, ELECTRA_DEFAULTS),
    ...bertTableValues(c, ELECTRA_DEFAULTS),
    summary_type: c.summary_type ?? ELECTRA_DEFAULTS.summary_type,
    summary_use_proj: c.summary_use_proj ?? ELECTRA_DEFAULTS.summary_use_proj,
    summary_activation: c.summary_activation ?? ELECTRA_DEFAULTS.summary_activation,
    summary_last_dropout: c.summary_last_dropout ?? ELECTRA_DEFAULTS.summary_last_dropout,
    pad_token_id: c.pad_token_id ?? ELECTRA_DEFAULTS.pad_token_id,
    use_cache: c.use_cache ?? ELECTRA_DEFAULTS.use_cache,
    classifier_dropout: c.classifier_dropout ?? null,
    is_decoder: false,
    add_cross_attention: false,
    bos_token_id: c.bos_token_id ?? null,
    eos_token_id: c.eos_token_id ?? null,
    tie_word_embeddings: c.tie_word_embeddings ?? ELECTRA_DEFAULTS.tie_word_embeddings,
    ...labels,
    ...keptTransformersVersion(c.transformers_version),
  };
  checkBertKeySizes(ELECTRA_NAME, config);
  return config;
}

/** config.json as `ElectraConfig.save_pretrained` writes it. */
export function electraConfigToJson(
  c: ElectraConfig,
  architecture = 'ElectraForSequenceClassification',
): string {
  return configJsonText({
    add_cross_attention: c.add_cross_attention,
    architectures: [architecture],
    ...bertKeyJson(c),
    bos_token_id: c.bos_token_id,
    classifier_dropout: c.classifier_dropout,
    dtype: 'float32',
    embedding_size: c.embedding_size,
    eos_token_id: c.eos_token_id,
    id2label: c.id2label,
    is_decoder: c.is_decoder,
    label2id: c.label2id,
    model_type: 'electra',
    pad_token_id: c.pad_token_id,
    problem_type: c.problem_type,
    summary_activation: c.summary_activation,
    summary_last_dropout: c.summary_last_dropout,
    summary_type: c.summary_type,
    summary_use_proj: c.summary_use_proj,
    tie_word_embeddings: c.tie_word_embeddings,
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: c.use_cache,
    vocab_size: c.vocab_size,
  });
}

/**
 * A small ELECTRA trained from scratch: hidden 64, 2 layers, 4 heads, intermediate 128 unless the
 * settings say otherwise, and embedding_size half the hidden size (electra-small's 128 to 256)
 * unless they set it; every other key at HF's default.
 */
export function electraScratchConfig(opts: ScratchOptions): ElectraConfig {
  const settings = definedSettings(opts.settings);
  const hidden = typeof settings.hidden_size === 'number' ? settings.hidden_size : 64;
  return parseElectraConfig({
    architectures: ['ElectraForSequenceClassification'],
    model_type: 'electra',
    vocab_size: opts.vocabSize,
    max_position_embeddings: opts.maxLength,
    embedding_size: Math.max(1, Math.floor(hidden / 2)),
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    pad_token_id: opts.padTokenId,
    id2label: opts.id2label,
    problem_type: opts.problemType,
    ...settings,
  });
}
