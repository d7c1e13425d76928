/**
 * Words with tags -> tokens with labels, as transformers' token-classification guide
 * (`tokenize_and_align_labels`) and run_ner.py do it: `tokenizer(words, is_split_into_words=True,
 * truncation=True, max_length=...)`, the first sub-token of each word labelled with the word's
 * tag, the other sub-tokens and the special tokens IGNORE_INDEX (-100); with `label_all_tokens`,
 * every sub-token labelled, B-X turned to I-X after the first (run_ner.py's `b_to_i_label`).
 * Batches pad labels with -100 as `DataCollatorForTokenClassification` does; predictions go back
 * to words through the first sub-token of each.
 */
import { IGNORE_INDEX, type TaggedCorpus, type TaggedEncoding } from '../data/taggedTypes';
import type { Tokenizer } from './tokenizer';

export interface EncodeTaggedOptions {
  /** run_ner.py's `label_all_tokens` (default false: the first sub-token only). */
  labelAllTokens?: boolean;
  /** Called every 1,000 sentences and at the end with (sentences done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** run_ner.py's `b_to_i_label`: each tag's id with B-X replaced by I-X where I-X is a tag. */
export function bToILabel(labelNames: readonly string[]): Int32Array {
  const index = new Map(labelNames.map((n, i) => [n, i]));
  return Int32Array.from(labelNames, (name, i) => {
    if (!name.startsWith('B-')) return i;
    return index.get(`I-${name.slice(2)}`) ?? i;
  });
}

/** Tokenizes a tagged corpus with word ids and aligned labels (see the module comment). */
export function encodeTagged(
  tokenizer: Tokenizer,
  corpus: TaggedCorpus,
  maxLength: number,
  opts: EncodeTaggedOptions = {},
): TaggedEncoding {
  const n = corpus.offsets.length - 1;
  const wide = tokenizer.vocabSize > 65536;
  const bToI = bToILabel(corpus.labelNames);
  const idRows: number[][] = [];
  const labelRows: Int32Array[] = [];
  const wordRows: Int32Array[] = [];
  const offsets = new Uint32Array(n + 1);
  let truncated = 0;
  let used = 0;
  for (let s = 0; s < n; s++) {
    const from = corpus.offsets[s];
    const words = corpus.words.slice(from, corpus.offsets[s + 1]);
    const enc = tokenizer.encodeWords(words, maxLength);
    if (enc.truncated) truncated++;
    const labels = new Int32Array(enc.ids.length);
    const wordIds = new Int32Array(enc.ids.length);
    let prev: number | null = null;
    enc.wordIds.forEach((w, t) => {
      wordIds[t] = w ?? -1;
      if (w === null) labels[t] = IGNORE_INDEX;
      else if (w !== prev) labels[t] = corpus.tags[from + w];
      else labels[t] = opts.labelAllTokens ? bToI[corpus.tags[from + w]] : IGNORE_INDEX;
      prev = w;
    });
    idRows.push(enc.ids);
    labelRows.push(labels);
    wordRows.push(wordIds);
    used += enc.ids.length;
    offsets[s + 1] = used;
    if (opts.onProgress && ((s + 1) % 1000 === 0 || s + 1 === n)) opts.onProgress(s + 1, n);
  }
  const ids = wide ? new Int32Array(used) : new Uint16Array(used);
  const labels = new Int32Array(used);
  const wordIds = new Int32Array(used);
  for (let s = 0; s < n; s++) {
    ids.set(idRows[s], offsets[s]);
    labels.set(labelRows[s], offsets[s]);
    wordIds.set(wordRows[s], offsets[s]);
  }
  return { ids, offsets, typeIds: null, truncated, labels, wordIds };
}

/**
 * Labels of rows `indices` padded to `seqLen`, row-major [B, T], as
 * DataCollatorForTokenClassification pads them: IGNORE_INDEX on padding (and on tokens past
 * seqLen, which a collator cutting rows to seqLen drops).
 */
export function collateTagLabels(
  enc: TaggedEncoding,
  indices: ArrayLike<number>,
  seqLen: number,
): Int32Array {
  const out = new Int32Array(indices.length * seqLen).fill(IGNORE_INDEX);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    const from = enc.offsets[i];
    const len = Math.min(enc.offsets[i + 1] - from, seqLen);
    out.set(enc.labels.subarray(from, from + len), b * seqLen);
  }
  return out;
}

/**
 * Each word's tag id from its first sub-token's predicted (or gold) tag id: `tokenTagIds` and
 * `wordIds` are one row's tokens (word ids -1 on special tokens); words truncation cut (no
 * token) get -1.
 */
export function wordTags(
  tokenTagIds: ArrayLike<number>,
  wordIds: ArrayLike<number>,
  words: number,
): Int32Array {
  const out = new Int32Array(words).fill(-1);
  for (let t = 0; t < wordIds.length; t++) {
    const w = wordIds[t];
    if (w >= 0 && w < words && out[w] === -1) out[w] = tokenTagIds[t];
  }
  return out;
}

/** Row i's labels (a view). */
export function rowLabels(enc: TaggedEncoding, i: number): Int32Array {
  return enc.labels.subarray(enc.offsets[i], enc.offsets[i + 1]);
}

/** Row i's word ids (a view). */
export function rowWordIds(enc: TaggedEncoding, i: number): Int32Array {
  return enc.wordIds.subarray(enc.offsets[i], enc.offsets[i + 1]);
}
