/**
 * The post-norm Transformer encoder layer of BERT and the families that kept it (RoBERTa,
 * XLM-RoBERTa, ELECTRA): self-attention with HF's additive mask, add & norm, the feed-forward
 * with `hidden_act`, add & norm; with HF's parameter names under `<pre>` (e.g.
 * `roberta.encoder.layer.3`). Built from `layers.ts`'s fast ops; the same maths as
 * `modeling_bert.py`'s `BertLayer` (eager attention).
 */
import * as tf from '@tensorflow/tfjs';

import type { BertActivation } from './config';
import type { ParamGetter, ParamSpec } from './family';
import { activation, addLayerNorm, attention, dropout, linear } from './layers';

/** torch.finfo(torch.float32).min: HF's additive attention-mask value. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** The config keys one encoder layer reads (HF names). */
export interface EncoderLayerConfig {
  hidden_size: number;
  num_attention_heads: number;
  hidden_act: BertActivation;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  layer_norm_eps: number;
}

/** Batch x sequence length of the [B*T, H] hidden states. */
export interface SequenceDims {
  batch: number;
  seqLen: number;
}

/** Seeds a dropout site (`undefined`: unseeded). */
export type SeedFor = (site: string) => string | undefined;

/**
 * HF's additive mask `[B, 1, 1, T]`: 0 where attended, float32 min where `attentionMask` is 0;
 * null when there is no mask (every position attended).
 */
export function additiveMask(attentionMask: tf.Tensor2D | undefined): tf.Tensor | null {
  if (!attentionMask) return null;
  const [B, T] = attentionMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), FLOAT32_MIN), [
    B,
    1,
    1,
    T,
  ]);
}

/**
 * Encoder layer `i` (parameters `<pre>.attention.self.query.weight`, ...): attention, residual +
 * LayerNorm, feed-forward, residual + LayerNorm. Dropout sites are seeded `attn<i>`,
 * `attnout<i>` and `out<i>`, as bert.ts seeds them.
 * @param h float32 [B*T, H]
 * @param maskAdd float32 [B, 1, 1, T] from {@link additiveMask}, or null
 * @returns float32 [B*T, H]
 */
export function encoderLayer(
  c: EncoderLayerConfig,
  param: ParamGetter,
  pre: string,
  i: number,
  h: tf.Tensor,
  maskAdd: tf.Tensor | null,
  dims: SequenceDims,
  training: boolean,
  seedFor: SeedFor,
): tf.Tensor {
  const nH = c.num_attention_heads;
  const eps = c.layer_norm_eps;
  const hp = c.hidden_dropout_prob;
  const att = `${pre}.attention.self`;
  // One projection for query, key and value: [B*T, 3H] -> [B, 3 nH, T, dH] -> q, k, v.
  const qkv = linear(
    h,
    tf.concat([
      param(`${att}.query.weight`),
      param(`${att}.key.weight`),
      param(`${att}.value.weight`),
    ]),
    tf.concat([param(`${att}.query.bias`), param(`${att}.key.bias`), param(`${att}.value.bias`)]),
  );
  const ctx = attention(
    qkv as tf.Tensor2D,
    { batch: dims.batch, seqLen: dims.seqLen, heads: nH },
    maskAdd,
    1 / Math.sqrt(c.hidden_size / nH),
    c.attention_probs_dropout_prob,
    training,
    seedFor(`attn${i}`),
  ); // [B*T, H]
  let attnOut = linear(
    ctx,
    param(`${pre}.attention.output.dense.weight`),
    param(`${pre}.attention.output.dense.bias`),
  );
  attnOut = dropout(attnOut, hp, training, seedFor(`attnout${i}`));
  const h1 = addLayerNorm(
    attnOut,
    h,
    param(`${pre}.attention.output.LayerNorm.weight`),
    param(`${pre}.attention.output.LayerNorm.bias`),
    eps,
  );
  const inter = activation(
    linear(h1, param(`${pre}.intermediate.dense.weight`), param(`${pre}.intermediate.dense.bias`)),
    c.hidden_act,
  );
  let out = linear(inter, param(`${pre}.output.dense.weight`), param(`${pre}.output.dense.bias`));
  out = dropout(out, hp, training, seedFor(`out${i}`));
  return addLayerNorm(
    out,
    h1,
    param(`${pre}.output.LayerNorm.weight`),
    param(`${pre}.output.LayerNorm.bias`),
    eps,
  );
}

/**
 * The layer's parameter names and shapes (`[out, in]` for Linear) in HF's `named_parameters()`
 * order, with their init kinds (Linear weights normal, biases zero, LayerNorm weight one).
 */
export function encoderLayerParamSpecs(
  pre: string,
  hidden: number,
  intermediate: number,
): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const lin = (prefix: string, out: number, inn: number): void => {
    specs.push({ name: `${prefix}.weight`, shape: [out, inn], kind: 'normal' });
    specs.push({ name: `${prefix}.bias`, shape: [out], kind: 'zeros' });
  };
  const ln = (prefix: string): void => {
    specs.push({ name: `${prefix}.weight`, shape: [hidden], kind: 'ones' });
    specs.push({ name: `${prefix}.bias`, shape: [hidden], kind: 'zeros' });
  };
  lin(`${pre}.attention.self.query`, hidden, hidden);
  lin(`${pre}.attention.self.key`, hidden, hidden);
  lin(`${pre}.attention.self.value`, hidden, hidden);
  lin(`${pre}.attention.output.dense`, hidden, hidden);
  ln(`${pre}.attention.output.LayerNorm`);
  lin(`${pre}.intermediate.dense`, intermediate, hidden);
  lin(`${pre}.output.dense`, hidden, intermediate);
  ln(`${pre}.output.LayerNorm`);
  return specs;
}

/**
 * Activation bytes the tape keeps for one layer at B x T (fp32), as the ops above save them: the
 * QKV projection's input and the head-major QKV (4 x B*T*H), the attention probabilities
 * (B*nH*T*T), the output dense's input, the two LayerNorms' normalised inputs and the
 * intermediate dense's input (4 x B*T*H), GELU's input and its CDF, and the output dense's
 * input (3 x B*T*I).
 */
export function encoderLayerActivationBytes(
  c: Pick<EncoderLayerConfig, 'hidden_size' | 'num_attention_heads'> & {
    intermediate_size: number;
  },
  B: number,
  T: number,
): number {
  const bth = B * T * c.hidden_size;
  const bti = B * T * c.intermediate_size;
  return 4 * (8 * bth + B * c.num_attention_heads * T * T + 3 * bti);
}
