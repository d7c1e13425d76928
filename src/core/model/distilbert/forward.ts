/**
 * HF `DistilBertForSequenceClassification.forward` (eager attention, `modeling_distilbert.py`):
 * embeddings (word + position rows, LayerNorm, dropout; no token types), the encoder layers,
 * then on the first token `pre_classifier`, ReLU, dropout(`seq_classif_dropout`), `classifier`.
 */
import * as tf from '@tensorflow/tfjs';

import { embed } from '../embeddings';
import { additiveMask, batchShape, dropoutSites, encoderLayers, firstToken } from '../encoderLayer';
import type {
  ClassifierBatch,
  ClassifierOutput,
  ForwardOptions,
  HeadKind,
  ParamGetter,
} from '../family';
import { dropout, linear } from '../layers';
import { headOutput, tokenClassifierLogits } from '../tokenHead';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config';
import { DISTILBERT_EMBEDDINGS, distilBertLayerNames } from './params';

/**
 * The logits (float32 [B, num_labels]) and, with labels and `opts.loss`, the loss. New tensors,
 * owned by the caller. Head 'token' (`DistilBertForTokenClassification`): dropout (`dropout`) and
 * `classifier` over every token, logits [B, T, num_labels].
 */
export function distilBertForward(
  c: DistilBertConfig,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
  head: HeadKind = 'sequence',
): ClassifierOutput {
  const [B, T] = batchShape(batch, c.max_position_embeddings);
  const training = opts.training ?? false;
  const seedFor = dropoutSites(opts);
  const eps = DISTILBERT_LAYER_NORM_EPS;
  return tf.tidy(() => {
    // BERT's embedding op with a zero token-type row: x + 0 is exact, so this is word + position.
    let h: tf.Tensor = embed(
      {
        word: p(DISTILBERT_EMBEDDINGS.word) as tf.Tensor2D,
        position: p(DISTILBERT_EMBEDDINGS.position) as tf.Tensor2D,
        tokenType: tf.zeros([1, c.dim]),
        gamma: p(`${DISTILBERT_EMBEDDINGS.norm}.weight`) as tf.Tensor1D,
        beta: p(`${DISTILBERT_EMBEDDINGS.norm}.bias`) as tf.Tensor1D,
      },
      batch.input_ids,
      null,
      eps,
      c.dropout,
      training,
      seedFor('emb'),
    );
    const maskAdd = additiveMask(batch.attention_mask);
    h = encoderLayers(p, distilBertLayerNames, c.n_layers, h, maskAdd, {
      batch: B,
      seqLen: T,
      heads: c.n_heads,
      eps,
      act: c.activation,
      hiddenDropout: c.dropout,
      attentionDropout: c.attention_dropout,
      training,
      seedFor,
      checkpoint: opts.gradientCheckpointing,
    });
    if (head === 'token') {
      const drop = { rate: c.dropout, training, seed: seedFor('cls') };
      return headOutput(tokenClassifierLogits(p, h, { B, T }, drop), batch, opts);
    }
    let pooled = tf.relu(
      linear(firstToken(h, B, T), p('pre_classifier.weight'), p('pre_classifier.bias')),
    );
    pooled = dropout(pooled, c.seq_classif_dropout, training, seedFor('cls'));
    const logits = linear(pooled, p('classifier.weight'), p('classifier.bias')) as tf.Tensor2D;
    return headOutput(logits, batch, opts);
  });
}
