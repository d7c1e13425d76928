/**
 * `BertForSequenceClassification` as an ONNX graph, op for op what `forward.ts` computes in
 * inference: embeddings (word + token type, + positions 0..T-1, LayerNorm), per layer attention
 * with HF's additive mask (`(1 - mask) * float32 min`), `softmax(q k^T * 1/sqrt(d))`, add & norm,
 * the feed-forward with `hidden_act`, add & norm; the pooler (`tanh(dense(h[:, 0]))`) and the
 * classifier. Dropout is the identity at inference and is left out.
 *
 * How a Linear layer and the word-embedding lookup are written is the caller's choice
 * ({@link GraphOps}): float MatMul + Add for `onnx/model.onnx`, int8 for the quantized file.
 */
import type { GraphOps, HostTensor, OnnxGraph } from '../family';
import { ONNX_FLOAT } from '../family';
import { hostParam as param, onnxActivation, onnxLayerNorm } from '../onnxOps';
import type { BertConfig } from './config';

/** The graph's input names, each int64 [batch_size, sequence_length]. */
export const BERT_ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/** torch.finfo(torch.float32).min, the additive mask value of forward.ts and HF. */
const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * Adds BERT's graph to `g`, reading the inputs `input_ids`, `attention_mask`, `token_type_ids`
 * (node names in `inputs`), and returns the node name of the logits (float32
 * [batch_size, num_labels]).
 */
export function addBertGraph(
  g: OnnxGraph,
  c: BertConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
): string {
  const [ids, mask, types] = BERT_ONNX_INPUTS.map((n) => {
    const node = inputs[n];
    if (node === undefined) throw new Error(`ONNX export: the graph has no input '${n}'`);
    return node;
  });
  const H = c.hidden_size;
  const nH = c.num_attention_heads;
  const dH = H / nH;
  const eps = c.layer_norm_eps;
  const linear = (x: string, prefix: string) =>
    ops.linear(g, x, prefix, param(w, `${prefix}.weight`), param(w, `${prefix}.bias`));

  // Embeddings: (word + token type) + position rows 0..T-1, then LayerNorm.
  const e = 'bert.embeddings';
  const words = ops.embeddingRows(
    g,
    param(w, `${e}.word_embeddings.weight`),
    ids,
    `${e}.word_embeddings`,
  );
  const typeTable = param(w, `${e}.token_type_embeddings.weight`);
  const typeRows = g.op(
    'Gather',
    [g.float(`${e}.token_type_embeddings.weight`, typeTable.shape, typeTable.data), types],
    `${e}.token_type_embeddings/Gather`,
  );
  const posTable = param(w, `${e}.position_embeddings.weight`);
  const seqLen = g.op('Shape', [ids], `${e}/SequenceLength`, {
    start: { int: 1 },
    end: { int: 2 },
  });
  const posRows = g.op(
    'Slice',
    [
      g.float(`${e}.position_embeddings.weight`, posTable.shape, posTable.data),
      g.ints([0]),
      seqLen,
      g.ints([0]),
    ],
    `${e}.position_embeddings/Slice`,
  );
  const sum = g.op(
    'Add',
    [g.op('Add', [words, typeRows], `${e}/AddTypes`), posRows],
    `${e}/AddPositions`,
  );
  let h = onnxLayerNorm(g, sum, w, `${e}.LayerNorm`, eps);

  // Additive mask [B, 1, 1, T]: 0 where attended, float32 min where padded.
  const maskF = g.op('Cast', [mask], 'mask/Cast', { to: { int: ONNX_FLOAT } });
  const inverted = g.op('Sub', [g.scalar(1), maskF], 'mask/Invert');
  const maskAdd = g.op(
    'Unsqueeze',
    [g.op('Mul', [inverted, g.scalar(FLOAT32_MIN)], 'mask/Scale'), g.ints([1, 2])],
    'mask/Unsqueeze',
  );

  const heads = (x: string, perm: number[], name: string) =>
    g.op(
      'Transpose',
      [g.op('Reshape', [x, g.ints([0, 0, nH, dH])], `${name}/Reshape`)],
      `${name}/Transpose`,
      {
        perm,
      },
    );
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const pre = `bert.encoder.layer.${i}`;
    const att = `${pre}.attention.self`;
    const q = heads(linear(h, `${att}.query`), [0, 2, 1, 3], `${att}/query`); // [B, nH, T, dH]
    const kT = heads(linear(h, `${att}.key`), [0, 2, 3, 1], `${att}/key`); // [B, nH, dH, T]
    const v = heads(linear(h, `${att}.value`), [0, 2, 1, 3], `${att}/value`);
    const scores = g.op(
      'Add',
      [
        g.op(
          'Mul',
          [g.op('MatMul', [q, kT], `${att}/Scores`), g.scalar(1 / Math.sqrt(dH))],
          `${att}/Scale`,
        ),
        maskAdd,
      ],
      `${att}/Mask`,
    );
    const probs = g.op('Softmax', [scores], `${att}/Softmax`, { axis: { int: -1 } });
    const ctx = g.op(
      'Reshape',
      [
        g.op('Transpose', [g.op('MatMul', [probs, v], `${att}/Context`)], `${att}/Merge`, {
          perm: [0, 2, 1, 3],
        }),
        g.ints([0, 0, H]),
      ],
      `${att}/MergeReshape`,
    );
    const attnOut = linear(ctx, `${pre}.attention.output.dense`);
    const h1 = onnxLayerNorm(
      g,
      g.op('Add', [attnOut, h], `${pre}.attention.output/Residual`),
      w,
      `${pre}.attention.output.LayerNorm`,
      eps,
    );
    const inter = onnxActivation(
      g,
      linear(h1, `${pre}.intermediate.dense`),
      c.hidden_act,
      `${pre}.intermediate/act`,
    );
    const out = linear(inter, `${pre}.output.dense`);
    h = onnxLayerNorm(
      g,
      g.op('Add', [out, h1], `${pre}.output/Residual`),
      w,
      `${pre}.output.LayerNorm`,
      eps,
    );
  }

  // Pooler tanh(dense(h[:, 0])), then the classifier.
  const first = g.op('Gather', [h, g.int64('pooler.first_token', [], [0])], 'bert.pooler/First', {
    axis: { int: 1 },
  });
  const pooled = g.op('Tanh', [linear(first, 'bert.pooler.dense')], 'bert.pooler/Tanh');
  return linear(pooled, 'classifier');
}
