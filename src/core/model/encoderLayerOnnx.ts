/**
 * ONNX form of `encoderLayer.ts` (inference: dropout left out): HF's additive mask and the
 * post-norm encoder layer of BERT, RoBERTa, XLM-RoBERTa and ELECTRA, op for op.
 */
import type { EncoderLayerConfig } from './encoderLayer';
import { FLOAT32_MIN } from './encoderLayer';
import { ONNX_FLOAT, type GraphOps, type HostTensor, type OnnxGraph } from './family';
import { hostParam, onnxActivation, onnxLayerNorm } from './onnxOps';

/** `(1 - mask) * float32 min` as [B, 1, 1, T], from the int64 `attention_mask` input. */
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
 * Encoder layer `<pre>` on `h` (float [B, T, H]) with the additive mask from
 * {@link onnxAdditiveMask}; returns the layer's output [B, T, H].
 */
export function addOnnxEncoderLayer(
  g: OnnxGraph,
  c: EncoderLayerConfig,
  w: ReadonlyMap<string, HostTensor>,
  ops: GraphOps,
  pre: string,
  h: string,
  maskAdd: string,
): string {
  const H = c.hidden_size;
  const nH = c.num_attention_heads;
  const dH = H / nH;
  const eps = c.layer_norm_eps;
  const linear = (x: string, prefix: string) =>
    ops.linear(g, x, prefix, hostParam(w, `${prefix}.weight`), hostParam(w, `${prefix}.bias`));
  const heads = (x: string, perm: number[], name: string) =>
    g.op(
      'Transpose',
      [g.op('Reshape', [x, g.ints([0, 0, nH, dH])], `${name}/Reshape`)],
      `${name}/Transpose`,
      {
        perm,
      },
    );
  const att = `${pre}.attention.self`;
  const q = heads(linear(h, `${att}.query`), [0, 2, 1, 3], `${att}/query`); // [B, nH, T, dH]
  const kT = heads(linear(h, `${att}.key`), [0, 2, 3, 1], `${att}/key`); // [B, nH, dH, T]
  const v = heads(linear(h, `${att}.value`), [0, 2, 1, 3], `${att}/value`);
  const scaled = g.op(
    'Mul',
    [g.op('MatMul', [q, kT], `${att}/Scores`), g.scalar(1 / Math.sqrt(dH))],
    `${att}/Scale`,
  );
  const probs = g.op('Softmax', [g.op('Add', [scaled, maskAdd], `${att}/Mask`)], `${att}/Softmax`, {
    axis: { int: -1 },
  });
  const merged = g.op('Transpose', [g.op('MatMul', [probs, v], `${att}/Context`)], `${att}/Merge`, {
    perm: [0, 2, 1, 3],
  });
  const ctx = g.op('Reshape', [merged, g.ints([0, 0, H])], `${att}/MergeReshape`);
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
  return onnxLayerNorm(
    g,
    g.op('Add', [out, h1], `${pre}.output/Residual`),
    w,
    `${pre}.output.LayerNorm`,
    eps,
  );
}
