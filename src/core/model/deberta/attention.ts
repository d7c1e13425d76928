/**
 * DeBERTa's disentangled self-attention (HF `DisentangledSelfAttention`, eager) as one op with
 * its gradient written out, from the fused QKV projection and the projected relative-position
 * rows to the heads' context:
 *
 *   scores[i, j] = (q_i . k_j + q_i . posK[c2p(i, j)] + k_j . posQ[p2c(j, i)]) / sqrt(d * (1 + #terms))
 *
 * masked with `masked_fill(~mask, float32 min)` where `mask[b, i, j] = m[b, i] * m[b, j]`,
 * softmax, dropout, times v. The c2p and p2c terms are products with every used row of the
 * relative embeddings (`[nH, B*T, rows]`, one batched matmul over heads) gathered along the last
 * axis with the host-built indices; their backward scatters (`scatterND`, which sums duplicate
 * indices) back to those products. Layout inside: head-major `[nH, B*T, d]` so the position
 * projections, shared across the batch, enter as `[nH, rows, d]` without copies per example.
 * The tape keeps the head-major QKV, the probabilities and the position projections.
 */
import * as tf from '@tensorflow/tfjs';

import { dropoutSeed } from '../dropoutMask';
import { applyDropout } from '../layers';
import type { RelativeIndex } from './relativePositions';

/** torch.finfo(torch.float32).min, the masked_fill value. */
const FLOAT32_MIN = -3.4028234663852886e38;

export interface DisentangledDims {
  batch: number;
  seqLen: number;
  heads: number;
}

/** The relative terms' inputs: projected rows of the relative embeddings and the gather indices. */
export interface RelativeTerms {
  /** c2p: key_proj (or pos_key_proj) of the used rows, float32 [rows, H]; null without c2p. */
  posKey: tf.Tensor2D | null;
  /** p2c: query_proj (or pos_query_proj) of the used rows, float32 [rows, H]; null without p2c. */
  posQuery: tf.Tensor2D | null;
  index: RelativeIndex;
}

/**
 * `x[n, idx[m]]` for x [N, K], idx [M]: [N, M]. Gathers rows of the transpose: TF.js's wasm
 * gather copies whole rows fast and single elements slowly (axis 1 was 10x slower).
 */
function gatherColumns(x: tf.Tensor2D, idx: tf.Tensor1D): tf.Tensor2D {
  return tf.transpose(tf.gather(tf.transpose(x), idx));
}

/** The transpose of {@link gatherColumns}: dx [N, K] with dx[n, k] = sum of dy[n, m] over idx[m] = k. */
function scatterColumns(dy: tf.Tensor2D, idx: tf.Tensor2D, K: number): tf.Tensor2D {
  const N = dy.shape[0];
  return tf.transpose(tf.scatterND(idx, tf.transpose(dy), [K, N])) as tf.Tensor2D;
}

/**
 * @param qkv float32 [B*T, 3H]: query, key and value projections side by side
 * @param maskKeep float32 [1, B, T, T]: 1 where HF's mask keeps the score, 0 where it fills; or null
 * @param scale HF's `sqrt(d * scale_factor)`
 * @returns float32 [B*T, H]
 */
