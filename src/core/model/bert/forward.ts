/**
 * HF `BertForSequenceClassification.forward` in TF.js (eager attention), the maths of
 * `modeling_bert.py`: embeddings, the encoder layers (`encoderLayer.ts`, shared with the families
 * that keep BERT's layer), the pooler and the classifier.
 */
import * as tf from '@tensorflow/tfjs';

import { embed, embeddingTables } from '../embeddings';
import {
  additiveMask,
  batchShape,
  bertKeyLayerSettings,
  dropoutSites,
  encoderLayers,
  firstToken,
} from '../encoderLayer';
import type {
  ClassifierBatch,
  ClassifierOutput,
  ForwardOptions,
  HeadKind,
  ParamGetter,
} from '../family';
import { dropout, linear } from '../layers';
import { headOutput, tokenClassifierLogits } from '../tokenHead';
import type { BertConfig } from './config';
import { BERT_EMBEDDINGS, bertLayer } from './params';

/**
 * HF `forward`. Returns new tensors owned by the caller (intermediates are freed); run it inside
 * `tf.tidy` / `tf.variableGrads` as usual. `loss` is `opts.loss(logits, labels)` when both are
 * given. Head 'token' is `BertForTokenClassification`: dropout and the classifier over every
 * token's hidden state, no pooler.
 *
 * @returns logits float32 [B, num_labels] (token head: [B, T, num_labels]), loss scalar
 */
export function bertForward(
  c: BertConfig,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
  head: HeadKind = 'sequence',
): ClassifierOutput {
  const [B, T] = batchShape(batch, c.max_position_embeddings);
  const training = opts.training ?? false;
  const seedFor = dropoutSites(opts);
  const hp = c.hidden_dropout_prob;

  return tf.tidy(() => {
    // Embeddings: (word + token_type) + position, LayerNorm, dropout; [B*T, H] throughout the
    // encoder, so every dense layer is one 2-D matmul.
    let h: tf.Tensor = embed(
      embeddingTables(p, BERT_EMBEDDINGS),
      batch.input_ids,
      batch.token_type_ids ?? null,
      c.layer_norm_eps,
      hp,
      training,
      seedFor('emb'),
    );
    const maskAdd = additiveMask(batch.attention_mask);
    h = encoderLayers(
      p,
      bertLayer,
      c.num_hidden_layers,
      h,
      maskAdd,
      bertKeyLayerSettings(c, B, T, training, seedFor, opts.gradientCheckpointing),
    );

    const classifierDropout = c.classifier_dropout ?? hp;
    if (head === 'token') {
      const drop = { rate: classifierDropout, training, seed: seedFor('cls') };
      return headOutput(tokenClassifierLogits(p, h, { B, T }, drop), batch, opts);
    }
    // Pooler: tanh(dense(h[:, 0])).
    const first = firstToken(h, B, T);
    let pooled = tf.tanh(linear(first, p('bert.pooler.dense.weight'), p('bert.pooler.dense.bias')));
    pooled = dropout(pooled, classifierDropout, training, seedFor('cls'));
    const logits = linear(pooled, p('classifier.weight'), p('classifier.bias')) as tf.Tensor2D;
    return headOutput(logits, batch, opts);
  });
}
