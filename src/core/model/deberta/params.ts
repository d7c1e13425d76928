/**
 * The parameters of HF's `DebertaV2ForSequenceClassification` (names and PyTorch shapes, in
 * `named_parameters()` order), its `_init_weights` (Linear and Embedding weights ~ normal(0,
 * initializer_range), biases 0, LayerNorm 1 / 0, the word embeddings' padding row zeroed) and
 * its checkpoint-name rules (`deberta.` prefix, the `position_ids` buffer ignored).
 */
import * as tf from '@tensorflow/tfjs';

import type { ParamSpec } from '../family';
import { initParam } from '../init';
import type { DebertaV2Config } from './config';

export const DEBERTA_PREFIX = 'deberta.';

/** The classification head (reinitialised on a num_labels change). */
export const DEBERTA_HEAD_PARAMS = ['classifier.weight', 'classifier.bias'] as const;

/** Rows of `rel_embeddings`' half: position_buckets, else max_relative_positions (HF `pos_ebd_size`). */
export function attentionSpan(c: DebertaV2Config): number {
  if (c.position_buckets > 0) return c.position_buckets;
  return maxRelativePositions(c);
}

/** `max_relative_positions`, < 1 meaning max_position_embeddings (HF). */
export function maxRelativePositions(c: DebertaV2Config): number {
  return c.max_relative_positions < 1 ? c.max_position_embeddings : c.max_relative_positions;
}

/** Width of the embedding tables (`embedding_size`, default hidden_size). */
export function embeddingWidth(c: DebertaV2Config): number {
  return c.embedding_size ?? c.hidden_size;
}

/** Every parameter of `DebertaV2ForSequenceClassification(config)`, in `named_parameters()` order. */
export function debertaParamSpecs(c: DebertaV2Config): ParamSpec[] {
  const H = c.hidden_size;
  const E = embeddingWidth(c);
  const specs: ParamSpec[] = [];
  const lin = (prefix: string, out: number, inn: number, bias = true): void => {
    specs.push({ name: `${prefix}.weight`, shape: [out, inn], kind: 'normal' });
    if (bias) specs.push({ name: `${prefix}.bias`, shape: [out], kind: 'zeros' });
  };
  const ln = (prefix: string): void => {
    specs.push({ name: `${prefix}.weight`, shape: [H], kind: 'ones' });
    specs.push({ name: `${prefix}.bias`, shape: [H], kind: 'zeros' });
  };
  const emb = 'deberta.embeddings';
  specs.push({
    name: `${emb}.word_embeddings.weight`,
    shape: [c.vocab_size, E],
    kind: 'word_embeddings',
  });
  if (c.position_biased_input) {
    specs.push({
      name: `${emb}.position_embeddings.weight`,
      shape: [c.max_position_embeddings, E],
      kind: 'normal',
    });
  }
  if (c.type_vocab_size > 0) {
    specs.push({
      name: `${emb}.token_type_embeddings.weight`,
      shape: [c.type_vocab_size, E],
      kind: 'normal',
    });
  }
  if (E !== H) lin(`${emb}.embed_proj`, H, E, false);
  ln(`${emb}.LayerNorm`);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `deberta.encoder.layer.${i}`;
    const att = `${p}.attention.self`;
    lin(`${att}.query_proj`, H, H);
    lin(`${att}.key_proj`, H, H);
    lin(`${att}.value_proj`, H, H);
    if (c.relative_attention && !c.share_att_key) {
      if (c.pos_att_type.includes('c2p')) lin(`${att}.pos_key_proj`, H, H);
      if (c.pos_att_type.includes('p2c')) lin(`${att}.pos_query_proj`, H, H);
    }
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, c.intermediate_size, H);
    lin(`${p}.output.dense`, H, c.intermediate_size);
    ln(`${p}.output.LayerNorm`);
  }
  if (c.relative_attention) {
    specs.push({
      name: 'deberta.encoder.rel_embeddings.weight',
      shape: [2 * attentionSpan(c), H],
      kind: 'normal',
    });
  }
  if (c.norm_rel_ebd === 'layer_norm') ln('deberta.encoder.LayerNorm');
  lin('pooler.dense', c.pooler_hidden_size, c.pooler_hidden_size);
  lin('classifier', c.num_labels, H);
  return specs;
}

/**
 * A fresh tensor for `spec` as HF's `_init_weights` makes it (the common init of BERT-like
 * models: `initializer_range or 0.02`), seeded by (seed, name). The caller owns it.
 */
export function debertaInitParam(c: DebertaV2Config, spec: ParamSpec, seed: number): tf.Tensor {
  const settings = { initializer_range: c.initializer_range || 0.02, pad_token_id: c.pad_token_id };
  return initParam(settings, spec, seed);
}

/**
 * A checkpoint key -> the model's parameter name, or null for the `position_ids` buffer (HF
 * ignores it). Old `gamma`/`beta` names are fixed; a base-model checkpoint (no key with the
 * prefix) gets `deberta.` on every key but the head's. `position_embeddings` of a checkpoint
 * whose config has `position_biased_input` false map as they are and are unexpected for the
 * model (HF silences that warning with `_keys_to_ignore_on_load_unexpected`).
 */
export function debertaCheckpointName(key: string, prefixed: boolean): string | null {
  if (/(^|\.)embeddings\.position_ids$/.test(key)) return null;
  const name = key.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  if (prefixed || /^(pooler|classifier)\./.test(name)) return name;
  return `${DEBERTA_PREFIX}${name}`;
}

/** nn.Embedding weights (left out of total_flos by `num_parameters(exclude_embeddings=True)`). */
export function debertaIsEmbeddingParam(name: string): boolean {
  return /(^|\.)(word_embeddings|position_embeddings|token_type_embeddings|rel_embeddings)\.weight$/.test(
    name,
  );
}
