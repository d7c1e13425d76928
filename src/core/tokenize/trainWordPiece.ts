/**
 * Train a WordPiece tokenizer from a dataset's texts, for models trained from scratch: the same
 * procedure as HF `tokenizers`' WordPieceTrainer (a BPE trainer over BertNormalizer +
 * BertPreTokenizer words, where a merged continuation piece carries the "##" prefix), written
 * as the tokenizer.json / tokenizer_config.json pair that `BertTokenizerFast` saves (the schema
 * of public/tokenizers/bert-base-uncased), which transformers.js and Python `tokenizers` load.
 */
import { wordPieceTokenizerFiles } from './wordpiece';
import type { TokenizerFiles } from './tokenizer';

export interface TrainWordPieceOptions {
  /** Vocabulary size to reach, special tokens and the alphabet included (e.g. 2000-30522). */
  vocabSize: number;
  /** Lowercase and strip accents, as bert-base-uncased (default true). */
  lowercase?: boolean;
  /** Pairs seen fewer times than this are not merged (default 2, as HF). */
  minFrequency?: number;
  /** tokenizer_config's name_or_path (default "wordpiece-<vocabSize>"). */
  name?: string;
}

/** [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4: BertWordPieceTokenizer's training order. */
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
/** Longer words become [UNK] when encoding (max_input_chars_per_word), so they are not learnt. */
const MAX_WORD_CHARS = 100;

// The character classes of BertNormalizer / BertPreTokenizer (as fastWordPiece.ts).
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');
const CONTROL = /[\0\uFFFD]|(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu;
const CJK = /[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF]/gu;
const MARKS = /\p{Mn}/gu;

/** BertNormalizer then BertPreTokenizer: the words WordPiece sees. */
export function bertWords(text: string, lowercase: boolean): string[] {
  let t = text.replace(CONTROL, '').replace(CJK, ' $& ');
  if (lowercase) t = t.toLowerCase().normalize('NFD').replace(MARKS, '');
  return t.match(PRE_TOKEN) ?? [];
}

const SEP = '\u0001';

/**
 * The trained vocabulary in id order: specials, the alphabet (word-initial characters, then
 * "##" continuation characters, most frequent first), then merged pieces in merge order.
 */
export function trainWordPieceVocab(
  texts: Iterable<string>,
  opts: TrainWordPieceOptions,
): string[] {
  const lowercase = opts.lowercase ?? true;
  const minFrequency = opts.minFrequency ?? 2;
  if (!(opts.vocabSize > SPECIALS.length)) {
    throw new RangeError(`vocabSize must be more than ${SPECIALS.length}, got ${opts.vocabSize}`);
  }
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const w of bertWords(text, lowercase)) {
      if ([...w].length <= MAX_WORD_CHARS) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
    }
  }
  // Words as symbol lists: first character as is, the rest with the "##" prefix.
  const words: string[][] = [];
  const counts: number[] = [];
  const alphabet = new Map<string, number>();
  for (const [w, c] of wordCounts) {
    const symbols = [...w].map((ch, i) => (i === 0 ? ch : `##${ch}`));
    words.push(symbols);
    counts.push(c);
    for (const s of symbols) alphabet.set(s, (alphabet.get(s) ?? 0) + c);
  }
  const byFreq = (a: [string, number], b: [string, number]) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const vocab = [...SPECIALS];
  const have = new Set(vocab);
  for (const [s] of [...alphabet].sort(byFreq)) {
    if (vocab.length >= opts.vocabSize) break;
    if (!have.has(s)) {
      vocab.push(s);
      have.add(s);
    }
  }

  // Pair counts, and the words each pair may occur in (entries can go stale; checked on use).
  const pairCounts = new Map<string, number>();
  const where = new Map<string, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] + SEP + s[i + 1];
      const c = (pairCounts.get(key) ?? 0) + sign * counts[w];
      if (c > 0) pairCounts.set(key, c);
      else pairCounts.delete(key);
      if (sign > 0) {
        let set = where.get(key);
        if (!set) where.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  while (vocab.length < opts.vocabSize) {
    let best: string | null = null;
    let bestCount = minFrequency - 1;
    for (const [key, c] of pairCounts) {
      // Ties go to the smaller pair, so training is deterministic.
      if (c > bestCount || (c === bestCount && best !== null && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (best === null || bestCount < minFrequency) break;
    const [a, b] = best.split(SEP);
    const merged = a + b.slice(2);
    for (const w of where.get(best) ?? []) {
      const s = words[w];
      let found = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) found = true;
      if (!found) continue;
      addPairs(w, -1);
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      words[w] = out;
      addPairs(w, 1);
    }
    pairCounts.delete(best);
    where.delete(best);
    if (!have.has(merged)) {
      vocab.push(merged);
      have.add(merged);
    }
  }
  return vocab;
}

/**
 * Train a WordPiece tokenizer (see the module comment); returns its tokenizer.json and
 * tokenizer_config.json, ready for `loadTokenizer` or to be saved next to a model.
 * The vocabulary may come out smaller than `vocabSize` when the texts run out of pairs seen
 * `minFrequency` times.
 */
export function trainWordPiece(
  texts: Iterable<string>,
  opts: TrainWordPieceOptions,
): TokenizerFiles {
  const vocab = trainWordPieceVocab(texts, opts);
  return wordPieceTokenizerFiles(vocab, {
    doLowerCase: opts.lowercase ?? true,
    name: opts.name ?? `wordpiece-${opts.vocabSize}`,
  });
}
