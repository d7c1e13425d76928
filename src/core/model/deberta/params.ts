/**
 * The parameters of HF's `DebertaV2ForSequenceClassification` (names and PyTorch shapes, in
 * `named_parameters()` order), its `_init_weights` (Linear and Embedding weights ~ normal(0,
 * initializer_range), biases 0, LayerNorm 1 / 0, the word embeddings' padding row zeroed) and
 * its checkpoint-name rules (`deberta.` prefix, the `position_ids` buffer ignored).
 */
import * as tf from '@tensorflow/tfjs';

import { layerNormSpecs, linearSpecs, type EncoderLayerNames } from '../encoderLayer';
import type { HeadKind, ParamSpec } from '../family';
import { initParam } from '../init';
import { tokenHeadSpecs } from '../tokenHead';
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

/** The modules of encoder layer i (`DebertaV2Layer`). */
export function debertaLayerNames(i: number): EncoderLayerNames {
  const pre = `deberta.encoder.layer.${i}`;
  return {
    query: `${pre}.attention.self.query_proj`,
    key: `${pre}.attention.self.key_proj`,
    value: `${pre}.attention.self.value_proj`,
    attentionOutput: `${pre}.attention.output.dense`,
    attentionNorm: `${pre}.attention.output.LayerNorm`,
    intermediate: `${pre}.intermediate.dense`,
    output: `${pre}.output.dense`,
    outputNorm: `${pre}.output.LayerNorm`,
  };
}

/** Every parameter of `DebertaV2ForSequenceClassification(config)`, in `named_parameters()` order. */
export function debertaParamSpecs(c: DebertaV2Config, head: HeadKind = 'sequence'): ParamSpec[] {
  const H = c.hidden_size;
  const E = embeddingWidth(c);
  const emb = 'deberta.embeddings';
  const table = (name: string, rows: number, kind: ParamSpec['kind'] = 'normal'): ParamSpec => ({
    name: `${emb}.${name}.weight`,
    shape: [rows, E],
    kind,
  });
  const specs: ParamSpec[] = [table('word_embeddings', c.vocab_size, 'word_embeddings')];
  if (c.position_biased_input) specs.push(table('position_embeddings', c.max_position_embeddings));
  if (c.type_vocab_size > 0) specs.push(table('token_type_embeddings', c.type_vocab_size));
  // embed_proj: nn.Linear(embedding_size, hidden_size, bias=False)
  if (E !== H) specs.push({ name: `${emb}.embed_proj.weight`, shape: [H, E], kind: 'normal' });
  specs.push(...layerNormSpecs(`${emb}.LayerNorm`, H));
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const n = debertaLayerNames(i);
    const att = `deberta.encoder.layer.${i}.attention.self`;
    specs.push(...linearSpecs(n.query, H, H), ...linearSpecs(n.key, H, H));
    specs.push(...linearSpecs(n.value, H, H));
    if (c.relative_attention && !c.share_att_key) {
      if (c.pos_att_type.includes('c2p')) specs.push(...linearSpecs(`${att}.pos_key_proj`, H, H));
      if (c.pos_att_type.includes('p2c')) specs.push(...linearSpecs(`${att}.pos_query_proj`, H, H));
    }
    specs.push(...linearSpecs(n.attentionOutput, H, H), ...layerNormSpecs(n.attentionNorm, H));
    specs.push(...linearSpecs(n.intermediate, c.intermediate_size, H));
    specs.push(
      ...linearSpecs(n.output, H, c.intermediate_size),
      ...layerNormSpecs(n.outputNorm, H),
    );
  }
  if (c.relative_attention) {
    specs.push({
      name: 'deberta.encoder.rel_embeddings.weight',
      shape: [2 * attentionSpan(c), H],
      kind: 'normal',
    });
  }
  if (c.norm_rel_ebd === 'layer_norm')
    specs.push(...layerNormSpecs('deberta.encoder.LayerNorm', H));
  // DebertaV2ForTokenClassification has no ContextPooler: the classifier reads every token.
  if (head === 'token') return [...specs, ...tokenHeadSpecs(c.num_labels, H)];
  specs.push(...linearSpecs('pooler.dense', c.pooler_hidden_size, c.pooler_hidden_size));
  specs.push(...linearSpecs('classifier', c.num_labels, H));
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
