/**
 * Train a byte-level BPE tokenizer from a dataset's texts, for models trained from scratch: the
 * procedure of HF `tokenizers`' `ByteLevelBPETokenizer.train` (BpeTrainer over ByteLevel words
 * with the 256-byte initial alphabet), written as RoBERTa's tokenizer files (byteLevelBpe.ts).
 *
 * As BpeTrainer: specials take ids 0-4, the byte alphabet follows in code point order, then each
 * merge adds the most frequent adjacent pair, ties going to the pair of smaller ids, until the
 * vocabulary is full or no pair is seen `minFrequency` times. Pair counts live in a max-heap whose
 * stale entries are refreshed when popped (counts only fall, except for pairs holding the new
 * token, which are pushed afresh), so each merge touches only the words that hold its pair.
 */
import {
  BPE_SPECIALS,
  BYTE_ALPHABET,
  BYTE_CHARS,
  gpt2Split,
  byteLevelBpeTokenizerFiles,
} from './byteLevelBpe';
import type { TokenizerFiles } from './tokenizer';

export interface TrainBpeOptions {
  /** Vocabulary size to reach, the 5 specials and 256 bytes included (at least 261; e.g. 30000). */
  vocabSize: number;
  /** Pairs seen fewer times than this are not merged (default 2, as ByteLevelBPETokenizer.train). */
  minFrequency?: number;
  /** tokenizer_config's name_or_path (default "bpe-<vocabSize>"). */
  name?: string;
  /** tokenizer_config's model_max_length (default 512). */
  modelMaxLength?: number;
}

/** The trained vocabulary (id order) and merges (rank order). */
export interface BpeVocab {
  vocab: string[];
  merges: [string, string][];
}

/** Pair (a, b) as one number; ids stay below 2^21, so keys order as (a, b) tuples do. */
const SHIFT = 2 ** 21;

/** A binary max-heap of (count, pair key): larger count first, then the smaller key. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(i: number, j: number): boolean {
    const c = this.counts;
    return c[i] > c[j] || (c[i] === c[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    const c = this.counts;
    const k = this.keys;
    [c[i], c[j]] = [c[j], c[i]];
    [k[i], k[j]] = [k[j], k[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the top entry and returns it as [count, key]; undefined when empty. */
  pop(): [number, number] | undefined {
    const n = this.counts.length;
    if (n === 0) return undefined;
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastC = this.counts.pop() as number;
    const lastK = this.keys.pop() as number;
    if (n > 1) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n - 1 && this.above(l, m)) m = l;
        if (r < n - 1 && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** Counts the texts' pre-tokens (GPT-2 split, before the byte mapping: fewer distinct strings). */
function countPieces(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    const pieces = gpt2Split(text);
    if (!pieces) continue;
    for (const p of pieces) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return counts;
}

/**
 * The trained vocabulary and merges (see the module comment). Deterministic: the result depends
 * only on the multiset of texts and the options.
 */
export function trainBpeVocab(texts: Iterable<string>, opts: TrainBpeOptions): BpeVocab {
  const minFrequency = opts.minFrequency ?? 2;
  const base = BPE_SPECIALS.length + BYTE_ALPHABET.length;
  if (!(opts.vocabSize >= base)) {
    throw new RangeError(
      `vocabSize must be at least ${base} (${BPE_SPECIALS.length} special tokens and 256 bytes), got ${opts.vocabSize}`,
    );
  }
  if (opts.vocabSize >= SHIFT) throw new RangeError(`vocabSize must be below ${SHIFT}`);
  const vocab: string[] = [...BPE_SPECIALS, ...BYTE_ALPHABET];
  const idOf = new Map<string, number>(vocab.map((t, i) => [t, i]));
  const byteId = BYTE_CHARS.map((ch) => idOf.get(ch) as number);

  // Distinct words as id sequences, with their counts.
  const encoder = new TextEncoder();
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [piece, c] of countPieces(texts)) {
    const bytes = encoder.encode(piece);
    if (bytes.length === 0) continue;
    const ids = new Array<number>(bytes.length);
    for (let i = 0; i < bytes.length; i++) ids[i] = byteId[bytes[i]];
    words.push(ids);
    counts.push(c);
  }

  // Pair counts and, per pair, the words it was seen in (entries may go stale: checked on use).
  const pairCounts = new Map<number, number>();
  const where = new Map<number, number[]>();
  const note = (key: number, w: number) => {
    const list = where.get(key);
    if (list) {
      if (list[list.length - 1] !== w) list.push(w);
    } else where.set(key, [w]);
  };
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] * SHIFT + s[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[w]);
      note(key, w);
    }
  }
  const heap = new PairHeap();
  for (const [key, c] of pairCounts) heap.push(c, key);

  const merges: [string, string][] = [];
  const seen = new Int32Array(words.length).fill(-1);
  const bump = (key: number, delta: number) => {
    const c = (pairCounts.get(key) ?? 0) + delta;
    if (c > 0) pairCounts.set(key, c);
    else pairCounts.delete(key);
  };
  while (vocab.length < opts.vocabSize) {
    const top = heap.pop();
    if (!top) break;
    const [count, key] = top;
    const current = pairCounts.get(key) ?? 0;
    if (current !== count) {
      if (current > 0) heap.push(current, key); // stale: requeue with its true count
      continue;
    }
    if (count < minFrequency || count < 1) break;
    const a = Math.floor(key / SHIFT);
    const b = key - a * SHIFT;
    const token = vocab[a] + vocab[b];
    let id = idOf.get(token);
    if (id === undefined) {
      id = vocab.length;
      vocab.push(token);
      idOf.set(token, id);
    }
    merges.push([vocab[a], vocab[b]]);
    const mergeNo = merges.length;
    const fresh = new Set<number>();
    for (const w of where.get(key) ?? []) {
      if (seen[w] === mergeNo) continue;
      seen[w] = mergeNo;
      const s = words[w];
      let hit = false;
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === a && s[i + 1] === b) {
          hit = true;
          break;
        }
      }
      if (!hit) continue;
      // Replace left to right (non-overlapping, as tokenizers' Word::merge), re-counting the
      // word's pairs: its old pairs out, its new ones in.
      const c = counts[w];
      for (let i = 0; i + 1 < s.length; i++) bump(s[i] * SHIFT + s[i + 1], -c);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(s[i]);
      }
      words[w] = out;
      for (let i = 0; i + 1 < out.length; i++) {
        const k = out[i] * SHIFT + out[i + 1];
        bump(k, c);
        if (out[i] === id || out[i + 1] === id) {
          fresh.add(k);
          note(k, w);
        }
      }
    }
    where.delete(key);
    // Only pairs holding the new token can have grown: they enter the heap with their counts.
    for (const k of fresh) {
      const c = pairCounts.get(k);
      if (c !== undefined && c > 0) heap.push(c, k);
    }
  }
  return { vocab, merges };
}

/**
 * Train a byte-level BPE tokenizer (see the module comment); returns RoBERTa-style
 * tokenizer.json and tokenizer_config.json, ready for `loadTokenizer` or to be saved next to a
 * model. The vocabulary may come out smaller than `vocabSize` when the texts run out of pairs
 * seen `minFrequency` times.
 */
export function trainByteLevelBpe(texts: Iterable<string>, opts: TrainBpeOptions): TokenizerFiles {
  const { vocab, merges } = trainBpeVocab(texts, opts);
  return byteLevelBpeTokenizerFiles(vocab, merges, {
    name: opts.name ?? `bpe-${opts.vocabSize}`,
    modelMaxLength: opts.modelMaxLength,
  });
}
