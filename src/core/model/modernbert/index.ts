/**
 * ModernBERT (`model_type` "modernbert", `ModernBertForSequenceClassification`) behind the
 * family interface: config (`config.ts`), parameters and `_init_weights` (`params.ts`), the
 * forward pass (`forward.ts`, ops in `ops.ts`) and the ONNX graph (`onnx.ts`).
 */
import type { HeadKind, ModelFamily } from '../family';
import { bertKeyDims } from '../familyParts';
import { headArchitecture } from '../tokenHead';
import {
  MODERNBERT_NAME,
  modernBertConfigToJson,
  modernBertScratchConfig,
  parseModernBertConfig,
  type ModernBertConfig,
} from './config';
import { modernBertForward } from './forward';
import { MODERNBERT_ONNX_INPUTS, addModernBertGraph } from './onnx';
import {
  MODERNBERT_HEAD_PARAMS,
  MODERNBERT_PREFIX,
  modernBertCheckpointName,
  modernBertInitParam,
  modernBertParamSpecs,
} from './params';

export type { ModernBertConfig } from './config';

const F32 = 4;

/**
 * Bytes the tape keeps per forward pass at B x T, from what each op of `forward.ts` saves. Per
 * layer: the attention norm's normalised input, the inputs of `Wqkv`, `Wo`, `Wi` and the MLP's
 * `Wo`, the head-major QKV (3 x B*T*H) and the probabilities (B*heads*T*T) the attention op
 * keeps, the MLP norm's normalised input; GELU's input, the activation and the gate the
 * product keeps (rotary and residual sums keep nothing). Once per pass: the embeddings' norm,
 * the sliding-window mask (B*T*T), the final norm and the pooled rows (token head: the head's
 * dense, activation, norm, dropout, logits and the loss's two on every token); and while
 * backward runs, one layer's gradient temporaries (the score-sized ones and a copy of each
 * activation).
 */
function activationBytes(
  c: ModernBertConfig,
  B: number,
  T: number,
  head: HeadKind = 'sequence',
): number {
  const bth = B * T * c.hidden_size;
  const bti = B * T * c.intermediate_size;
  const scores = B * c.num_attention_heads * T * T;
  const perLayer = scores + 8 * bth + 5 * bti;
  const headElems = head === 'token' ? 5 * bth + 3 * B * T * c.num_labels : 4 * B * c.hidden_size;
  const once = 3 * bth + B * T * T + headElems;
  const backward = 3 * scores + 6 * bth + 4 * bti;
  return F32 * (c.num_hidden_layers * perLayer + once + backward);
}

/** ModernBERT, as {@link ModelFamily} describes. */
export const modernbertFamily: ModelFamily<ModernBertConfig> = {
  modelTypes: ['modernbert'],
  displayName: MODERNBERT_NAME,
  architectureOf: (_c, head) => headArchitecture('ModernBert', head),
  parseConfig: parseModernBertConfig,
  configToJson: (c, head) => modernBertConfigToJson(c, headArchitecture('ModernBert', head)),
  scratchConfig: modernBertScratchConfig,
  dims: bertKeyDims,
  // rotary positions reach any length; HF's tokenizers cap inputs at max_position_embeddings
  maxInputLength: (c) => c.max_position_embeddings,
  takesTokenTypeIds: () => false,
  paramSpecs: modernBertParamSpecs,
  headParamNames: () => MODERNBERT_HEAD_PARAMS,
  initParam: modernBertInitParam,
  checkpointName: modernBertCheckpointName,
  basePrefix: MODERNBERT_PREFIX,
  forward: modernBertForward,
  isEmbeddingParam: (name) => name === 'model.embeddings.tok_embeddings.weight',
  activationBytes,
  onnxInputs: () => MODERNBERT_ONNX_INPUTS,
  addOnnxGraph: addModernBertGraph,
};
