/**
 * ONNX forms of `encoderLayer.ts` and of BERT-style absolute-position embeddings, for the graph
 * writers of the families that share them: the same formulas op for op as their TF.js forward
 * passes (dropout is the identity at inference and is left out).
 */
import type { BertActivation } from './config';
import { FLOAT32_MIN, type EncoderLayerNames } from './encoderLayer';
import { ONNX_FLOAT, type GraphOps, type HostTensor, type OnnxGraph } from './family';
import { hostParam, onnxActivation, onnxLayerNorm } from './onnxOps';

/** The tables of an absolute-position embedding block, by parameter name. */
export interface OnnxEmbeddingNames {
  word: string;
  position: string;
  /** Absent for families without token types (DistilBERT). */
  tokenType?: string;
  /** The LayerNorm's prefix. */
  norm: string;
}

/**
 * `LayerNorm(word[ids] (+ tokenType[types]) + position[0..T))`: float [B, T, H].
 * @param ids, types node names of int64 [B, T] inputs
 */
export function onnxEmbeddings(
  g: OnnxGraph,
  weights: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  names: OnnxEmbeddingNames,
  ids: string,
  types: string | null,
  eps: number,
): string {
  const module = (name: string) => name.replace(/\.weight$/, '');
  let sum = ops.embeddingRows(g, hostParam(weights, names.word), ids, module(names.word));
  if (names.tokenType && types) {
    const table = hostParam(weights, names.tokenType);
    const rows = g.op(
      'Gather',
      [g.float(names.tokenType, table.shape, table.data), types],
      `${module(names.tokenType)}/Gather`,
    );
    sum = g.op('Add', [sum, rows], `${module(names.norm)}/AddTypes`);
  }
  const posTable = hostParam(weights, names.position);
  const seqLen = g.op('Shape', [ids], `${module(names.position)}/SequenceLength`, {
    start: { int: 1 },
    end: { int: 2 },
  });
  const posRows = g.op(
    'Slice',
    [g.float(names.position, posTable.shape, posTable.data), g.ints([0]), seqLen, g.ints([0])],
    `${module(names.position)}/Slice`,
  );
  sum = g.op('Add', [sum, posRows], `${module(names.norm)}/AddPositions`);
  return onnxLayerNorm(g, sum, weights, names.norm, eps);
}

/** The node names of the graph inputs `names` (an error names an input the graph lacks). */
export function graphInputs(
  inputs: Readonly<Record<string, string>>,
  names: readonly string[],
): string[] {
  return names.map((n) => {
    const node = inputs[n];
    if (node === undefined) throw new Error(`ONNX export: the graph has no input '${n}'`);
    return node;
  });
}

/** HF's additive mask `(1 - mask) * float32 min` as [B, 1, 1, T] from the int64 mask input. */
export function onnxAdditiveMask(g: OnnxGraph, mask: string): string {
  const maskF = g.op('Cast', [mask], 'mask/Cast', { to: { int: ONNX_FLOAT } });
  const inverted = g.op('Sub', [g.scalar(1), maskF], 'mask/Invert');
  return g.op(
    'Unsqueeze',
    [g.op('Mul', [inverted, g.scalar(FLOAT32_MIN)], 'mask/Scale'), g.ints([1, 2])],
    'mask/Unsqueeze',
  );
}

/**
 * The graph's Linear: `(x, module) => ops.linear(...)` with `module.weight` and `module.bias`
 * read from `weights`.
 */
export function onnxModuleLinear(
  g: OnnxGraph,
  weights: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
): (x: string, module: string) => string {
  return (x, module) =>
    ops.linear(
      g,
      x,
      module,
      hostParam(weights, `${module}.weight`),
      hostParam(weights, `${module}.bias`),
    );
}

/** Sizes and settings of an encoder layer's graph. */
export interface OnnxLayerSettings {
  hidden: number;
  heads: number;
  eps: number;
  act: BertActivation;
}

