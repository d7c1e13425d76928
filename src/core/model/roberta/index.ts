/**
 * RoBERTa and XLM-RoBERTa behind the family interface: one implementation, two names
 * (`model_type` "roberta" / "xlm-roberta", `RobertaForSequenceClassification` /
 * `XLMRobertaForSequenceClassification`); the same parameters, prefix (`roberta.`) and maths.
 */
import { encoderLayerActivationElems } from '../encoderLayer';
import type { HeadKind, ModelFamily } from '../family';
import { bertKeyDims } from '../familyParts';
import { initParam } from '../init';
import { TOKEN_HEAD_PARAMS, tokenHeadActivationElems, withHead } from '../tokenHead';
import {
  ROBERTA,
  XLM_ROBERTA,
  parseRobertaConfig,
  robertaConfigToJson,
  robertaScratchConfig,
  type RobertaConfig,
  type RobertaVariant,
} from './config';
import { robertaForward, robertaMaxInputLength } from './forward';
import { ROBERTA_ONNX_INPUTS, addRobertaGraph } from './onnx';
import {
  ROBERTA_HEAD_PARAMS,
  ROBERTA_PREFIX,
  isRobertaEmbeddingParam,
  robertaCheckpointName,
  robertaParamSpecs,
} from './params';

export type { RobertaConfig } from './config';

/**
 * Activation bytes kept at B x T (fp32): the encoder layers' (BERT's estimate), the embeddings'
 * sum, normalised output and position ids, and the head's first-token rows (token head: every
 * token's); one more layer's worth for the gradient temporaries while backward runs.
 */
function robertaActivationBytes(
  c: RobertaConfig,
  B: number,
  T: number,
  headKind: HeadKind = 'sequence',
): number {
  const layer = encoderLayerActivationElems(B, T, {
    hidden: c.hidden_size,
    intermediate: c.intermediate_size,
    heads: c.num_attention_heads,
  });
  const embeddings = 7 * B * T * c.hidden_size + 3 * B * T;
  const head =
    headKind === 'token'
      ? tokenHeadActivationElems(B, T, c.hidden_size, c.num_labels)
      : 4 * B * c.hidden_size + 2 * B * c.num_labels;
  return 4 * ((c.num_hidden_layers + 1) * layer + embeddings + head);
}

function robertaLikeFamily(v: RobertaVariant): ModelFamily<RobertaConfig> {
  return {
    modelTypes: [v.modelType],
    displayName: v.displayName,
    architectureOf: (_c, head) => withHead(v.architecture, head),
    parseConfig: (json) => parseRobertaConfig(v, json),
    configToJson: (c, head) => robertaConfigToJson(v, c, withHead(v.architecture, head)),
    scratchConfig: (opts) => robertaScratchConfig(v, opts),
    dims: bertKeyDims,
    maxInputLength: robertaMaxInputLength,
    takesTokenTypeIds: () => false,
    paramSpecs: robertaParamSpecs,
    headParamNames: (_c, head) => (head === 'token' ? TOKEN_HEAD_PARAMS : ROBERTA_HEAD_PARAMS),
    initParam,
    checkpointName: robertaCheckpointName,
    basePrefix: ROBERTA_PREFIX,
    forward: robertaForward,
    isEmbeddingParam: isRobertaEmbeddingParam,
    activationBytes: robertaActivationBytes,
    onnxInputs: () => ROBERTA_ONNX_INPUTS,
    addOnnxGraph: addRobertaGraph,
  };
}

/** RoBERTa (`model_type` "roberta"). */
export const robertaFamily = robertaLikeFamily(ROBERTA);

/** XLM-RoBERTa (`model_type` "xlm-roberta"). */
export const xlmRobertaFamily = robertaLikeFamily(XLM_ROBERTA);
