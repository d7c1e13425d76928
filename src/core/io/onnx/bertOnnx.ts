/**
 * The exported model as ONNX, for transformers.js (`pipeline('text-classification', folder)`)
 * and any onnxruntime: `onnx/model.onnx` (float32) and `onnx/model_quantized.onnx` (dynamic
 * int8, transformers.js's default `q8` dtype on wasm), written from the weights the studio holds.
 *
 * Opset 17 (IR version 8): the lowest opset with LayerNormalization as one op, which onnxruntime
 * runs as one kernel (the decomposed form is 9 ops per norm). onnxruntime runs opset 17 from
 * 1.12 on, so transformers.js 4.3's onnxruntime-web 1.31 and onnxruntime-node 1.30 run it, and
 * so do older releases a page may pin.
 * GELU stays decomposed (Erf, Mul, Add): the Gelu op needs opset 20, and onnxruntime fuses the
 * decomposed form itself.
 */
import type { BertConfig } from '../../model/config';
import { FLOAT_OPS, addBertGraph, type BertGraphOps, type BertWeights } from './bertGraph';
import { GraphBuilder } from './graphBuilder';
import { encodeModel, type ModelProto } from './proto';
import { q8Ops } from './quantize';

export { ONNX_INPUT_NAMES, ONNX_OUTPUT_NAME, type BertWeights, type HostTensor } from './bertGraph';

/** The ONNX opset the graphs use (default domain). */
export const ONNX_OPSET = 17;
/** The IR version that goes with {@link ONNX_OPSET} (onnx 1.12's). */
export const ONNX_IR_VERSION = 8;
/** The float32 model's path in an export (transformers.js `dtype: 'fp32'`). */
export const ONNX_FP32_FILE = 'onnx/model.onnx';
/** The int8 model's path in an export (transformers.js `dtype: 'q8'`, the default on wasm). */
export const ONNX_Q8_FILE = 'onnx/model_quantized.onnx';

/** Which of the two files {@link bertOnnx} writes. */
export type OnnxDtype = 'fp32' | 'q8';

/** The ONNX files of an export, by path inside the folder. */
export interface OnnxFiles {
  'onnx/model.onnx': Uint8Array;
  'onnx/model_quantized.onnx': Uint8Array;
}

/**
 * The model bytes of `BertForSequenceClassification` with `config` and `weights` (HF names,
 * PyTorch layout, as `model.weights()` returns them). Inputs `input_ids`, `attention_mask`,
 * `token_type_ids`: int64 [batch_size, sequence_length]; output `logits`: float32
 * [batch_size, num_labels] (before softmax/sigmoid). Throws when a weight is missing.
 */
export function bertOnnx(
  config: BertConfig,
  weights: BertWeights,
  dtype: OnnxDtype = 'fp32',
): Uint8Array {
  const ops: BertGraphOps = dtype === 'q8' ? q8Ops() : FLOAT_OPS;
  const g = new GraphBuilder();
  addBertGraph(g, config, weights, ops);
  const model: ModelProto = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'trainer-studio',
    producer_version: '0.1.0',
    doc_string:
      `BertForSequenceClassification (${config.num_hidden_layers} layers, hidden ` +
      `${config.hidden_size}, ${config.num_labels} labels, ${dtype}); labels and problem_type ` +
      `are in config.json beside this folder.`,
    graph: g.graph('BertForSequenceClassification'),
    metadata_props: [
      { key: 'model_type', value: 'bert' },
      { key: 'dtype', value: dtype },
    ],
  };
  return encodeModel(model);
}

/** Both ONNX files of an export, from one read of the weights. */
export function onnxFiles(config: BertConfig, weights: BertWeights): OnnxFiles {
  return {
    [ONNX_FP32_FILE]: bertOnnx(config, weights, 'fp32'),
    [ONNX_Q8_FILE]: bertOnnx(config, weights, 'q8'),
  } as OnnxFiles;
}
