/**
 * HF `ModernBertForSequenceClassification.forward` (eager attention) in TF.js: token embeddings,
 * LayerNorm, dropout; per layer a pre-norm block (layer 0 has no attention norm) with the fused
 * `Wqkv`, rotary embeddings of the layer type's base, full or sliding-window attention and `Wo`,
 * then the GeGLU MLP (`Wi` to 2 x intermediate, `act(input) * gate`, `Wo`); the final norm; the
 * pooled state (`cls`: the first token, `mean`: the mask-weighted mean) through `head.dense`, the
 * classifier activation and `head.norm`, dropout, and the classifier.
 */
import * as tf from '@tensorflow/tfjs';

import type {
  ClassifierBatch,
  ClassifierOutput,
  ForwardOptions,
  HeadKind,
  ParamGetter,
} from '../family';
import { canCheckpoint, checkpointedLayer } from '../checkpoint';
import { batchShape, dropoutSites, firstToken } from '../encoderLayer';
import { activation, attention, dropout, linear } from '../layers';
import { headOutput, tokenClassifierLogits } from '../tokenHead';
import type { ModernBertConfig, ModernBertLayerType } from './config';
import {
  attentionMasks,
  layerNorm,
  residual,
  rotary,
  rotaryFactors,
  tokenRows,
  type RotaryFactors,
} from './ops';
import { modernBertParamSpecs } from './params';

const factorCache = new Map<string, RotaryFactors>();

/** The rotary factors of (T, dH, theta), computed once per shape. */
function factorsFor(T: number, dH: number, theta: number): RotaryFactors {
  const key = `${T}:${dH}:${theta}`;
  let f = factorCache.get(key);
  if (!f) {
    f = rotaryFactors(T, dH, theta);
    if (factorCache.size > 64) factorCache.clear();
    factorCache.set(key, f);
  }
  return f;
}

/**
 * See the module comment. Returns new tensors owned by the caller; `loss` is
 * `opts.loss(logits, labels)` when both are given (the model class passes the head's loss).
 * Head 'token' (`ModernBertForTokenClassification`): final norm, `head` (dense, activation,
 * norm), `drop` and `classifier` on every token, logits [B, T, num_labels].
 */
export function modernBertForward(
  c: ModernBertConfig,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
  head: HeadKind = 'sequence',
): ClassifierOutput {
  const training = opts.training ?? false;
  const ids = batch.input_ids;
  const [B, T] = batchShape(batch, c.max_position_embeddings);
  const mask = batch.attention_mask;
  const seedFor = dropoutSites(opts);
  const H = c.hidden_size;
  const eps = c.norm_eps;
  const bias = (name: string, on: boolean) => (on ? p(name) : undefined);
  const normBias = (prefix: string) => (c.norm_bias ? p(`${prefix}.bias`) : null);
  const norm = (x: tf.Tensor, prefix: string) =>
    layerNorm(x, p(`${prefix}.weight`), normBias(prefix), eps);

  return tf.tidy(() => {
    let h: tf.Tensor = norm(
      tokenRows(p('model.embeddings.tok_embeddings.weight') as tf.Tensor2D, ids),
      'model.embeddings.norm',
    );
    h = dropout(h, c.embedding_dropout, training, seedFor('emb'));
    const masks = attentionMasks(mask, B, T, Math.floor(c.local_attention / 2));
    const rates = [c.attention_dropout, c.mlp_dropout];
    const checkpoint =
      opts.gradientCheckpointing === true && canCheckpoint(training, rates, seedFor, 'mlp0');
    const specs = checkpoint ? modernBertParamSpecs(c) : [];
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const type = c.layer_types[i];
      const m = type === 'sliding_attention' ? masks.sliding : masks.full;
      const run = (get: ParamGetter, x: tf.Tensor, [mk]: (tf.Tensor | null)[]) =>
        encoderLayer(c, get, i, type, x, mk, { B, T }, training, seedFor);
      // One tidy per layer: what backward does not keep is freed as the layer ends.
      h = tf.tidy(() => {
        if (!checkpoint) return run(p, h, [m]);
        const own = specs.map((s) => s.name).filter((n) => n.startsWith(`model.layers.${i}.`));
        return checkpointedLayer(p, own, h, [m && { tensor: m, differentiable: false }], run);
      });
    }
    let pooled: tf.Tensor;
    if (head === 'token') {
      pooled = norm(h, 'model.final_norm');
    } else if (c.classifier_pooling === 'cls') {
      // final_norm is per token: normalising the first token alone is the same maths
      pooled = norm(firstToken(h, B, T), 'model.final_norm');
    } else {
      const normed = tf.reshape(norm(h, 'model.final_norm'), [B, T, H]);
      const w = mask ? tf.cast(mask, 'float32') : tf.ones([B, T]);
      const sums = tf.reshape(tf.matMul(tf.reshape(w, [B, 1, T]), normed), [B, H]);
      pooled = tf.div(sums, tf.sum(w, 1, true));
    }
    let x = linear(pooled, p('head.dense.weight'), bias('head.dense.bias', c.classifier_bias));
    x = norm(activation(x, c.classifier_activation), 'head.norm');
    if (head === 'token') {
      const drop = { rate: c.classifier_dropout, training, seed: seedFor('cls') };
      return headOutput(tokenClassifierLogits(p, x, { B, T }, drop), batch, opts);
    }
    x = dropout(x, c.classifier_dropout, training, seedFor('cls'));
    const logits = linear(x, p('classifier.weight'), p('classifier.bias')) as tf.Tensor2D;
    return headOutput(logits, batch, opts);
  });
}