export function disentangledAttention(
  qkv: tf.Tensor2D,
  rel: RelativeTerms | null,
  dims: DisentangledDims,
  maskKeep: tf.Tensor | null,
  scale: number,
  dropoutRate: number,
  training: boolean,
  seed?: number | string,
): tf.Tensor2D {
  const { batch: B, seqLen: T, heads: nH } = dims;
  const H = (qkv.shape[1] as number) / 3;
  const d = H / nH;
  const N = nH * B;
  const inv = 1 / scale;
  const drop = training && dropoutRate > 0 && dropoutRate < 1;
  const seedHash = drop ? dropoutSeed(seed ?? Math.random()) : 0;
  const dropped = (p: tf.Tensor) => {
    if (!training || dropoutRate <= 0) return p;
    if (dropoutRate >= 1) return tf.zerosLike(p);
    return applyDropout(p, dropoutRate, seedHash);
  };
  const R = rel?.index.rows ?? 0;
  const hasC2p = rel?.posKey != null;
  const hasP2c = rel?.posQuery != null;
  // [rows, H] <-> [nH, rows, d]
  const posHeads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [R, nH, d]), [1, 0, 2]);
  const posFromHeads = (t: tf.Tensor) => tf.reshape(tf.transpose(t, [1, 0, 2]), [R, H]);
  // [B*T, k*H] <-> [k*nH, B*T, d]
  const toHeads = (t: tf.Tensor, k: number) =>
    tf.transpose(tf.reshape(t, [B * T, k * nH, d]), [1, 0, 2]);
  const fromHeads = (t: tf.Tensor, k: number) =>
    tf.reshape(tf.transpose(tf.reshape(t, [k * nH, B * T, d]), [1, 0, 2]), [B * T, k * H]);

  const inputs: tf.Tensor[] = [qkv];
  if (hasC2p) inputs.push(rel.posKey as tf.Tensor);
  if (hasP2c) inputs.push(rel.posQuery as tf.Tensor);
  const c2pIdx = hasC2p ? tf.tensor1d(rel.index.c2p, 'int32') : null;
  const p2cIdx = hasP2c ? tf.tensor1d(rel.index.p2c, 'int32') : null;

  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[inputs.length] as tf.GradSaveFunc;
    const pk = hasC2p ? (args[1] as tf.Tensor) : null;
    const pq = hasP2c ? (args[hasC2p ? 2 : 1] as tf.Tensor) : null;
    const { x, pos, probs, value } = tf.tidy(() => {
      const heads = toHeads(args[0] as tf.Tensor, 3); // [3nH, B*T, d]
      const [q, k, v] = tf.split(heads, 3, 0);
      const q3 = tf.reshape(q, [N, T, d]);
      const k3 = tf.reshape(k, [N, T, d]);
      let s = tf.reshape(tf.matMul(q3, k3, false, true), [N, T * T]);
      const pkHeads = pk ? posHeads(pk) : null;
      const pqHeads = pq ? posHeads(pq) : null;
      if (pkHeads && c2pIdx) {
        const c2p = tf.reshape(tf.matMul(q, pkHeads, false, true), [N, T * R]);
        s = tf.add(s, gatherColumns(c2p as tf.Tensor2D, c2pIdx));
      }
      if (pqHeads && p2cIdx) {
        const p2c = tf.reshape(tf.matMul(k, pqHeads, false, true), [N, T * R]);
        s = tf.add(s, gatherColumns(p2c as tf.Tensor2D, p2cIdx));
      }
      let scores = tf.reshape(tf.mul(s, inv), [nH, B, T, T]);
      // masked_fill: s * 1 + 0 where kept, s * 0 + min where filled
      if (maskKeep)
        scores = tf.add(tf.mul(scores, maskKeep), tf.mul(tf.sub(1, maskKeep), FLOAT32_MIN));
      const p = tf.reshape(tf.softmax(scores, -1), [N, T, T]);
      const ctx = tf.matMul(dropped(p), tf.reshape(v, [N, T, d]));
      const posHeadsKept = [pkHeads, pqHeads].filter((t): t is tf.Tensor => t !== null);
      return { x: heads, pos: posHeadsKept, probs: p, value: fromHeads(ctx, 1) };
    });
    const kept = [x, probs, ...pos];
    save([
      ...kept,
      ...(c2pIdx ? [c2pIdx] : []),
      ...(p2cIdx ? [p2cIdx] : []),
      ...(maskKeep ? [maskKeep] : []),
    ]);
    return {
      value: value as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          let at = 0;
          const sx = saved[at++];
          const sp = saved[at++] as tf.Tensor3D;
          const spk = hasC2p ? saved[at++] : null;
          const spq = hasP2c ? saved[at++] : null;
          const sc2p = hasC2p ? saved[at++] : null;
          const sp2c = hasP2c ? saved[at++] : null;
          const smask = maskKeep ? saved[at++] : null;
          const [q, k, v] = tf.split(sx, 3, 0); // [nH, B*T, d]
          const g = tf.reshape(toHeads(dy, 1), [N, T, d]);
          const q3 = tf.reshape(q, [N, T, d]);
          const k3 = tf.reshape(k, [N, T, d]);
          const dv = tf.matMul(dropped(sp), g, true, false);
          const dp = dropped(tf.matMul(g, tf.reshape(v, [N, T, d]), false, true));
          // softmax: ds = p * (dp - sum(dp * p)); the filled scores get none; then the scale
          let ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true)));
          if (smask) ds = tf.mul(tf.reshape(ds, [nH, B, T, T]), smask);
          ds = tf.mul(ds, inv);
          const ds3 = tf.reshape(ds, [N, T, T]);
          let dq = tf.reshape(tf.matMul(ds3, k3), [nH, B * T, d]);
          let dk = tf.reshape(tf.matMul(ds3, q3, true, false), [nH, B * T, d]);
          const flat = tf.reshape(ds, [N, T * T]) as tf.Tensor2D;
          const grads: tf.Tensor[] = [];
          if (spk && sc2p) {
            const idx = tf.reshape(sc2p, [T * T, 1]) as tf.Tensor2D;
            const dA = tf.reshape(scatterColumns(flat, idx, T * R), [nH, B * T, R]);
            dq = tf.add(dq, tf.matMul(dA, spk));
            grads.push(posFromHeads(tf.matMul(dA, q, true, false)));
          }
          if (spq && sp2c) {
            const idx = tf.reshape(sp2c, [T * T, 1]) as tf.Tensor2D;
            const dA = tf.reshape(scatterColumns(flat, idx, T * R), [nH, B * T, R]);
            dk = tf.add(dk, tf.matMul(dA, spq));
            grads.push(posFromHeads(tf.matMul(dA, k, true, false)));
          }
          const dx = fromHeads(tf.concat([dq, dk, tf.reshape(dv, [nH, B * T, d])], 0), 3);
          return [dx, ...grads];
        }),
    };
  });
  const out = fn(...inputs) as tf.Tensor2D;
  tf.dispose([c2pIdx, p2cIdx].filter((t): t is tf.Tensor1D => t !== null));
  return out;
}
