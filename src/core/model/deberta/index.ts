/**
 * DeBERTa-v2 / DeBERTa-v3 (`model_type` "deberta-v2", `DebertaV2ForSequenceClassification`)
 * behind the model-family interface.
 */
import { encoderLayerActivationElems } from '../encoderLayer';
import type { HeadKind, ModelFamily } from '../family';
import { bertKeyDims } from '../familyParts';
import { TOKEN_HEAD_PARAMS, headArchitecture, tokenHeadActivationElems } from '../tokenHead';
import {
  DEBERTA_NAME,
  debertaConfigToJson,
  debertaScratchConfig,
  parseDebertaConfig,
  type DebertaV2Config,
} from './config';
import { debertaForward } from './forward';
import { addDebertaGraph } from './onnx';
import {
  DEBERTA_HEAD_PARAMS,
  DEBERTA_PREFIX,
  debertaCheckpointName,
  debertaInitParam,
  debertaIsEmbeddingParam,
  debertaParamSpecs,
} from './params';
import { relativeRowRange } from './relativePositions';

export type { DebertaV2Config } from './config';

const F32 = 4;

/**
 * Activation bytes kept for the backward pass at B x T: per layer what an encoder layer keeps
 * (`encoderLayerActivationElems`, BERT's count), plus the c2p and p2c products with the used
 * relative rows (each [nH, B*T, rows]) and their transposed copies while they are gathered; the
 * embeddings (5 x B*T*H); one layer's gradient temporaries on top while the backward runs.
 */
export function debertaActivationBytes(
  c: DebertaV2Config,
  B: number,
  T: number,
  headKind: HeadKind = 'sequence',
): number {
  const H = c.hidden_size;
  const rows = c.relative_attention ? relativeRowRange(c, T).rows : 0;
  const terms = c.relative_attention ? c.pos_att_type.length : 0;
  const relative = 2 * terms * c.num_attention_heads * B * T * rows;
  const perLayer =
    encoderLayerActivationElems(B, T, {
      hidden: H,
      intermediate: c.intermediate_size,
      heads: c.num_attention_heads,
    }) + relative;
  const head =
    headKind === 'token'
      ? tokenHeadActivationElems(B, T, H, c.num_labels)
      : 4 * B * H + 2 * B * c.num_labels;
  return F32 * (c.num_hidden_layers * perLayer + 5 * B * T * H + head + perLayer);
}

/** The DeBERTa-v2/v3 family. */
export const debertaFamily: ModelFamily<DebertaV2Config> = {
  modelTypes: ['deberta-v2'],
  displayName: DEBERTA_NAME,
  architectureOf: (_c, head) => headArchitecture('DebertaV2', head),
  parseConfig: parseDebertaConfig,
  configToJson: (c, head) => debertaConfigToJson(c, headArchitecture('DebertaV2', head)),
  scratchConfig: debertaScratchConfig,
  dims: bertKeyDims,
  maxInputLength: (c) => c.max_position_embeddings,
  takesTokenTypeIds: (c) => c.type_vocab_size > 0,
  paramSpecs: debertaParamSpecs,
  headParamNames: (_c, head) => (head === 'token' ? TOKEN_HEAD_PARAMS : DEBERTA_HEAD_PARAMS),
  initParam: debertaInitParam,
  checkpointName: debertaCheckpointName,
  basePrefix: DEBERTA_PREFIX,
  forward: debertaForward,
  isEmbeddingParam: debertaIsEmbeddingParam,
  activationBytes: debertaActivationBytes,
  onnxInputs: (c) =>
    c.type_vocab_size > 0
      ? ['input_ids', 'attention_mask', 'token_type_ids']
      : ['input_ids', 'attention_mask'],
  addOnnxGraph: addDebertaGraph,
};
