/**
 * HF `ModernBertConfig` (`transformers/models/modernbert/configuration_modernbert.py`, 5.18) as
 * the studio reads and writes it: the same keys and defaults, the 4.x keys
 * (`global_attn_every_n_layers`, `global_rope_theta`, `local_rope_theta`) read as 5.x reads
 * them, and the settings that would change the classifier's maths beyond what the studio
 * implements refused by key.
 */
import { z } from 'zod';

import {
  BERT_ACTIVATIONS,
  TRANSFORMERS_VERSION,
  configJsonText,
  defaultId2Label,
  invalidConfig,
  keptTransformersVersion,
  parseLabelFields,
  showValue,
  type BertActivation,
} from '../configCommon';
import type { CommonConfig, ScratchOptions } from '../family';

export const MODERNBERT_NAME = 'ModernBERT';

/** A layer's attention: over every token, or over a window of `local_attention` tokens. */
export type ModernBertLayerType = 'full_attention' | 'sliding_attention';

/** The rotary embedding of one layer type (`rope_parameters[type]`). */
export interface ModernBertRope {
  rope_theta: number;
  /** Only "default" is implemented (the plain rotary embedding). */
  rope_type: 'default';
}

/** A ModernBERT classifier's configuration, with HF's key names. */
export interface ModernBertConfig extends CommonConfig {
  model_type: 'modernbert';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  hidden_activation: BertActivation;
  max_position_embeddings: number;
  initializer_range: number;
  /** Null: HF truncates at 3 standard deviations. */
  initializer_cutoff_factor: number | null;
  norm_eps: number;
  norm_bias: boolean;
  eos_token_id: number | null;
  bos_token_id: number | null;
  cls_token_id: number | null;
  sep_token_id: number | null;
  attention_bias: boolean;
  attention_dropout: number;
  /** One entry per layer. */
  layer_types: ModernBertLayerType[];
  rope_parameters: Record<ModernBertLayerType, ModernBertRope>;
  /** The whole window of a sliding layer: each token sees `local_attention // 2` on each side. */
  local_attention: number;
  embedding_dropout: number;
  mlp_bias: boolean;
  mlp_dropout: number;
  /** Masked-LM decoder only; kept for the file. */
  decoder_bias: boolean;
  classifier_pooling: 'cls' | 'mean';
  classifier_dropout: number;
  /** Bias of the head's dense layer (`head.dense`); the classifier always has one. */
  classifier_bias: boolean;
  classifier_activation: BertActivation;
  /** Flash attention only; kept for the file. */
  deterministic_flash_attn: boolean;
  /** Masked-LM only; kept for the file. */
  sparse_prediction: boolean;
  sparse_pred_ignore_index: number;
  tie_word_embeddings: boolean;
  /** The 4.x layer pattern, kept when the file has it (5.x writes it back). */
  global_attn_every_n_layers?: number;
}

/** HF's defaults (`ModernBertConfig`'s fields). */
export const MODERNBERT_DEFAULTS = {
  vocab_size: 50368,
  hidden_size: 768,
  intermediate_size: 1152,
  num_hidden_layers: 22,
  num_attention_heads: 12,
  hidden_activation: 'gelu',
  max_position_embeddings: 8192,
  initializer_range: 0.02,
  initializer_cutoff_factor: 2.0,
  norm_eps: 1e-5,
  norm_bias: false,
  pad_token_id: 50283,
  eos_token_id: 50282,
  bos_token_id: 50281,
  cls_token_id: 50281,
  sep_token_id: 50282,
  attention_bias: false,
  attention_dropout: 0.0,
  local_attention: 128,
  embedding_dropout: 0.0,
  mlp_bias: false,
  mlp_dropout: 0.0,
  decoder_bias: true,
  classifier_pooling: 'cls',
  classifier_dropout: 0.0,
  classifier_bias: false,
  classifier_activation: 'gelu',
  deterministic_flash_attn: false,
  sparse_prediction: false,
  sparse_pred_ignore_index: -100,
  tie_word_embeddings: true,
  /** The 4.x default of the layer pattern (`__post_init__`). */
  global_attn_every_n_layers: 3,
  global_rope_theta: 160000.0,
  local_rope_theta: 10000.0,
} as const;

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);
const tokenId = z.number().int().nullish();
const ropeSchema = z
  .looseObject({ rope_theta: z.number().positive().optional(), rope_type: z.string().optional() })
  .nullish();

