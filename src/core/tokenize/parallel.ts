/**
 * Host-independent parts of parallel tokenization: cutting rows into shards, merging the shards'
 * encoded arrays back into one `EncodedDataset`, and a fingerprint of (texts, tokenizer,
 * max_length) so a second run over the same data reuses the first run's ids.
 * The pools themselves live with their host: `poolNode.ts` (worker_threads) and
 * `src/worker/tokenizePool.ts` (Web Workers).
 */
import type { EncodedDataset } from './encode';
import type { TokenizerFiles } from './tokenizer';

/** One shard's work, as posted to a pool worker. */
export interface ShardRequest {
  /** Fingerprint of the tokenizer files (a worker keeps the tokenizer it last built). */
  tokenizerKey: string;
  /** Sent only when the worker does not yet hold the tokenizer `tokenizerKey`. */
  tokenizerFiles?: TokenizerFiles;
  texts: string[];
  pairs: string[] | null;
  maxLength: number;
}

/** A shard's result (its arrays are transferred, not copied). */
export interface ShardResult {
  ids: Uint16Array | Int32Array;
  /** Length rows + 1, starting at 0 (shard-local). */
  offsets: Uint32Array;
  typeIds: Uint8Array | null;
  truncated: number;
}

/** Row ranges [start, end) splitting n rows into at most k near-equal, non-empty shards. */
export function shardRanges(n: number, k: number): [number, number][] {
  const parts = Math.max(1, Math.min(k, n));
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const start = Math.floor((p * n) / parts);
    const end = Math.floor(((p + 1) * n) / parts);
    if (end > start || n === 0) out.push([start, end]);
  }
  return out;
}

/** Concatenate shard results (in row order) into one dataset; ids stay Uint16 when all are. */
export function mergeShards(shards: ShardResult[]): EncodedDataset {
  let rows = 0;
  let tokens = 0;
  let wide = false;
  let typed = false;
  for (const s of shards) {
    rows += s.offsets.length - 1;
    tokens += s.offsets[s.offsets.length - 1];
    if (s.ids instanceof Int32Array) wide = true;
    if (s.typeIds) typed = true;
  }
  const ids: Uint16Array | Int32Array = wide ? new Int32Array(tokens) : new Uint16Array(tokens);
  const typeIds = typed ? new Uint8Array(tokens) : null;
  const offsets = new Uint32Array(rows + 1);
  let r = 0;
  let at = 0;
  let truncated = 0;
  for (const s of shards) {
    const len = s.offsets[s.offsets.length - 1];
    ids.set(s.ids.subarray(0, len), at);
    if (typeIds && s.typeIds) typeIds.set(s.typeIds.subarray(0, len), at);
    for (let i = 1; i < s.offsets.length; i++) offsets[r + i] = at + s.offsets[i];
    r += s.offsets.length - 1;
    at += len;
    truncated += s.truncated;
  }
  return { ids, offsets, typeIds, truncated };
}

/** 64-bit FNV-1a over strings (as two 32-bit halves), hex. Fast enough for 66 MB of text (~0.3 s). */
export class Fingerprint {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x5bd1e995;

  add(s: string): this {
    let a = this.h1;
    let b = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    // A separator, so ["ab", "c"] and ["a", "bc"] differ.
    this.h1 = Math.imul(a ^ 0xff, 0x01000193);
    this.h2 = Math.imul(b ^ 0xff, 0x5bd1e995);
    return this;
  }

  hex(): string {
    return (
      (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0')
    );
  }
}

/** Fingerprint of a tokenizer's files (their JSON text). */
export function tokenizerKey(files: TokenizerFiles): string {
  return new Fingerprint()
    .add(JSON.stringify(files.tokenizerJson))
    .add(JSON.stringify(files.tokenizerConfig))
    .hex();
}

/** Cache key of one tokenization: the texts, the pairs, the tokenizer and max_length. */
export function datasetKey(
  texts: readonly string[],
  pairs: readonly string[] | null,
  tokKey: string,
  maxLength: number,
): string {
  const f = new Fingerprint().add(tokKey).add(String(maxLength)).add(String(texts.length));
  for (const t of texts) f.add(t);
  if (pairs) {
    f.add('\u0001pairs');
    for (const p of pairs) f.add(p);
  }
  return f.hex();
}

/**
 * A small in-memory cache of encoded datasets (most recent `capacity` entries), so re-preparing
 * the same data with the same tokenizer and max_length (a new run, a changed learning rate)
 * skips tokenizing. Entries are the typed arrays themselves; callers must not mutate them.
 */
export class EncodedCache {
  private readonly map = new Map<string, EncodedDataset>();
  constructor(private readonly capacity = 4) {}

  get(key: string): EncodedDataset | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: EncodedDataset): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/** Bytes held by an encoded dataset's arrays. */
export function encodedBytes(ds: EncodedDataset): number {
  return ds.ids.byteLength + ds.offsets.byteLength + (ds.typeIds?.byteLength ?? 0);
}
