/**
 * DistilBERT (`model_type: "distilbert"`) as a {@link ModelFamily}: HF's
 * `DistilBertForSequenceClassification`. What it changes from BERT: no token types and no pooler;
 * its own module names; LayerNorm eps fixed at 1e-12; the head `pre_classifier` + ReLU + dropout
 * (`seq_classif_dropout`) + `classifier` on the first token; `sinusoidal_pos_embds`.
 */
import { encoderLayerActivationElems } from '../encoderLayer';
import type { ModelFamily } from '../family';
import { hfCheckpointName } from '../familyParts';
import { TOKEN_HEAD_PARAMS, headArchitecture, tokenHeadActivationElems } from '../tokenHead';
import {
  DISTILBERT_NAME,
  distilBertConfigToJson,
  distilBertScratchConfig,
  parseDistilBertConfig,
  type DistilBertConfig,
} from './config';
import { distilBertForward } from './forward';
import { DISTILBERT_ONNX_INPUTS, addDistilBertGraph } from './onnx';
import { DISTILBERT_HEAD_PARAMS, distilBertInitParam, distilBertParamSpecs } from './params';

export type { DistilBertConfig } from './config';

const F32 = 4;

export const distilBertFamily: ModelFamily<DistilBertConfig> = {
  modelTypes: ['distilbert'],
  displayName: DISTILBERT_NAME,
  architectureOf: (_c, head) => headArchitecture('DistilBert', head),
  parseConfig: parseDistilBertConfig,
  configToJson: (c, head) => distilBertConfigToJson(c, headArchitecture('DistilBert', head)),
  scratchConfig: distilBertScratchConfig,
  dims: (c) => ({
    vocabSize: c.vocab_size,
    hiddenSize: c.dim,
    numLayers: c.n_layers,
    numHeads: c.n_heads,
    intermediateSize: c.hidden_dim,
  }),
  maxInputLength: (c) => c.max_position_embeddings,
  takesTokenTypeIds: () => false,
  paramSpecs: distilBertParamSpecs,
  headParamNames: (_c, head) => (head === 'token' ? TOKEN_HEAD_PARAMS : DISTILBERT_HEAD_PARAMS),
  initParam: distilBertInitParam,
  // `position_ids` is a non-persistent buffer that old checkpoints still hold; a base-model
  // checkpoint (`DistilBertModel`) stores its names without `distilbert.`.
  checkpointName: (key, prefixed) =>
    hfCheckpointName(key, prefixed, {
      basePrefix: 'distilbert.',
      head: /^(pre_classifier|classifier)\./,
      ignored: /(^|\.)embeddings\.position_ids$/,
    }),
  basePrefix: 'distilbert.',
  forward: distilBertForward,
  isEmbeddingParam: (name) => /embeddings\.(word|position)_embeddings\.weight$/.test(name),
  activationBytes(c, B, T, headKind = 'sequence') {
    const perLayer = encoderLayerActivationElems(B, T, {
      hidden: c.dim,
      intermediate: c.hidden_dim,
      heads: c.n_heads,
    });
    // Embeddings: two lookups, their sum, LayerNorm and dropout; the head: pre_classifier,
    // ReLU, dropout and the logits (token head: every token's dropout output and logits). One
    // layer's gradient temporaries on top while backward runs.
    const embeddings = 6 * B * T * c.dim;
    const head =
      headKind === 'token'
        ? tokenHeadActivationElems(B, T, c.dim, c.num_labels)
        : 4 * B * c.dim + 2 * B * c.num_labels;
    return F32 * ((c.n_layers + 1) * perLayer + embeddings + head);
  },
  onnxInputs: () => DISTILBERT_ONNX_INPUTS,
  addOnnxGraph: addDistilBertGraph,
};
