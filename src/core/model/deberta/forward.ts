/**
 * HF `DebertaV2ForSequenceClassification.forward` (eager attention), op for op: embeddings (word
 * (+ positions) (+ token types), `embed_proj`, LayerNorm, times the attention mask, dropout), the
 * encoder's layers with disentangled attention over the (LayerNorm'd) relative embeddings,
 * `ContextPooler` (dropout, dense, `pooler_hidden_act` on the first token), dropout, classifier.
 */
import * as tf from '@tensorflow/tfjs';

import {
  FLOAT32_MIN,
  batchShape,
  dropoutSites,
  encoderLayer,
  layerCheckpointed,
  firstToken,
  type EncoderLayerNames,
  type EncoderLayerSettings,
} from '../encoderLayer';
import type {
  ClassifierBatch,
  ClassifierOutput,
  ForwardOptions,
  HeadKind,
  ParamGetter,
} from '../family';
import { activation, dropout, linear } from '../layers';
import { headOutput, tokenClassifierLogits } from '../tokenHead';
import { disentangledAttention } from './attention';
import type { DebertaV2Config } from './config';
import { embeddingSum, layerNorm } from './ops';
import { checkpointedLayer } from '../checkpoint';
import { debertaLayerNames, debertaParamSpecs, embeddingWidth } from './params';
import { relativeIndex, type RelativeIndex } from './relativePositions';

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

/** The model's forward pass (see the module comment); tensors returned are the caller's. */
export function debertaForward(
  c: DebertaV2Config,
  p: ParamGetter,
  batch: ClassifierBatch,
  opts: ForwardOptions,
  head: HeadKind = 'sequence',
): ClassifierOutput {
  // Without absolute positions the length is not bounded by the model (HF's relative positions).
  const [B, T] = batchShape(batch, c.position_biased_input ? c.max_position_embeddings : Infinity);
  const training = opts.training ?? false;
  const H = c.hidden_size;
  const hp = c.hidden_dropout_prob;
  const eps = c.layer_norm_eps;
  const seedFor = dropoutSites(opts);
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

    // HF fills the scores of (i, j) where m_i * m_j is 0; here only where key j is padding
    // ([1, B, 1, T], additive), so a padded query's row keeps its real keys rather than being
    // all float32 min (WebGPU's softmax gives NaN for such a row, and the NaN reaches every row
    // through the next layer's values). The rows differ only at padded queries, which nothing
    // reads (their keys are masked, only the first token is pooled): logits and gradients equal
    // HF's.
    const maskAdd = mask ? tf.reshape(tf.mul(tf.sub(1, mask), FLOAT32_MIN), [1, B, 1, T]) : null;
    const index = c.relative_attention ? relativeIndex(c, T) : null;
    const relRows = index ? relativeRows(c, p, index) : null;
    const settings: Omit<EncoderLayerSettings, 'index'> = {
      batch: B,
      seqLen: T,
      heads: c.num_attention_heads,
      eps,
      act: c.hidden_act,
      hiddenDropout: hp,
      attentionDropout: c.attention_probs_dropout_prob,
      training,
      seedFor,
      checkpoint: opts.gradientCheckpointing,
    };
    const specs = opts.gradientCheckpointing ? debertaParamSpecs(c) : [];
    for (let i = 0; i < c.num_hidden_layers; i++) {
      // One tidy per layer, as BERT's: what the backward pass does not keep goes now.
      h = tf.tidy(() => {
        const names = debertaLayerNames(i);
        const layer = { ...settings, index: i };
        const run = (get: ParamGetter, x: tf.Tensor, [rel, m]: (tf.Tensor | null)[]) => {
          const attend = (qkv: tf.Tensor2D) =>
            disentangledAttention(
              qkv,
              rel && index
                ? relativeTerms(c, get, names, rel as tf.Tensor2D, index, i, training, seedFor)
                : null,
              { batch: B, seqLen: T, heads: c.num_attention_heads },
              m,
              attentionScale(c),
              c.attention_probs_dropout_prob,
              training,
              seedFor(`attn${i}`),
            );
          return encoderLayer(get, names, x, null, layer, attend);
        };
        if (!layerCheckpointed(layer)) return run(p, h, [relRows, maskAdd]) as tf.Tensor2D;
        // The layer's own parameters; the relative rows (shared by every layer) get gradients.
        const own = specs
          .map((s) => s.name)
          .filter((n) => n.startsWith(`deberta.encoder.layer.${i}.`));
        const extras = [
          relRows && { tensor: relRows, differentiable: true },
          maskAdd && { tensor: maskAdd, differentiable: false },
        ];
        return checkpointedLayer(p, own, h, extras, run) as tf.Tensor2D;
      });
    }

    if (head === 'token') {
      // DebertaV2ForTokenClassification: dropout(hidden_dropout_prob), classifier, every token.
      const drop = { rate: hp, training, seed: seedFor('cls') };
      return headOutput(tokenClassifierLogits(p, h, { B, T }, drop), batch, opts);
    }
    // ContextPooler: dropout, dense, act on the first token; then dropout and the classifier.
    const ctx = dropout(firstToken(h, B, T), c.pooler_dropout, training, seedFor('pool'));
    let pooled = activation(
      linear(ctx, p('pooler.dense.weight'), p('pooler.dense.bias')),
      c.pooler_hidden_act,
    );
    pooled = dropout(pooled, c.cls_dropout ?? hp, training, seedFor('cls'));
    const logits = linear(pooled, p('classifier.weight'), p('classifier.bias')) as tf.Tensor2D;
    return headOutput(logits, batch, opts);
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

/**
 * Layer i's relative terms: its dropout of the relative rows (`pos_dropout`), projected by
 * key_proj / query_proj (`share_att_key`) or pos_key_proj / pos_query_proj.
 */
function relativeTerms(
  c: DebertaV2Config,
  p: ParamGetter,
  names: EncoderLayerNames,
  relRows: tf.Tensor2D,
  index: RelativeIndex,
  i: number,
  training: boolean,
  seedFor: (site: string) => string | undefined,
) {
  const rows = dropout(relRows, c.hidden_dropout_prob, training, seedFor(`pos${i}`));
  const att = `deberta.encoder.layer.${i}.attention.self`;
  const keyModule = c.share_att_key ? names.key : `${att}.pos_key_proj`;
  const queryModule = c.share_att_key ? names.query : `${att}.pos_query_proj`;
  const project = (module: string) =>
    linear(rows, p(`${module}.weight`), p(`${module}.bias`)) as tf.Tensor2D;
  return {
    posKey: c.pos_att_type.includes('c2p') ? project(keyModule) : null,
    posQuery: c.pos_att_type.includes('p2c') ? project(queryModule) : null,
    index,
  };
}
