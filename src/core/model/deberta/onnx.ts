/**
 * `DebertaV2ForSequenceClassification` as an ONNX graph (opset 17), what `forward.ts` computes in
 * inference: the embeddings times the mask, per layer the disentangled attention — content
 * scores plus the c2p term (`GatherElements` of q . posK over the relative rows) and the p2c term
 * (`GatherElements` of k . posQ, transposed), scaled, `Where(mask_j, scores, min)`,
 * softmax — then `onnxEncoderLayer`'s add & norm, feed-forward, add & norm; the context pooler
 * and the classifier.
 * The relative embeddings' LayerNorm is a constant of the export (computed on the host); the
 * relative positions are a constant `[P, P]` table (P = max_position_embeddings) sliced to the
 * sequence length. With `share_att_key`, the relative rows go through query_proj/key_proj in the
 * same MatMul as the tokens (one copy of each weight in the file).
 */
import { FLOAT32_MIN } from '../encoderLayer';
import { onnxEncoderLayer, onnxFirstToken } from '../encoderLayerOnnx';
import {
  ONNX_FLOAT,
  type GraphOps,
  type HeadKind,
  type HostTensor,
  type OnnxGraph,
} from '../family';
import { hostParam, onnxActivation, onnxLayerNorm } from '../onnxOps';
import type { DebertaV2Config } from './config';
import { attentionScale } from './forward';
import { attentionSpan, debertaLayerNames, embeddingWidth } from './params';
import { relativePosition } from './relativePositions';

type Weights = ReadonlyMap<string, HostTensor>;

const INT64_MAX = Number.MAX_SAFE_INTEGER;
const ONNX_BOOL = 9;

/** LayerNorm over the rows of a host matrix, in float32 results (the export's constant). */
function hostLayerNorm(
  x: HostTensor,
  gamma: HostTensor,
  beta: HostTensor,
  eps: number,
): HostTensor {
  const [rows, H] = x.shape;
  const out = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let k = 0; k < H; k++) mean += x.data[r * H + k];
    mean /= H;
    let v = 0;
    for (let k = 0; k < H; k++) v += (x.data[r * H + k] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / H + eps);
    for (let k = 0; k < H; k++) {
      out[r * H + k] = (x.data[r * H + k] - mean) * rstd * gamma.data[k] + beta.data[k];
    }
  }
  return { shape: [rows, H], data: out };
}

/** `clamp(rel(i - j) + span, 0, 2 span - 1)` for i, j < P: HF's c2p_pos (its transpose is p2c_pos). */
function c2pTable(c: DebertaV2Config, P: number): number[] {
  const span = attentionSpan(c);
  const out: number[] = new Array<number>(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) {
      out[i * P + j] = Math.min(Math.max(relativePosition(c, i - j) + span, 0), 2 * span - 1);
    }
  }
  return out;
}

/**
 * Adds the classifier's graph; returns the logits' node name ([batch, num_labels]; head 'token':
 * the classifier over every token, no pooler, [batch, sequence, num_labels]).
 */
