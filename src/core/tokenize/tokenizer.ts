/**
 * Our tokenizer interface over transformers.js, built from the tokenizer files' JSON (no network,
 * no `env` paths), so the same code runs in Node and in the browser worker. Encoding matches HF
 * `tokenizer(text, pair, truncation=True, max_length=...)` of a fast tokenizer: special tokens are
 * kept and the text is truncated around them (transformers.js's own `truncation` cuts the final
 * `[SEP]` off instead, so we truncate ourselves before adding special tokens).
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { StudioError } from '../util/errors';
import { pipelineOfClass, withMetaspaceWords } from './classPipeline';
import { prefixedWordTokens, splitTokens } from './splitTokens';
import { offsetScheme, tokenOffsets } from './tokenOffsets';
import { cachedWordsEncoder, wordsNeedPrefixSpace, type WordsEncoded } from './wordIds';

export type { WordsEncoded } from './wordIds';

/** A text's tokens with their character offsets (see {@link Tokenizer.encodeWithOffsets}). */
export interface OffsetsEncoded {
  ids: number[];
  /** [start, end) in the text per token ([0, 0] for special tokens, as transformers gives). */
  offsets: [number, number][];
  /** Whether each token is a special token (`return_special_tokens_mask`). */
  special: boolean[];
  /** Whether each token is the unknown token (the pipeline takes its word from the text). */
  unknown: boolean[];
}

/** The two JSON files a tokenizer is built from, as parsed objects (they travel with exports). */
export interface TokenizerFiles {
  /** tokenizer.json */
  tokenizerJson: object;
  /** tokenizer_config.json */
  tokenizerConfig: object;
}

export interface Encoded {
  /** Token ids including special tokens ([CLS] ... [SEP] for BERT). */
  ids: number[];
  /** token_type_ids: 0 for the first text (and its specials), 1 for the pair's part. */
  typeIds: number[];
  /** Whether tokens were cut to fit maxLength. */
  truncated: boolean;
}

export interface Tokenizer {
  /** e.g. "bert-base-uncased" (tokenizer_config's name_or_path, else its tokenizer_class). */
  name: string;
  /** Embedding rows the model needs: highest token id + 1 (30522 for bert-base-uncased). */
  vocabSize: number;
  padId: number;
  clsId: number;
  sepId: number;
  /** Longest input the tokenizer was made for (tokenizer_config's model_max_length), or Infinity. */
  modelMaxLength: number;
  /**
   * Whether the tokenizer's `model_input_names` hold token_type_ids (BERT: yes; RoBERTa, GPT-2,
   * DistilBERT: no). When not, HF passes none and the model sees zeros: `typeIds` are all 0.
   */
  tokenTypeIds: boolean;
  /** tokenizer.json's model type: "WordPiece", "BPE", "Unigram" or "WordLevel". */
  modelType: string;
  /**
   * Encode one text (or a pair) with special tokens. With maxLength, the result has at most
   * maxLength tokens, special tokens included; pairs are cut longest-first.
   */
  encode(text: string, pair?: string, maxLength?: number): Encoded;
  /**
   * Pre-split words, as `tokenizer(words, is_split_into_words=True, truncation=True,
   * max_length=maxLength)`: ids with special tokens and each token's word index (null for the
   * special tokens). Byte-level BPE words get a space in front, as `add_prefix_space=True`.
   */
  encodeWords(words: string[], maxLength?: number): WordsEncoded;
  /**
   * One text with `return_offsets_mapping`: the same ids as `encode(text, undefined, maxLength)`
   * and each token's character offsets into `text` (UTF-16 positions; tokenOffsets.ts).
   */
  encodeWithOffsets(text: string, maxLength?: number): OffsetsEncoded;
  /** Token ids -> text (special tokens kept, as HF `decode`); [] -> ''. */
  decodeIds(ids: number[]): string;
  /**
   * Token ids -> text as `convert_tokens_to_string(convert_ids_to_tokens(ids))`: the
   * tokenizer.json decoder alone, without `clean_up_tokenization_spaces` (the `word` of the
   * token-classification pipeline's entities).
   */
  decodeTokens(ids: number[]): string;
  /** Token ids -> token strings (e.g. "##ing"). */
  tokens(ids: number[]): string[];
  files: TokenizerFiles;
}

type TokenSpec = string | { content?: string } | null | undefined;

function tokenString(spec: TokenSpec): string | undefined {
  if (typeof spec === 'string') return spec;
  if (spec && typeof spec === 'object' && typeof spec.content === 'string') return spec.content;
  return undefined;
}

/**
 * Build a tokenizer from its files. The transformers.js class is picked as AutoTokenizer does
 * (tokenizer_config's `tokenizer_class`, "Fast" suffix dropped; PreTrainedTokenizer otherwise).
 * transformers.js is imported lazily so modules that only type against `Tokenizer` stay light.
 */
