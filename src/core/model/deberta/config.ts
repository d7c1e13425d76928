/**
 * HF `DebertaV2Config` (`transformers/models/deberta_v2/configuration_deberta_v2.py`, 5.18) as
 * the studio reads and writes it: the same keys and defaults, including the keys the modeling
 * code reads with `getattr` (`position_buckets`, `share_att_key`, `norm_rel_ebd`,
 * `embedding_size`, `pooler_hidden_size`, `conv_kernel_size`, ...). DeBERTa-v3 checkpoints use
 * this config too (model_type "deberta-v2").
 */
import { z } from 'zod';

import {
  BERT_ACTIVATIONS,
  TRANSFORMERS_VERSION,
  definedSettings,
  keptTransformersVersion,
  type BertActivation,
} from '../configCommon';
import {
  configJsonText,
  invalidConfig,
  parseLabelFields,
  showValue,
  type LabelFields,
} from '../configCommon';
import type { CommonConfig, ScratchOptions } from '../family';
import {
  BERT_LAYER_KEYS,
  BERT_TABLE_KEYS,
  bertKeyJson,
  bertLayerValues,
  bertTableValues,
  type BertKeyFields,
} from '../familyParts';

export const DEBERTA_NAME = 'DeBERTa-v2';

/** The relative-attention terms DeBERTa adds to content-to-content attention. */
export type PosAttType = 'c2p' | 'p2c';

/** A DeBERTa-v2/v3 classifier's configuration, with HF's key names. */
export interface DebertaV2Config extends CommonConfig, BertKeyFields {
  model_type: 'deberta-v2';
  /** 0: no token_type embeddings (and no token_type_ids input). */
  type_vocab_size: number;
  relative_attention: boolean;
  /** < 1 means max_position_embeddings. */
  max_relative_positions: number;
  /** Log buckets of relative positions; <= 0: none (raw distances). */
  position_buckets: number;
  /** Whether absolute position embeddings are added to the word embeddings. */
  position_biased_input: boolean;
  pos_att_type: PosAttType[];
  /** Relative attention projects positions with query_proj/key_proj (else pos_*_proj). */
  share_att_key: boolean;
  /** "layer_norm": the relative embeddings pass through encoder.LayerNorm; "none": as they are. */
  norm_rel_ebd: 'layer_norm' | 'none';
  /** Width of the embeddings before `embed_proj`; null: hidden_size (not written). */
  embedding_size: number | null;
  pooler_hidden_size: number;
  pooler_hidden_act: BertActivation;
  pooler_dropout: number;
  /** Dropout before the classifier; null: hidden_dropout_prob (not written). */
  cls_dropout: number | null;
  bos_token_id: number | null;
  eos_token_id: number | null;
  legacy: boolean;
  tie_word_embeddings: boolean;
}

/** HF's defaults (`DebertaV2Config` and the modeling code's `getattr` fallbacks). */
export const DEBERTA_DEFAULTS = {
  vocab_size: 128100,
  hidden_size: 1536,
  num_hidden_layers: 24,
  num_attention_heads: 24,
  intermediate_size: 6144,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 0,
  initializer_range: 0.02,
  layer_norm_eps: 1e-7,
  relative_attention: false,
  max_relative_positions: -1,
  position_buckets: -1,
  pad_token_id: 0,
  position_biased_input: true,
  share_att_key: false,
  norm_rel_ebd: 'none',
  pooler_dropout: 0,
  pooler_hidden_act: 'gelu',
  legacy: true,
  tie_word_embeddings: true,
} as const;

const posInt = z.number().int().positive();
const prob = z.number().min(0).max(1);

const schema = z.looseObject({
  model_type: z.literal('deberta-v2').optional(),
  architectures: z.array(z.string()).nullish(),
  vocab_size: posInt.optional(),
  ...BERT_LAYER_KEYS,
  ...BERT_TABLE_KEYS,
  type_vocab_size: z.number().int().nonnegative().optional(),
  relative_attention: z.boolean().optional(),
  max_relative_positions: z.number().int().optional(),
  position_buckets: z.number().int().optional(),
  pad_token_id: z.number().int().nonnegative().nullish(),
  position_biased_input: z.boolean().optional(),
  pos_att_type: z.union([z.string(), z.array(z.string())]).nullish(),
  share_att_key: z.boolean().optional(),
  norm_rel_ebd: z.string().optional(),
  embedding_size: posInt.nullish(),
  pooler_hidden_size: posInt.optional(),
  pooler_hidden_act: z.enum(BERT_ACTIVATIONS).optional(),
  pooler_dropout: prob.optional(),
  cls_dropout: prob.nullish(),
  conv_kernel_size: z.number().int().nonnegative().optional(),
  attention_head_size: posInt.optional(),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: z.number().int().nullish(),
  legacy: z.boolean().optional(),
  tie_word_embeddings: z.boolean().optional(),
  transformers_version: z.string().optional(),
});

