/**
 * A byte-level BPE tokenizer from the slow tokenizer's files, `vocab.json` + `merges.txt`, for
 * repos that ship no tokenizer.json (older RoBERTa checkpoints): the tokenizer.json transformers'
 * converter (`convert_slow_tokenizer.RobertaConverter`) builds from them, with the specials the
 * tokenizer_config.json names (RoBERTa's `<s>`, `</s>`, `<unk>`, `<pad>`, `<mask>` by default).
 */
import type { TokenizerFiles } from './tokenizer';
import { TokenizerFileError } from './tokenizer';

/** RoBERTa's special tokens by role, as `RobertaTokenizer.__init__` defaults them. */
const ROBERTA_SPECIALS = {
  bos_token: '<s>',
  eos_token: '</s>',
  sep_token: '</s>',
  cls_token: '<s>',
  unk_token: '<unk>',
  pad_token: '<pad>',
  mask_token: '<mask>',
} as const;

/** A special token's text: a string, or an AddedToken dict's `content`. */
function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { content?: unknown }).content === 'string'
  ) {
    return (v as { content: string }).content;
  }
  return null;
}

/** merges.txt's merges in rank order (the `#version` header and blank lines skipped). */
export function parseMergesTxt(text: string): [string, string][] {
  const merges: [string, string][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2) {
      throw new TokenizerFileError(
        `merges.txt line ${i + 1} is not two tokens separated by one space: ${JSON.stringify(line)}`,
      );
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/**
 * tokenizer.json + tokenizer_config.json of `vocab.json` (token -> id) and `merges.txt`, as
 * `RobertaTokenizer.from_pretrained` builds them: the BPE model, the ByteLevel pre-tokenizer and
 * decoder, RoBERTa's post-processor (`<s> A </s>`, `<s> A </s></s> B </s>`) and the config's
 * special tokens as added tokens. `config` is the folder's tokenizer_config.json ({} without one).
 */
export function byteLevelBpeFromVocabMerges(
  vocabJson: unknown,
  mergesTxt: string,
  config: Record<string, unknown>,
): TokenizerFiles {
  if (typeof vocabJson !== 'object' || vocabJson === null || Array.isArray(vocabJson)) {
    throw new TokenizerFileError('vocab.json must be a JSON object of token -> id.');
  }
  const vocab = vocabJson as Record<string, unknown>;
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new TokenizerFileError(
        `vocab.json: the id of ${JSON.stringify(token)} must be a whole number >= 0, got ${JSON.stringify(id)}.`,
      );
    }
  }
  const merges = parseMergesTxt(mergesTxt);
  const specials = Object.fromEntries(
    Object.entries(ROBERTA_SPECIALS).map(([role, fallback]) => [
      role,
      tokenText(config[role]) ?? fallback,
    ]),
  ) as Record<keyof typeof ROBERTA_SPECIALS, string>;
  const idOf = (role: keyof typeof ROBERTA_SPECIALS): number => {
    const id = vocab[specials[role]];
    if (typeof id !== 'number') {
      throw new TokenizerFileError(
        `vocab.json has no ${specials[role]} (the ${role}); a RoBERTa vocabulary holds its special tokens.`,
      );
    }
    return id;
  };
  const addPrefixSpace = config.add_prefix_space === true;
  const trimOffsets = config.trim_offsets !== false;
  // The specials in id order, each once (as the converter adds them).
  const roles = ['bos_token', 'pad_token', 'eos_token', 'unk_token', 'mask_token'] as const;
  const added = [...new Set(roles.map((r) => specials[r]))]
    .filter((t) => typeof vocab[t] === 'number')
    .map((content) => ({
      id: vocab[content] as number,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }))
    .sort((a, b) => a.id - b.id);
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'ByteLevel',
      add_prefix_space: addPrefixSpace,
      trim_offsets: true,
      use_regex: true,
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [specials.sep_token, idOf('sep_token')],
      cls: [specials.cls_token, idOf('cls_token')],
      trim_offsets: trimOffsets,
      add_prefix_space: addPrefixSpace,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'RobertaTokenizer',
    ...specials,
    add_prefix_space: addPrefixSpace,
    trim_offsets: trimOffsets,
    ...config,
  };
  return { tokenizerJson, tokenizerConfig };
}
