/**
 * DeBERTa's disentangled self-attention (HF `DisentangledSelfAttention`, eager) as one op with
 * its gradient written out, from the fused QKV projection and the projected relative-position
 * rows to the heads' context:
 *
 *   scores[i, j] = (q_i . k_j + q_i . posK[c2p(i, j)] + k_j . posQ[p2c(j, i)]) / sqrt(d * (1 + #terms))
 *
 * masked where key j is padding (float32 min added; HF's `masked_fill` also fills a padded
 * query's whole row, which nothing downstream reads), softmax, dropout, times v.
 * The c2p and p2c terms are products with every used row of the relative embeddings
 * (`[nH, B*T, rows]`, one batched matmul over heads) gathered with host-built indices; their
 * backward scatters (`scatterND`, which sums duplicate indices) back to those products. Layout
 * inside: head-major `[nH, B*T, d]`, so the position projections, shared across the batch, enter
 * as `[nH, rows, d]` without a copy per example. The tape keeps the head-major QKV, the
 * probabilities and the position projections.
 */
import * as tf from '@tensorflow/tfjs';

import { dropoutSeed } from '../dropoutMask';
import { applyDropout } from '../layers';
import type { RelativeIndex } from './relativePositions';

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
 * @param qkv float32 [B*T, 3H]: query, key and value projections side by side
 * @param maskAdd float32 [1, B, 1, T]: 0 at real keys, float32 min at padded ones, or null
 * @param scale HF's `sqrt(d * scale_factor)`
 * @returns float32 [B*T, H]
 */
export function disentangledAttention(
  qkv: tf.Tensor2D,
  rel: RelativeTerms | null,
  dims: DisentangledDims,
  maskAdd: tf.Tensor | null,
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
  const terms = (hasC2p ? 1 : 0) + (hasP2c ? 1 : 0);
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
  // The rows of the transposed products ([T*rows, N]) each score gathers: TF.js's wasm gather
  // copies whole rows fast and single elements slowly (gathering columns was 10x slower).
  const c2pIdx = hasC2p ? tf.tensor1d(rel.index.c2p, 'int32') : null;
  const p2cIdx = hasP2c ? tf.tensor1d(rel.index.p2c, 'int32') : null;
  // (transposes as 3-D permutations: TF.js's wasm runs them several times faster than the
  // 2-D transpose of the same data)
  const gatherRows = (product: tf.Tensor, idx: tf.Tensor) =>
    tf.gather(tf.reshape(tf.transpose(tf.reshape(product, [N, T, R]), [1, 2, 0]), [T * R, N]), idx);
  const scatterRows = (dsRows: tf.Tensor, idx: tf.Tensor) =>
    tf.reshape(
      tf.transpose(
        tf.reshape(tf.scatterND(tf.reshape(idx, [T * T, 1]), dsRows, [T * R, N]), [T, R, N]),
        [2, 0, 1],
      ),
      [nH, B * T, R],
    );

  const fn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[inputs.length] as tf.GradSaveFunc;
    const pk = hasC2p ? (args[1] as tf.Tensor) : null;
    const pq = hasP2c ? (args[hasC2p ? 2 : 1] as tf.Tensor) : null;
    const { x, pos, probs, value } = tf.tidy(() => {
      const heads = toHeads(args[0] as tf.Tensor, 3); // [3nH, B*T, d]
      const [q, k, v] = tf.split(heads, 3, 0);
      const qs = tf.mul(q, inv); // the scale, on the smaller side of every product
      let s = tf.reshape(
        tf.matMul(tf.reshape(qs, [N, T, d]), tf.reshape(k, [N, T, d]), false, true),
        [N, T * T],
      );
      const pkHeads = pk ? posHeads(pk) : null;
      const pqScaled = pq ? tf.mul(posHeads(pq), inv) : null;
      let rel: tf.Tensor | null = null;
      if (pkHeads && c2pIdx) rel = gatherRows(tf.matMul(qs, pkHeads, false, true), c2pIdx);
      if (pqScaled && p2cIdx) {
        const p2c = gatherRows(tf.matMul(k, pqScaled, false, true), p2cIdx);
        rel = rel ? tf.add(rel, p2c) : p2c;
      }
      if (rel)
        s = tf.add(s, tf.reshape(tf.transpose(tf.reshape(rel, [T, T, N]), [2, 0, 1]), [N, T * T]));
      let scores = tf.reshape(s, [nH, B, T, T]);
      if (maskAdd) scores = tf.add(scores, maskAdd);
      const p = tf.reshape(tf.softmax(scores, -1), [N, T, T]);
      const ctx = tf.matMul(dropped(p), tf.reshape(v, [N, T, d]));
      const posKept = [pkHeads, pqScaled].filter((t): t is tf.Tensor => t !== null);
      return { x: heads, pos: posKept, probs: p, value: fromHeads(ctx, 1) };
    });
    save([x, probs, ...pos, ...[c2pIdx, p2cIdx].filter((t): t is tf.Tensor1D => t !== null)]);
    return {
      value: value as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sx, sp] = saved as [tf.Tensor, tf.Tensor3D];
          let at = 2;
          const spk = hasC2p ? saved[at++] : null;
          const spq = hasP2c ? saved[at++] : null; // scaled
          const sc2p = hasC2p ? saved[at++] : null;
          const sp2c = hasP2c ? saved[at++] : null;
          const [q, k, v] = tf.split(sx, 3, 0); // [nH, B*T, d]
          const qs = tf.mul(q, inv);
          const g = tf.reshape(toHeads(dy, 1), [N, T, d]);
          const dv = tf.matMul(dropped(sp), g, true, false);
          const dp = dropped(tf.matMul(g, tf.reshape(v, [N, T, d]), false, true));
          // softmax: ds = p * (dp - sum(dp * p)); it is the gradient of every score term
          const ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true)));
          let dqs = tf.reshape(tf.matMul(ds, tf.reshape(k, [N, T, d])), [nH, B * T, d]);
          let dk = tf.reshape(tf.matMul(ds, tf.reshape(qs, [N, T, d]), true, false), [
            nH,
            B * T,
            d,
          ]);
          const grads: tf.Tensor[] = [];
          // the gathers' transposes: scatters (duplicates summed) into the products' rows
          const dsRows = terms > 0 ? tf.reshape(tf.transpose(ds, [1, 2, 0]), [T * T, N]) : null;
          if (dsRows && spk && sc2p) {
            const dA = scatterRows(dsRows, sc2p);
            dqs = tf.add(dqs, tf.matMul(dA, spk));
            grads.push(posFromHeads(tf.matMul(dA, qs, true, false)));
          }
          if (dsRows && spq && sp2c) {
            const dA = scatterRows(dsRows, sp2c);
            dk = tf.add(dk, tf.matMul(dA, spq));
            grads.push(posFromHeads(tf.mul(tf.matMul(dA, k, true, false), inv)));
          }
          const dq = tf.mul(dqs, inv);
          const dx = fromHeads(tf.concat([dq, dk, tf.reshape(dv, [nH, B * T, d])], 0), 3);
          return [dx, ...grads];
        }),
    };
  });
  const out = fn(...inputs) as tf.Tensor2D;
  tf.dispose([c2pIdx, p2cIdx].filter((t): t is tf.Tensor1D => t !== null));
  return out;
}
