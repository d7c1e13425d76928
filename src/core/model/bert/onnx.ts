/**
 * `BertForSequenceClassification` as an ONNX graph, op for op what `forward.ts` computes in
 * inference: embeddings (word + token type, + positions 0..T-1, LayerNorm), the encoder layers
 * (`encoderLayerOnnx.ts`: attention with HF's additive mask, add & norm, the feed-forward with
 * `hidden_act`, add & norm), the pooler (`tanh(dense(h[:, 0]))`) and the classifier. Dropout is
 * the identity at inference and is left out.
 *
 * How a Linear layer and the word-embedding lookup are written is the caller's choice
 * ({@link GraphOps}): float MatMul + Add for `onnx/model.onnx`, int8 for the quantized file.
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
import type { GraphOps, HeadKind, HostTensor, OnnxGraph } from '../family';
import type { BertConfig } from './config';
import { BERT_EMBEDDINGS, bertLayer } from './params';

/** The graph's input names, each int64 [batch_size, sequence_length]. */
export const BERT_ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/**
 * Adds BERT's graph to `g`, reading the inputs `input_ids`, `attention_mask`, `token_type_ids`
 * (node names in `inputs`), and returns the node name of the logits (float32
 * [batch_size, num_labels]; head 'token': the classifier over every token, no pooler,
 * [batch_size, sequence_length, num_labels]).
 */
export function addBertGraph(
  g: OnnxGraph,
  c: BertConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
  head: HeadKind = 'sequence',
): string {
  const [ids, mask, types] = graphInputs(inputs, BERT_ONNX_INPUTS);
  const linear = onnxModuleLinear(g, w, ops);
  let h = onnxEmbeddings(g, w, ops, BERT_EMBEDDINGS, ids, types, c.layer_norm_eps);
  const maskAdd = onnxAdditiveMask(g, mask);
  h = onnxEncoderLayers(
    g,
    w,
    ops,
    bertLayer,
    c.num_hidden_layers,
    h,
    maskAdd,
    bertKeyOnnxSettings(c),
  );
  if (head === 'token') return linear(h, 'classifier');
  // Pooler tanh(dense(h[:, 0])), then the classifier.
  const first = onnxFirstToken(g, h, 'bert.pooler');
  const pooled = g.op('Tanh', [linear(first, 'bert.pooler.dense')], 'bert.pooler/Tanh');
  return linear(pooled, 'classifier');
}
