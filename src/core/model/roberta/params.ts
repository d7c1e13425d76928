/**
 * The parameters of HF's `RobertaForSequenceClassification` (XLM-R's are the same): names and
 * shapes in `named_parameters()` order, `_init_weights` (`PreTrainedModel`'s: Linear and Embedding
 * weights normal(0, initializer_range) with the `padding_idx` rows of the word and position tables
 * zeroed, biases 0, LayerNorm 1 / 0), and how checkpoint keys map onto them.
 */
import * as tf from '@tensorflow/tfjs';

import { encoderLayerParamSpecs } from '../encoderLayer';
import type { ParamSpec } from '../family';
import { paramSeed } from '../init';
import type { RobertaConfig } from './config';

/** The base model's prefix in parameter names. */
export const ROBERTA_PREFIX = 'roberta.';

/** The classification head (`RobertaClassificationHead`). */
export const ROBERTA_HEAD_PARAMS = [
  'classifier.dense.weight',
  'classifier.dense.bias',
  'classifier.out_proj.weight',
  'classifier.out_proj.bias',
] as const;

/**
 * Every parameter, in HF's `named_parameters()` order (no pooler: `add_pooling_layer=False`).
 * `XLMRobertaForSequenceClassification` registers its head before the base model, so its head
 * comes first.
 */
export function robertaParamSpecs(c: RobertaConfig): ParamSpec[] {
  const H = c.hidden_size;
  const e = 'roberta.embeddings';
  const specs: ParamSpec[] = [
    { name: `${e}.word_embeddings.weight`, shape: [c.vocab_size, H], kind: 'word_embeddings' },
    { name: `${e}.token_type_embeddings.weight`, shape: [c.type_vocab_size, H], kind: 'normal' },
    { name: `${e}.LayerNorm.weight`, shape: [H], kind: 'ones' },
    { name: `${e}.LayerNorm.bias`, shape: [H], kind: 'zeros' },
    // nn.Embedding(..., padding_idx=pad_token_id): its padding row is zeroed too
    {
      name: `${e}.position_embeddings.weight`,
      shape: [c.max_position_embeddings, H],
      kind: 'word_embeddings',
    },
  ];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    specs.push(...encoderLayerParamSpecs(`roberta.encoder.layer.${i}`, H, c.intermediate_size));
  }
  const head: ParamSpec[] = [
    { name: 'classifier.dense.weight', shape: [H, H], kind: 'normal' },
    { name: 'classifier.dense.bias', shape: [H], kind: 'zeros' },
    { name: 'classifier.out_proj.weight', shape: [c.num_labels, H], kind: 'normal' },
    { name: 'classifier.out_proj.bias', shape: [c.num_labels], kind: 'zeros' },
  ];
  return c.model_type === 'xlm-roberta' ? [...head, ...specs] : [...specs, ...head];
}

/** A fresh tensor for `spec` as HF's `_init_weights` makes it, seeded by (seed, name). */
export function robertaInitParam(c: RobertaConfig, spec: ParamSpec, seed: number): tf.Tensor {
  return tf.tidy(() => {
    switch (spec.kind) {
      case 'zeros':
        return tf.zeros(spec.shape);
      case 'ones':
        return tf.ones(spec.shape);
      case 'normal':
      case 'word_embeddings': {
        const w = tf.randomNormal(
          spec.shape,
          0,
          c.initializer_range,
          'float32',
          paramSeed(seed, spec.name),
        );
        if (spec.kind === 'normal') return w;
        // `module.weight.data[module.padding_idx].zero_()`
        const rows = spec.shape[0];
        const keep = tf.sub(1, tf.reshape(tf.oneHot([c.pad_token_id], rows), [rows, 1]));
        return tf.mul(w, keep);
      }
      default:
        throw new Error(`RoBERTa: no initialisation of kind '${spec.kind}' (${spec.name})`);
    }
  });
}

/** Buffers HF ignores when loading (old checkpoints saved them). */
const IGNORED_KEYS = /(^|\.)embeddings\.(position_ids|token_type_ids)$/;

/**
 * A checkpoint key -> the parameter it loads into, or null for ignored buffers: `gamma`/`beta`
 * -> `weight`/`bias`, and the `roberta.` prefix added when the checkpoint has none (a
 * `RobertaModel`), the head's keys excepted. Keys the model lacks (a pooler, `lm_head.*`) come
 * back as they are, for the caller to report as unexpected.
 */
export function robertaCheckpointName(key: string, prefixed: boolean): string | null {
  if (IGNORED_KEYS.test(key)) return null;
  const name = key.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  if (prefixed || name.startsWith('classifier.')) return name;
  return `${ROBERTA_PREFIX}${name}`;
}

/** nn.Embedding weights (left out of `total_flos`, as `num_parameters(exclude_embeddings=True)`). */
export function isRobertaEmbeddingParam(name: string): boolean {
  return /^roberta\.embeddings\.(word|position|token_type)_embeddings\.weight$/.test(name);
}