const schema = z.looseObject({
  model_type: z.string().optional(),
  architectures: z.array(z.string()).nullish(),
  vocab_size: posInt.optional(),
  hidden_size: posInt.optional(),
  intermediate_size: posInt.optional(),
  num_hidden_layers: posInt.optional(),
  num_attention_heads: posInt.optional(),
  hidden_activation: z.enum(BERT_ACTIVATIONS).optional(),
  max_position_embeddings: posInt.optional(),
  initializer_range: z.number().nonnegative().optional(),
  initializer_cutoff_factor: z.number().positive().nullish(),
  norm_eps: z.number().positive().optional(),
  norm_bias: z.boolean().optional(),
  pad_token_id: z.number().int().nonnegative().optional(),
  eos_token_id: tokenId,
  bos_token_id: tokenId,
  cls_token_id: tokenId,
  sep_token_id: tokenId,
  attention_bias: z.boolean().optional(),
  attention_dropout: prob.optional(),
  layer_types: z.array(z.enum(['full_attention', 'sliding_attention'])).nullish(),
  rope_parameters: z
    .looseObject({ full_attention: ropeSchema, sliding_attention: ropeSchema })
    .nullish(),
  rope_scaling: z.null().optional(),
  global_rope_theta: z.number().positive().optional(),
  local_rope_theta: z.number().positive().optional(),
  global_attn_every_n_layers: posInt.optional(),
  local_attention: posInt.optional(),
  /** HF's half-window property: setting it sets local_attention to twice it (and wins). */
  sliding_window: posInt.optional(),
  embedding_dropout: prob.optional(),
  mlp_bias: z.boolean().optional(),
  mlp_dropout: prob.optional(),
  decoder_bias: z.boolean().optional(),
  classifier_pooling: z.enum(['cls', 'mean']).optional(),
  classifier_dropout: prob.optional(),
  classifier_bias: z.boolean().optional(),
  classifier_activation: z.enum(BERT_ACTIVATIONS).optional(),
  deterministic_flash_attn: z.boolean().optional(),
  sparse_prediction: z.boolean().optional(),
  sparse_pred_ignore_index: z.number().int().optional(),
  tie_word_embeddings: z.boolean().optional(),
  head_dim: posInt.nullish(),
  transformers_version: z.string().optional(),
});

function fail(message: string): never {
  throw invalidConfig(MODERNBERT_NAME, message);
}

/** `rope_parameters[type]` with HF's fill-ins; anything but the plain rotary embedding is refused. */
function ropeOf(
  raw: { rope_theta?: number; rope_type?: string } | null | undefined,
  type: ModernBertLayerType,
  theta: number,
): ModernBertRope {
  const ropeType = raw?.rope_type ?? 'default';
  if (ropeType !== 'default') {
    fail(
      `key "rope_parameters.${type}.rope_type": only "default" rotary embeddings are implemented, ` +
        `got ${showValue(ropeType)} (scaled RoPE variants change the attention)`,
    );
  }
  const extra = Object.keys(raw ?? {}).filter((k) => k !== 'rope_theta' && k !== 'rope_type');
  if (extra.length > 0) {
    fail(
      `key "rope_parameters.${type}.${extra[0]}": not implemented (the studio reads rope_theta ` +
        `and rope_type "default" only)`,
    );
  }
  return { rope_theta: raw?.rope_theta ?? theta, rope_type: 'default' };
}

/**
 * Validates a parsed config.json and fills HF's defaults. Throws a `StudioError` naming the key
 * for bad values and for settings that change the classifier beyond what is implemented (RoPE
 * scaling, a `head_dim` other than hidden_size / num_attention_heads, activations outside
 * {@link BERT_ACTIVATIONS}). Masked-LM and flash-attention keys are kept as read.
 */
