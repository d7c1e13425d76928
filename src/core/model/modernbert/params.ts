/**
 * The parameters of HF's `ModernBertForSequenceClassification` (names and PyTorch shapes, in
 * `named_parameters()` order) and `ModernBertPreTrainedModel._init_weights`: every Linear and the
 * token embeddings drawn from normals truncated at `initializer_cutoff_factor` standard
 * deviations, with std `initializer_range` for inputs (`Wqkv`, `Wi`, embeddings),
 * `initializer_range / sqrt(2 * num_hidden_layers)` for outputs (`Wo`, `head.dense`) and
 * `hidden_size ** -0.5` for the classifier; biases 0, LayerNorm weights 1 (biases 0). The token
 * embeddings' padding row is not zeroed: the truncated normal overwrites HF's zeroed row.
 */
import * as tf from '@tensorflow/tfjs';

import { createRng } from '../../util/rng';
import { paramSeed } from '../init';
import type { ParamSpec } from '../family';
import type { ModernBertConfig } from './config';

/** The base model's prefix. */
export const MODERNBERT_PREFIX = 'model.';
/** The classification head (reinitialised on a num_labels change). */
export const MODERNBERT_HEAD_PARAMS = ['classifier.weight', 'classifier.bias'] as const;

/** Every parameter of `ModernBertForSequenceClassification(config)`, in `named_parameters()` order. */
export function modernBertParamSpecs(c: ModernBertConfig): ParamSpec[] {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const specs: ParamSpec[] = [];
  const lin = (prefix: string, out: number, inn: number, bias: boolean): void => {
    specs.push({ name: `${prefix}.weight`, shape: [out, inn], kind: 'custom' });
    if (bias) specs.push({ name: `${prefix}.bias`, shape: [out], kind: 'zeros' });
  };
  const norm = (prefix: string): void => {
    specs.push({ name: `${prefix}.weight`, shape: [H], kind: 'ones' });
    if (c.norm_bias) specs.push({ name: `${prefix}.bias`, shape: [H], kind: 'zeros' });
  };
  specs.push({
    name: 'model.embeddings.tok_embeddings.weight',
    shape: [c.vocab_size, H],
    kind: 'custom',
  });
  norm('model.embeddings.norm');
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    if (i > 0) norm(`${p}.attn_norm`); // layer 0: nn.Identity
    lin(`${p}.attn.Wqkv`, 3 * H, H, c.attention_bias);
    lin(`${p}.attn.Wo`, H, H, c.attention_bias);
    norm(`${p}.mlp_norm`);
    lin(`${p}.mlp.Wi`, 2 * I, H, c.mlp_bias);
    lin(`${p}.mlp.Wo`, H, I, c.mlp_bias);
  }
  norm('model.final_norm');
  lin('head.dense', H, H, c.classifier_bias);
  norm('head.norm');
  lin('classifier', c.num_labels, H, true);
  return specs;
}

/** The std `_init_weights` gives a truncated-normal weight (before truncation). */
export function initStd(c: ModernBertConfig, name: string): number {
  if (name === 'classifier.weight') return c.hidden_size ** -0.5; // "final_out"
  if (/\.(attn|mlp)\.Wo\.weight$/.test(name) || name === 'head.dense.weight') {
    return c.initializer_range / Math.sqrt(2 * c.num_hidden_layers); // "out"
  }
  return c.initializer_range; // "in", "embedding"
}

/**
 * `n` draws of normal(0, std) truncated to [-cutoff * std, cutoff * std] (torch's
 * `trunc_normal_` with a = -b), by rejection from a seeded stream.
 */
export function truncatedNormal(
  n: number,
  std: number,
  cutoff: number,
  seed: number,
): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n;) {
    const z = rng.normal();
    if (Math.abs(z) <= cutoff) out[i++] = z * std;
  }
  return out;
}

/** A fresh tensor for `spec` as `_init_weights` makes it, seeded by (seed, name). Caller owns it. */
export function modernBertInitParam(c: ModernBertConfig, spec: ParamSpec, seed: number): tf.Tensor {
  switch (spec.kind) {
    case 'zeros':
      return tf.zeros(spec.shape);
    case 'ones':
      return tf.ones(spec.shape);
    case 'custom': {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const data = truncatedNormal(
        n,
        initStd(c, spec.name),
        c.initializer_cutoff_factor ?? 3, // HF: 3 when the key is null
        paramSeed(seed, spec.name),
      );
      return tf.tensor(data, spec.shape, 'float32');
    }
    default:
      throw new Error(`ModernBERT: no initialisation of kind '${spec.kind}' (${spec.name})`);
  }
}

/**
 * A checkpoint key -> the parameter it loads into: HF's LayerNorm gamma/beta renames, and the
 * `model.` prefix added to a base-model checkpoint's keys (`ModernBertModel`: `embeddings.*`,
 * `layers.*`, `final_norm.*`). Heads of other tasks (`decoder.*` of the masked-LM model) keep
 * their names and so come out unexpected, as in HF.
 */
export function modernBertCheckpointName(key: string, prefixed: boolean): string | null {
  const name = key.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  if (prefixed || /^(head|classifier|decoder)\./.test(name)) return name;
  return `${MODERNBERT_PREFIX}${name}`;
}
