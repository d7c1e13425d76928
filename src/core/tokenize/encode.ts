/**
 * Tokenize a whole dataset once, into flat typed arrays (a ragged array: ids + offsets), so a
 * 67k-row dataset is a few MB that can be transferred to/from the worker without copying.
 */
import type { Tokenizer } from './tokenizer';

export interface EncodedDataset {
  /** All rows' token ids, concatenated. Uint16 when every id fits (vocab < 65,536). */
  ids: Uint16Array | Int32Array;
  /** Row i is ids[offsets[i] .. offsets[i+1]); length n + 1. */
  offsets: Uint32Array;
  /** token_type_ids, parallel to `ids`; null when there is no text pair (all zeros). */
  typeIds: Uint8Array | null;
  /** Rows that were cut to maxLength. */
  truncated: number;
}

/** How often (in rows) onProgress is called. */
const PROGRESS_EVERY = 1000;

/**
 * Encode texts (and optional pairs) with special tokens, truncated to maxLength tokens.
 * @param pairs second texts, same length as texts, or null
 * @param onProgress called every 1,000 rows and at the end with (rows done, total rows)
 */
export function encodeDataset(
  tokenizer: Tokenizer,
  texts: string[],
  pairs: string[] | null,
  maxLength: number,
  onProgress?: (done: number, total: number) => void,
): EncodedDataset {
  if (pairs && pairs.length !== texts.length) {
    throw new RangeError(`pairs has ${pairs.length} rows, texts has ${texts.length}`);
  }
  const n = texts.length;
  const wide = tokenizer.vocabSize > 65536;
  let capacity = Math.max(1024, n * 32);
  let ids: Uint16Array | Int32Array = wide ? new Int32Array(capacity) : new Uint16Array(capacity);
  let types: Uint8Array | null = pairs ? new Uint8Array(capacity) : null;
  const offsets = new Uint32Array(n + 1);
  let used = 0;
  let truncated = 0;
  for (let i = 0; i < n; i++) {
    const enc = tokenizer.encode(texts[i], pairs ? pairs[i] : undefined, maxLength);
    if (enc.truncated) truncated++;
    const len = enc.ids.length;
    if (used + len > capacity) {
      capacity = Math.max(capacity * 2, used + len);
      const grown: Uint16Array | Int32Array = wide
        ? new Int32Array(capacity)
        : new Uint16Array(capacity);
      grown.set(ids.subarray(0, used));
      ids = grown;
      if (types) {
        const t = new Uint8Array(capacity);
        t.set(types.subarray(0, used));
        types = t;
      }
    }
    ids.set(enc.ids, used);
    if (types) types.set(enc.typeIds, used);
    used += len;
    offsets[i + 1] = used;
    if (onProgress && ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === n)) onProgress(i + 1, n);
  }
  if (onProgress && n === 0) onProgress(0, 0);
  return {
    ids: ids.slice(0, used),
    offsets,
    typeIds: types ? types.slice(0, used) : null,
    truncated,
  };
}

/** Number of rows. */
export function datasetSize(ds: EncodedDataset): number {
  return ds.offsets.length - 1;
}

/** Tokens in row i (special tokens included). */
export function lengthOf(ds: EncodedDataset, i: number): number {
  return ds.offsets[i + 1] - ds.offsets[i];
}

/** All rows' lengths (for group_by_length). */
export function lengthsOf(ds: EncodedDataset): Uint32Array {
  const n = datasetSize(ds);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = ds.offsets[i + 1] - ds.offsets[i];
  return out;
}

/** Row i's token ids (a view, not a copy). */
export function rowIds(ds: EncodedDataset, i: number): Uint16Array | Int32Array {
  return ds.ids.subarray(ds.offsets[i], ds.offsets[i + 1]);
}
