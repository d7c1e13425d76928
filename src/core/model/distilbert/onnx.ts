/**
 * `DistilBertForSequenceClassification` as an ONNX graph, op for op what `forward.ts` computes in
 * inference: word + position rows, LayerNorm, the encoder layers, then on the first token
 * `pre_classifier`, ReLU and `classifier`. Inputs `input_ids` and `attention_mask` only, as HF's
 * DistilBERT exports (transformers.js feeds exactly the inputs a graph declares).
 */
import {
  graphInputs,
  onnxAdditiveMask,
  onnxEmbeddings,
  onnxEncoderLayer,
  onnxFirstToken,
  onnxModuleLinear,
} from '../encoderLayerOnnx';
import type { GraphOps, HeadKind, HostTensor, OnnxGraph } from '../family';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config';
import { DISTILBERT_EMBEDDINGS, distilBertLayerNames } from './params';

/** The graph's inputs, each int64 [batch_size, sequence_length]. */
export const DISTILBERT_ONNX_INPUTS = ['input_ids', 'attention_mask'] as const;

/**
 * Adds the graph to `g` and returns the node name of the logits (float32 [batch, num_labels];
 * head 'token': `classifier` over every token, [batch, sequence, num_labels]).
 */
export function addDistilBertGraph(
  g: OnnxGraph,
  c: DistilBertConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
  head: HeadKind = 'sequence',
): string {
  const [ids, mask] = graphInputs(inputs, DISTILBERT_ONNX_INPUTS);
  const eps = DISTILBERT_LAYER_NORM_EPS;
  const linear = onnxModuleLinear(g, w, ops);
  let h = onnxEmbeddings(g, w, ops, DISTILBERT_EMBEDDINGS, ids, null, eps);
  const maskAdd = onnxAdditiveMask(g, mask);
  for (let i = 0; i < c.n_layers; i++) {
    h = onnxEncoderLayer(g, w, ops, distilBertLayerNames(i), h, maskAdd, {
      hidden: c.dim,
      heads: c.n_heads,
      eps,
      act: c.activation,
    });
  }
  if (head === 'token') return linear(h, 'classifier');
  const first = onnxFirstToken(g, h, 'distilbert');
  const pooled = g.op('Relu', [linear(first, 'pre_classifier')], 'pre_classifier/Relu');
  return linear(pooled, 'classifier');
}
