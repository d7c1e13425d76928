/**
 * ELECTRA (`model_type: "electra"`) as a {@link ModelFamily}: HF's
 * `ElectraForSequenceClassification`. What it changes from BERT: embeddings at `embedding_size`
 * with `embeddings_project` up to `hidden_size` when smaller, no pooler, and the head
 * `classifier.dense` + GELU + `classifier.out_proj` on the first token (dropout before each).
 */
import { encoderLayerActivationElems } from '../encoderLayer';
import type { ModelFamily } from '../family';
import { bertKeyDims, hfCheckpointName } from '../familyParts';
import { initParam } from '../init';
import { TOKEN_HEAD_PARAMS, headArchitecture, tokenHeadActivationElems } from '../tokenHead';
import {
  ELECTRA_NAME,
  electraConfigToJson,
  electraScratchConfig,
  parseElectraConfig,
  type ElectraConfig,
} from './config';
import { electraForward } from './forward';
import { ELECTRA_ONNX_INPUTS, addElectraGraph } from './onnx';
import { ELECTRA_HEAD_PARAMS, electraParamSpecs, hasProjection } from './params';

export type { ElectraConfig } from './config';

const F32 = 4;

export const electraFamily: ModelFamily<ElectraConfig> = {
  modelTypes: ['electra'],
  displayName: ELECTRA_NAME,
  architectureOf: (_c, head) => headArchitecture('Electra', head),
  parseConfig: parseElectraConfig,
  configToJson: (c, head) => electraConfigToJson(c, headArchitecture('Electra', head)),
  scratchConfig: electraScratchConfig,
  dims: bertKeyDims,
  maxInputLength: (c) => c.max_position_embeddings,
  takesTokenTypeIds: () => true,
  paramSpecs: electraParamSpecs,
  headParamNames: (_c, head) => (head === 'token' ? TOKEN_HEAD_PARAMS : ELECTRA_HEAD_PARAMS),
  initParam,
  // `position_ids` and `token_type_ids` are non-persistent buffers that old checkpoints still
  // hold; a base-model checkpoint (`ElectraModel`, e.g. the encoder of
  // google/electra-small-discriminator) stores its names without `electra.`.
  checkpointName: (key, prefixed) =>
    hfCheckpointName(key, prefixed, {
      basePrefix: 'electra.',
      head: /^classifier\./,
      ignored: /(^|\.)embeddings\.(position_ids|token_type_ids)$/,
    }),
  basePrefix: 'electra.',
  forward: electraForward,
  isEmbeddingParam: (name) =>
    /embeddings\.(word|position|token_type)_embeddings\.weight$/.test(name),
  activationBytes(c, B, T, headKind = 'sequence') {
    const perLayer = encoderLayerActivationElems(B, T, {
      hidden: c.hidden_size,
      intermediate: c.intermediate_size,
      heads: c.num_attention_heads,
    });
    // Embeddings: three lookups, their sum, LayerNorm and dropout at embedding_size, and the
    // projection's output; the head: dropout, dense, GELU, dropout and the logits (token head:
    // every token's dropout output and logits). One layer's gradient temporaries on top while
    // backward runs.
    const embeddings =
      7 * B * T * c.embedding_size + (hasProjection(c) ? B * T * c.hidden_size : 0);
    const head =
      headKind === 'token'
        ? tokenHeadActivationElems(B, T, c.hidden_size, c.num_labels)
        : 5 * B * c.hidden_size + 2 * B * c.num_labels;
    return F32 * ((c.num_hidden_layers + 1) * perLayer + embeddings + head);
  },
  onnxInputs: () => ELECTRA_ONNX_INPUTS,
  addOnnxGraph: addElectraGraph,
};
