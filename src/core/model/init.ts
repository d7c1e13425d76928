/**
 * HF's `_init_weights` for the parameter kinds most families share: Linear and Embedding weights
 * ~ normal(0, initializer_range), biases 0, LayerNorm weight 1 / bias 0, the word embeddings'
 * `padding_idx` row zeroed; each parameter seeded by (seed, name).
 */
import * as tf from '@tensorflow/tfjs';

import type { ParamSpec } from './family';

export type { ParamKind, ParamSpec } from './family';

/** A 31-bit seed for one parameter, so each gets an independent, reproducible stream. */
export function paramSeed(seed: number, name: string): number {
  let h = (Math.imul(Math.trunc(seed) | 0, 0x9e3779b1) ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) & 0x7fffffff;
}

/** The config keys {@link initParam} reads. */
export interface InitSettings {
  initializer_range: number;
  pad_token_id: number;
}

/**
 * A freshly initialised tensor for `spec` (HF `_init_weights` of BERT-like models), seeded by
 * `seed` and the parameter name. The caller owns it. A 'custom' spec is the family's to make:
 * this throws for it.
 */
export function initParam(config: InitSettings, spec: ParamSpec, seed: number): tf.Tensor {
  return tf.tidy(() => {
    switch (spec.kind) {
      case 'zeros':
        return tf.zeros(spec.shape);
      case 'ones':
        return tf.ones(spec.shape);
      case 'normal':
        return tf.randomNormal(
          spec.shape,
          0,
          config.initializer_range,
          'float32',
          paramSeed(seed, spec.name),
        );
      case 'word_embeddings': {
        const w = tf.randomNormal(
          spec.shape,
          0,
          config.initializer_range,
          'float32',
          paramSeed(seed, spec.name),
        );
        // HF zeroes the padding_idx row: `module.weight.data[module.padding_idx].zero_()`.
        const keep = tf.sub(
          1,
          tf.reshape(
            tf.oneHot(tf.tensor1d([config.pad_token_id], 'int32'), spec.shape[0]),
            [-1, 1],
          ),
        );
        return tf.mul(w, keep);
      }
      case 'custom':
        throw new Error(`initParam: '${spec.name}' has a family-specific initialisation`);
      default: {
        const never: never = spec.kind;
        throw new Error(`Unknown parameter kind ${String(never)}`);
      }
    }
  });
}
