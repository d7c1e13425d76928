/**
 * `ElectraForSequenceClassification` as an ONNX graph, op for op what `forward.ts` computes in
 * inference: BERT's embeddings at `embedding_size`, `embeddings_project`, the encoder layers,
 * then on the first token `classifier.dense`, exact GELU, `classifier.out_proj`. Inputs
 * `input_ids`, `attention_mask`, `token_type_ids`, as HF's ELECTRA exports.
 */
import {
  graphInputs,
  onnxAdditiveMask,
  onnxEmbeddings,
  onnxEncoderLayer,
  onnxFirstToken,
} from '../encoderLayerOnnx';
import { bertLayerNames } from '../encoderLayer';
import type { GraphOps, HostTensor, OnnxGraph } from '../family';
import { hostParam, onnxActivation } from '../onnxOps';
import type { ElectraConfig } from './config';
import { ELECTRA_EMBEDDINGS, ELECTRA_PROJECTION, hasProjection } from './params';

/** The graph's inputs, each int64 [batch_size, sequence_length]. */
export const ELECTRA_ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/** Adds the graph to `g` and returns the node name of the logits (float32 [batch, num_labels]). */
export function addElectraGraph(
  g: OnnxGraph,
  c: ElectraConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
): string {
  const [ids, mask, types] = graphInputs(inputs, ELECTRA_ONNX_INPUTS);
  const linear = (x: string, module: string) =>
    ops.linear(g, x, module, hostParam(w, `${module}.weight`), hostParam(w, `${module}.bias`));
  let h = onnxEmbeddings(g, w, ops, ELECTRA_EMBEDDINGS, ids, types, c.layer_norm_eps);
  if (hasProjection(c)) h = linear(h, ELECTRA_PROJECTION);
  const maskAdd = onnxAdditiveMask(g, mask);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    h = onnxEncoderLayer(g, w, ops, bertLayerNames(`electra.encoder.layer.${i}`), h, maskAdd, {
      hidden: c.hidden_size,
      heads: c.num_attention_heads,
      eps: c.layer_norm_eps,
      act: c.hidden_act,
    });
  }
  const first = onnxFirstToken(g, h, 'electra');
  const dense = onnxActivation(
    g,
    linear(first, 'classifier.dense'),
    'gelu',
    'classifier.dense/act',
  );
  return linear(dense, 'classifier.out_proj');
}
