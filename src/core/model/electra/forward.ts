/**
 * HF `ElectraForSequenceClassification.forward` (eager attention, `modeling_electra.py`): BERT's
 * embeddings at `embedding_size`, `embeddings_project` up to `hidden_size` when they differ,
 * BERT's encoder layers, then `ElectraClassificationHead` on the first token: dropout, dense,
 * GELU (always the exact GELU: `get_activation("gelu")`, whatever `hidden_act` says), dropout,
 * `out_proj`.
 */
import * as tf from '@tensorflow/tfjs';

import { embed, embeddingTables } from '../embeddings';
import {
  additiveMask,
  batchShape,
  bertKeyLayerSettings,
  bertLayerNames,
  denseClassificationHead,
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
import { activation, linear } from '../layers';
import { headOutput, tokenClassifierLogits } from '../tokenHead';
import type { ElectraConfig } from './config';
import { ELECTRA_EMBEDDINGS, ELECTRA_PROJECTION, hasProjection } from './params';

/**
 * The logits (float32 [B, num_labels]) and, with labels and `opts.loss`, the loss. New tensors,
 * owned by the caller. Head 'token' (`ElectraForTokenClassification`): dropout
 * (`classifier_dropout` or `hidden_dropout_prob`) and `classifier` over every token.
 */
export function electraForward(
  c: ElectraConfig,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
  head: HeadKind = 'sequence',
): ClassifierOutput {
  const [B, T] = batchShape(batch, c.max_position_embeddings);
  const training = opts.training ?? false;
  const seedFor = dropoutSites(opts);
  const headDropout = c.classifier_dropout ?? c.hidden_dropout_prob;
  return tf.tidy(() => {
    let h: tf.Tensor = embed(
      embeddingTables(p, ELECTRA_EMBEDDINGS),
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
    h = encoderLayers(
      p,
      namesOf,
      c.num_hidden_layers,
      h,
      maskAdd,
      bertKeyLayerSettings(c, B, T, training, seedFor, opts.gradientCheckpointing),
    );
    if (head === 'token') {
      const drop = { rate: headDropout, training, seed: seedFor('cls') };
      return headOutput(tokenClassifierLogits(p, h, { B, T }, drop), batch, opts);
    }
    const gelu = (x: tf.Tensor) => activation(x, 'gelu');
    const logits = denseClassificationHead(
      p,
      firstToken(h, B, T),
      gelu,
      headDropout,
      training,
      seedFor,
    );
    return headOutput(logits, batch, opts);
  });
}
