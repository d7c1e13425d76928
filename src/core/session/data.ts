/**
 * The data half of a studio session: the loaded table (and a separate validation table), the
 * tokenizer, and the splits prepared from them. `StudioSession` (../session.ts) adds the model,
 * its training and its export on top.
 */
import type { DataReport } from '../data/report';
import type { ReadInput, ReadOptions, ReadProgress } from '../data/read';
import type { EncodedDataset } from '../tokenize/encode';
import { encoderFromRows } from '../tokenize/gather';
import { fastTokenizer } from '../tokenize/fastWordPiece';
import { loadTokenizer, type Tokenizer } from '../tokenize/tokenizer';
import { tableDataReport } from './dataReport';
import { extractExamples } from './examples';
import { prepareSplits, type RowEncoder } from './prepare';
import { readTableFile, summarizeTable } from './table';
import { trainTableTokenizer } from './tokenizerTraining';
import type {
  ColumnChoice,
  DatasetSummary,
  LoadedTable,
  Prepared,
  PrepareOptions,
  TableSummary,
  TrainedTokenizerModel,
} from './types';
import { StudioError } from '../util/errors';

/** The table, tokenizer and prepared splits of a session, with the steps that make them. */
export class SessionData {
  table: LoadedTable | null = null;
  /** A separate validation file; without one, `prepare` splits the table. */
  validationTable: LoadedTable | null = null;
  tokenizer: Tokenizer | null = null;
  prepared: Prepared | null = null;

  /**
   * Parses a file (bytes, or a Blob read in chunks so a large file never sits in memory whole);
   * on failure the previously loaded table stays.
   */
  async loadTable(
    fileName: string,
    bytes: ReadInput,
    opts: ReadOptions = {},
    onProgress?: (p: ReadProgress) => void,
  ): Promise<TableSummary> {
    const parsed = await readTableFile(fileName, bytes, opts, onProgress);
    this.table = { ...parsed, fileName };
    this.prepared = null;
    return this.tableSummary();
  }

  /** Uses a separate file for validation instead of a split of the training file. */
  async loadValidationTable(
    fileName: string,
    bytes: ReadInput,
    opts: ReadOptions = {},
  ): Promise<void> {
    this.validationTable = { ...(await readTableFile(fileName, bytes, opts)), fileName };
    this.prepared = null;
  }

  /** What the UI shows of the loaded table: columns, a preview, anomalies, a column guess. */
  tableSummary(): TableSummary {
    const t = this.table;
    if (!t) throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
    return summarizeTable(t);
  }

  /**
   * The data report of the loaded table for the chosen columns (see data/report.ts): rows,
   * detected task, class balance, empty and duplicate rows, examples per class, and token
   * lengths at the current tokenizer over an evenly spaced sample of up to `sampleRows` rows.
   */
  dataReport(columns: ColumnChoice, maxLength: number, sampleRows = 5000): DataReport {
    const t = this.table;
    if (!t) throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
    return tableDataReport(t, this.tokenizer, columns, maxLength, sampleRows);
  }

  /**
   * Trains a tokenizer of `vocabSize` tokens on the loaded table's `textColumn` (and
   * `pairColumn`) and makes it the current tokenizer (for models trained from scratch; it is
   * exported with the model as tokenizer.json): a BERT WordPiece (default; see
   * tokenize/trainWordPiece.ts) or a RoBERTa-style byte-level BPE (tokenize/trainBpe.ts).
   */
  async trainTokenizer(
    textColumn: string,
    vocabSize: number,
    opts: { pairColumn?: string; lowercase?: boolean; model?: TrainedTokenizerModel } = {},
  ): Promise<Tokenizer> {
    const t = this.table;
    if (!t) throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
    return this.setTokenizerFiles(trainTableTokenizer(t, textColumn, vocabSize, opts));
  }

  /** Loads a tokenizer from its tokenizer.json + tokenizer_config.json and makes it current. */
  async setTokenizerFiles(files: {
    tokenizerJson: object;
    tokenizerConfig: object;
  }): Promise<Tokenizer> {
    return this.useTokenizer(await loadTokenizer(files));
  }

  /** Makes `tok` the current tokenizer; the data must be prepared again. */
  useTokenizer(tok: Tokenizer): Tokenizer {
    // The fast WordPiece and byte-level BPE paths give transformers.js's ids 4-10x faster
    // (tests/unit/tokenize*, train-bpe); other tokenizers keep transformers.js's own encoding.
    this.tokenizer = fastTokenizer(tok);
    this.prepared = null;
    return this.tokenizer;
  }

  /**
   * `prepare` with the rows tokenized by `encodeAll` (e.g. a pool of workers, one per core):
   * every usable row of the file is encoded once, then the split takes its rows from that.
   * Results are identical to `prepare`'s.
   */
  async preparePooled(
    options: PrepareOptions,
    encodeAll: (
      texts: string[],
      pairs: string[] | null,
      maxLength: number,
    ) => Promise<EncodedDataset>,
  ): Promise<DatasetSummary> {
    const t = this.table;
    const tok = this.tokenizer;
    if (!t || !tok) return this.prepare(options); // throws the usual message
    const main = extractExamples(t, options.columns);
    const all = await encodeAll(main.texts, main.pairs, options.maxLength);
    return this.prepareWith(
      options,
      encoderFromRows(tok, all, main.texts, main.pairs, options.maxLength),
    );
  }

  /** Validates the columns, encodes labels, splits and tokenizes. */
  prepare(
    options: PrepareOptions,
    onProgress?: (done: number, total: number) => void,
  ): DatasetSummary {
    return this.prepareWith(options, null, onProgress);
  }

  /** `prepare`, with the rows from `encodeRows` when given (see `preparePooled`). */
  private prepareWith(
    options: PrepareOptions,
    encodeRows: RowEncoder | null,
    onProgress?: (done: number, total: number) => void,
  ): DatasetSummary {
    const t = this.table;
    const tok = this.tokenizer;
    if (!t) throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
    if (!tok)
      throw new StudioError('not-ready', 'No tokenizer is loaded yet: pick or train one first.');
    const { prepared, summary } = prepareSplits(
      t,
      this.validationTable,
      tok,
      options,
      encodeRows,
      onProgress,
    );
    this.prepared = prepared;
    return summary;
  }
}
