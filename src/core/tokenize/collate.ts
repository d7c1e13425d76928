/**
 * Batching: per-epoch seeded order (optionally grouped by length, as HF's LengthGroupedSampler),
 * batches with the last partial one kept (HF dataloader, drop_last=False), and padding into the
 * flat int32 arrays a `[B, T]` batch tensor is made from (HF DataCollatorWithPadding).
 */
import { createRng, deriveSeed } from '../util/rng';
import type { EncodedDataset } from './encode';

export interface CollatedBatch {
  /** int32 [batchSize, seqLen], row-major; padding positions hold padId. */
  inputIds: Int32Array;
  /** int32 [batchSize, seqLen]: 1 on tokens, 0 on padding. */
  attentionMask: Int32Array;
  /** int32 [batchSize, seqLen]: 0 for the first text, 1 for a pair's part, 0 on padding. */
  tokenTypeIds: Int32Array;
  batchSize: number;
  seqLen: number;
}

export interface CollateOptions {
  /** 'longest': pad to the longest row in the batch (HF default); 'max_length': to maxLength. */
  padding: 'longest' | 'max_length';
  maxLength: number;
  padId: number;
  /**
   * Round 'longest' padding up to a multiple of this (HF `pad_to_multiple_of`; off by default
   * for parity). Fewer distinct shapes mean fewer WebGPU shader compilations. Never rounds past
   * maxLength (the model's position table may end there).
   */
  padToMultipleOf?: number;
}

/** The sequence length {@link collateBatch} pads rows `indices` to. */
export function paddedLength(
  ds: EncodedDataset,
  indices: ArrayLike<number>,
  opts: CollateOptions,
): number {
  if (opts.padding === 'max_length') return opts.maxLength;
  let longest = 0;
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    longest = Math.max(longest, ds.offsets[i + 1] - ds.offsets[i]);
  }
  const m = opts.padToMultipleOf;
  if (m && m > 1 && longest % m !== 0) {
    return Math.max(longest, Math.min(Math.ceil(longest / m) * m, opts.maxLength));
  }
  return longest;
}

/** Gather rows `indices` of `ds` into a padded batch (rows longer than the target are cut). */
export function collateBatch(
  ds: EncodedDataset,
  indices: ArrayLike<number>,
  opts: CollateOptions,
): CollatedBatch {
  const batchSize = indices.length;
  const seqLen = paddedLength(ds, indices, opts);
  const size = batchSize * seqLen;
  const inputIds = new Int32Array(size);
  const attentionMask = new Int32Array(size);
  const tokenTypeIds = new Int32Array(size);
  if (opts.padId !== 0) inputIds.fill(opts.padId);
  for (let b = 0; b < batchSize; b++) {
    const i = indices[b];
    const start = ds.offsets[i];
    const len = Math.min(ds.offsets[i + 1] - start, seqLen);
    const base = b * seqLen;
    inputIds.set(ds.ids.subarray(start, start + len), base);
    attentionMask.fill(1, base, base + len);
    if (ds.typeIds) tokenTypeIds.set(ds.typeIds.subarray(start, start + len), base);
  }
  return { inputIds, attentionMask, tokenTypeIds, batchSize, seqLen };
}

function permutation(n: number, seed: number, epoch: number): Uint32Array {
  // Mix seed and epoch so each epoch's order is independent of the others yet reproducible.
  // One independent, reproducible stream per (seed, epoch).
  const rng = createRng(deriveSeed(seed, epoch));
  const rand = () => rng.next();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export interface EpochOrderOptions {
  /** HF `train_sampling_strategy='sequential'`: the rows in file order, every epoch. */
  sequential?: boolean;
  /** HF `train_sampling_strategy='group_by_length'`: rows' token counts and the batch size. */
  groupByLength?: { lengths: ArrayLike<number>; batchSize: number };
}

/**
 * Order of the n training rows for an epoch: a seeded permutation (same seed and epoch, same
 * order), or 0..n-1 with `sequential`. With groupByLength, HF's LengthGroupedSampler: the permutation is cut into megabatches
 * of mult * batchSize rows (mult = min(n / (4 * batchSize), 50), at least 1), each sorted by
 * length, longest first (stable), and the longest row of all is swapped to the very front so an
 * out-of-memory shows up on the first step.
 */
export function epochOrder(
  n: number,
  seed: number,
  epoch: number,
  opts: EpochOrderOptions = {},
): Uint32Array {
  if (opts.sequential) return Uint32Array.from({ length: n }, (_, i) => i);
  const order = permutation(n, seed, epoch);
  const g = opts.groupByLength;
  if (!g) return order;
  if (g.lengths.length !== n)
    throw new RangeError(`lengths has ${g.lengths.length} rows, expected ${n}`);
  const mult = Math.max(1, Math.min(Math.floor(n / (g.batchSize * 4)), 50));
  const mega = mult * g.batchSize;
  const lengths = g.lengths;
  let maxMega = 0;
  let maxLen = -1;
  for (let start = 0; start < n; start += mega) {
    const part = order.subarray(start, Math.min(start + mega, n));
    const sorted = Array.from(part).sort((a, b) => lengths[b] - lengths[a]);
    part.set(sorted);
    if (lengths[part[0]] > maxLen) {
      maxLen = lengths[part[0]];
      maxMega = start;
    }
  }
  if (n > 0) {
    const t = order[0];
    order[0] = order[maxMega];
    order[maxMega] = t;
  }
  return order;
}

/** Cut an order into batches of batchSize; the last, shorter batch is kept (drop_last=False). */
export function batchesOf(order: ArrayLike<number>, batchSize: number): Uint32Array[] {
  if (!(batchSize >= 1)) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  const out: Uint32Array[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(start + batchSize, order.length);
    const batch = new Uint32Array(end - start);
    for (let k = start; k < end; k++) batch[k - start] = order[k];
    out.push(batch);
  }
  return out;
}