/** `ModernBertEncoderLayer`: h + attn(attn_norm(h)), then h + mlp(mlp_norm(h)). */
function encoderLayer(
  c: ModernBertConfig,
  p: ParamGetter,
  i: number,
  type: ModernBertLayerType,
  h: tf.Tensor,
  maskAdd: tf.Tensor | null,
  { B, T }: { B: number; T: number },
  training: boolean,
  seedFor: (site: string) => string | undefined,
): tf.Tensor {
  const pre = `model.layers.${i}`;
  const nH = c.num_attention_heads;
  const dH = c.hidden_size / nH;
  const eps = c.norm_eps;
  const norm = (x: tf.Tensor, prefix: string) =>
    layerNorm(x, p(`${prefix}.weight`), c.norm_bias ? p(`${prefix}.bias`) : null, eps);
  const attnBias = (name: string) => (c.attention_bias ? p(name) : undefined);
  const mlpBias = (name: string) => (c.mlp_bias ? p(name) : undefined);
  const dims = { batch: B, seqLen: T, heads: nH };

  const x = i === 0 ? h : norm(h, `${pre}.attn_norm`);
  const qkv = linear(x, p(`${pre}.attn.Wqkv.weight`), attnBias(`${pre}.attn.Wqkv.bias`));
  const rotated = rotary(
    qkv as tf.Tensor2D,
    dims,
    factorsFor(T, dH, c.rope_parameters[type].rope_theta),
  );
  const ctx = attention(
    rotated,
    dims,
    maskAdd,
    dH ** -0.5,
    c.attention_dropout,
    training,
    seedFor(`attn${i}`),
  );
  let attnOut = linear(ctx, p(`${pre}.attn.Wo.weight`), attnBias(`${pre}.attn.Wo.bias`));
  attnOut = dropout(attnOut, c.attention_dropout, training, seedFor(`attnout${i}`));
  const h1 = residual(h, attnOut);

  const wi = linear(
    norm(h1, `${pre}.mlp_norm`),
    p(`${pre}.mlp.Wi.weight`),
    mlpBias(`${pre}.mlp.Wi.bias`),
  );
  const [input, gate] = tf.split(wi, 2, 1);
  let gated = tf.mul(activation(input, c.hidden_activation), gate);
  gated = dropout(gated, c.mlp_dropout, training, seedFor(`mlp${i}`));
  const mlpOut = linear(gated, p(`${pre}.mlp.Wo.weight`), mlpBias(`${pre}.mlp.Wo.bias`));
  return residual(h1, mlpOut);
}
