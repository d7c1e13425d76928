/**
 * One studio session: the loaded table, the tokenizer, the prepared splits, the model and its
 * trainer. The browser worker and the command line both drive this object, so the path from a
 * dropped file to an exported model is the same code everywhere.
 *
 * The class holds the state and checks that each step has what it needs; the work itself is in
 * `./session/` (one module per step), as free functions of what they use.
 */
import type { DataReport } from './data/report';
import type { ReadInput, ReadOptions, ReadProgress } from './data/read';
import type { MemoryEstimate, MemoryLimits } from './model/memory';
import type { BertForSequenceClassification } from './model/bert';
import type { EncodedDataset } from './tokenize/encode';
import { encoderFromRows } from './tokenize/gather';
import { fastTokenizer } from './tokenize/fastWordPiece';
import { loadTokenizer, type Tokenizer } from './tokenize/tokenizer';
import { parseTrainingArguments, type TrainingArguments } from './train/args';
import type { EvalRows } from './train/evalDetails';
import type { LogitsSource } from './train/evaluate';
import type { LogEntry } from './train/state';
import type { Trainer } from './train/trainer';
import { tableDataReport } from './session/dataReport';
import { validationEvalRows } from './session/evalRows';
import { extractExamples } from './session/examples';
import {
  exportModelZip,
  loadModelFiles,
  modelCardFor,
  modelFilesFromZip,
} from './session/exportImport';
import { modelInputLength } from './session/maxLength';
import { buildModel, estimateRunMemory, type BaseModel } from './session/model';
import { evaluateOnTable, predictTexts } from './session/predict';
import { prepareSplits, type RowEncoder } from './session/prepare';
import { readCheckpoint, type PretrainedCheckpoint } from './session/pretrained';
import { readTableFile, summarizeTable } from './session/table';
import { trainTableTokenizer } from './session/tokenizerTraining';
import { newTrainer, runTrainer, type RunOptions } from './session/training';
import type {
  ColumnChoice,
  DatasetSummary,
  LoadedTable,
  ModelSpec,
  Prediction,
  Prepared,
  PrepareOptions,
  PretrainedInfo,
  TableSummary,
  TrainedTokenizerModel,
  TrainResult,
} from './session/types';

export type { LengthLimit } from './session/maxLength';
export type { BaseModel } from './session/model';
export type {
  ColumnChoice,
  DatasetSummary,
  ModelSpec,
  Prediction,
  PrepareOptions,
  PretrainedInfo,
  PretrainedModelSpec,
  ScratchModelSpec,
  TableSummary,
  TrainedTokenizerModel,
  TrainResult,
  Truncation,
} from './session/types';

