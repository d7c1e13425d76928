/**
 * `DistilBertForSequenceClassification`'s parameters (HF names and PyTorch shapes, in
 * `named_parameters()` order) and `DistilBertPreTrainedModel._init_weights`: the shared
 * normal / zeros / ones kinds, the word embeddings' padding row zeroed, and with
 * `sinusoidal_pos_embds` the position table set to HF's sines and cosines (a trained parameter
 * all the same: transformers 5 stores it in model.safetensors and gives it a gradient).
 */
import * as tf from '@tensorflow/tfjs';

import {
  encoderLayerSpecs,
  layerNormSpecs,
  linearSpecs,
  type EncoderLayerNames,
} from '../encoderLayer';
import type { HeadKind, ParamSpec } from '../family';
import { initParam } from '../init';
import { tokenHeadSpecs } from '../tokenHead';
import type { DistilBertConfig } from './config';

/** The classification head (reinitialised on a num_labels change). */
export const DISTILBERT_HEAD_PARAMS = [
  'pre_classifier.weight',
  'pre_classifier.bias',
  'classifier.weight',
  'classifier.bias',
] as const;

export const DISTILBERT_EMBEDDINGS = {
  word: 'distilbert.embeddings.word_embeddings.weight',
  position: 'distilbert.embeddings.position_embeddings.weight',
  norm: 'distilbert.embeddings.LayerNorm',
} as const;

/** Layer i's modules (`TransformerBlock`). */
export function distilBertLayerNames(i: number): EncoderLayerNames {
  const p = `distilbert.transformer.layer.${i}`;
  return {
    query: `${p}.attention.q_lin`,
    key: `${p}.attention.k_lin`,
    value: `${p}.attention.v_lin`,
    attentionOutput: `${p}.attention.out_lin`,
    attentionNorm: `${p}.sa_layer_norm`,
    intermediate: `${p}.ffn.lin1`,
    output: `${p}.ffn.lin2`,
    outputNorm: `${p}.output_layer_norm`,
  };
}

/**
 * Every parameter of `DistilBertForSequenceClassification(config)`, in HF's order; head 'token':
 * of `DistilBertForTokenClassification` (`classifier` only, no `pre_classifier`).
 */
export function distilBertParamSpecs(
  c: DistilBertConfig,
  head: HeadKind = 'sequence',
): ParamSpec[] {
  const H = c.dim;
  const specs: ParamSpec[] = [
    { name: DISTILBERT_EMBEDDINGS.word, shape: [c.vocab_size, H], kind: 'word_embeddings' },
    {
      name: DISTILBERT_EMBEDDINGS.position,
      shape: [c.max_position_embeddings, H],
      kind: c.sinusoidal_pos_embds ? 'custom' : 'normal',
    },
    ...layerNormSpecs(DISTILBERT_EMBEDDINGS.norm, H),
  ];
  for (let i = 0; i < c.n_layers; i++) {
    specs.push(...encoderLayerSpecs(distilBertLayerNames(i), H, c.hidden_dim));
  }
  if (head === 'token') return [...specs, ...tokenHeadSpecs(c.num_labels, H)];
  specs.push(...linearSpecs('pre_classifier', H, H), ...linearSpecs('classifier', c.num_labels, H));
  return specs;
}

/**
 * HF's sinusoidal position table (`_create_sinusoidal_embeddings`): row `pos`, column `j` is
 * `sin(pos / 10000^(2 floor(j/2) / dim))` for even j, `cos` of the same for odd j, computed in
 * double precision and stored as float32.
 */
export function sinusoidalTable(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/** A fresh tensor for `spec` as `_init_weights` makes it, seeded by (seed, name). */
export function distilBertInitParam(c: DistilBertConfig, spec: ParamSpec, seed: number): tf.Tensor {
  if (spec.kind === 'custom') {
    return tf.tensor2d(sinusoidalTable(c.max_position_embeddings, c.dim), [
      c.max_position_embeddings,
      c.dim,
    ]);
  }
  return initParam(c, spec, seed);
}
