/**
 * HF `ElectraForSequenceClassification.forward` (eager attention, `modeling_electra.py`): BERT's
 * embeddings at `embedding_size`, `embeddings_project` up to `hidden_size` when they differ,
 * BERT's encoder layers, then `ElectraClassificationHead` on the first token: dropout, dense,
 * GELU (always the exact GELU: `get_activation("gelu")`, whatever `hidden_act` says), dropout,
 * `out_proj`.
 */
import * as tf from '@tensorflow/tfjs';

import { embed } from '../embeddings';
import {
  additiveMask,
  batchShape,
  bertLayerNames,
  dropoutSites,
  encoderLayers,
  firstToken,
} from '../encoderLayer';
import type { ClassifierBatch, ClassifierOutput, ForwardOptions, ParamGetter } from '../family';
import { activation, dropout, linear } from '../layers';
import type { ElectraConfig } from './config';
import { ELECTRA_EMBEDDINGS, ELECTRA_PROJECTION, hasProjection } from './params';

/**
 * The logits (float32 [B, num_labels]) and, with labels and `opts.loss`, the loss. New tensors,
 * owned by the caller.
 */
export function electraForward(
  c: ElectraConfig,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
): ClassifierOutput {
  const [B, T] = batchShape(batch, c.max_position_embeddings);
  const training = opts.training ?? false;
  const seedFor = dropoutSites(opts);
  const headDropout = c.classifier_dropout ?? c.hidden_dropout_prob;
  return tf.tidy(() => {
    let h: tf.Tensor = embed(
      {
        word: p(ELECTRA_EMBEDDINGS.word) as tf.Tensor2D,
        position: p(ELECTRA_EMBEDDINGS.position) as tf.Tensor2D,
        tokenType: p(ELECTRA_EMBEDDINGS.tokenType) as tf.Tensor2D,
        gamma: p(`${ELECTRA_EMBEDDINGS.norm}.weight`) as tf.Tensor1D,
        beta: p(`${ELECTRA_EMBEDDINGS.norm}.bias`) as tf.Tensor1D,
      },
      batch.input_ids,
      batch.token_type_ids ?? null,
      c.layer_norm_eps,
      c.hidden_dropout_prob,
      training,
      seedFor('emb'),
    ); // [B*T, embedding_size]
    if (hasProjection(c)) {
      h = linear(h, p(`${ELECTRA_PROJECTION}.weight`), p(`${ELECTRA_PROJECTION}.bias`));
    }
    const maskAdd = additiveMask(batch.attention_mask);
    const namesOf = (i: number) => bertLayerNames(`electra.encoder.layer.${i}`);
    h = encoderLayers(p, namesOf, c.num_hidden_layers, h, maskAdd, {
      batch: B,
      seqLen: T,
      heads: c.num_attention_heads,
      eps: c.layer_norm_eps,
      act: c.hidden_act,
      hiddenDropout: c.hidden_dropout_prob,
      attentionDropout: c.attention_probs_dropout_prob,
      training,
      seedFor,
    });
    let x = dropout(firstToken(h, B, T), headDropout, training, seedFor('cls'));
    x = activation(linear(x, p('classifier.dense.weight'), p('classifier.dense.bias')), 'gelu');
    x = dropout(x, headDropout, training, seedFor('cls2'));
    const logits = linear(
      x,
      p('classifier.out_proj.weight'),
      p('classifier.out_proj.bias'),
    ) as tf.Tensor2D;
    if (!batch.labels || !opts.loss) return { logits };
    return { logits, loss: opts.loss(logits, batch.labels) };
  });
}
