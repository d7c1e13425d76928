/**
 * DeBERTa's relative positions on the host: `make_log_bucket_position` in torch's float32
 * arithmetic, and for a sequence length the flat indices that gather the c2p and p2c terms out
 * of the `[T, rows]` products of content and relative-position projections (the last few
 * lengths' kept); the attention op turns them into int32 tensors.
 */
import type { DebertaV2Config } from './config';
import { attentionSpan, maxRelativePositions } from './params';

const f32 = Math.fround;

/**
 * HF `make_log_bucket_position(relative_pos, bucket_size, max_position)` for one distance, in
 * float32 as torch computes it (`abs_pos / mid` is a float32 division; the logs are float32).
 */
export function logBucketPosition(rel: number, bucketSize: number, maxPosition: number): number {
  const mid = Math.floor(bucketSize / 2);
  const sign = Math.sign(rel);
  const absPos = rel < mid && rel > -mid ? mid - 1 : Math.abs(rel);
  if (absPos <= mid) return rel;
  const num = f32(Math.log(f32(absPos / mid)));
  const den = f32(Math.log(f32((maxPosition - 1) / mid)));
  const logPos = f32(Math.ceil(f32(f32(num / den) * (mid - 1))) + mid);
  return logPos * sign;
}

/** The relative position of query i to key j: `i - j`, bucketed when `position_buckets` > 0. */
export function relativePosition(c: DebertaV2Config, distance: number): number {
  const buckets = c.position_buckets;
  const maxPos = maxRelativePositions(c);
  return buckets > 0 && maxPos > 0 ? logBucketPosition(distance, buckets, maxPos) : distance;
}

/** What the disentangled attention gathers with, for one sequence length. */
export interface RelativeIndex {
  seqLen: number;
  /** First row of `rel_embeddings` any pair of positions uses. */
  firstRow: number;
  /** How many rows from there (at most 2T - 1, at most 2 * span). */
  rows: number;
  /** c2p: for the pair (i, j) at i*T + j, the flat index i*rows + (c2p row - firstRow). */
  c2p: Int32Array;
  /** p2c: for the pair (i, j) at i*T + j, the flat index j*rows + (p2c row of (j, i) - firstRow). */
  p2c: Int32Array;
}

/**
 * The last few lengths' indices (2 T^2 int32 each): batches padded to their longest row come in
 * many lengths, so the cache keeps only the most recent and rebuilds the rest (O(T^2), about a
 * millisecond at T = 512).
 */
const cache = new Map<string, RelativeIndex>();
const CACHED_LENGTHS = 8;

/** c2p and p2c rows of `rel_embeddings` by distance d = i - j in [-(T-1), T-1] (at d + T - 1). */
function rowsByDistance(c: DebertaV2Config, T: number): { c2p: Int32Array; p2c: Int32Array } {
  const span = attentionSpan(c);
  const clampRow = (r: number) => Math.min(Math.max(r + span, 0), 2 * span - 1);
  const c2p = new Int32Array(2 * T - 1);
  const p2c = new Int32Array(2 * T - 1);
  for (let d = -(T - 1); d < T; d++) {
    const rel = relativePosition(c, d);
    c2p[d + T - 1] = clampRow(rel);
    p2c[d + T - 1] = clampRow(-rel);
  }
  return { c2p, p2c };
}

/** The range of `rel_embeddings` rows length T uses: its first row and how many. */
export function relativeRowRange(
  c: DebertaV2Config,
  T: number,
): { firstRow: number; rows: number } {
  const { c2p, p2c } = rowsByDistance(c, T);
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of [...c2p, ...p2c]) {
    lo = Math.min(lo, r);
    hi = Math.max(hi, r);
  }
  return { firstRow: lo, rows: hi - lo + 1 };
}

/**
 * The c2p and p2c gather indices at length T (HF: `c2p_pos = clamp(rel(i - j) + span, 0,
 * 2 span - 1)`, `p2c_pos = clamp(-rel(j - i) + span, ...)` transposed), over only the rows of
 * `rel_embeddings` that some pair uses.
 */
export function relativeIndex(c: DebertaV2Config, T: number): RelativeIndex {
  const key = `${T}:${attentionSpan(c)}:${c.position_buckets}:${maxRelativePositions(c)}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // most recent last
    cache.set(key, hit);
    return hit;
  }
  const byDistance = rowsByDistance(c, T);
  const { firstRow: lo, rows } = relativeRowRange(c, T);
  const c2p = new Int32Array(T * T);
  const p2c = new Int32Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      c2p[i * T + j] = i * rows + byDistance.c2p[i - j + T - 1] - lo;
      // score[i, j] += K_j . posQ[p2c_pos[j, i]], p2c_pos[j, i] from rel(j - i)
      p2c[i * T + j] = j * rows + byDistance.p2c[j - i + T - 1] - lo;
    }
  }
  const index: RelativeIndex = { seqLen: T, firstRow: lo, rows, c2p, p2c };
  cache.set(key, index);
  if (cache.size > CACHED_LENGTHS) cache.delete(cache.keys().next().value as string);
  return index;
}