export function addDebertaGraph(
  g: OnnxGraph,
  c: DebertaV2Config,
  w: Weights,
  ops: GraphOps,
  inputs: Readonly<Record<string, string>>,
  head: HeadKind = 'sequence',
): string {
  const H = c.hidden_size;
  const nH = c.num_attention_heads;
  const dH = H / nH;
  const eps = c.layer_norm_eps;
  const ids = inputs.input_ids;
  const mask = inputs.attention_mask;
  const linear = (x: string, prefix: string, bias = true) =>
    ops.linear(
      g,
      x,
      prefix,
      hostParam(w, `${prefix}.weight`),
      bias ? hostParam(w, `${prefix}.bias`) : undefined,
    );
  const table = (name: string) => {
    const t = hostParam(w, name);
    return g.float(name, t.shape, t.data);
  };

  // Embeddings
  const e = 'deberta.embeddings';
  let x = ops.embeddingRows(
    g,
    hostParam(w, `${e}.word_embeddings.weight`),
    ids,
    `${e}.word_embeddings`,
  );
  const seqLen = g.op('Shape', [ids], `${e}/SequenceLength`, {
    start: { int: 1 },
    end: { int: 2 },
  });
  if (c.position_biased_input) {
    const rows = g.op(
      'Slice',
      [table(`${e}.position_embeddings.weight`), g.ints([0]), seqLen, g.ints([0])],
      `${e}.position_embeddings/Slice`,
    );
    x = g.op('Add', [x, rows], `${e}/AddPositions`);
  }
  if (c.type_vocab_size > 0) {
    const types = g.op(
      'Gather',
      [table(`${e}.token_type_embeddings.weight`), inputs.token_type_ids],
      `${e}.token_type_embeddings/Gather`,
    );
    x = g.op('Add', [x, types], `${e}/AddTypes`);
  }
  if (embeddingWidth(c) !== H) x = linear(x, `${e}.embed_proj`, false);
  const maskF = g.op('Cast', [mask], 'mask/Cast', { to: { int: ONNX_FLOAT } });
  let h = g.op(
    'Mul',
    [
      onnxLayerNorm(g, x, w, `${e}.LayerNorm`, eps),
      g.op('Unsqueeze', [maskF, g.ints([-1])], 'mask/Tokens'),
    ],
    `${e}/Mask`,
  );
  // Scores of padded keys filled ([B, 1, 1, T]), as forward.ts does: a padded query's row keeps
  // its real keys (HF fills that whole row; nothing reads it)
  const pair = g.op('Unsqueeze', [maskF, g.ints([1, 2])], 'mask/Keys');
  const keep = g.op('Cast', [pair], 'mask/Keep', { to: { int: ONNX_BOOL } });

  // Relative positions: constant LayerNorm'd rows, the [T, T] slice of the position table
  const useC2p = c.relative_attention && c.pos_att_type.includes('c2p');
  const useP2c = c.relative_attention && c.pos_att_type.includes('p2c');
  let relRows = '';
  let relCount = 0;
  let c2pIdx = '';
  if (useC2p || useP2c) {
    const relW = hostParam(w, 'deberta.encoder.rel_embeddings.weight');
    const rel =
      c.norm_rel_ebd === 'layer_norm'
        ? hostLayerNorm(
            relW,
            hostParam(w, 'deberta.encoder.LayerNorm.weight'),
            hostParam(w, 'deberta.encoder.LayerNorm.bias'),
            eps,
          )
        : relW;
    relCount = rel.shape[0];
    relRows = g.float('deberta.encoder.rel_embeddings.normed', rel.shape, rel.data);
    const P = c.max_position_embeddings;
    const full = g.int64('deberta.encoder.relative_positions', [P, P], c2pTable(c, P));
    const tt = g.op('Concat', [seqLen, seqLen], 'relpos/Shape', { axis: { int: 0 } });
    c2pIdx = g.op('Slice', [full, g.ints([0, 0]), tt, g.ints([0, 1])], 'relpos/Slice');
  }

  const heads = (t: string, perm: number[], name: string) =>
    g.op(
      'Transpose',
      [g.op('Reshape', [t, g.ints([0, 0, nH, dH])], `${name}/Reshape`)],
      `${name}/Transpose`,
      { perm },
    );
  // [rows, H] -> [nH, dH, rows], the right operand of q @ posK^T
  const posHeads = (t: string, name: string) =>
    g.op(
      'Transpose',
      [g.op('Reshape', [t, g.ints([relCount, nH, dH])], `${name}/Reshape`)],
      `${name}/Transpose`,
      {
        perm: [1, 2, 0],
      },
    );
  const inv = g.scalar(1 / attentionScale(c));
  /** Layer i's disentangled attention: h float [B, T, H] -> the heads' context [B, T, H]. */
  const attend = (i: number, h: string): string => {
    const att = `deberta.encoder.layer.${i}.attention.self`;
    let qh: string;
    let kh: string;
    let posQ = '';
    let posK = '';
    if (c.share_att_key && (useC2p || useP2c)) {
      // tokens and relative rows through the same query/key projections
      const flat = g.op('Reshape', [h, g.ints([-1, H])], `${att}/Flatten`);
      const tokens = g.op('Shape', [flat], `${att}/Tokens`, { start: { int: 0 }, end: { int: 1 } });
      const both = g.op('Concat', [flat, relRows], `${att}/WithRelative`, { axis: { int: 0 } });
      const split = (proj: string, name: string): [string, string] => {
        const y = linear(both, `${att}.${proj}`);
        const tok = g.op('Slice', [y, g.ints([0]), tokens, g.ints([0])], `${att}/${name}Tokens`);
        const pos = g.op(
          'Slice',
          [y, tokens, g.ints([INT64_MAX]), g.ints([0])],
          `${att}/${name}Relative`,
        );
        const shaped = g.op(
          'Reshape',
          [tok, g.op('Shape', [h], `${att}/${name}Shape`)],
          `${att}/${name}Unflatten`,
        );
        return [shaped, pos];
      };
      const [q, pq] = split('query_proj', 'Query');
      const [k, pk] = split('key_proj', 'Key');
      qh = heads(q, [0, 2, 1, 3], `${att}/query`);
      kh = heads(k, [0, 2, 1, 3], `${att}/key`);
      posQ = pq;
      posK = pk;
    } else {
      qh = heads(linear(h, `${att}.query_proj`), [0, 2, 1, 3], `${att}/query`);
      kh = heads(linear(h, `${att}.key_proj`), [0, 2, 1, 3], `${att}/key`);
      if (useC2p) posK = linear(relRows, `${att}.pos_key_proj`);
      if (useP2c) posQ = linear(relRows, `${att}.pos_query_proj`);
    }
    const vh = heads(linear(h, `${att}.value_proj`), [0, 2, 1, 3], `${att}/value`);
    const kT = g.op('Transpose', [kh], `${att}/keyT`, { perm: [0, 1, 3, 2] });
    let scores = g.op('MatMul', [qh, kT], `${att}/Scores`); // [B, nH, T, T]
    const fullShape = g.op('Shape', [scores], `${att}/ScoresShape`);
    const expanded = c2pIdx ? g.op('Expand', [c2pIdx, fullShape], `${att}/RelposExpand`) : '';
    if (useC2p) {
      const all = g.op('MatMul', [qh, posHeads(posK, `${att}/posKey`)], `${att}/C2pAll`);
      const c2p = g.op('GatherElements', [all, expanded], `${att}/C2p`, { axis: { int: -1 } });
      scores = g.op('Add', [scores, c2p], `${att}/AddC2p`);
    }
    if (useP2c) {
      const all = g.op('MatMul', [kh, posHeads(posQ, `${att}/posQuery`)], `${att}/P2cAll`);
      // p2c_pos[j, i] = c2p_pos[i, j]: gather with the transposed table, then transpose back
      const idxT = g.op('Transpose', [expanded], `${att}/RelposT`, { perm: [0, 1, 3, 2] });
      const p2c = g.op('GatherElements', [all, idxT], `${att}/P2cGather`, { axis: { int: -1 } });
      const p2cT = g.op('Transpose', [p2c], `${att}/P2c`, { perm: [0, 1, 3, 2] });
      scores = g.op('Add', [scores, p2cT], `${att}/AddP2c`);
    }
    scores = g.op('Mul', [scores, inv], `${att}/Scale`);
    const masked = g.op('Where', [keep, scores, g.scalar(FLOAT32_MIN)], `${att}/Mask`);
    const probs = g.op('Softmax', [masked], `${att}/Softmax`, { axis: { int: -1 } });
    return g.op(
      'Reshape',
      [
        g.op('Transpose', [g.op('MatMul', [probs, vh], `${att}/Context`)], `${att}/Merge`, {
          perm: [0, 2, 1, 3],
        }),
        g.ints([0, 0, H]),
      ],
      `${att}/MergeReshape`,
    );
  };
  const settings = { hidden: H, heads: nH, eps, act: c.hidden_act };
  for (let i = 0; i < c.num_hidden_layers; i++) {
    h = onnxEncoderLayer(g, w, ops, debertaLayerNames(i), h, '', settings, (x) => attend(i, x));
  }

  if (head === 'token') return linear(h, 'classifier');
  const pooled = onnxActivation(
    g,
    linear(onnxFirstToken(g, h, 'pooler'), 'pooler.dense'),
    c.pooler_hidden_act,
    'pooler/act',
  );
  return linear(pooled, 'classifier');
}