/** `pos_att_type` as `DebertaV2Config.__post_init__` reads it ("p2c|c2p" or a list). */
function parsePosAttType(v: string | string[] | null | undefined): PosAttType[] {
  if (v == null) return [];
  const list =
    typeof v === 'string'
      ? v
          .toLowerCase()
          .split('|')
          .map((s) => s.trim())
      : v;
  const out: PosAttType[] = [];
  for (const t of list) {
    if (t !== 'c2p' && t !== 'p2c') {
      throw invalidConfig(
        DEBERTA_NAME,
        `key "pos_att_type": ${showValue(t)} is not a relative-attention type; ` +
          `use "c2p" and/or "p2c" (as ["p2c", "c2p"] or "p2c|c2p")`,
      );
    }
    out.push(t);
  }
  return out;
}

function parseNormRelEbd(v: string | undefined): 'layer_norm' | 'none' {
  const parts = (v ?? DEBERTA_DEFAULTS.norm_rel_ebd)
    .toLowerCase()
    .split('|')
    .map((s) => s.trim());
  if (parts.every((p) => p === 'none' || p === 'layer_norm')) {
    return parts.includes('layer_norm') ? 'layer_norm' : 'none';
  }
  throw invalidConfig(
    DEBERTA_NAME,
    `key "norm_rel_ebd": ${showValue(v)} is not supported; use "layer_norm" or "none"`,
  );
}

/** Refusals of settings the studio does not implement, naming the key. */
function checkSupported(c: z.infer<typeof schema>, hidden: number, heads: number): void {
  if ((c.conv_kernel_size ?? 0) > 0) {
    throw invalidConfig(
      DEBERTA_NAME,
      `key "conv_kernel_size": ${c.conv_kernel_size} asks for the first layer's ConvLayer, ` +
        `which the studio does not implement (DeBERTa-v3 checkpoints have conv_kernel_size 0); ` +
        `use a checkpoint without it, or "Run it elsewhere"`,
    );
  }
  if (hidden % heads !== 0) {
    throw invalidConfig(
      DEBERTA_NAME,
      `key "hidden_size": ${hidden} is not a multiple of num_attention_heads (${heads})`,
    );
  }
  if (c.attention_head_size !== undefined && c.attention_head_size !== hidden / heads) {
    throw invalidConfig(
      DEBERTA_NAME,
      `key "attention_head_size": only hidden_size / num_attention_heads (${hidden / heads}) ` +
        `is supported, got ${c.attention_head_size}`,
    );
  }
  if (c.pooler_hidden_size !== undefined && c.pooler_hidden_size !== hidden) {
    throw invalidConfig(
      DEBERTA_NAME,
      `key "pooler_hidden_size": must equal hidden_size (${hidden}) for the classifier, ` +
        `got ${c.pooler_hidden_size}`,
    );
  }
}

/**
 * Validates a parsed config.json and fills HF's defaults. Throws a `StudioError` naming the key
 * for bad values and for what the studio does not implement (`conv_kernel_size` > 0, a head size
 * other than hidden/heads, a pooler width other than hidden_size).
 */
