/**
 * Pre-split words as `tokenizer(words, is_split_into_words=True, truncation=True, max_length=n)`
 * encodes them: each word tokenized on its own (normalizer, pre-tokenizer and model see one word
 * at a time), the pieces concatenated with their word's index, cut to the room the special tokens
 * leave, then the special tokens added (word id null).
 */
import { tokenizerClassOf } from './exportConfig';

export interface WordsEncoded {
  ids: number[];
  /** The word each token comes from; null for special tokens (`BatchEncoding.word_ids()`). */
  wordIds: (number | null)[];
  /** Whether tokens were cut to fit maxLength. */
  truncated: boolean;
}

/** Token ids per word -> one sequence with the special tokens around it (see the module comment). */
export function assembleWords(
  perWord: readonly (readonly number[])[],
  lead: readonly number[],
  trail: readonly number[],
  maxLength?: number,
): WordsEncoded {
  const budget = maxLength === undefined ? Infinity : maxLength - lead.length - trail.length;
  if (budget < 0)
    throw new RangeError(`maxLength ${maxLength} leaves no room for the special tokens`);
  const ids: number[] = [...lead];
  const wordIds: (number | null)[] = lead.map(() => null);
  let count = 0;
  let truncated = false;
  outer: for (let w = 0; w < perWord.length; w++) {
    for (const id of perWord[w]) {
      if (count >= budget) {
        truncated = true;
        break outer;
      }
      ids.push(id);
      wordIds.push(w);
      count++;
    }
  }
  for (const id of trail) {
    ids.push(id);
    wordIds.push(null);
  }
  return { ids, wordIds, truncated };
}

const GENERIC_CLASSES = new Set([
  'PreTrainedTokenizerFast',
  'TokenizersBackend',
  'PreTrainedTokenizer',
]);

function hasByteLevel(pre: unknown): boolean {
  if (!pre || typeof pre !== 'object') return false;
  const p = pre as { type?: unknown; pretokenizers?: unknown };
  if (p.type === 'ByteLevel') return true;
  return Array.isArray(p.pretokenizers) && p.pretokenizers.some((x) => hasByteLevel(x));
}

/**
 * Whether words get a space in front before a byte-level pre-tokenizer sees them: transformers
 * refuses pre-split words for byte-level BPE classes (RoBERTa, GPT-2, BART...) unless they are
 * loaded with `add_prefix_space=True`, which the studio does as run_ner.py and the guide do. The
 * generic class (`PreTrainedTokenizerFast`, ModernBERT's) takes no such option: its words go
 * as they are, as transformers encodes them.
 */
export function wordsNeedPrefixSpace(tokenizerJson: object, tokenizerConfig: object): boolean {
  if (!hasByteLevel((tokenizerJson as { pre_tokenizer?: unknown }).pre_tokenizer)) return false;
  const named = (tokenizerConfig as { tokenizer_class?: unknown }).tokenizer_class;
  const cls =
    typeof named === 'string' ? named.replace(/Fast$/, '') : tokenizerClassOf(tokenizerJson);
  return cls !== null && !GENERIC_CLASSES.has(cls) && !GENERIC_CLASSES.has(`${cls}Fast`);
}

/**
 * The text a pre-split word is tokenized as: with a space in front where
 * {@link wordsNeedPrefixSpace} says so (not twice, and an empty word stays empty, as the Rust
 * ByteLevel pre-tokenizer leaves it).
 */
export function wordText(word: string, prefixSpace: boolean): string {
  return prefixSpace && word !== '' && !word.startsWith(' ') ? ` ${word}` : word;
}

/** Word -> token ids cache size (entries); cleared when full. */
const WORD_CACHE_MAX = 200_000;

/**
 * `encodeWords` over a per-word encoder (token ids without special tokens), with a cache: the
 * words of a tagged corpus repeat (WNUT's 62,730 words are 19,000 distinct ones).
 */
export function cachedWordsEncoder(
  wordIds: (word: string) => number[],
  lead: readonly number[],
  trail: readonly number[],
): (words: string[], maxLength?: number) => WordsEncoded {
  const cache = new Map<string, number[]>();
  const idsOf = (w: string): number[] => {
    let ids = cache.get(w);
    if (!ids) {
      if (cache.size >= WORD_CACHE_MAX) cache.clear();
      cache.set(w, (ids = wordIds(w)));
    }
    return ids;
  };
  return (words, maxLength) => assembleWords(words.map(idsOf), lead, trail, maxLength);
}
