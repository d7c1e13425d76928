/**
 * HF `DebertaV2ForSequenceClassification.forward` (eager attention), op for op: embeddings (word
 * (+ positions) (+ token types), `embed_proj`, LayerNorm, times the attention mask, dropout), the
 * encoder's layers with disentangled attention over the (LayerNorm'd) relative embeddings,
 * `ContextPooler` (dropout, dense, `pooler_hidden_act` on the first token), dropout, classifier.
 */
import * as tf from '@tensorflow/tfjs';

import type { ClassifierBatch, ClassifierOutput, ForwardOptions, ParamGetter } from '../family';
import { activation, addLayerNorm, dropout, linear } from '../layers';
import { disentangledAttention, type RelativeTerms } from './attention';
import type { DebertaV2Config } from './config';
import { embeddingSum, layerNorm } from './ops';
import { attentionSpan, embeddingWidth } from './params';
import { relativeIndex, type RelativeIndex } from './relativePositions';

/** torch.finfo(torch.float32).min, HF's masked_fill value. */
const FLOAT32_MIN = -3.4028234663852886e38;

/** HF's `scale_factor`: 1 + one per relative term in `pos_att_type`. */
export function scaleFactor(c: DebertaV2Config): number {
  return 1 + (c.pos_att_type.includes('c2p') ? 1 : 0) + (c.pos_att_type.includes('p2c') ? 1 : 0);
}

/** HF `scaled_size_sqrt`: `sqrt(d * scale_factor)` in float32. */
export function attentionScale(c: DebertaV2Config): number {
  return Math.fround(
    Math.sqrt(Math.fround((c.hidden_size / c.num_attention_heads) * scaleFactor(c))),
  );
}

function checkBatch(c: DebertaV2Config, batch: ClassifierBatch): void {
  const ids = batch.input_ids;
  if (ids.rank !== 2) throw new Error(`forward: input_ids must be [B, T], got [${ids.shape}]`);
  const T = ids.shape[1];
  if (c.position_biased_input && T > c.max_position_embeddings) {
    throw new Error(
      `forward: sequence length ${T} exceeds max_position_embeddings ${c.max_position_embeddings}`,
    );
  }
  for (const [k, t] of [
    ['attention_mask', batch.attention_mask],
    ['token_type_ids', batch.token_type_ids],
  ] as const) {
    if (t && (t.shape[0] !== ids.shape[0] || t.shape[1] !== T)) {
      throw new Error(`forward: ${k} has shape [${t.shape}], input_ids has [${ids.shape}]`);
    }
  }
}

/** The model's forward pass (see the module comment); tensors returned are the caller's. */
export function debertaForward(
  c: DebertaV2Config,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
): ClassifierOutput {
  checkBatch(c, batch);
  const training = opts.training ?? false;
  const [B, T] = batch.input_ids.shape;
  const H = c.hidden_size;
  const hp = c.hidden_dropout_prob;
  const eps = c.layer_norm_eps;
  const seedFor = (site: string): string | undefined =>
    opts.seed === undefined ? undefined : `${opts.seed}:${site}`;
  const e = 'deberta.embeddings';

  return tf.tidy(() => {
    const mask = batch.attention_mask ? tf.cast(batch.attention_mask, 'float32') : null;
    let h: tf.Tensor2D = embeddingSum(
      {
        word: p(`${e}.word_embeddings.weight`) as tf.Tensor2D,
        position: c.position_biased_input
          ? (p(`${e}.position_embeddings.weight`) as tf.Tensor2D)
          : null,
        tokenType:
          c.type_vocab_size > 0 ? (p(`${e}.token_type_embeddings.weight`) as tf.Tensor2D) : null,
      },
      batch.input_ids,
      batch.token_type_ids ?? null,
      c.pad_token_id,
    );
    if (embeddingWidth(c) !== H) h = linear(h, p(`${e}.embed_proj.weight`)) as tf.Tensor2D;
    h = layerNorm(h, p(`${e}.LayerNorm.weight`), p(`${e}.LayerNorm.bias`), eps);
    if (mask) h = tf.mul(h, tf.reshape(mask, [B * T, 1]));
    h = dropout(h, hp, training, seedFor('emb')) as tf.Tensor2D;

    // HF's mask [B, 1, T, T] = m_i * m_j, here additive and [1, B, T, T] for head-major scores
    const maskAdd = mask
      ? tf.reshape(
          tf.mul(
            tf.sub(1, tf.mul(tf.reshape(mask, [B, T, 1]), tf.reshape(mask, [B, 1, T]))),
            FLOAT32_MIN,
          ),
          [1, B, T, T],
        )
      : null;
    const index = c.relative_attention ? relativeIndex(c, T) : null;
    const relRows = index ? relativeRows(c, p, index) : null;

    for (let i = 0; i < c.num_hidden_layers; i++) {
      h = tf.tidy(() => layer(c, p, i, h, { B, T }, maskAdd, relRows, index, training, seedFor));
    }

    // ContextPooler: dropout, dense, act on the first token; then dropout and the classifier.
    const first = tf.reshape(tf.slice(tf.reshape(h, [B, T, H]), [0, 0, 0], [B, 1, H]), [B, H]);
    const ctx = dropout(first, c.pooler_dropout, training, seedFor('pool'));
    let pooled = activation(
      linear(ctx, p('pooler.dense.weight'), p('pooler.dense.bias')),
      c.pooler_hidden_act,
    );
    pooled = dropout(pooled, c.cls_dropout ?? hp, training, seedFor('cls'));
    const logits = linear(pooled, p('classifier.weight'), p('classifier.bias')) as tf.Tensor2D;
    if (!batch.labels || !opts.loss) return { logits };
    return { logits, loss: opts.loss(logits, batch.labels) };
  });
}

