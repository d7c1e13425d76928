/**
 * `RobertaForSequenceClassification` as an ONNX graph (inference, dropout left out), op for op
 * what `forward.ts` computes. Inputs `input_ids` and `attention_mask`, as HF's exports of RoBERTa
 * and XLM-R declare them (their tokenizers give no token types).
 */
import { bertLayerNames } from '../encoderLayer';
import {
  bertKeyOnnxSettings,
  graphInputs,
  onnxAdditiveMask,
  onnxEncoderLayers,
  onnxFirstToken,
  onnxModuleLinear,
} from '../encoderLayerOnnx';
import {
  ONNX_INT64,
  type GraphOps,
  type HeadKind,
  type HostTensor,
  type OnnxGraph,
} from '../family';
import { hostParam, onnxLayerNorm } from '../onnxOps';
import type { RobertaConfig } from './config';

/** The graph's inputs, each int64 [batch_size, sequence_length]. */
export const ROBERTA_ONNX_INPUTS = ['input_ids', 'attention_mask'] as const;

/**
 * Adds the graph to `g`; returns the logits' node name (float [batch_size, num_labels]; head
 * 'token': `classifier` over every token, [batch_size, sequence_length, num_labels]).
 */
export function addRobertaGraph(
  g: OnnxGraph,
  c: RobertaConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
  head: HeadKind = 'sequence',
): string {
  const [ids, mask] = graphInputs(inputs, ROBERTA_ONNX_INPUTS);
  const H = c.hidden_size;
  const e = 'roberta.embeddings';
  // position ids: cumsum(ids != pad) * (ids != pad) + pad
  const notPad = g.op(
    'Cast',
    [
      g.op(
        'Not',
        [g.op('Equal', [ids, g.int64('pad_token_id', [], [c.pad_token_id])], `${e}/IsPad`)],
        `${e}/NotPad`,
      ),
    ],
    `${e}/NotPadInt`,
    { to: { int: ONNX_INT64 } },
  );
  const counted = g.op('CumSum', [notPad, g.int64('sequence_axis', [], [1])], `${e}/CumSum`);
  const positionIds = g.op(
    'Add',
    [
      g.op('Mul', [counted, notPad], `${e}/KeepTokens`),
      g.int64('padding_idx', [], [c.pad_token_id]),
    ],
    `${e}/PositionIds`,
  );
  const words = ops.embeddingRows(
    g,
    hostParam(w, `${e}.word_embeddings.weight`),
    ids,
    `${e}.word_embeddings`,
  );
  const posTable = hostParam(w, `${e}.position_embeddings.weight`);
  const positions = g.op(
    'Gather',
    [g.float(`${e}.position_embeddings.weight`, posTable.shape, posTable.data), positionIds],
    `${e}.position_embeddings/Gather`,
  );
  // token type 0 for every token: the table's first row
  const typeRow = hostParam(w, `${e}.token_type_embeddings.weight`).data.slice(0, H);
  const sum = g.op(
    'Add',
    [
      g.op(
        'Add',
        [words, g.float(`${e}.token_type_embeddings.row0`, [H], typeRow)],
        `${e}/AddType`,
      ),
      positions,
    ],
    `${e}/AddPositions`,
  );
  let h = onnxLayerNorm(g, sum, w, `${e}.LayerNorm`, c.layer_norm_eps);
  const maskAdd = onnxAdditiveMask(g, mask);
  const namesOf = (i: number) => bertLayerNames(`roberta.encoder.layer.${i}`);
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
  const linear = onnxModuleLinear(g, w, ops);
  if (head === 'token') return linear(h, 'classifier');
  const first = onnxFirstToken(g, h, 'roberta');
  const dense = g.op('Tanh', [linear(first, 'classifier.dense')], 'classifier/Tanh');
  return linear(dense, 'classifier.out_proj');
}
