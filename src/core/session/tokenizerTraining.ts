/**
 * Training a tokenizer on a loaded table's text columns (for models trained from scratch).
 */
import type { TokenizerFiles } from '../tokenize/tokenizer';
import { trainByteLevelBpe } from '../tokenize/trainBpe';
import { trainWordPiece } from '../tokenize/trainWordPiece';
import { columnIndex, type NamedTable } from './examples';
import type { TrainedTokenizerModel } from './types';

/**
 * The files of a tokenizer of `vocabSize` tokens trained on `t`'s `textColumn` (and
 * `pairColumn`): a BERT WordPiece (default; see tokenize/trainWordPiece.ts) or a RoBERTa-style
 * byte-level BPE (tokenize/trainBpe.ts), named after the model, the size and the file.
 */
export function trainTableTokenizer(
  t: NamedTable,
  textColumn: string,
  vocabSize: number,
  opts: { pairColumn?: string; lowercase?: boolean; model?: TrainedTokenizerModel },
): TokenizerFiles {
  const cols = [columnIndex(t, textColumn), columnIndex(t, opts.pairColumn)].filter((i) => i >= 0);
  const texts = t.rows.flatMap((r) => cols.map((i) => r[i] ?? ''));
  const base = t.fileName.replace(/\.[^.]*(\.gz)?$/, '');
  const model = opts.model ?? 'wordpiece';
  return model === 'bpe'
    ? trainByteLevelBpe(texts, { vocabSize, name: `bpe-${vocabSize}-${base}` })
    : trainWordPiece(texts, {
        vocabSize,
        lowercase: opts.lowercase,
        name: `wordpiece-${vocabSize}-${base}`,
      });
}
