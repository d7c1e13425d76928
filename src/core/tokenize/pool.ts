/**
 * A pool of tokenizer workers (one per core), host-independent: the host supplies how to start
 * a worker (`worker_threads` in Node, Web Workers in the browser). Rows are cut into one shard
 * per worker, encoded in parallel, and merged in row order; results are cached by a fingerprint
 * of (texts, tokenizer, max_length).
 */
import type { EncodedDataset } from './encode';
import {
  datasetKey,
  EncodedCache,
  mergeShards,
  shardRanges,
  tokenizerKey,
  type ShardRequest,
  type ShardResult,
} from './parallel';
import type { TokenizerFiles } from './tokenizer';

/** One started worker, as the pool sees it. */
export interface PoolWorker {
  /** Send a shard; resolves with its result (or rejects with the worker's error). */
  run(req: ShardRequest): Promise<ShardResult>;
  terminate(): void;
}

export interface EncodeParallelOptions {
  /** Second texts (sentence pairs), same length as texts, or null. */
  pairs?: string[] | null;
  maxLength: number;
  /** Called as shards finish, with (rows done, total rows). */
  onProgress?: (done: number, total: number) => void;
}

/** Rows below which the pool is not worth its message passing: one worker does them all. */
const SMALL = 2000;
/** Rows per shard handed to a worker. */
const SHARD_ROWS = 4000;

export class TokenizerPool {
  private readonly workers: PoolWorker[] = [];
  /** Tokenizer key each worker already holds. */
  private readonly holds: (string | null)[] = [];
  private readonly cache = new EncodedCache();
  /** How many runs were answered from the cache (for tests and the benchmark). */
  cacheHits = 0;

  /**
   * @param start starts worker number i
   * @param size workers (one per core: navigator.hardwareConcurrency / os.availableParallelism)
   */
  constructor(
    private readonly start: (i: number) => PoolWorker,
    readonly size: number,
  ) {
    if (!(size >= 1)) throw new RangeError(`pool size must be >= 1, got ${size}`);
  }

  private worker(i: number): PoolWorker {
    while (this.workers.length <= i) {
      this.workers.push(this.start(this.workers.length));
      this.holds.push(null);
    }
    return this.workers[i];
  }

  /** Tokenize all rows (with special tokens, truncated to maxLength) across the pool. */
  async encode(
    files: TokenizerFiles,
    texts: string[],
    opts: EncodeParallelOptions,
  ): Promise<EncodedDataset> {
    const pairs = opts.pairs ?? null;
    if (pairs && pairs.length !== texts.length) {
      throw new RangeError(`pairs has ${pairs.length} rows, texts has ${texts.length}`);
    }
    const tokKey = tokenizerKey(files);
    const key = datasetKey(texts, pairs, tokKey, opts.maxLength);
    const hit = this.cache.get(key);
    if (hit) {
      this.cacheHits++;
      opts.onProgress?.(texts.length, texts.length);
      return hit;
    }
    // Shards of a few thousand rows, handed to whichever worker is free: cloning the next shard's
    // texts for one worker overlaps with the others' encoding (one shard per worker made every
    // worker wait for the whole clone of its half, and the pool was no faster than one thread).
    const k = texts.length < SMALL ? 1 : this.size;
    const ranges = shardRanges(texts.length, Math.max(k, Math.ceil(texts.length / SHARD_ROWS)));
    const results: ShardResult[] = new Array<ShardResult>(ranges.length);
    let next = 0;
    let done = 0;
    const drain = async (i: number) => {
      const w = this.worker(i);
      while (next < ranges.length) {
        const r = next++;
        const [s, e] = ranges[r];
        const req: ShardRequest = {
          tokenizerKey: tokKey,
          texts: texts.slice(s, e),
          pairs: pairs ? pairs.slice(s, e) : null,
          maxLength: opts.maxLength,
        };
        if (this.holds[i] !== tokKey) req.tokenizerFiles = files;
        results[r] = await w.run(req);
        this.holds[i] = tokKey;
        done += e - s;
        opts.onProgress?.(done, texts.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(k, ranges.length) }, (_, i) => drain(i)));
    const merged = mergeShards(results);
    this.cache.set(key, merged);
    return merged;
  }

  /** Stop every worker (a later `encode` starts them again). */
  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    this.holds.length = 0;
  }
}
