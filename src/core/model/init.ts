/**
 * The parameter set of HF's `BertForSequenceClassification` (names and PyTorch shapes) and HF's
 * `_init_weights`: Linear and Embedding weights ~ normal(0, initializer_range), biases 0,
 * LayerNorm weight 1 / bias 0, the word embeddings' `padding_idx` row zeroed.
 */
import * as tf from '@tensorflow/tfjs';

import type { BertConfig } from './config';

/** How a parameter is initialised. */
export type ParamKind = 'normal' | 'zeros' | 'ones' | 'word_embeddings';

/** Name, shape ([out, in] for Linear) and init of one parameter. */
export interface ParamSpec {
  name: string;
  shape: number[];
  kind: ParamKind;
}

/** Names of the classification head (newly initialised when a checkpoint lacks them). */
export const HEAD_PARAMS = ['classifier.weight', 'classifier.bias'] as const;

/**
 * Every parameter of `BertForSequenceClassification(config)` in HF's `named_parameters()` order.
 */
export function bertParamSpecs(config: BertConfig): ParamSpec[] {
  const H = config.hidden_size;
  const I = config.intermediate_size;
  const specs: ParamSpec[] = [];
  const lin = (prefix: string, out: number, inn: number): void => {
    specs.push({ name: `${prefix}.weight`, shape: [out, inn], kind: 'normal' });
    specs.push({ name: `${prefix}.bias`, shape: [out], kind: 'zeros' });
  };
  const ln = (prefix: string): void => {
    specs.push({ name: `${prefix}.weight`, shape: [H], kind: 'ones' });
    specs.push({ name: `${prefix}.bias`, shape: [H], kind: 'zeros' });
  };
  specs.push({
    name: 'bert.embeddings.word_embeddings.weight',
    shape: [config.vocab_size, H],
    kind: 'word_embeddings',
  });
  specs.push({
    name: 'bert.embeddings.position_embeddings.weight',
    shape: [config.max_position_embeddings, H],
    kind: 'normal',
  });
  specs.push({
    name: 'bert.embeddings.token_type_embeddings.weight',
    shape: [config.type_vocab_size, H],
    kind: 'normal',
  });
  ln('bert.embeddings.LayerNorm');
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `bert.encoder.layer.${i}`;
    lin(`${p}.attention.self.query`, H, H);
    lin(`${p}.attention.self.key`, H, H);
    lin(`${p}.attention.self.value`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, I, H);
    lin(`${p}.output.dense`, H, I);
    ln(`${p}.output.LayerNorm`);
  }
  lin('bert.pooler.dense', H, H);
  lin('classifier', config.num_labels, H);
  return specs;
}

/** Name -> PyTorch shape of every parameter (handy as `readSafetensors`'s `expected`). */
export function bertParamShapes(config: BertConfig): Map<string, number[]> {
  return new Map(bertParamSpecs(config).map((s) => [s.name, s.shape]));
}

/** A 31-bit seed for one parameter, so each gets an independent, reproducible stream. */
export function paramSeed(seed: number, name: string): number {
  let h = (Math.imul(Math.trunc(seed) | 0, 0x9e3779b1) ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) & 0x7fffffff;
}

/**
 * A freshly initialised tensor for `spec` (HF `BertPreTrainedModel._init_weights`), seeded by
 * `seed` and the parameter name. The caller owns it.
 */
export function initParam(config: BertConfig, spec: ParamSpec, seed: number): tf.Tensor {
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
      default: {
        const never: never = spec.kind;
        throw new Error(`Unknown parameter kind ${String(never)}`);
      }
    }
  });
}
