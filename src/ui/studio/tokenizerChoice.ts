/** The tokenizer the user chose, how the worker loads it and how settings keep it. */
import type {
  ColumnChoice,
  StudioClient,
  TokenizerInfo,
  TokenizerSource,
  TrainedTokenizerModel,
} from '../../worker/client';
import type { StudioSettings } from '../defaults';

/** The tokenizer of a first visit, and the fallback when a remembered one cannot load. */
export const DEFAULT_TOKENIZER = { kind: 'bundled', name: 'bert-base-uncased' } as const;

/**
 * A tokenizer: bundled, a Hub id, the user's files (name -> text), or one trained on the data's
 * text column (WordPiece unless `model` says 'bpe').
 */
export type TokenizerChoice =
  | TokenizerSource
  | { files: Record<string, string> }
  /** The user's files from an earlier visit, kept in the browser's storage. */
  | { kept: true }
  | { trainVocabSize: number; model?: TrainedTokenizerModel };

/** Loads (or trains) the chosen tokenizer in the worker. */
export function callTokenizer(
  client: StudioClient,
  src: TokenizerChoice,
  columns: ColumnChoice | null,
): Promise<TokenizerInfo> {
  if ('files' in src) return client.call('loadTokenizerFiles', { files: src.files, keep: true });
  if ('kept' in src) return client.call('restoreTokenizerFiles', {});
  if ('trainVocabSize' in src) {
    if (!columns)
      return Promise.reject(
        new Error('Load a data file first: the tokenizer is trained on its texts.'),
      );
    return client.call('trainTokenizer', {
      textColumn: columns.text,
      vocabSize: src.trainVocabSize,
      model: src.model ?? 'wordpiece',
      ...(columns.textPair ? { pairColumn: columns.textPair } : {}),
    });
  }
  return client.call('loadTokenizer', src);
}

/**
 * The choice as settings keep it: bundled and Hub tokenizers load again on the next visit,
 * trained ones are trained again on the reopened file, and dropped files come back from the
 * browser's storage (the worker keeps them).
 */
export function persistedTokenizer(src: TokenizerChoice): StudioSettings['tokenizer'] {
  // A Download again is not remembered: the next visit uses the cache as usual.
  if ('kind' in src) return src.kind === 'hub' ? { kind: 'hub', id: src.id } : src;
  if ('trainVocabSize' in src) {
    return { trainVocabSize: src.trainVocabSize, model: src.model ?? 'wordpiece' };
  }
  return { kept: true };
}
