/**
 * The data half of a studio session: the loaded table (and a separate validation table), the
 * tokenizer, and the splits prepared from them. `StudioSession` (../session.ts) adds the model,
 * its training and its export on top.
 */
import { guessColumns } from '../data/columns';
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
import { detectAndReadTagged, type LoadedTagged, type TaggingOptions } from './tagged';
import { prepareTaggedSplits, sentenceTable, taggedDataReport } from './taggedPrepare';
import { summarizeTagged } from './taggedSummaryView';
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
  private validationTableValue: LoadedTable | null = null;
  tokenizer: Tokenizer | null = null;
  prepared: Prepared | null = null;
  /**
   * A tagged training file (CoNLL/IOB, tagged JSON Lines) read instead of a table: then `table`
   * is null and the run is token classification.
   */
  tagged: LoadedTagged | null = null;
  /** A separate tagged validation file, or null. */
  validationTagged: LoadedTagged | null = null;

  /** A separate validation file; without one, `prepare` splits the table. */
  get validationTable(): LoadedTable | null {
    return this.validationTableValue;
  }

  /** Setting it (null included) replaces the validation file, tagged or not. */
  set validationTable(t: LoadedTable | null) {
    this.validationTableValue = t;
    this.validationTagged = null;
  }

  /** Uses `v` as the validation file (a table or a tagged file), or none for null. */
  useValidation(v: { table: LoadedTable | null; tagged: LoadedTagged | null } | null): void {
    this.validationTable = v?.table ?? null;
    this.validationTagged = v?.tagged ?? null;
  }

  /** The training file's name (a table or a tagged file), or null. */
  get dataFileName(): string | null {
    return this.table?.fileName ?? this.tagged?.fileName ?? null;
  }

  /** The separate validation file's name (a table or a tagged file), or null. */
  get validationFileName(): string | null {
    return this.validationTable?.fileName ?? this.validationTagged?.fileName ?? null;
  }

  /** What the UI shows of the validation file, or null without one. */
  validationSummary(): TableSummary | null {
    if (this.validationTagged) return summarizeTagged(this.validationTagged);
    return this.validationTable ? summarizeTable(this.validationTable) : null;
  }

  /** The columns guessed from the training file (a tagged file's: tokens and tags), or null. */
  columnGuess(): ColumnChoice | null {
    if (this.tagged) return { text: 'tokens', label: 'ner_tags' };
    return this.table ? guessColumns(this.table) : null;
  }
  /**
   * The run's task and tag names as far as files are read with them (the run config's `task`,
   * `label_names`): set before a file is loaded (`setTagging`); a load's own options win.
   */
  private tagging: Pick<TaggingOptions, 'task' | 'labelNames'> = { task: 'auto', labelNames: null };

  /** The task and tag names files are read with from now on (see `tagging`). */
  setTagging(t: Partial<Pick<TaggingOptions, 'task' | 'labelNames'>>): void {
    this.tagging = { ...this.tagging, ...t };
  }

  /** The tagging a load reads with: its own options over the session's. */
  private taggingRead(t: Partial<TaggingOptions> | undefined) {
    return {
      task: t?.task ?? this.tagging.task,
      labelNames: t?.labelNames ?? this.tagging.labelNames,
    };
  }

  /**
   * Parses a file (bytes, or a Blob read in chunks so a large file never sits in memory whole);
   * on failure the previously loaded table stays. A CoNLL or tagged JSON Lines file is read as
   * tagged sentences (token classification) unless `opts.tagging.task` says otherwise (see
   * `readTaggedFile`).
   */
  async loadTable(
    fileName: string,
    bytes: ReadInput,
    opts: ReadOptions & { tagging?: Partial<TaggingOptions> } = {},
    onProgress?: (p: ReadProgress) => void,
  ): Promise<TableSummary> {
    const { tagging, ...read } = opts;
    const found = await detectAndReadTagged(fileName, bytes, this.taggingRead(tagging));
    const tagged = found.tagged;
    if (tagged) {
      this.tagged = tagged;
      this.table = null;
    } else {
      const parsed = await readTableFile(fileName, found.input, read, onProgress);
      this.table = { ...parsed, fileName };
      this.tagged = null;
    }
    this.prepared = null;
    return this.tableSummary();
  }

  /** Uses a separate file for validation instead of a split of the training file. */
  async loadValidationTable(
    fileName: string,
    bytes: ReadInput,
    opts: ReadOptions & { tagging?: Partial<TaggingOptions> } = {},
  ): Promise<void> {
    const { tagging, ...read } = opts;
    const found = await detectAndReadTagged(fileName, bytes, this.taggingRead(tagging));
    const tagged = found.tagged;
    if (tagged) {
      this.validationTable = null;
      this.validationTagged = tagged;
    } else {
      this.validationTable = { ...(await readTableFile(fileName, found.input, read)), fileName };
      this.validationTagged = null;
    }
    this.prepared = null;
  }

  /** What the UI shows of the loaded table: columns, a preview, anomalies, a column guess. */
  tableSummary(): TableSummary {
    if (this.tagged) return summarizeTagged(this.tagged);
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
    if (this.tagged) return taggedDataReport(this.tagged, this.tokenizer, maxLength);
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
    // A tagged file: its sentences (words joined by spaces) in the column `tokens`.
    const t = this.table ?? (this.tagged ? sentenceTable(this.tagged) : null);
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
    if (!t || !tok || this.tagged) return this.prepare(options); // throws the usual message
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
    if (!t && !this.tagged)
      throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
    if (!tok)
      throw new StudioError('not-ready', 'No tokenizer is loaded yet: pick or train one first.');
    checkTask(this.tagged, options.tagging?.task ?? 'auto');
    if (this.tagged) {
      const out = prepareTaggedSplits(this.tagged, this.validationTagged, tok, options);
      this.prepared = out.prepared;
      return out.summary;
    }
    if (!t) throw new StudioError('not-ready', 'No data is loaded yet: open a data file first.');
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

/**
 * The task asked for must fit the file loaded (a file is read before the task may be changed):
 * a tagged file is never trained as text classification, a table never as token classification.
 */
function checkTask(tagged: LoadedTagged | null, task: TaggingOptions['task']): void {
  if (tagged && task === 'text-classification') {
    throw new StudioError(
      'data',
      `${tagged.fileName} is a tagged file (one tag per word), but the task is ` +
        'text-classification: each word would become a text and its tag a class.',
      { remedy: "Set task to 'token-classification' (or 'auto'), or open a table." },
    );
  }
  if (!tagged && task === 'token-classification') {
    throw new StudioError(
      'data',
      'The task is token-classification, but the data file is a table: token classification ' +
        'reads CoNLL/IOB text or JSON Lines rows with "tokens" and "ner_tags".',
      { remedy: "Open a CoNLL or tagged JSON Lines file, or set task to 'text-classification'." },
    );
  }
}
