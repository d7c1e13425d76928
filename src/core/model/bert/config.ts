/**
 * HF `BertConfig` (`transformers/models/bert/configuration_bert.py`) as the studio reads and writes
 * it: the same keys, the same defaults, and `num_labels` derived from `id2label` as
 * `PretrainedConfig.__init__` derives it. A config that parses here loads in Python and vice versa.
 */
import { z } from 'zod';

import {
  PROBLEM_TYPES,
  TRANSFORMERS_VERSION,
  configJsonText,
  defaultId2Label,
  definedSettings,
  invalidConfig,
  invertId2Label,
  keptTransformersVersion,
  parseLabelFields,
  showValue,
  type BertActivation,
  type ProblemType,
} from '../configCommon';
import type { CommonConfig } from '../family';
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

/** A BERT classifier's configuration, with HF's key names. */
export interface BertConfig extends CommonConfig, BertKeyFields {
  model_type: 'bert';
  /** As found in the file; exports write `['BertForSequenceClassification']`. */
  architectures: string[];
  vocab_size: number;
  /** Dropout before the classifier; null means `hidden_dropout_prob` (HF). */
  classifier_dropout: number | null;
  /** Row of the word embeddings zeroed at initialisation (HF `padding_idx`). */
  pad_token_id: number;
  /** Only 'absolute' is implemented; others are rejected by {@link parseBertConfig}. */
  position_embedding_type: 'absolute';
  /** Always `Object.keys(id2label).length`. */
  num_labels: number;
  /** Keys are the decimal strings "0".."num_labels-1" (as in config.json). */
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  /** null: decided from the labels at the first loss (HF), see {@link problemTypeFor}. */
  problem_type: ProblemType | null;
  torch_dtype: string;
  transformers_version?: string;
}

/** HF's defaults for keys a config.json leaves out (`BertConfig.__init__`, `PretrainedConfig`). */
export const BERT_DEFAULTS = {
  vocab_size: 30522,
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
  pad_token_id: 0,
  num_labels: 2,
} as const;

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);

const schema = z.looseObject({
  model_type: z.string().optional(),
  architectures: z.array(z.string()).nullish(),
  vocab_size: posInt.optional(),
  ...BERT_LAYER_KEYS,
  classifier_dropout: prob.nullish(),
  ...BERT_TABLE_KEYS,
  pad_token_id: z.number().int().nonnegative().nullish(),
  position_embedding_type: z.string().optional(),
  num_labels: posInt.optional(),
  id2label: z.record(z.string(), z.string()).nullish(),
  label2id: z.record(z.string(), z.number().int().nonnegative()).nullish(),
  problem_type: z.enum(PROBLEM_TYPES).nullish(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  transformers_version: z.string().optional(),
});

function fail(message: string): never {
  throw invalidConfig('BERT', message);
}

const show = showValue;

/**
 * Validates a parsed config.json (or any object with its keys) and fills HF's defaults.
 * Throws an Error naming the offending key for bad values, for model types outside the BERT
 * architecture (only `model_type: "bert"` — BERT, its miniatures, MiniLM, ... — is accepted) and for
 * `position_embedding_type` other than "absolute". `num_labels` comes from `id2label` when present
 * (HF does the same; a conflicting `num_labels` is ignored), else from `num_labels`, else 2.
 */
export function parseBertConfig(json: unknown): BertConfig {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const rawType = (json as Record<string, unknown>).model_type;
    if (rawType !== undefined && rawType !== 'bert') {
      fail(
        `model_type ${show(rawType)} is not supported: the studio implements the BERT architecture ` +
          `(model_type "bert": BERT, its miniatures, MiniLM, ...); models such as roberta, distilbert ` +
          `or electra have different weights and are not loaded.`,
      );
    }
  }
  const c = parseConfigObject(schema, json, 'BERT');
  const pet = c.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') {
    fail(
      `key "position_embedding_type": only "absolute" is implemented, got ${show(pet)} ` +
        `(relative_key / relative_key_query position embeddings are not supported)`,
    );
  }

  const labels = parseLabelFields(c, 'BERT');

  const config: BertConfig = {
    model_type: 'bert',
    architectures: c.architectures ?? ['BertForSequenceClassification'],
    vocab_size: c.vocab_size ?? BERT_DEFAULTS.vocab_size,
    ...bertLayerValues(c, BERT_DEFAULTS),
    classifier_dropout: c.classifier_dropout ?? null,
    ...bertTableValues(c, BERT_DEFAULTS),
    pad_token_id: c.pad_token_id ?? BERT_DEFAULTS.pad_token_id,
    position_embedding_type: 'absolute',
    ...labels,
    torch_dtype: c.torch_dtype ?? c.dtype ?? 'float32',
    ...keptTransformersVersion(c.transformers_version),
  };
  checkBertKeySizes('BERT', config);
  return config;
}

