/**
 * HF's eager forward of `RobertaForSequenceClassification` (and XLM-R's, the same maths):
 * embeddings with position ids counted past `padding_idx`, BERT's encoder layers, and
 * `RobertaClassificationHead` on the first token (dropout, dense, tanh, dropout, out_proj).
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
import { headOutput, tokenClassifierLogits } from '../tokenHead';
import type { RobertaConfig } from './config';

/** The longest input: positions run from `padding_idx + 1` to `max_position_embeddings - 1`. */
export function robertaMaxInputLength(c: RobertaConfig): number {
  return c.max_position_embeddings - c.pad_token_id - 1;
}

/**
 * `create_position_ids_from_input_ids`: `cumsum(ids != pad) * (ids != pad) + pad`, so tokens
 * count from `pad + 1` and padding keeps `pad`.
 * @returns int32 [B, T]
 */
export function robertaPositionIds(ids: tf.Tensor2D, pad: number): tf.Tensor2D {
  return tf.tidy(() => {
    const notPad = tf.cast(tf.notEqual(ids, pad), 'float32');
    return tf.cast(tf.add(tf.mul(tf.cumsum(notPad, 1), notPad), pad), 'int32') as tf.Tensor2D;
  });
}

/** The batch's `[B, T]`, checked against the positions past `padding_idx`. */
function checkBatch(c: RobertaConfig, batch: ClassifierBatch): [number, number] {
  const [B, T] = batchShape(batch, Infinity);
  if (T > robertaMaxInputLength(c)) {
    throw new Error(
      `forward: sequence length ${T} exceeds the model's ${robertaMaxInputLength(c)} positions ` +
        `(max_position_embeddings ${c.max_position_embeddings} - pad_token_id ${c.pad_token_id} - 1)`,
    );
  }
  return [B, T];
}

/**
 * HF's forward (see the module comment); token_type_ids are not read (always type 0). Head
 * 'token' (`RobertaForTokenClassification`): dropout and `classifier` over every token.
 */
export function robertaForward(
  c: RobertaConfig,
  param: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
  head: HeadKind = 'sequence',
): ClassifierOutput {
  const [B, T] = checkBatch(c, batch);
  const training = opts.training ?? false;
  const seedFor = dropoutSites(opts);
  const e = 'roberta.embeddings';
  return tf.tidy(() => {
    const ids = (
      batch.input_ids.dtype === 'int32' ? batch.input_ids : tf.cast(batch.input_ids, 'int32')
    ) as tf.Tensor2D;
    let h: tf.Tensor = embed(
      embeddingTables(param, {
        word: `${e}.word_embeddings.weight`,
        position: `${e}.position_embeddings.weight`,
        tokenType: `${e}.token_type_embeddings.weight`,
        norm: `${e}.LayerNorm`,
      }),
      ids,
      null,
      c.layer_norm_eps,
      c.hidden_dropout_prob,
      training,
      seedFor('emb'),
      { ids: robertaPositionIds(ids, c.pad_token_id), paddingIdx: c.pad_token_id },
    );
    const maskAdd = additiveMask(batch.attention_mask);
    const namesOf = (i: number) => bertLayerNames(`roberta.encoder.layer.${i}`);
    h = encoderLayers(
      param,
      namesOf,
      c.num_hidden_layers,
      h,
      maskAdd,
      bertKeyLayerSettings(c, B, T, training, seedFor, opts.gradientCheckpointing),
    );
    const rate = c.classifier_dropout ?? c.hidden_dropout_prob;
    if (head === 'token') {
      const drop = { rate, training, seed: seedFor('cls') };
      return headOutput(tokenClassifierLogits(param, h, { B, T }, drop), batch, opts);
    }
    // RobertaClassificationHead on <s>: dropout, dense, tanh, dropout, out_proj
    const tanh = (x: tf.Tensor) => tf.tanh(x);
    const logits = denseClassificationHead(
      param,
      firstToken(h, B, T),
      tanh,
      rate,
      training,
      seedFor,
    );
    return headOutput(logits, batch, opts);
  });
}
