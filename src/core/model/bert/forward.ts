/**
 * HF `BertForSequenceClassification.forward` in TF.js (eager attention), the maths of
 * `modeling_bert.py`: embeddings, the encoder layers, the pooler and the classifier.
 */
import * as tf from '@tensorflow/tfjs';

import type { ClassifierBatch, ClassifierOutput, ForwardOptions, ParamGetter } from '../family';
import { embed } from '../embeddings';
import { activation, addLayerNorm, attention, dropout, linear } from '../layers';
import type { BertConfig } from './config';

/** torch.finfo(torch.float32).min: HF's additive attention-mask value. */
const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * HF `forward`. Returns new tensors owned by the caller (intermediates are freed); run it inside
 * `tf.tidy` / `tf.variableGrads` as usual. `loss` is `opts.loss(logits, labels)` when both are
 * given.
 *
 * @returns logits float32 [B, num_labels], loss scalar
 */
export function bertForward(
  c: BertConfig,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
): ClassifierOutput {
  const training = opts.training ?? false;
  const ids = batch.input_ids;
  if (ids.rank !== 2) throw new Error(`forward: input_ids must be [B, T], got [${ids.shape}]`);
  const [B, T] = ids.shape;
  if (T > c.max_position_embeddings) {
    throw new Error(
      `forward: sequence length ${T} exceeds max_position_embeddings ${c.max_position_embeddings}`,
    );
  }
  const labels = batch.labels;
  const lossOf = opts.loss;
  const seedFor = (site: string): string | undefined =>
    opts.seed === undefined ? undefined : `${opts.seed}:${site}`;
  const H = c.hidden_size;
  const eps = c.layer_norm_eps;
  const hp = c.hidden_dropout_prob;

  return tf.tidy(() => {
    // Embeddings: (word + token_type) + position, LayerNorm, dropout; [B*T, H] throughout the
    // encoder, so every dense layer is one 2-D matmul.
    let h: tf.Tensor = embed(
      {
        word: p('bert.embeddings.word_embeddings.weight') as tf.Tensor2D,
        position: p('bert.embeddings.position_embeddings.weight') as tf.Tensor2D,
        tokenType: p('bert.embeddings.token_type_embeddings.weight') as tf.Tensor2D,
        gamma: p('bert.embeddings.LayerNorm.weight') as tf.Tensor1D,
        beta: p('bert.embeddings.LayerNorm.bias') as tf.Tensor1D,
      },
      ids,
      batch.token_type_ids ?? null,
      eps,
      hp,
      training,
      seedFor('emb'),
    );

    // Additive mask [B, 1, 1, T]: 0 where attended, float32.min where padded (HF).
    const maskAdd = batch.attention_mask
      ? tf.reshape(tf.mul(tf.sub(1, tf.cast(batch.attention_mask, 'float32')), FLOAT32_MIN), [
          B,
          1,
          1,
          T,
        ])
      : null;

    for (let i = 0; i < c.num_hidden_layers; i++) {
      // One tidy per layer: what the backward pass does not keep is freed as the layer ends,
      // not when the whole forward pass does (a lower peak, and a wasm heap that grows less).
      h = tf.tidy(() => layer(c, p, i, h, maskAdd, B, T, training, seedFor));
    }

    // Pooler: tanh(dense(h[:, 0])).
    const first = tf.reshape(tf.slice(tf.reshape(h, [B, T, H]), [0, 0, 0], [B, 1, H]), [B, H]);
    let pooled = tf.tanh(linear(first, p('bert.pooler.dense.weight'), p('bert.pooler.dense.bias')));
    pooled = dropout(pooled, c.classifier_dropout ?? hp, training, seedFor('cls'));
    const logits = linear(pooled, p('classifier.weight'), p('classifier.bias')) as tf.Tensor2D;
    if (!labels || !lossOf) return { logits };
    return { logits, loss: lossOf(logits, labels) };
  });
}

/** Encoder layer i: attention, residual + LayerNorm, feed-forward, residual + LayerNorm. */
function layer(
  c: BertConfig,
  p: ParamGetter,
  i: number,
  h: tf.Tensor,
  maskAdd: tf.Tensor | null,
  B: number,
  T: number,
  training: boolean,
  seedFor: (site: string) => string | undefined,
): tf.Tensor {
  const H = c.hidden_size;
  const nH = c.num_attention_heads;
  const dH = H / nH;
  const eps = c.layer_norm_eps;
  const hp = c.hidden_dropout_prob;
  const scale = 1 / Math.sqrt(dH);
  const pre = `bert.encoder.layer.${i}`;
  const att = `${pre}.attention.self`;
  // One projection for query, key and value: [B*T, 3H] -> [B, 3 nH, T, dH] -> q, k, v.
  const qkv = linear(
    h,
    tf.concat([p(`${att}.query.weight`), p(`${att}.key.weight`), p(`${att}.value.weight`)]),
    tf.concat([p(`${att}.query.bias`), p(`${att}.key.bias`), p(`${att}.value.bias`)]),
  );
  const ctx = attention(
    qkv as tf.Tensor2D,
    { batch: B, seqLen: T, heads: nH },
    maskAdd,
    scale,
    c.attention_probs_dropout_prob,
    training,
    seedFor(`attn${i}`),
  ); // [B*T, H]
  let attnOut = linear(
    ctx,
    p(`${pre}.attention.output.dense.weight`),
    p(`${pre}.attention.output.dense.bias`),
  );
  attnOut = dropout(attnOut, hp, training, seedFor(`attnout${i}`));
  const h1 = addLayerNorm(
    attnOut,
    h,
    p(`${pre}.attention.output.LayerNorm.weight`),
    p(`${pre}.attention.output.LayerNorm.bias`),
    eps,
  );
  const inter = activation(
    linear(h1, p(`${pre}.intermediate.dense.weight`), p(`${pre}.intermediate.dense.bias`)),
    c.hidden_act,
  );
  let out = linear(inter, p(`${pre}.output.dense.weight`), p(`${pre}.output.dense.bias`));
  out = dropout(out, hp, training, seedFor(`out${i}`));
  return addLayerNorm(
    out,
    h1,
    p(`${pre}.output.LayerNorm.weight`),
    p(`${pre}.output.LayerNorm.bias`),
    eps,
  );
}