/** Options for {@link smallBertConfig}. */
export interface SmallBertOptions {
  /** Tokenizer vocabulary size (rows of the word embeddings). */
  vocabSize: number;
  numLabels: number;
  /** Longest tokenized sequence the model will see; becomes `max_position_embeddings`. */
  maxLength: number;
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  intermediateSize?: number;
  hiddenAct?: BertActivation;
  hiddenDropoutProb?: number;
  attentionProbsDropoutProb?: number;
  typeVocabSize?: number;
  padTokenId?: number;
  id2label?: Record<string, string>;
  problemType?: ProblemType | null;
  /**
   * BertConfig keys set as they are (the run's from-scratch settings, see
   * src/core/config/modelArguments.ts); they win over the options above.
   */
  settings?: Partial<BertConfig>;
}

/**
 * The studio's default model trained from scratch: a small BERT (hidden 64, 2 layers, 4 heads,
 * intermediate 128 unless told) with every other key at HF's default, validated as a parsed file is.
 */
export function smallBertConfig(opts: SmallBertOptions): BertConfig {
  const id2label = opts.id2label ?? defaultId2Label(opts.numLabels);
  if (Object.keys(id2label).length !== opts.numLabels) {
    fail(`id2label has ${Object.keys(id2label).length} labels but numLabels is ${opts.numLabels}`);
  }
  return parseBertConfig({
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    vocab_size: opts.vocabSize,
    hidden_size: opts.hiddenSize ?? 64,
    num_hidden_layers: opts.numLayers ?? 2,
    num_attention_heads: opts.numHeads ?? 4,
    intermediate_size: opts.intermediateSize ?? 128,
    hidden_act: opts.hiddenAct ?? 'gelu',
    hidden_dropout_prob: opts.hiddenDropoutProb ?? 0.1,
    attention_probs_dropout_prob: opts.attentionProbsDropoutProb ?? 0.1,
    classifier_dropout: null,
    max_position_embeddings: opts.maxLength,
    type_vocab_size: opts.typeVocabSize ?? 2,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    pad_token_id: opts.padTokenId ?? 0,
    position_embedding_type: 'absolute',
    id2label,
    label2id: invertId2Label(id2label),
    problem_type: opts.problemType ?? null,
    torch_dtype: 'float32',
    ...definedSettings(opts.settings),
  });
}

/**
 * The config as HF writes config.json for this model (`to_json_string`: keys sorted, indent 2,
 * trailing newline), with `architectures: [architecture]` (default
 * `['BertForSequenceClassification']`). `num_labels` is
 * implied by id2label, as in HF's files.
 */
export function bertConfigToJson(
  config: BertConfig,
  architecture = 'BertForSequenceClassification',
): string {
  const dict: Record<string, unknown> = {
    architectures: [architecture],
    ...bertKeyJson(config),
    classifier_dropout: config.classifier_dropout,
    id2label: config.id2label,
    label2id: config.label2id,
    model_type: 'bert',
    pad_token_id: config.pad_token_id,
    position_embedding_type: config.position_embedding_type,
    problem_type: config.problem_type,
    dtype: 'float32',
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: true,
    vocab_size: config.vocab_size,
  };
  return configJsonText(dict);
}
