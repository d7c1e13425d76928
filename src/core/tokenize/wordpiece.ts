/**
 * A BERT WordPiece `tokenizer.json` (the fast tokenizer's file, as `BertTokenizerFast` saves it)
 * built from a `vocab.txt`, for checkpoints that ship only the slow tokenizer's vocabulary (the
 * Google BERT miniatures, many older BERT folders).
 */
import { TokenizerFileError } from './tokenizer';

/** Special tokens a BERT vocabulary must hold. */
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * tokenizer.json + tokenizer_config.json for a vocabulary (one token per line, id = line index).
 * `doLowerCase` as the checkpoint's tokenizer_config (true for "uncased" models).
 * Throws when a special token other than [MASK] is missing.
 */
export function wordPieceTokenizerFiles(
  vocab: string[],
  opts: { doLowerCase: boolean; name: string; modelMaxLength?: number },
): { tokenizerJson: object; tokenizerConfig: object } {
  // No prototype: tokens such as "constructor", "toString" or "__proto__" are plain keys here
  // ("in" on a {} literal found them on Object.prototype and dropped them from the vocabulary).
  const ids = Object.create(null) as Record<string, number>;
  vocab.forEach((t, i) => {
    if (!(t in ids)) ids[t] = i;
  });
  for (const s of SPECIALS) {
    if (s !== '[MASK]' && !(s in ids)) throw new TokenizerFileError(`vocab.txt has no ${s} token.`);
  }
  const added = SPECIALS.filter((s) => s in ids).map((s) => ({
    id: ids[s],
    content: s,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const special = (s: string, type_id: number) => ({ SpecialToken: { id: s, type_id } });
  const seq = (id: 'A' | 'B', type_id: number) => ({ Sequence: { id, type_id } });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: opts.doLowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), seq('A', 0), special('[SEP]', 0)],
      pair: [
        special('[CLS]', 0),
        seq('A', 0),
        special('[SEP]', 0),
        seq('B', 1),
        special('[SEP]', 1),
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
  const tokenizerConfig = {
    do_lower_case: opts.doLowerCase,
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
    tokenize_chinese_chars: true,
    strip_accents: null,
    model_max_length: opts.modelMaxLength ?? 512,
    tokenizer_class: 'BertTokenizer',
    name_or_path: opts.name,
  };
  return { tokenizerJson, tokenizerConfig };
}

/** Splits vocab.txt into tokens (one per line; a trailing newline adds no token). */
export function parseVocabTxt(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