/** `get_rel_embedding()` (LayerNorm'd when `norm_rel_ebd` says) over the rows length T uses. */
function relativeRows(c: DebertaV2Config, p: ParamGetter, index: RelativeIndex): tf.Tensor2D {
  const all = p('deberta.encoder.rel_embeddings.weight') as tf.Tensor2D;
  const rows = tf.slice(all, [index.firstRow, 0], [index.rows, c.hidden_size]);
  if (c.norm_rel_ebd !== 'layer_norm') return rows;
  return layerNorm(
    rows,
    p('deberta.encoder.LayerNorm.weight'),
    p('deberta.encoder.LayerNorm.bias'),
    c.layer_norm_eps,
  );
}

/** Encoder layer i: disentangled attention, add & norm, feed-forward, add & norm. */
function layer(
  c: DebertaV2Config,
  p: ParamGetter,
  i: number,
  h: tf.Tensor2D,
  { B, T }: { B: number; T: number },
  maskAdd: tf.Tensor | null,
  relRows: tf.Tensor2D | null,
  index: RelativeIndex | null,
  training: boolean,
  seedFor: (site: string) => string | undefined,
): tf.Tensor2D {
  const hp = c.hidden_dropout_prob;
  const eps = c.layer_norm_eps;
  const pre = `deberta.encoder.layer.${i}`;
  const att = `${pre}.attention.self`;
  const w = (n: string) => p(`${att}.${n}.weight`);
  const b = (n: string) => p(`${att}.${n}.bias`);
  const qkv = linear(
    h,
    tf.concat([w('query_proj'), w('key_proj'), w('value_proj')]),
    tf.concat([b('query_proj'), b('key_proj'), b('value_proj')]),
  ) as tf.Tensor2D;
  let rel: RelativeTerms | null = null;
  if (relRows && index && c.pos_att_type.length > 0) {
    const rows = dropout(relRows, hp, training, seedFor(`pos${i}`));
    const keyName = c.share_att_key ? 'key_proj' : 'pos_key_proj';
    const queryName = c.share_att_key ? 'query_proj' : 'pos_query_proj';
    rel = {
      posKey: c.pos_att_type.includes('c2p')
        ? (linear(rows, w(keyName), b(keyName)) as tf.Tensor2D)
        : null,
      posQuery: c.pos_att_type.includes('p2c')
        ? (linear(rows, w(queryName), b(queryName)) as tf.Tensor2D)
        : null,
      index,
    };
  }
  const ctx = disentangledAttention(
    qkv,
    rel,
    { batch: B, seqLen: T, heads: c.num_attention_heads },
    maskAdd,
    attentionScale(c),
    c.attention_probs_dropout_prob,
    training,
    seedFor(`attn${i}`),
  );
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
  ) as tf.Tensor2D;
}

/** Rows of the relative embeddings (for estimates). */
export function relativeEmbeddingRows(c: DebertaV2Config): number {
  return c.relative_attention ? 2 * attentionSpan(c) : 0;
}
