/**
 * BERT (`model_type: "bert"`: BERT, its miniatures, MiniLM, ...) as a {@link ModelFamily}: HF's
 * `BertForSequenceClassification`, the studio's first family and its default from scratch.
 */
import type { ModelFamily } from '../family';
import { bertKeyDims, hfCheckpointName } from '../familyParts';
import { initParam } from '../init';
import { headArchitecture } from '../tokenHead';
import { bertConfigToJson, parseBertConfig, smallBertConfig, type BertConfig } from './config';
import { bertForward } from './forward';
import { bertActivationBytes } from './memory';
import { BERT_ONNX_INPUTS, addBertGraph } from './onnx';
import { HEAD_PARAMS, bertParamSpecs } from './params';

export type { BertConfig } from './config';

/** Buffers HF ignores when loading (`_keys_to_ignore_on_load_unexpected`). */
const IGNORED_CHECKPOINT_KEY = /(^|\.)embeddings\.position_ids$/;

export const bertFamily: ModelFamily<BertConfig> = {
  modelTypes: ['bert'],
  displayName: 'BERT',
  architectureOf: (_c, head) => headArchitecture('Bert', head),
  parseConfig: parseBertConfig,
  configToJson: (c, head) => bertConfigToJson(c, headArchitecture('Bert', head)),
  scratchConfig: (opts) =>
    smallBertConfig({
      vocabSize: opts.vocabSize,
      numLabels: Object.keys(opts.id2label).length,
      maxLength: opts.maxLength,
      id2label: opts.id2label,
      padTokenId: opts.padTokenId,
      problemType: opts.problemType,
      settings: opts.settings as Partial<BertConfig> | undefined,
    }),
  dims: bertKeyDims,
  maxInputLength: (c) => c.max_position_embeddings,
  takesTokenTypeIds: () => true,
  paramSpecs: bertParamSpecs,
  headParamNames: () => HEAD_PARAMS,
  initParam,
  checkpointName: (key, prefixed) =>
    // A base-model checkpoint (`BertModel`) stores its names without `bert.`.
    hfCheckpointName(key, prefixed, {
      basePrefix: 'bert.',
      head: /^classifier\./,
      ignored: IGNORED_CHECKPOINT_KEY,
    }),
  basePrefix: 'bert.',
  forward: bertForward,
  isEmbeddingParam: (name) =>
    /embeddings\.(word|position|token_type)_embeddings\.weight$/.test(name),
  activationBytes: bertActivationBytes,
  onnxInputs: () => BERT_ONNX_INPUTS,
  addOnnxGraph: (g, config, weights, ops, inputs, head) =>
    addBertGraph(g, config, weights, ops, inputs, head),
};
