/**
 * Any family's classifier as ONNX: the graph inputs its family names (int64 [batch_size,
 * sequence_length]), the graph its `addOnnxGraph` writes, and the output `logits` (float32
 * [batch_size, num_labels]), in a model of the studio's opset ({@link ONNX_OPSET}).
 */
import type { CommonConfig, ModelFamily } from '../../model/family';
import { FLOAT_OPS, ONNX_OUTPUT_NAME, type BertWeights } from './bertGraph';
import { ONNX_IR_VERSION, ONNX_OPSET, type OnnxDtype } from './bertOnnx';
import { GraphBuilder } from './graphBuilder';
import { DataType, encodeModel, type ModelProto } from './proto';
import { q8Ops } from './quantize';

/** The model bytes of `family`'s classifier with `config` and `weights`, fp32 or q8. */
export function familyOnnx<C extends CommonConfig>(
  family: ModelFamily<C>,
  config: C,
  weights: BertWeights,
  dtype: OnnxDtype = 'fp32',
): Uint8Array {
  const g = new GraphBuilder();
  const dims = ['batch_size', 'sequence_length'];
  const inputs: Record<string, string> = {};
  for (const name of family.onnxInputs(config)) inputs[name] = g.input(name, DataType.INT64, dims);
  const ops = dtype === 'q8' ? q8Ops() : FLOAT_OPS;
  const last = family.addOnnxGraph(g, config, weights, ops, inputs);
  const logits = g.op('Identity', [last], ONNX_OUTPUT_NAME);
  g.output(logits, DataType.FLOAT, ['batch_size', config.num_labels]);
  const architecture = family.architectureOf(config);
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
