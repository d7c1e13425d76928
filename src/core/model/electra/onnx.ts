/**
 * `ElectraForSequenceClassification` as an ONNX graph, op for op what `forward.ts` computes in
 * inference: BERT's embeddings at `embedding_size`, `embeddings_project`, the encoder layers,
 * then on the first token `classifier.dense`, exact GELU, `classifier.out_proj`. Inputs
 * `input_ids`, `attention_mask`, `token_type_ids`, as HF's ELECTRA exports.
 */
import {
  bertKeyOnnxSettings,
  graphInputs,
  onnxAdditiveMask,
  onnxEmbeddings,
  onnxEncoderLayers,
  onnxFirstToken,
  onnxModuleLinear,
} from '../encoderLayerOnnx';
import { bertLayerNames } from '../encoderLayer';
import type { GraphOps, HeadKind, HostTensor, OnnxGraph } from '../family';
import { onnxActivation } from '../onnxOps';
import type { ElectraConfig } from './config';
import { ELECTRA_EMBEDDINGS, ELECTRA_PROJECTION, hasProjection } from './params';

/** The graph's inputs, each int64 [batch_size, sequence_length]. */
export const ELECTRA_ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/**
 * Adds the graph to `g` and returns the node name of the logits (float32 [batch, num_labels];
 * head 'token': `classifier` over every token, [batch, sequence, num_labels]).
 */
export function addElectraGraph(
  g: OnnxGraph,
  c: ElectraConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
  head: HeadKind = 'sequence',
): string {
  const [ids, mask, types] = graphInputs(inputs, ELECTRA_ONNX_INPUTS);
  const linear = onnxModuleLinear(g, w, ops);
  let h = onnxEmbeddings(g, w, ops, ELECTRA_EMBEDDINGS, ids, types, c.layer_norm_eps);
  if (hasProjection(c)) h = linear(h, ELECTRA_PROJECTION);
  const maskAdd = onnxAdditiveMask(g, mask);
  const namesOf = (i: number) => bertLayerNames(`electra.encoder.layer.${i}`);
  h = onnxEncoderLayers(
    g,
    w,
    ops,
    namesOf,
    c.num_hidden_layers,
    h,
    maskAdd,
    bertKeyOnnxSettings(c),
  );
  if (head === 'token') return linear(h, 'classifier');
  const first = onnxFirstToken(g, h, 'electra');
  const dense = onnxActivation(
    g,
    linear(first, 'classifier.dense'),
    'gelu',
    'classifier.dense/act',
  );
  return linear(dense, 'classifier.out_proj');
}
