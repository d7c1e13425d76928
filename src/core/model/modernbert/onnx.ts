/**
 * `ModernBertForSequenceClassification` as an ONNX graph (opset 17), what `forward.ts` computes in
 * inference: inputs `input_ids` and `attention_mask` (HF's ModernBERT exports take no token
 * types). The rotary tables and the sliding-window band are computed in the graph from the
 * sequence length (`Range`), so the file holds no per-position tables.
 */
import type { GraphOps, HeadKind, HostTensor, OnnxGraph } from '../family';
import { ONNX_FLOAT } from '../family';
import { hostParam, onnxActivation, onnxLayerNorm } from '../onnxOps';
import type { ModernBertConfig, ModernBertLayerType } from './config';
import { FLOAT32_MIN } from '../encoderLayer';
import { onnxAdditiveMask, onnxFirstToken } from '../encoderLayerOnnx';
import { inverseFrequencies } from './ops';

/** The graph's inputs, int64 [batch_size, sequence_length] each. */
export const MODERNBERT_ONNX_INPUTS = ['input_ids', 'attention_mask'] as const;

/** Adds the graph to `g` and returns the node name of the logits. */
export function addModernBertGraph(
  g: OnnxGraph,
  c: ModernBertConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
  head: HeadKind = 'sequence',
): string {
  const ids = inputs.input_ids;
  const mask = inputs.attention_mask;
  const H = c.hidden_size;
  const nH = c.num_attention_heads;
  const dH = H / nH;
  const I = c.intermediate_size;
  const eps = c.norm_eps;
  const norm = (x: string, prefix: string) => onnxLayerNorm(g, x, w, prefix, eps, c.norm_bias);
  const optional = (name: string, on: boolean) => (on ? hostParam(w, name) : undefined);
  const linear = (x: string, prefix: string, bias: boolean) =>
    ops.linear(g, x, prefix, hostParam(w, `${prefix}.weight`), optional(`${prefix}.bias`, bias));

  let h = norm(
    ops.embeddingRows(
      g,
      hostParam(w, 'model.embeddings.tok_embeddings.weight'),
      ids,
      'model.embeddings.tok_embeddings',
    ),
    'model.embeddings.norm',
  );

  // Positions 0..T-1 (int64 [T]) and the padding mask as float [B, T].
  const seqLen = g.op(
    'Squeeze',
    [g.op('Shape', [ids], 'positions/Shape', { start: { int: 1 }, end: { int: 2 } }), g.ints([0])],
    'positions/Length',
  );
  const positions = g.op(
    'Range',
    [g.int64('positions.start', [], [0]), seqLen, g.int64('positions.step', [], [1])],
    'positions/Range',
  );
  const maskF = g.op('Cast', [mask], 'padding/Cast', { to: { int: ONNX_FLOAT } });
  const keep = g.op('Unsqueeze', [maskF, g.ints([1, 2])], 'padding/Unsqueeze'); // [B, 1, 1, T]
  const fullMask = onnxAdditiveMask(g, mask);
  const additive = (k: string, name: string) =>
    g.op(
      'Mul',
      [g.op('Sub', [g.scalar(1), k], `${name}/Invert`), g.scalar(FLOAT32_MIN)],
      `${name}/Scale`,
    );
  // Sliding layers: also |i - j| <= local_attention // 2; every query sees itself (ops.ts).
  const rows = g.op('Unsqueeze', [positions, g.ints([1])], 'window/Rows');
  const cols = g.op('Unsqueeze', [positions, g.ints([0])], 'window/Cols');
  const distance = g.op('Abs', [g.op('Sub', [rows, cols], 'window/Sub')], 'window/Distance');
  const toFloat = (x: string, name: string) => g.op('Cast', [x], name, { to: { int: ONNX_FLOAT } });
  const band = toFloat(
    g.op(
      'LessOrEqual',
      [distance, g.int64('window.half', [], [Math.floor(c.local_attention / 2)])],
      'window/InBand',
    ),
    'window/Cast',
  );
  const self = toFloat(g.op('Equal', [rows, cols], 'window/Self'), 'window/SelfCast');
  const slidingMask = additive(
    g.op('Mul', [band, g.op('Max', [keep, self], 'window/KeepSelf')], 'window/Keep'),
    'window',
  );

  // cos and sin [T, dH] of each layer type's base, as HF's rotary embedding computes them.
  const rope = new Map<ModernBertLayerType, { cos: string; sin: string }>();
  const posF = g.op('Cast', [positions], 'rope/Positions', { to: { int: ONNX_FLOAT } });
  for (const type of new Set(c.layer_types)) {
    const theta = c.rope_parameters[type].rope_theta;
    const freqs = inverseFrequencies(dH, theta);
    const angles = g.op(
      'Mul',
      [
        g.op('Unsqueeze', [posF, g.ints([1])], `rope.${type}/Unsqueeze`),
        g.float(`rope.${type}.inv_freq`, [dH / 2], freqs),
      ],
      `rope.${type}/Angles`,
    );
    const emb = g.op('Concat', [angles, angles], `rope.${type}/Concat`, { axis: { int: -1 } });
    rope.set(type, {
      cos: g.op('Cos', [emb], `rope.${type}/Cos`),
      sin: g.op('Sin', [emb], `rope.${type}/Sin`),
    });
  }

  const heads = (x: string, name: string) =>
    g.op(
      'Transpose',
      [g.op('Reshape', [x, g.ints([0, 0, nH, dH])], `${name}/Reshape`)],
      `${name}/Transpose`,
      {
        perm: [0, 2, 1, 3],
      },
    ); // [B, nH, T, dH]
  const rotate = (x: string, tables: { cos: string; sin: string }, name: string) => {
    const [x1, x2] = g.node(
      'Split',
      [x, g.ints([dH / 2, dH / 2])],
      `${name}/Split`,
      { axis: { int: -1 } },
      2,
    );
    const rotated = g.op('Concat', [g.op('Neg', [x2], `${name}/Neg`), x1], `${name}/RotateHalf`, {
      axis: { int: -1 },
    });
    return g.op(
      'Add',
      [
        g.op('Mul', [x, tables.cos], `${name}/Cos`),
        g.op('Mul', [rotated, tables.sin], `${name}/Sin`),
      ],
      `${name}/Add`,
    );
  };

  for (let i = 0; i < c.num_hidden_layers; i++) {
    const pre = `model.layers.${i}`;
    const type = c.layer_types[i];
    const tables = rope.get(type) as { cos: string; sin: string };
    const x = i === 0 ? h : norm(h, `${pre}.attn_norm`);
    const qkv = linear(x, `${pre}.attn.Wqkv`, c.attention_bias);
    const [q, k, v] = g.node(
      'Split',
      [qkv, g.ints([H, H, H])],
      `${pre}.attn/Split`,
      { axis: { int: -1 } },
      3,
    );
    const qr = rotate(heads(q, `${pre}.attn/query`), tables, `${pre}.attn/query_rope`);
    const kr = rotate(heads(k, `${pre}.attn/key`), tables, `${pre}.attn/key_rope`);
    const kT = g.op('Transpose', [kr], `${pre}.attn/KeyT`, { perm: [0, 1, 3, 2] });
    const scores = g.op(
      'Add',
      [
        g.op(
          'Mul',
          [g.op('MatMul', [qr, kT], `${pre}.attn/Scores`), g.scalar(dH ** -0.5)],
          `${pre}.attn/Scale`,
        ),
        type === 'sliding_attention' ? slidingMask : fullMask,
      ],
      `${pre}.attn/Mask`,
    );
    const probs = g.op('Softmax', [scores], `${pre}.attn/Softmax`, { axis: { int: -1 } });
    const ctx = g.op(
      'Reshape',
      [
        g.op(
          'Transpose',
          [g.op('MatMul', [probs, heads(v, `${pre}.attn/value`)], `${pre}.attn/Context`)],
          `${pre}.attn/Merge`,
          {
            perm: [0, 2, 1, 3],
          },
        ),
        g.ints([0, 0, H]),
      ],
      `${pre}.attn/MergeReshape`,
    );
    h = g.op('Add', [h, linear(ctx, `${pre}.attn.Wo`, c.attention_bias)], `${pre}/AttnResidual`);
    const wi = linear(norm(h, `${pre}.mlp_norm`), `${pre}.mlp.Wi`, c.mlp_bias);
    const [input, gate] = g.node(
      'Split',
      [wi, g.ints([I, I])],
      `${pre}.mlp/Split`,
      { axis: { int: -1 } },
      2,
    );
    const gated = g.op(
      'Mul',
      [onnxActivation(g, input, c.hidden_activation, `${pre}.mlp/act`), gate],
      `${pre}.mlp/Gate`,
    );
    h = g.op('Add', [h, linear(gated, `${pre}.mlp.Wo`, c.mlp_bias)], `${pre}/MlpResidual`);
  }
  h = norm(h, 'model.final_norm');

  // ModernBertForTokenClassification: the prediction head and classifier over every token.
  let pooled = h;
  if (head === 'token') {
    // every token's row, as it is
  } else if (c.classifier_pooling === 'cls') {
    pooled = onnxFirstToken(g, h, 'pool');
  } else {
    const sums = g.op(
      'Squeeze',
      [
        g.op('MatMul', [g.op('Unsqueeze', [maskF, g.ints([1])], 'pool/Weights'), h], 'pool/Sum'),
        g.ints([1]),
      ],
      'pool/Squeeze',
    );
    const counts = g.op('ReduceSum', [maskF, g.ints([1])], 'pool/Count', { keepdims: { int: 1 } });
    pooled = g.op('Div', [sums, counts], 'pool/Mean');
  }
  const dense = linear(pooled, 'head.dense', c.classifier_bias);
  const headOut = norm(onnxActivation(g, dense, c.classifier_activation, 'head/act'), 'head.norm');
  return linear(headOut, 'classifier', true);
}