export async function loadTokenizer(files: TokenizerFiles): Promise<Tokenizer> {
  for (const [f, v] of [
    ['tokenizer.json', files.tokenizerJson],
    ['tokenizer_config.json', files.tokenizerConfig],
  ] as const) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new TokenizerFileError(`${f} must be a JSON object.`);
    }
  }
  const transformers = await import('@huggingface/transformers');
  const config = files.tokenizerConfig as Record<string, unknown>;
  const className =
    typeof config.tokenizer_class === 'string'
      ? config.tokenizer_class.replace(/Fast$/, '')
      : 'PreTrainedTokenizer';
  const candidate = (transformers as unknown as Record<string, unknown>)[className];
  const Base = transformers.PreTrainedTokenizer;
  const Cls =
    typeof candidate === 'function' && (candidate === Base || candidate.prototype instanceof Base)
      ? (candidate as typeof Base)
      : Base;
  // transformers.js assumes well-formed files and fails deep inside (TypeError and the like) on
  // malformed ones; a probe encode catches files that construct but cannot tokenize.
  try {
    // The pipeline AutoTokenizer runs for the class (XLM-R and DeBERTa-v2 build their own): the
    // tokenizer's files from now on, so exports carry it.
    const classJson = pipelineOfClass(files.tokenizerJson, files.tokenizerConfig);
    const asRun =
      classJson === files.tokenizerJson ? files : { ...files, tokenizerJson: classJson };
    const tok = wrap(
      new Cls(withMetaspaceWords(asRun.tokenizerJson), files.tokenizerConfig),
      asRun,
      className,
      Cls === Base,
    );
    const probe = tok.encode('Probe text, 123.', 'pair', 16);
    if (!probe.ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize)) {
      throw new Error('it maps text to token ids outside its vocabulary');
    }
    return tok;
  } catch (err) {
    if (err instanceof TokenizerFileError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new TokenizerFileError(
      `The tokenizer files are malformed or unsupported (${why}). Use the tokenizer.json and ` +
        `tokenizer_config.json that transformers' save_pretrained writes.`,
    );
  }
}

/** Raised when tokenizer.json / tokenizer_config.json cannot make a working tokenizer. */
export class TokenizerFileError extends StudioError {
  constructor(message: string, remedy?: string) {
    super('tokenizer', message, { name: 'TokenizerFileError', remedy });
  }
}

/** tokenizer.json's `model.type` ("WordPiece", "BPE", ...), "unknown" when it names none. */
function modelTypeOf(tokenizerJson: object): string {
  const model = (tokenizerJson as { model?: { type?: unknown } }).model;
  return typeof model?.type === 'string' ? model.type : 'unknown';
}

