/**
 * A fast path for byte-level BPE tokenizers as the studio trains them and RoBERTa ships them (no
 * normalizer, ByteLevel pre-tokenizer without prefix space, BPE with merges, RobertaProcessing),
 * giving exactly transformers.js's ids: the same GPT-2 split and byte mapping, the same merge
 * order (lowest rank first, leftmost on ties), with a word cache as large as a dataset's
 * vocabulary (transformers.js keeps 10,000 words, too few for IMDB-sized data). Texts holding an
 * added token's text (e.g. a literal "</s>") return null and go to the transformers.js path.
 */
import { BYTE_CHARS, gpt2Split } from './byteLevelBpe';
import { truncateTokens, type Encoded } from './tokenizer';

interface BpeJson {
  added_tokens?: { content: string }[];
  normalizer?: unknown;
  pre_tokenizer?: { type?: string; add_prefix_space?: boolean; use_regex?: boolean } | null;
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    merges?: (string | [string, string])[];
    dropout?: number | null;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    byte_fallback?: boolean;
    ignore_merges?: boolean;
  };
  post_processor?: { type?: string; cls?: [string, number]; sep?: [string, number] } | null;
}

/** Word -> ids cache size (entries); cleared when full. */
const CACHE_MAX = 200_000;
const SEP = '\u0000';

/**
 * The fast encoder for a tokenizer's files, or null when they are not the byte-level BPE setup
 * above. The encoder returns null for texts it leaves to transformers.js.
 */
export function fastByteLevelBpeEncoder(
  tokenizerJson: object,
): ((text: string, pair?: string, maxLength?: number) => Encoded | null) | null {
  const j = tokenizerJson as BpeJson;
  const pre = j.pre_tokenizer;
  const model = j.model;
  const post = j.post_processor;
  if (
    (j.normalizer !== null && j.normalizer !== undefined) ||
    pre?.type !== 'ByteLevel' ||
    pre.add_prefix_space === true ||
    pre.use_regex === false ||
    model?.type !== 'BPE' ||
    !model.vocab ||
    !Array.isArray(model.merges) ||
    (model.dropout ?? null) !== null ||
    Boolean(model.continuing_subword_prefix) ||
    Boolean(model.end_of_word_suffix) ||
    model.byte_fallback === true ||
    model.ignore_merges === true ||
    post?.type !== 'RobertaProcessing' ||
    !isTokenId(post.cls) ||
    !isTokenId(post.sep) ||
    // Merges as "a b" strings or [a, b] pairs; anything else is left to transformers.js.
    !model.merges.every(
      (m: unknown) =>
        (typeof m === 'string' && m.includes(' ')) ||
        (Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === 'string')),
    )
  ) {
    return null;
  }
  const vocab = new Map<string, number>(Object.entries(model.vocab));
  const ranks = new Map<string, number>();
  model.merges.forEach((m, i) => {
    const [a, b] = typeof m === 'string' ? m.split(' ', 2) : m;
    const key = a + SEP + b;
    if (!ranks.has(key)) ranks.set(key, i);
  });
  const clsId = vocab.get(post.cls[0]) ?? post.cls[1];
  const sepId = vocab.get(post.sep[0]) ?? post.sep[1];
  const added = (j.added_tokens ?? []).map((t) => t.content).filter((s) => s.length > 0);
  const encoder = new TextEncoder();

  const cache = new Map<string, number[]>();
  /** One pre-token's ids: BPE over its byte characters, one merge at a time. */
  const wordIds = (piece: string, out: number[]): void => {
    const hit = cache.get(piece);
    if (hit) {
      for (const id of hit) out.push(id);
      return;
    }
    const symbols: string[] = [];
    for (const b of encoder.encode(piece)) symbols.push(BYTE_CHARS[b]);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = ranks.get(symbols[i] + SEP + symbols[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
    }
    const ids: number[] = [];
    // transformers.js drops pieces outside the vocabulary when there is no unk token.
    for (const s of symbols) {
      const id = vocab.get(s);
      if (id !== undefined) ids.push(id);
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    // A flat copy as the key: a match is a slice of the whole text and would keep it alive.
    cache.set(piece.length > 12 ? Array.from(piece).join('') : piece, ids);
    for (const id of ids) out.push(id);
  };

  /** The text's ids, stopped after the piece that reaches `limit` (splitTokens.ts says why). */
  const tokenize = (text: string, limit = Infinity): number[] => {
    const out: number[] = [];
    const pieces = gpt2Split(text);
    if (pieces) {
      for (let i = 0; i < pieces.length && out.length < limit; i++) wordIds(pieces[i], out);
    }
    return out;
  };
  const hasAdded = (s: string): boolean => added.some((a) => s.includes(a));

  return (text: string, pair?: string, maxLength?: number): Encoded | null => {
    if (hasAdded(text) || (pair !== undefined && hasAdded(pair))) return null;
    // RobertaProcessing: <s> A </s> and <s> A </s></s> B </s>.
    const { a, b, truncated } = truncateTokens(
      tokenize(text, maxLength),
      pair !== undefined ? tokenize(pair, maxLength) : null,
      maxLength,
      2,
      4,
    );
    const ids = [clsId, ...a, sepId];
    const typeIds = new Array<number>(ids.length).fill(0);
    if (b) {
      ids.push(sepId);
      for (const id of b) ids.push(id);
      ids.push(sepId);
      for (let i = 0; i < b.length + 2; i++) typeIds.push(1);
    }
    return { ids, typeIds, truncated };
  };
}

/** A RobertaProcessing `cls`/`sep` entry: [token, id]. */
function isTokenId(v: unknown): v is [string, number] {
  return Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number';
}