export function parseModernBertConfig(json: unknown): ModernBertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(`expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  }
  const rawType = (json as Record<string, unknown>).model_type;
  if (rawType !== undefined && rawType !== 'modernbert') {
    fail(`model_type ${showValue(rawType)} is not "modernbert"`);
  }
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join('.') || '(root)';
    const got = 'input' in issue ? ` (got ${showValue(issue.input)})` : '';
    const hint =
      key === 'rope_scaling'
        ? ' (RoPE scaling is not implemented; remove the key or set null)'
        : '';
    fail(`key "${key}": ${issue.message}${got}${hint}`);
  }
  const c = parsed.data;
  const labels = parseLabelFields(json as Record<string, unknown>, MODERNBERT_NAME);
  const D = MODERNBERT_DEFAULTS;
  const numLayers = c.num_hidden_layers ?? D.num_hidden_layers;
  const every = c.global_attn_every_n_layers ?? D.global_attn_every_n_layers;
  const layerTypes =
    c.layer_types ??
    Array.from({ length: numLayers }, (_, i): ModernBertLayerType =>
      i % every ? 'sliding_attention' : 'full_attention',
    );
  if (layerTypes.length !== numLayers) {
    fail(
      `key "layer_types": ${layerTypes.length} entries for num_hidden_layers ${numLayers} ` +
        `(one "full_attention" or "sliding_attention" per layer)`,
    );
  }
  const rope = c.rope_parameters ?? {};
  const config: ModernBertConfig = {
    model_type: 'modernbert',
    architectures: c.architectures ?? ['ModernBertForSequenceClassification'],
    vocab_size: c.vocab_size ?? D.vocab_size,
    hidden_size: c.hidden_size ?? D.hidden_size,
    intermediate_size: c.intermediate_size ?? D.intermediate_size,
    num_hidden_layers: numLayers,
    num_attention_heads: c.num_attention_heads ?? D.num_attention_heads,
    hidden_activation: c.hidden_activation ?? D.hidden_activation,
    max_position_embeddings: c.max_position_embeddings ?? D.max_position_embeddings,
    initializer_range: c.initializer_range ?? D.initializer_range,
    initializer_cutoff_factor:
      c.initializer_cutoff_factor === undefined
        ? D.initializer_cutoff_factor
        : c.initializer_cutoff_factor,
    norm_eps: c.norm_eps ?? D.norm_eps,
    norm_bias: c.norm_bias ?? D.norm_bias,
    pad_token_id: c.pad_token_id ?? D.pad_token_id,
    eos_token_id: c.eos_token_id === undefined ? D.eos_token_id : c.eos_token_id,
    bos_token_id: c.bos_token_id === undefined ? D.bos_token_id : c.bos_token_id,
    cls_token_id: c.cls_token_id === undefined ? D.cls_token_id : c.cls_token_id,
    sep_token_id: c.sep_token_id === undefined ? D.sep_token_id : c.sep_token_id,
    attention_bias: c.attention_bias ?? D.attention_bias,
    attention_dropout: c.attention_dropout ?? D.attention_dropout,
    layer_types: layerTypes,
    rope_parameters: {
      full_attention: ropeOf(
        rope.full_attention,
        'full_attention',
        c.global_rope_theta ?? D.global_rope_theta,
      ),
      sliding_attention: ropeOf(
        rope.sliding_attention,
        'sliding_attention',
        c.local_rope_theta ?? D.local_rope_theta,
      ),
    },
    local_attention:
      c.sliding_window !== undefined
        ? 2 * c.sliding_window
        : (c.local_attention ?? D.local_attention),
    embedding_dropout: c.embedding_dropout ?? D.embedding_dropout,
    mlp_bias: c.mlp_bias ?? D.mlp_bias,
    mlp_dropout: c.mlp_dropout ?? D.mlp_dropout,
    decoder_bias: c.decoder_bias ?? D.decoder_bias,
    classifier_pooling: c.classifier_pooling ?? D.classifier_pooling,
    classifier_dropout: c.classifier_dropout ?? D.classifier_dropout,
    classifier_bias: c.classifier_bias ?? D.classifier_bias,
    classifier_activation: c.classifier_activation ?? D.classifier_activation,
    deterministic_flash_attn: c.deterministic_flash_attn ?? D.deterministic_flash_attn,
    sparse_prediction: c.sparse_prediction ?? D.sparse_prediction,
    sparse_pred_ignore_index: c.sparse_pred_ignore_index ?? D.sparse_pred_ignore_index,
    tie_word_embeddings: c.tie_word_embeddings ?? D.tie_word_embeddings,
    ...labels,
    ...(c.global_attn_every_n_layers !== undefined
      ? { global_attn_every_n_layers: c.global_attn_every_n_layers }
      : {}),
    ...keptTransformersVersion(c.transformers_version),
  };
  const headDim = config.hidden_size / config.num_attention_heads;
  if (!Number.isInteger(headDim)) {
    fail(
      `key "hidden_size": ${config.hidden_size} is not a multiple of num_attention_heads ` +
        `(${config.num_attention_heads})`,
    );
  }
  if (headDim % 2 !== 0) {
    fail(`key "num_attention_heads": the head size ${headDim} must be even for rotary embeddings`);
  }
  if (c.head_dim != null && c.head_dim !== headDim) {
    fail(
      `key "head_dim": ${c.head_dim} differs from hidden_size / num_attention_heads (${headDim}); ` +
        `ModernBERT's attention uses the latter, a different rotary size is not implemented`,
    );
  }
  if (config.pad_token_id >= config.vocab_size) {
    fail(
      `key "pad_token_id": ${config.pad_token_id} is outside the vocabulary (${config.vocab_size})`,
    );
  }
  return config;
}