export function parseDebertaConfig(json: unknown): DebertaV2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidConfig(DEBERTA_NAME, `expected a JSON object, got ${showValue(json)}`);
  }
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join('.') || '(root)';
    const got = 'input' in issue ? ` (got ${showValue(issue.input)})` : '';
    throw invalidConfig(DEBERTA_NAME, `key "${key}": ${issue.message}${got}`);
  }
  const c = parsed.data;
  const d = DEBERTA_DEFAULTS;
  const labels: LabelFields = parseLabelFields(json as Record<string, unknown>, DEBERTA_NAME);
  const hidden = c.hidden_size ?? d.hidden_size;
  const heads = c.num_attention_heads ?? d.num_attention_heads;
  checkSupported(c, hidden, heads);
  const config: DebertaV2Config = {
    model_type: 'deberta-v2',
    architectures: c.architectures ?? ['DebertaV2ForSequenceClassification'],
    vocab_size: c.vocab_size ?? d.vocab_size,
    ...bertLayerValues(c, d),
    ...bertTableValues(c, d),
    relative_attention: c.relative_attention ?? d.relative_attention,
    max_relative_positions: c.max_relative_positions ?? d.max_relative_positions,
    position_buckets: c.position_buckets ?? d.position_buckets,
    pad_token_id: c.pad_token_id ?? d.pad_token_id,
    position_biased_input: c.position_biased_input ?? d.position_biased_input,
    pos_att_type: parsePosAttType(c.pos_att_type),
    share_att_key: c.share_att_key ?? d.share_att_key,
    norm_rel_ebd: parseNormRelEbd(c.norm_rel_ebd),
    embedding_size: c.embedding_size ?? null,
    pooler_hidden_size: c.pooler_hidden_size ?? hidden,
    pooler_hidden_act: c.pooler_hidden_act ?? d.pooler_hidden_act,
    pooler_dropout: c.pooler_dropout ?? d.pooler_dropout,
    cls_dropout: c.cls_dropout ?? null,
    bos_token_id: c.bos_token_id ?? null,
    eos_token_id: c.eos_token_id ?? null,
    legacy: c.legacy ?? d.legacy,
    tie_word_embeddings: c.tie_word_embeddings ?? d.tie_word_embeddings,
    ...labels,
    ...keptTransformersVersion(c.transformers_version),
  };
  if (config.pad_token_id >= config.vocab_size) {
    throw invalidConfig(
      DEBERTA_NAME,
      `key "pad_token_id": ${config.pad_token_id} is outside the vocabulary (${config.vocab_size})`,
    );
  }
  return config;
}

/** config.json as `save_pretrained` writes it for `DebertaV2ForSequenceClassification`. */
export function debertaConfigToJson(
  c: DebertaV2Config,
  architecture = 'DebertaV2ForSequenceClassification',
): string {
  const dict: Record<string, unknown> = {
    architectures: [architecture],
    ...bertKeyJson(c),
    bos_token_id: c.bos_token_id,
    dtype: 'float32',
    eos_token_id: c.eos_token_id,
    id2label: c.id2label,
    label2id: c.label2id,
    legacy: c.legacy,
    max_relative_positions: c.max_relative_positions,
    model_type: 'deberta-v2',
    norm_rel_ebd: c.norm_rel_ebd,
    pad_token_id: c.pad_token_id,
    pooler_dropout: c.pooler_dropout,
    pooler_hidden_act: c.pooler_hidden_act,
    pooler_hidden_size: c.pooler_hidden_size,
    pos_att_type: c.pos_att_type,
    position_biased_input: c.position_biased_input,
    position_buckets: c.position_buckets,
    problem_type: c.problem_type,
    relative_attention: c.relative_attention,
    share_att_key: c.share_att_key,
    tie_word_embeddings: c.tie_word_embeddings,
    transformers_version: TRANSFORMERS_VERSION,
    vocab_size: c.vocab_size,
  };
  if (c.embedding_size !== null) dict.embedding_size = c.embedding_size;
  if (c.cls_dropout !== null) dict.cls_dropout = c.cls_dropout;
  return configJsonText(dict);
}

/**
 * A small DeBERTa-v3-style model for training from scratch: hidden 64, 2 layers, 4 heads,
 * intermediate 128, relative attention (c2p and p2c, shared keys, 256 log buckets, LayerNorm on
 * the relative embeddings, no absolute positions, no token types), HF's defaults otherwise. The
 * studio's from-scratch settings are BERT's keys; DeBERTa reads `classifier_dropout` as its
 * `cls_dropout` (null: hidden_dropout_prob, as both say).
 */
export function debertaScratchConfig(opts: ScratchOptions): DebertaV2Config {
  const { classifier_dropout: clsDropout, ...settings } = opts.settings ?? {};
  return parseDebertaConfig({
    architectures: ['DebertaV2ForSequenceClassification'],
    model_type: 'deberta-v2',
    vocab_size: opts.vocabSize,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: opts.maxLength,
    relative_attention: true,
    position_buckets: 256,
    norm_rel_ebd: 'layer_norm',
    share_att_key: true,
    pos_att_type: ['p2c', 'c2p'],
    position_biased_input: false,
    type_vocab_size: 0,
    pad_token_id: opts.padTokenId,
    id2label: opts.id2label,
    problem_type: opts.problemType,
    ...(clsDropout != null ? { cls_dropout: clsDropout } : {}),
    ...definedSettings(settings),
  });
}
