/**
 * Byte-level BPE as GPT-2 and RoBERTa use it: the ByteLevel pre-tokenizer (GPT-2's regex split,
 * then every UTF-8 byte shown as one printable character) and the tokenizer.json /
 * tokenizer_config.json pair that HF `tokenizers` (`ByteLevelBPETokenizer.save`) and
 * `RobertaTokenizerFast.save_pretrained` write for a vocabulary and its merges.
 */
import type { TokenizerFiles } from './tokenizer';
import { TokenizerFileError } from './tokenizer';

/**
 * GPT-2's pre-tokenization regex, as HF `tokenizers`' ByteLevel (use_regex) and transformers.js
 * apply it: contractions, letters, digits and other runs, each with one optional leading space.
 */
export const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * {@link GPT2_SPLIT} for ASCII-only text, where \p{L} is [A-Za-z] and \p{N} is [0-9]: the same
 * matches, 2x faster without the Unicode property classes.
 */
const GPT2_SPLIT_ASCII =
  /'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+/g;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** A text's GPT-2 pre-tokens (the matches of {@link GPT2_SPLIT}), null when there are none. */
export function gpt2Split(text: string): RegExpMatchArray | null {
  return text.match(NON_ASCII.test(text) ? GPT2_SPLIT : GPT2_SPLIT_ASCII);
}

/**
 * GPT-2's `bytes_to_unicode`: byte -> the printable character that stands for it. Printable
 * Latin-1 bytes stand for themselves; the other 68 (controls, space, soft hyphen...) map to
 * U+0100 onwards in byte order, so the space byte is "Ġ" (U+0120).
 */
export const BYTE_CHARS: readonly string[] = (() => {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  const out: string[] = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(keep(b) ? b : 256 + n++);
  return out;
})();

/** The 256 byte characters in code point order: the order HF's BpeTrainer gives them ids. */
export const BYTE_ALPHABET: readonly string[] = [...BYTE_CHARS].sort(
  (a, b) => a.charCodeAt(0) - b.charCodeAt(0),
);

/** RoBERTa's special tokens, at ids 0-4 in this order (roberta-base, ByteLevelBPETokenizer). */
export const BPE_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'] as const;

const encoder = new TextEncoder();

/** A pre-token's UTF-8 bytes as byte characters (GPT-2's byte-level form, e.g. " the" -> "Ġthe"). */
export function byteLevelForm(piece: string): string {
  let out = '';
  for (const b of encoder.encode(piece)) out += BYTE_CHARS[b];
  return out;
}

/** The ByteLevel pre-tokenizer (add_prefix_space false): a text's words in byte-level form. */
export function byteLevelWords(text: string): string[] {
  return (gpt2Split(text) ?? []).map(byteLevelForm);
}

export interface ByteLevelBpeFileOptions {
  /** tokenizer_config's name_or_path. */
  name: string;
  /** tokenizer_config's model_max_length (default 512, as roberta-base). */
  modelMaxLength?: number;
}

/**
 * tokenizer.json + tokenizer_config.json for a byte-level BPE vocabulary (token -> id, the
 * specials of {@link BPE_SPECIALS} at ids 0-4) and its merges in rank order, in the schema
 * `tokenizers` >= 0.20 saves (merges as [left, right] pairs) with RoBERTa's post-processor
 * (`<s> A </s>`, `<s> A </s></s> B </s>`) and the config `RobertaTokenizerFast` saves.
 */
export function byteLevelBpeTokenizerFiles(
  vocab: readonly string[],
  merges: readonly (readonly [string, string])[],
  opts: ByteLevelBpeFileOptions,
): TokenizerFiles {
  BPE_SPECIALS.forEach((s, i) => {
    if (vocab[i] !== s) throw new TokenizerFileError(`A RoBERTa vocabulary has ${s} at id ${i}.`);
  });
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    // RobertaTokenizerFast makes <mask> eat the space before it ("Hello <mask>!").
    lstrip: content === '<mask>',
    rstrip: false,
    normalized: false,
    special: true,
  });
  const added = BPE_SPECIALS.map((s, i) => special(i, s));
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['</s>', 2],
      cls: ['<s>', 0],
      trim_offsets: true,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      // fromEntries, not assignment: a token such as "__proto__" must stay an own key.
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
  const addedTokensDecoder = Object.fromEntries(
    added.map((t) => [
      String(t.id),
      {
        content: t.content,
        lstrip: t.lstrip,
        normalized: t.normalized,
        rstrip: t.rstrip,
        single_word: t.single_word,
        special: t.special,
      },
    ]),
  );
  const tokenizerConfig = {
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    bos_token: '<s>',
    // Byte-level BPE decodes losslessly; HF's clean-up would drop spaces before punctuation.
    clean_up_tokenization_spaces: false,
    cls_token: '<s>',
    eos_token: '</s>',
    errors: 'replace',
    mask_token: '<mask>',
    model_max_length: opts.modelMaxLength ?? 512,
    pad_token: '<pad>',
    sep_token: '</s>',
    tokenizer_class: 'RobertaTokenizer',
    trim_offsets: true,
    unk_token: '<unk>',
    name_or_path: opts.name,
  };
  return { tokenizerJson, tokenizerConfig };
}