/**
 * Keys `ModernBertConfig` declares `float` (its strict dataclass refuses an int there, so an
 * integral value is written `2.0`, as Python writes it).
 */
const FLOAT_KEYS = ['initializer_range', 'initializer_cutoff_factor', 'norm_eps'];

/**
 * config.json as `save_pretrained` writes it, `architectures: [architecture]` (default
 * `['ModernBertForSequenceClassification']`).
 */
export function modernBertConfigToJson(
  config: ModernBertConfig,
  architecture = 'ModernBertForSequenceClassification',
): string {
  const { num_labels: _numLabels, ...rest } = config;
  void _numLabels;
  const text = configJsonText({
    ...rest,
    architectures: [architecture],
    dtype: 'float32',
    transformers_version: TRANSFORMERS_VERSION,
  });
  const floats = new RegExp(`^(  "(?:${FLOAT_KEYS.join('|')})": -?\\d+)(,?)$`, 'gm');
  return text.replace(floats, '$1.0$2');
}

/**
 * The studio's from-scratch settings are named as BERT's config keys (the default family's);
 * ModernBERT reads its dropouts under its own: `hidden_dropout_prob` (after the embeddings and
 * in the MLP) -> `embedding_dropout` and `mlp_dropout`, `attention_probs_dropout_prob` ->
 * `attention_dropout` (ModernBERT's, on the probabilities and after `Wo`). A null
 * `classifier_dropout` (BERT: "as hidden_dropout_prob") leaves HF's default.
 */
const FROM_BERT_KEYS: Record<string, readonly string[]> = {
  hidden_dropout_prob: ['embedding_dropout', 'mlp_dropout'],
  attention_probs_dropout_prob: ['attention_dropout'],
};

/**
 * The small from-scratch ModernBERT: hidden 64, 2 layers, 4 heads, intermediate 128,
 * `max_position_embeddings` the run's max length, the special-token ids null (the tokenizer has
 * them), the settings (ModernBERT's keys, or BERT's names of the same settings), every other key
 * at HF's default (layer 0 global, then as `global_attn_every_n_layers` 3 lays them out).
 */
export function modernBertScratchConfig(opts: ScratchOptions): ModernBertConfig {
  const id2label = Object.keys(opts.id2label).length > 0 ? opts.id2label : defaultId2Label(2);
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts.settings ?? {})) {
    if (v === undefined || v === null) continue;
    for (const key of FROM_BERT_KEYS[k] ?? [k]) settings[key] = v;
  }
  return parseModernBertConfig({
    architectures: ['ModernBertForSequenceClassification'],
    model_type: 'modernbert',
    vocab_size: opts.vocabSize,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: opts.maxLength,
    pad_token_id: opts.padTokenId,
    // HF's defaults (50281, 50282) lie outside a small tokenizer's vocabulary
    bos_token_id: null,
    eos_token_id: null,
    cls_token_id: null,
    sep_token_id: null,
    id2label,
    problem_type: opts.problemType,
    ...settings,
  });
}