/** {@link OnnxLayerSettings} of a config with BERT's key names (BERT, ELECTRA, RoBERTa). */
export function bertKeyOnnxSettings(c: {
  hidden_size: number;
  num_attention_heads: number;
  layer_norm_eps: number;
  hidden_act: BertActivation;
}): OnnxLayerSettings {
  return {
    hidden: c.hidden_size,
    heads: c.num_attention_heads,
    eps: c.layer_norm_eps,
    act: c.hidden_act,
  };
}

/**
 * One encoder layer (see `encoderLayer`): attention with the additive mask, add & norm, the
 * feed-forward, add & norm.
 * @param h float [B, T, H]
 * @param attend a family's own attention from h to the heads' context float [B, T, H]
 *   (DeBERTa's), in place of the scaled dot-product attention with `maskAdd`
 * @returns float [B, T, H]
 */
export function onnxEncoderLayer(
  g: OnnxGraph,
  weights: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  names: EncoderLayerNames,
  h: string,
  maskAdd: string,
  s: OnnxLayerSettings,
  attend?: (h: string) => string,
): string {
  const dH = s.hidden / s.heads;
  const linear = onnxModuleLinear(g, weights, ops);
  const heads = (x: string, perm: number[], name: string) =>
    g.op(
      'Transpose',
      [g.op('Reshape', [x, g.ints([0, 0, s.heads, dH])], `${name}/Reshape`)],
      `${name}/Transpose`,
      { perm },
    );
  const dotProduct = (): string => {
    const att = names.query.replace(/\.[^.]*$/, '');
    const q = heads(linear(h, names.query), [0, 2, 1, 3], names.query); // [B, nH, T, dH]
    const kT = heads(linear(h, names.key), [0, 2, 3, 1], names.key); // [B, nH, dH, T]
    const v = heads(linear(h, names.value), [0, 2, 1, 3], names.value);
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
    return g.op(
      'Reshape',
      [
        g.op('Transpose', [g.op('MatMul', [probs, v], `${att}/Context`)], `${att}/Merge`, {
          perm: [0, 2, 1, 3],
        }),
        g.ints([0, 0, s.hidden]),
      ],
      `${att}/MergeReshape`,
    );
  };
  const ctx = attend ? attend(h) : dotProduct();
  const attnOut = linear(ctx, names.attentionOutput);
  const h1 = onnxLayerNorm(
    g,
    g.op('Add', [attnOut, h], `${names.attentionNorm}/Residual`),
    weights,
    names.attentionNorm,
    s.eps,
  );
  const inter = onnxActivation(
    g,
    linear(h1, names.intermediate),
    s.act,
    `${names.intermediate}/act`,
  );
  const out = linear(inter, names.output);
  return onnxLayerNorm(
    g,
    g.op('Add', [out, h1], `${names.outputNorm}/Residual`),
    weights,
    names.outputNorm,
    s.eps,
  );
}

/**
 * `count` encoder layers in turn (see {@link onnxEncoderLayer}), layer i's modules from
 * `namesOf(i)`.
 * @param h float [B, T, H]
 * @returns float [B, T, H]
 */
export function onnxEncoderLayers(
  g: OnnxGraph,
  weights: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  namesOf: (i: number) => EncoderLayerNames,
  count: number,
  h: string,
  maskAdd: string,
  s: OnnxLayerSettings,
): string {
  let out = h;
  for (let i = 0; i < count; i++)
    out = onnxEncoderLayer(g, weights, ops, namesOf(i), out, maskAdd, s);
  return out;
}

/** `h[:, 0]`: float [B, H] from float [B, T, H]. */
export function onnxFirstToken(g: OnnxGraph, h: string, name: string): string {
  return g.op('Gather', [h, g.int64(`${name}.first_token`, [], [0])], `${name}/First`, {
    axis: { int: 1 },
  });
}