/** The studio's state from a dropped file to an exported model; see the module comment. */
export class StudioSession {
  table: LoadedTable | null = null;
  /** A separate validation file; without one, `prepare` splits the table. */
  validationTable: LoadedTable | null = null;
  tokenizer: Tokenizer | null = null;
  prepared: Prepared | null = null;
  model: BertForSequenceClassification | null = null;
  labels: string[] = [];
  args: TrainingArguments | null = null;
  logHistory: LogEntry[] = [];
  /** The loaded pretrained checkpoint's bytes (kept: each run starts from them), or null. */
  pretrained: PretrainedCheckpoint | null = null;
  /** The checkpoint the current model was fine-tuned from (for the model card), or null. */
  baseModel: BaseModel | null = null;
  /**
   * Tokens the current model reads: the max_length it was trained with, or for a loaded model
   * its tokenizer's model_max_length within its max_position_embeddings. Predictions cut texts
   * there, and exports write it as tokenizer_config.json's model_max_length. Null: no model.
   */
  inputLength: number | null = null;
  /** The last run's final metrics (for the model card). */
  lastMetrics: Record<string, number> = {};
  private trainer: Trainer | null = null;
  /** HF loading warnings of the last fine-tuning run's model. */
  pretrainedNotices: string[] = [];

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
    if (!t) throw new Error('No data is loaded yet: drop a CSV or TSV file first.');
    return summarizeTable(t);
  }

  /**
   * The data report of the loaded table for the chosen columns (see data/report.ts): rows,
   * detected task, class balance, empty and duplicate rows, examples per class, and token
   * lengths at the current tokenizer over an evenly spaced sample of up to `sampleRows` rows.
   */
  dataReport(columns: ColumnChoice, maxLength: number, sampleRows = 5000): DataReport {
    const t = this.table;
    if (!t) throw new Error('No data is loaded yet: drop a data file first.');
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
    if (!t) throw new Error('No data is loaded yet: drop a data file first.');
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
   * Loads a pretrained checkpoint from its files (`config.json`, `model.safetensors`, and when
   * present `tokenizer.json` + `tokenizer_config.json`, or `vocab.txt`): validates the config
   * (BERT family only) and the weights (header, dtypes, names and shapes against the config) with
   * a specific message, keeps the bytes for `train({kind: 'pretrained'})`, and replaces the
   * tokenizer with the checkpoint's own when it has one (the data must then be prepared again).
   * File names may carry a folder prefix ("bert-mini/config.json"). `hubId`: the Hub id
   * (`owner/name`) it was downloaded as, for the model card's base_model; null otherwise.
   * `info.lengthLimit` is the longest max_length it takes (see session/maxLength.ts).
   */
  async loadPretrained(
    files: Record<string, Uint8Array>,
    name = 'dropped files',
    hubId: string | null = null,
  ): Promise<PretrainedInfo> {
    const { checkpoint, tokenizer } = await readCheckpoint(files, name, this.tokenizer, hubId);
    if (tokenizer) {
      this.tokenizer = fastTokenizer(tokenizer);
      this.prepared = null;
    }
    this.pretrained = checkpoint;
    return checkpoint.info;
  }

  /** Forgets the pretrained checkpoint (the next from-scratch run does not need it). */
  clearPretrained(): void {
    this.pretrained = null;
  }

  /**
   * Memory a run of `spec` at `batchSize` would need, against `limits` (see
   * `estimateTrainingMemory` in model/memory.ts). Uses the data's label count when prepared,
   * else 2.
   */
  estimateMemory(spec: ModelSpec, batchSize: number, limits: MemoryLimits = {}): MemoryEstimate {
    return estimateRunMemory(
      spec,
      batchSize,
      limits,
      this.prepared?.maps.labels.length ?? 2,
      this.pretrained?.config ?? null,
      this.tokenizer?.vocabSize,
    );
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
    if (!t) throw new Error('No data is loaded yet: drop a CSV or TSV file first.');
    if (!tok) throw new Error('No tokenizer is loaded yet.');
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

  /** Builds a fresh model for the prepared data and trains it. */
  async train(spec: ModelSpec, rawArgs: unknown, opts: RunOptions = {}): Promise<TrainResult> {
    const p = this.prepared;
    const tok = this.tokenizer;
    if (!p || !tok) throw new Error('Prepare the data before training.');
    if (spec.max_length !== p.options.maxLength) {
      throw new Error(
        `max_length changed (${p.options.maxLength} -> ${spec.max_length}): prepare the data again.`,
      );
    }
    const { args } = parseTrainingArguments(rawArgs);
    this.model?.dispose();
    this.model = null;
    const built = buildModel(spec, p, tok, this.pretrained, args.seed);
    this.model = built.model;
    this.inputLength = spec.max_length;
    this.baseModel = built.baseModel;
    this.pretrainedNotices = built.notices;
    this.labels = p.maps.labels;
    this.args = args;
    const trainer = newTrainer(built.model, args, p, tok, spec.max_length, opts);
    this.trainer = trainer;
    try {
      const result = await runTrainer(trainer, this.pretrainedNotices);
      this.logHistory = result.logHistory;
      this.lastMetrics = result.metrics;
      return result;
    } finally {
      // Also after a failed or interrupted run: the log shows how far it got.
      this.logHistory = trainer.state.log_history;
      trainer.dispose();
      this.trainer = null;
    }
  }

  /** Stops a run in progress after its current step. */
  stop(): boolean {
    if (!this.trainer) return false;
    this.trainer.stop();
    return true;
  }

  /** Whether a run is in progress. */
  get training(): boolean {
    return this.trainer !== null;
  }

  /** Pauses a run in progress between steps; false when nothing is training. */
  pause(): boolean {
    if (!this.trainer) return false;
    this.trainer.pause();
    return true;
  }

  /** Continues a paused run; false when nothing is training. */
  resume(): boolean {
    if (!this.trainer) return false;
    this.trainer.resume();
    return true;
  }

  /**
   * Class probabilities for each text, cut at the tokens the model reads ({@link inputLength});
   * each prediction says whether its text was cut.
   */
  async predict(texts: string[]): Promise<Prediction[]> {
    const model = this.model;
    const tok = this.tokenizer;
    if (!model || !tok)
      throw new Error('There is no model yet: train one or load an exported one.');
    return predictTexts(model, tok, this.labels, texts, this.modelInputLength(model));
  }

  /**
   * The current model's logits on the prepared validation split, with the texts, true labels and
   * what truncation kept of each row (for the evaluation views; see `buildEvalDetails`).
   */
  async evalRows(batchSize = 32): Promise<EvalRows> {
    const model = this.model;
    const tok = this.tokenizer;
    const p = this.prepared;
    if (!model || !tok) throw new Error('There is no model yet: train one first.');
    if (!p) throw new Error('There is no prepared validation split.');
    if (this.training) throw new Error('A run is in progress: wait for it to end.');
    return validationEvalRows(model, tok, p, batchSize);
  }

  /** The trained model as a zip: HF folder files, TF.js weights and the tokenizer. */
  async exportZip(): Promise<Uint8Array> {
    const model = this.model;
    const tok = this.tokenizer;
    if (!model || !tok) throw new Error('There is no model to export yet: train one first.');
    return exportModelZip(
      model,
      tok,
      {
        args: this.args,
        logHistory: this.logHistory,
        maxLength: this.modelInputLength(model),
        columns: this.args ? this.prepared?.options.columns : undefined,
      },
      this.modelCard(),
    );
  }

  /** {@link inputLength} of `model`, which is the current one. */
  private modelInputLength(model: BertForSequenceClassification): number {
    return this.inputLength ?? model.config.max_position_embeddings;
  }

  /**
   * tokenizer_config.json's model_max_length for an export of the current model: the tokens it
   * reads (see {@link inputLength}).
   */
  exportMaxLength(): number {
    const model = this.model;
    if (!model) throw new Error('There is no model to export yet: train one first.');
    return this.modelInputLength(model);
  }

  /** README.md for the current model: metrics, labels, training arguments, how to load it. */
  modelCard(datasetName?: string | null): string {
    const model = this.model;
    if (!model) throw new Error('There is no model yet.');
    return modelCardFor(model, {
      baseModel: this.baseModel,
      metrics: this.lastMetrics,
      args: this.args,
      logHistory: this.logHistory,
      maxLength: this.modelInputLength(model),
      datasetName: datasetName ?? this.table?.fileName ?? null,
    });
  }

  /** Loads a zip made by `exportZip` (or any HF folder zipped with its tokenizer). */
  async importZip(bytes: Uint8Array): Promise<{ labels: string[]; tokenizer: string }> {
    return this.loadModel(modelFilesFromZip(bytes));
  }

  /** Loads an HF model folder's files (config, weights, tokenizer) as the current model. */
  async loadModel(files: {
    config: object;
    weights: Uint8Array;
    tokenizerJson: object;
    tokenizerConfig: object;
  }): Promise<{ labels: string[]; tokenizer: string }> {
    const { model, tokenizer, labels } = await loadModelFiles(files);
    this.model?.dispose();
    this.model = model;
    this.inputLength = modelInputLength(
      model.config.max_position_embeddings,
      tokenizer.modelMaxLength,
    );
    this.tokenizer = fastTokenizer(tokenizer);
    this.labels = labels;
    return { labels: this.labels, tokenizer: tokenizer.name };
  }

  /**
   * Evaluates the current model on the loaded table (labels must be among the model's).
   * Returns `eval_`-prefixed metrics as the Trainer logs them. `logits`: where each batch's
   * logits come from (default: this thread).
   */
  async evaluateTable(
    columns: ColumnChoice,
    maxLength: number,
    batchSize = 32,
    logits?: LogitsSource,
  ): Promise<Record<string, number>> {
    const model = this.model;
    const tok = this.tokenizer;
    const t = this.table;
    if (!model || !tok)
      throw new Error('There is no model yet: train one or load an exported one.');
    if (!t) throw new Error('No data is loaded yet.');
    return evaluateOnTable(
      model,
      tok,
      this.labels.length,
      t,
      columns,
      maxLength,
      batchSize,
      logits,
    );
  }
}
