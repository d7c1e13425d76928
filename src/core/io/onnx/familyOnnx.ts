/**
 * The exported model as ONNX, for transformers.js (`pipeline('text-classification', folder)`)
 * and any onnxruntime: `onnx/model.onnx` (float32) and `onnx/model_quantized.onnx` (dynamic
 * int8, transformers.js's default `q8` dtype on wasm), written from the weights the studio holds,
 * for any family: the graph inputs its family names (int64 [batch_size, sequence_length]), the
 * graph its `addOnnxGraph` writes, and the output `logits` (float32 [batch_size, num_labels];
 * a token model's [batch_size, sequence_length, num_labels], as transformers.js's
 * token-classification pipeline reads them).
 *
 * Opset 17 (IR version 8): the lowest opset with LayerNormalization as one op, which onnxruntime
 * runs as one kernel (the decomposed form is 9 ops per norm). onnxruntime runs opset 17 from
 * 1.12 on, so transformers.js 4.3's onnxruntime-web 1.31 and onnxruntime-node 1.30 run it, and
 * so do older releases a page may pin.
 * GELU stays decomposed (Erf, Mul, Add): the Gelu op needs opset 20, and onnxruntime fuses the
 * decomposed form itself.
 */
import type { CommonConfig, HeadKind, HostTensor, ModelFamily } from '../../model/family';
import { FLOAT_OPS } from './floatOps';
import { GraphBuilder } from './graphBuilder';
import { DataType, encodeModel, type ModelProto } from './proto';
import { q8Ops } from './quantize';

export type { HostTensor } from '../../model/family';

/** The ONNX opset the graphs use (default domain). */
export const ONNX_OPSET = 17;
/** The IR version that goes with {@link ONNX_OPSET} (onnx 1.12's). */
export const ONNX_IR_VERSION = 8;
/** The float32 model's path in an export (transformers.js `dtype: 'fp32'`). */
export const ONNX_FP32_FILE = 'onnx/model.onnx';
/** The int8 model's path in an export (transformers.js `dtype: 'q8'`, the default on wasm). */
export const ONNX_Q8_FILE = 'onnx/model_quantized.onnx';
/** The graph's output: float32 [batch_size, num_labels] ([batch_size, sequence_length, num_labels]). */
export const ONNX_OUTPUT_NAME = 'logits';

/** Parameters by HF name on the host, as `SequenceClassifier.weights()` returns them. */
export type ModelWeights = ReadonlyMap<string, HostTensor>;

/** Which of the two files {@link familyOnnx} writes. */
export type OnnxDtype = 'fp32' | 'q8';

/** The ONNX files of an export, by path inside the folder. */
export interface OnnxFiles {
  'onnx/model.onnx': Uint8Array;
  'onnx/model_quantized.onnx': Uint8Array;
}

/** The model bytes of `family`'s classifier with `config`, `weights` and `head`, fp32 or q8. */
export function familyOnnx<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  weights: ModelWeights,
  dtype: OnnxDtype = 'fp32',
  head: HeadKind = 'sequence',
): Uint8Array {
  const g = new GraphBuilder();
  const dims = ['batch_size', 'sequence_length'];
  const inputs: Record<string, string> = {};
  for (const name of family.onnxInputs(config)) inputs[name] = g.input(name, DataType.INT64, dims);
  const ops = dtype === 'q8' ? q8Ops() : FLOAT_OPS;
  const last = family.addOnnxGraph(g, config, weights, ops, inputs, head);
  const logits = g.op('Identity', [last], ONNX_OUTPUT_NAME);
  const outputDims =
    head === 'token' ? [...dims, config.num_labels] : ['batch_size', config.num_labels];
  g.output(logits, DataType.FLOAT, outputDims);
  const architecture = family.architectureOf(config, head);
  const model: ModelProto = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'trainer-studio',
    producer_version: '0.1.0',
    doc_string:
      `${architecture} (${config.num_labels} labels, ${dtype}); labels and problem_type are in ` +
      `config.json beside this folder.`,
    graph: g.graph(architecture),
    metadata_props: [
      { key: 'model_type', value: config.model_type },
      { key: 'dtype', value: dtype },
    ],
  };
  return encodeModel(model);
}

/** Both ONNX files of an export, from one read of the weights. */
export function onnxFiles<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  weights: ModelWeights,
  head: HeadKind = 'sequence',
): OnnxFiles {
  return {
    [ONNX_FP32_FILE]: familyOnnx(family, config, weights, 'fp32', head),
    [ONNX_Q8_FILE]: familyOnnx(family, config, weights, 'q8', head),
  } as OnnxFiles;
}
