/**
 * HF `RobertaConfig` / `XLMRobertaConfig` (`configuration_roberta.py`, `configuration_xlm_roberta.py`
 * of transformers 5.18: the same keys, the same defaults but `vocab_size`) as the studio reads and
 * writes them.
 */
import { z } from 'zod';

import {
  TRANSFORMERS_VERSION,
  configJsonText,
  definedSettings,
  invalidConfig,
  keptTransformersVersion,
  parseLabelFields,
  showValue,
} from '../configCommon';
import type { CommonConfig, ScratchOptions } from '../family';
import {
  BERT_LAYER_KEYS,
  BERT_TABLE_KEYS,
  bertKeyJson,
  bertLayerValues,
  bertTableValues,
  checkBertKeySizes,
  parseConfigObject,
  type BertKeyFields,
} from '../familyParts';

/** What tells RoBERTa and XLM-RoBERTa apart: names and one default. */
export interface RobertaVariant {
  modelType: 'roberta' | 'xlm-roberta';
  displayName: string;
  architecture: string;
  /** `vocab_size`'s default in the variant's config class. */
  defaultVocabSize: number;
}

export const ROBERTA: RobertaVariant = {
  modelType: 'roberta',
  displayName: 'RoBERTa',
  architecture: 'RobertaForSequenceClassification',
  defaultVocabSize: 50265,
};

export const XLM_ROBERTA: RobertaVariant = {
  modelType: 'xlm-roberta',
  displayName: 'XLM-RoBERTa',
  architecture: 'XLMRobertaForSequenceClassification',
  defaultVocabSize: 30522,
};

/** A RoBERTa (or XLM-RoBERTa) classifier's configuration, with HF's key names. */
export interface RobertaConfig extends CommonConfig, BertKeyFields {
  model_type: 'roberta' | 'xlm-roberta';
  /** Dropout of the head (both its sites); null means `hidden_dropout_prob` (HF). */
  classifier_dropout: number | null;
  /** Rows of the position table, `padding_idx + 1` of them never read by a token. */
  max_position_embeddings: number;
  /** Also the embeddings' `padding_idx` (word and position tables). */
  pad_token_id: number;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
  tie_word_embeddings: boolean;
  use_cache: boolean;
}

/** HF's defaults (`RobertaConfig`'s class attributes) but `vocab_size` (the variant's). */
const DEFAULTS = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 1,
  bos_token_id: 0,
  eos_token_id: 2,
} as const;

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);
const tokenId = z.number().int().nonnegative();

const schema = z.looseObject({
  vocab_size: posInt.optional(),
  ...BERT_LAYER_KEYS,
  classifier_dropout: prob.nullish(),
  ...BERT_TABLE_KEYS,
  pad_token_id: tokenId.nullish(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  tie_word_embeddings: z.boolean().optional(),
  use_cache: z.boolean().optional(),
  is_decoder: z.boolean().optional(),
  add_cross_attention: z.boolean().optional(),
  position_embedding_type: z.string().optional(),
  architectures: z.array(z.string()).nullish(),
  transformers_version: z.string().optional(),
});

/** config.json (parsed) -> {@link RobertaConfig} with HF's defaults; throws naming the bad key. */
export function parseRobertaConfig(variant: RobertaVariant, json: unknown): RobertaConfig {
  const name = variant.displayName;
  const c = parseConfigObject(schema, json, name);
  const raw = json as Record<string, unknown>;
  if (raw.model_type !== undefined && raw.model_type !== variant.modelType) {
    throw invalidConfig(
      name,
      `key "model_type": expected "${variant.modelType}", got ${showValue(raw.model_type)}`,
    );
  }
  const refuse = (key: string, why: string): never => {
    throw invalidConfig(name, `key "${key}": ${why}`);
  };
  if (c.is_decoder)
    refuse('is_decoder', 'true is not supported (a classifier is an encoder; set it to false)');
  if (c.add_cross_attention) {
    refuse(
      'add_cross_attention',
      'true is not supported (cross-attention needs a decoder; set it to false)',
    );
  }
  const pet = c.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') {
    refuse('position_embedding_type', `only "absolute" is implemented, got ${showValue(pet)}`);
  }
  const config: RobertaConfig = {
    model_type: variant.modelType,
    architectures: c.architectures ?? [variant.architecture],
    vocab_size: c.vocab_size ?? variant.defaultVocabSize,
    ...bertLayerValues(c, DEFAULTS),
    classifier_dropout: c.classifier_dropout ?? null,
    ...bertTableValues(c, DEFAULTS),
    pad_token_id: c.pad_token_id ?? DEFAULTS.pad_token_id,
    bos_token_id: c.bos_token_id === undefined ? DEFAULTS.bos_token_id : c.bos_token_id,
    eos_token_id: c.eos_token_id === undefined ? DEFAULTS.eos_token_id : c.eos_token_id,
    tie_word_embeddings: c.tie_word_embeddings ?? true,
    use_cache: c.use_cache ?? true,
    ...parseLabelFields(raw, name),
    ...keptTransformersVersion(c.transformers_version),
  };
  checkBertKeySizes(name, config);
  if (config.max_position_embeddings <= config.pad_token_id + 1) {
    refuse(
      'max_position_embeddings',
      `${config.max_position_embeddings} leaves no position for a token: positions start at ` +
        `pad_token_id + 1 = ${config.pad_token_id + 1}`,
    );
  }
  return config;
}

/**
 * config.json as `save_pretrained` writes it, `architectures` set to `architecture` (default the
 * variant's sequence-classification class).
 */
export function robertaConfigToJson(
  variant: RobertaVariant,
  c: RobertaConfig,
  architecture = variant.architecture,
): string {
  return configJsonText({
    add_cross_attention: false,
    architectures: [architecture],
    ...bertKeyJson(c),
    bos_token_id: c.bos_token_id,
    classifier_dropout: c.classifier_dropout,
    dtype: 'float32',
    eos_token_id: c.eos_token_id,
    id2label: c.id2label,
    is_decoder: false,
    label2id: c.label2id,
    model_type: variant.modelType,
    pad_token_id: c.pad_token_id,
    problem_type: c.problem_type,
    tie_word_embeddings: c.tie_word_embeddings,
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: c.use_cache,
    vocab_size: c.vocab_size,
  });
}

/**
 * A from-scratch config: hidden 64, 2 layers, 4 heads, intermediate 128, `type_vocab_size` 1 (as
 * RoBERTa's checkpoints have it: its tokenizers give no token types), positions for `maxLength`
 * tokens past `padding_idx`; HF's defaults for every other key. `settings` win.
 */
export function robertaScratchConfig(variant: RobertaVariant, o: ScratchOptions): RobertaConfig {
  return parseRobertaConfig(variant, {
    model_type: variant.modelType,
    architectures: [variant.architecture],
    vocab_size: o.vocabSize,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    type_vocab_size: 1,
    pad_token_id: o.padTokenId,
    max_position_embeddings: o.maxLength + o.padTokenId + 1,
    id2label: o.id2label,
    problem_type: o.problemType,
    ...definedSettings(o.settings),
  });
}
