/**
 * HF's eager forward of `RobertaForSequenceClassification` (and XLM-R's, the same maths):
 * embeddings with position ids counted past `padding_idx`, BERT's encoder layers, and
 * `RobertaClassificationHead` on the first token (dropout, dense, tanh, dropout, out_proj).
 */
import * as tf from '@tensorflow/tfjs';

import { headLoss } from '../../train/losses';
import { embed } from '../embeddings';
import { additiveMask, encoderLayer, type SeedFor } from '../encoderLayer';
import type { ClassifierBatch, ClassifierOutput, ForwardOptions, ParamGetter } from '../family';
import { dropout, linear } from '../layers';
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

function checkBatch(c: RobertaConfig, batch: ClassifierBatch): void {
  const ids = batch.input_ids;
  if (ids.rank !== 2) throw new Error(`forward: input_ids must be [B, T], got [${ids.shape}]`);
  const T = ids.shape[1];
  if (T > robertaMaxInputLength(c)) {
    throw new Error(
      `forward: sequence length ${T} exceeds the model's ${robertaMaxInputLength(c)} positions ` +
        `(max_position_embeddings ${c.max_position_embeddings} - pad_token_id ${c.pad_token_id} - 1)`,
    );
  }
  const mask = batch.attention_mask;
  if (mask && (mask.shape[0] !== ids.shape[0] || mask.shape[1] !== T)) {
    throw new Error(
      `forward: attention_mask has shape [${mask.shape}], input_ids has [${ids.shape}]`,
    );
  }
}

/** The head's loss for `labels`: the run's, or HF's choice by problem type and label dtype. */
function lossOf(c: RobertaConfig, labels: tf.Tensor, opts: ForwardOptions) {
  if (opts.loss) return opts.loss;
  const problem =
    c.problem_type ??
    (c.num_labels === 1
      ? 'regression'
      : labels.dtype === 'int32'
        ? 'single_label_classification'
        : 'multi_label_classification');
  return headLoss(problem);
}

/** HF's forward (see the module comment); token_type_ids are not read (always type 0). */
export function robertaForward(
  c: RobertaConfig,
  param: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
): ClassifierOutput {
  checkBatch(c, batch);
  const training = opts.training ?? false;
  const [B, T] = batch.input_ids.shape;
  const H = c.hidden_size;
  const seedFor: SeedFor = (site) => (opts.seed === undefined ? undefined : `${opts.seed}:${site}`);
  const e = 'roberta.embeddings';
  return tf.tidy(() => {
    const ids = (
      batch.input_ids.dtype === 'int32' ? batch.input_ids : tf.cast(batch.input_ids, 'int32')
    ) as tf.Tensor2D;
    let h: tf.Tensor = embed(
      {
        word: param(`${e}.word_embeddings.weight`) as tf.Tensor2D,
        position: param(`${e}.position_embeddings.weight`) as tf.Tensor2D,
        tokenType: param(`${e}.token_type_embeddings.weight`) as tf.Tensor2D,
        gamma: param(`${e}.LayerNorm.weight`) as tf.Tensor1D,
        beta: param(`${e}.LayerNorm.bias`) as tf.Tensor1D,
      },
      ids,
      null,
      c.layer_norm_eps,
      c.hidden_dropout_prob,
      training,
      seedFor('emb'),
      { ids: robertaPositionIds(ids, c.pad_token_id), paddingIdx: c.pad_token_id },
    );
    const maskAdd = additiveMask(batch.attention_mask);
    for (let i = 0; i < c.num_hidden_layers; i++) {
      // one tidy per layer: what the tape does not keep goes as the layer ends
      const pre = `roberta.encoder.layer.${i}`;
      h = tf.tidy(() =>
        encoderLayer(c, param, pre, i, h, maskAdd, { batch: B, seqLen: T }, training, seedFor),
      );
    }
    // RobertaClassificationHead on <s>: dropout, dense, tanh, dropout, out_proj
    const rate = c.classifier_dropout ?? c.hidden_dropout_prob;
    let x = tf.reshape(tf.slice(tf.reshape(h, [B, T, H]), [0, 0, 0], [B, 1, H]), [B, H]);
    x = dropout(x, rate, training, seedFor('cls'));
    x = tf.tanh(linear(x, param('classifier.dense.weight'), param('classifier.dense.bias')));
    x = dropout(x, rate, training, seedFor('cls2'));
    const logits = linear(
      x,
      param('classifier.out_proj.weight'),
      param('classifier.out_proj.bias'),
    ) as tf.Tensor2D;
    const labels = batch.labels;
    if (!labels) return { logits };
    return { logits, loss: lossOf(c, labels, opts)(logits, labels) };
  });
}