function wrap(
  tok: PreTrainedTokenizer,
  files: TokenizerFiles,
  className: string,
  genericClass: boolean,
): Tokenizer {
  const config = files.tokenizerConfig as Record<string, unknown>;
  const core = tok._tokenizer;
  const unkId = tok.unk_token_id ?? 0;
  const idOf = (spec: TokenSpec): number | undefined => {
    const s = tokenString(spec);
    return s === undefined ? undefined : core.token_to_id(s);
  };
  const clsId = idOf(config.cls_token as TokenSpec) ?? idOf(config.bos_token as TokenSpec) ?? unkId;
  const sepId = idOf(config.sep_token as TokenSpec) ?? idOf(config.eos_token as TokenSpec) ?? unkId;
  const padId = tok.pad_token_id ?? 0;
  let maxId = -1;
  for (const id of tok.get_vocab().values()) if (id > maxId) maxId = id;
  for (const id of core.get_added_tokens_decoder().keys()) if (id > maxId) maxId = id;

  const post = core.post_processor;
  const addSpecial = (a: string[], b: string[] | null): { tokens: string[]; types: number[] } => {
    if (!post) {
      const tokens = b ? a.concat(b) : a;
      return { tokens, types: new Array<number>(tokens.length).fill(0) };
    }
    const out = post(a, b, true);
    return {
      tokens: out.tokens,
      types: (tokenTypeIds && out.token_type_ids) || new Array<number>(out.tokens.length).fill(0),
    };
  };
  // HF's model_input_names: the config's, else the class's (transformers.js records it as
  // return_token_type_ids). transformers 5 maps a config naming PreTrainedTokenizerFast to
  // TokenizersBackend, whose model_input_names hold no token_type_ids; a config naming no class
  // gets its class from the model's config.json (BERT's for the studio's own tokenizers), which
  // returns them.
  const inputNames = config.model_input_names;
  const namedGeneric =
    config.tokenizer_class === 'PreTrainedTokenizerFast' ||
    config.tokenizer_class === 'TokenizersBackend';
  const tokenTypeIds = Array.isArray(inputNames)
    ? inputNames.includes('token_type_ids')
    : !namedGeneric && (genericClass || tok.return_token_type_ids);
  const specialsSingle = addSpecial([], null).tokens.length;
  const specialsPair = addSpecial([], []).tokens.length;
  // The single-text template's special tokens before and after the text.
  const MARK = '\u0000text\u0000';
  const layout = addSpecial([MARK], null).tokens;
  const at = layout.indexOf(MARK);
  const specialId = (t: string) => core.token_to_id(t) ?? unkId;
  const leadIds = layout.slice(0, at).map(specialId);
  const trailIds = layout.slice(at + 1).map(specialId);
  const prefixSpace = wordsNeedPrefixSpace(files.tokenizerJson, files.tokenizerConfig);
  const scheme = offsetScheme(files.tokenizerJson);
  const normalizer = core.normalizer as unknown as ((s: string) => string) | null;
  const normalize = normalizer ? (s: string) => normalizer(s) : null;
  const unkToken = tok.unk_token ?? null;
  const model = core.model as unknown as (words: string[]) => string[];
  /** Whether the model knows a (normalized) character only as its unknown token. */
  const isUnknown = (c: string): boolean => {
    const pieces = model([c]);
    return (
      pieces.length > 0 && pieces.every((p) => p === unkToken || core.token_to_id(p) === undefined)
    );
  };

  const name =
    (typeof config.name_or_path === 'string' && config.name_or_path) ||
    (typeof config.tokenizer_class === 'string' && config.tokenizer_class) ||
    className;
  const modelMaxLength =
    typeof config.model_max_length === 'number' && config.model_max_length < 1e12
      ? config.model_max_length
      : Infinity;

  const encode = (text: string, pair?: string, maxLength?: number): Encoded => {
    // Tokens without special tokens (transformers.js's _encode_text would add them), each
    // text cut after the split that reaches maxLength, as the Rust tokenizers stop.
    const { a, b, truncated } = truncateTokens(
      splitTokens(core, text, maxLength),
      pair !== undefined && pair !== null ? splitTokens(core, pair, maxLength) : null,
      maxLength,
      specialsSingle,
      specialsPair,
    );
    const { tokens, types } = addSpecial(a, b);
    const ids = new Array<number>(tokens.length);
    for (let i = 0; i < tokens.length; i++) ids[i] = core.token_to_id(tokens[i]) ?? unkId;
    return { ids, typeIds: types, truncated };
  };

  return {
    name,
    vocabSize: maxId + 1,
    padId,
    clsId,
    sepId,
    modelMaxLength,
    tokenTypeIds,
    modelType: modelTypeOf(files.tokenizerJson),
    files,
    encode,
    encodeWords: cachedWordsEncoder(
      (w) =>
        (prefixSpace ? prefixedWordTokens(core, w) : splitTokens(core, w)).map(
          (t) => core.token_to_id(t) ?? unkId,
        ),
      leadIds,
      trailIds,
    ),
    encodeWithOffsets(text: string, maxLength?: number): OffsetsEncoded {
      const { ids } = encode(text, undefined, maxLength);
      const inner = ids.slice(leadIds.length, ids.length - trailIds.length);
      const tokens = inner.map((id) => core.id_to_token(id) ?? tok.unk_token ?? '');
      const offsets: [number, number][] = [
        ...leadIds.map((): [number, number] => [0, 0]),
        ...tokenOffsets(text, tokens, scheme, normalize, isUnknown),
        ...trailIds.map((): [number, number] => [0, 0]),
      ];
      const special = ids.map((_, i) => i < leadIds.length || i >= ids.length - trailIds.length);
      const unknown = ids.map((id, i) => id === tok.unk_token_id && !special[i]);
      return { ids, offsets, special, unknown };
    },
    decodeIds(ids: number[]): string {
      return ids.length === 0 ? '' : tok.decode(ids);
    },
    decodeTokens(ids: number[]): string {
      if (ids.length === 0) return '';
      return tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    },
    tokens(ids: number[]): string[] {
      return ids.map((id) => core.id_to_token(id) ?? tok.unk_token);
    },
  };
}

/**
 * Lengths after HF tokenizers' (Rust) LONGEST_FIRST truncation of a pair to `budget` tokens:
 * cut the longer one down first; if both must shrink, the first gets floor(budget/2) unless it
 * was the longer one. (Python "slow" tokenizers break the tie the other way by one token.)
 */
/**
 * HF `truncation=True` on token lists (before special tokens): a single text is cut to the budget
 * left by its special tokens; a pair is cut longest-first, as the Rust tokenizers do.
 */
export function truncateTokens<T>(
  a: T[],
  b: T[] | null,
  maxLength: number | undefined,
  specialsSingle: number,
  specialsPair: number,
): { a: T[]; b: T[] | null; truncated: boolean } {
  if (maxLength === undefined) return { a, b, truncated: false };
  const budget = maxLength - (b ? specialsPair : specialsSingle);
  if (budget < 0) {
    throw new RangeError(`maxLength ${maxLength} leaves no room for the special tokens`);
  }
  if (b) {
    const [n1, n2] = longestFirst(a.length, b.length, budget);
    return { a: a.slice(0, n1), b: b.slice(0, n2), truncated: n1 < a.length || n2 < b.length };
  }
  return a.length > budget
    ? { a: a.slice(0, budget), b, truncated: true }
    : { a, b, truncated: false };
}

export function longestFirst(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let a = swap ? n2 : n1; // the shorter
  let b = swap ? n1 : n2;
  b = a > budget ? a : Math.max(a, budget - a);
  if (a + b > budget) {
    a = Math.floor(budget / 2);
    b = a + (budget % 2);
  }
  return swap ? [b, a] : [a, b];
}
