/**
 * One studio session: the loaded table, the tokenizer, the prepared splits, the model and its
 * trainer. The browser worker and the command line both drive this object, so the path from a
 * dropped file to an exported model is the same code everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { guessColumns } from './data/columns';
import { DataError } from './data/errors';
import { encodeLabels, validateExamples, type LabelMaps } from './data/labels';
import { labelCoder } from './data/labelCoder';
import { findOverlap, stratifiedSplit } from './data/split';
import { detectTask } from './data/task';
import {
  readTableFile as readDataFile,
  type ReadInput,
  type ReadOptions,
  type ReadProgress,
} from './data/read';
import { computeDataReport, sampleIndices, type DataReport } from './data/report';
import type { ParsedTable } from './data/table';
import { exportHfModel, loadHfModel } from './io/hfModel';
import { exportTfjsWeights } from './io/tfjsWeights';
import { modelCard } from './io/modelCard';
import { parseSafetensorsHeader } from './io/safetensors';
import { parseBertConfig, type BertConfig, type ProblemType } from './model/config';
import {
  countParameters,
  estimateTrainingMemory,
  type MemoryEstimate,
  type MemoryLimits,
} from './model/memory';
import { tokenizerFilesFromFolder } from './tokenize/tokenizerFolder';
import type { CheckpointStore } from './io/checkpointStore';
import { BertForSequenceClassification } from './model/bert';
import { smallBertConfig } from './model/config';
import { encodeDataset, type EncodedDataset } from './tokenize/encode';
import { encoderFromRows } from './tokenize/gather';
import { trainByteLevelBpe } from './tokenize/trainBpe';
import { trainWordPiece } from './tokenize/trainWordPiece';
import { fastTokenizer } from './tokenize/fastWordPiece';
import { loadTokenizer, type Tokenizer } from './tokenize/tokenizer';
import {
  parseTrainingArguments,
  trainingArgumentsToJson,
  type TrainingArguments,
} from './train/args';
import type { TrainerCallback } from './train/callbacks';
import { batchTensors, disposeBatch, inputsOf, type LabeledDataset } from './train/dataset';
import { evaluateModel, predictLogits } from './train/evaluate';
import type { EvalRows } from './train/evalDetails';
import { computeLoss } from './train/losses';
import { sigmoid, softmax } from './train/metrics';
import type { LogEntry, TrainerState } from './train/state';
import { Trainer } from './train/trainer';

/** What the UI shows of a parsed file: columns, a preview and what was unusual. */
export interface TableSummary {
  fileName: string;
  encoding: string;
  delimiter: string;
  hasHeader: boolean;
  columns: string[];
  rowCount: number;
  /** First rows, for the preview table. */
  preview: string[][];
  /** Up to 50 anomalies (row numbers are 1-based file rows); `anomalyCount` has the total. */
  anomalies: { row: number; kind: string; message: string }[];
  anomalyCount: number;
  guess: ColumnChoice;
  /** The file's format (csv covers TSV and other delimiters) and whether it was gzip'd. */
  format?: 'csv' | 'jsonl' | 'json' | 'parquet';
  gzip?: boolean;
  /** Why rows beyond a budget (bytes, rows) were left out, or null when all were read. */
  capped?: string | null;
  /** Bytes of the file read (all of it unless capped). */
  bytesRead?: number;
}

/** Tokenizer models the studio trains on a dataset's texts. */
export type TrainedTokenizerModel = 'wordpiece' | 'bpe';

export interface ColumnChoice {
  text: string;
  label: string;
  textPair?: string;
}

export interface PrepareOptions {
  columns: ColumnChoice;
  /** Fraction of rows held out for validation (seeded, stratified). */
  validationFraction: number;
  /** Tokens per row after truncation, special tokens included. */
  maxLength: number;
  seed: number;
  /** The task, when the user overrides the one detected from the label column. */
  task?: ProblemType;
}

export interface DatasetSummary {
  trainRows: number;
  validationRows: number;
  labels: string[];
  /** Rows per label over the whole file, in `labels` order ([] for regression). */
  classCounts: number[];
  /** The task the label column describes, and why it was chosen. */
  task: { problemType: ProblemType; reason: string };
  /** 1-based file rows skipped for empty text or label. */
  skippedRows: number[];
  /** Why rows were skipped, or null. */
  skippedMessage: string | null;
  /** Rows cut at `maxLength`. */
  truncatedRows: number;
  /** Validation texts that also appear in the training split. */
  overlap: number;
  meanTokens: number;
}

/**
 * The model to train: a small BERT encoder from scratch with these sizes, or the checkpoint
 * loaded by {@link StudioSession.loadPretrained} fine-tuned with a head for the data's labels.
 */
export type ModelSpec = ScratchModelSpec | PretrainedModelSpec;

/** Fine-tune the loaded pretrained checkpoint; `max_length` must match the prepared data. */
export interface PretrainedModelSpec {
  kind: 'pretrained';
  max_length: number;
}

/** The from-scratch model's sizes (a small BERT encoder classifier). */
export interface ScratchModelSpec {
  kind: 'scratch';
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_length: number;
}

/** What the UI shows of a loaded pretrained checkpoint. */
export interface PretrainedInfo {
  /** Hub id, folder name or "dropped files". */
  name: string;
  parameters: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  vocab_size: number;
  max_position_embeddings: number;
  /** The checkpoint's own labels (replaced by the data's at training). */
  checkpointLabels: string[];
  /** dtypes of the stored tensors, e.g. ["F16"]. */
  dtypes: string[];
  /** The checkpoint's tokenizer name when it shipped one (it replaced the current tokenizer). */
  tokenizer: string | null;
  tokenizerVocabSize: number | null;
  /** Loading warnings in HF's words (unused / newly initialised / mismatched weights). */
  notices: string[];
}

export interface TrainResult {
  globalStep: number;
  stopped: boolean;
  logHistory: LogEntry[];
  /** Final metrics on the validation split, `eval_`-prefixed. */
  metrics: Record<string, number>;
  /** The run's `trainer_state.json`. */
  state: TrainerState;
  /** Fine-tuning: HF's loading warnings (newly initialised head, unused weights). */
  notices?: string[];
}

export interface Prediction {
  label: string;
  /** Probability of each label, in `labels` order. */
  probs: number[];
  labels: string[];
}

interface Prepared {
  options: PrepareOptions;
  maps: LabelMaps;
  /** The task the labels describe (detected or chosen). */
  problemType: ProblemType;
  train: LabeledDataset;
  validation: LabeledDataset;
  validationTexts: string[];
}

const PREVIEW_ROWS = 20;

/**
 * Predictions from row-major logits: softmax over classes (single-label), a sigmoid per label
 * with the labels above 0.5 (multi-label), or the value itself (regression).
 */
function predictionsFrom(
  logits: Float32Array,
  labels: string[],
  problemType: ProblemType | null,
): Prediction[] {
  const n = labels.length;
  const rows = logits.length / n;
  const out: Prediction[] = [];
  if (problemType === 'regression') {
    for (let i = 0; i < rows; i++) {
      out.push({ label: logits[i].toPrecision(4), probs: [logits[i]], labels });
    }
    return out;
  }
  const probs = problemType === 'multi_label_classification' ? sigmoid(logits) : softmax(logits, n);
  for (let i = 0; i < rows; i++) {
    const p = Array.from(probs.subarray(i * n, (i + 1) * n));
    const best = p.indexOf(Math.max(...p));
    const label =
      problemType === 'multi_label_classification'
        ? labels.filter((_, j) => p[j] > 0.5).join(';') || '(none)'
        : labels[best];
    out.push({ label, probs: p, labels });
  }
  return out;
}

/** A config's label names in id order. */
function labelsOf(config: BertConfig): string[] {
  return Object.keys(config.id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => config.id2label[k]);
}

/**
 * Reads a user's data file into a table (CSV/TSV, JSON Lines, JSON, Parquet, gzip: see
 * data/read.ts). Readers' extra anomaly kinds (bad-json, not-record) are kept as they are.
 */
async function readTableFile(
  fileName: string,
  bytes: ReadInput,
  opts: ReadOptions = {},
  onProgress?: (p: ReadProgress) => void,
): Promise<
  ParsedTable & { encoding: string; capped: string | null; format: string; bytesRead: number }
> {
  const t = await readDataFile(fileName, bytes, opts, onProgress);
  return { ...t, anomalies: t.anomalies as ParsedTable['anomalies'] };
}

type Table = ParsedTable & { fileName: string };

/** Texts, optional second texts and label strings of a table's usable rows. */
interface Examples {
  texts: string[];
  pairs: string[] | null;
  labels: string[];
  /** File rows left out (empty text or label), ascending. */
  skippedRows: number[];
  report: ReturnType<typeof validateExamples>;
}

function columnIndex(t: Table, name: string | undefined): number {
  if (name === undefined) return -1;
  const i = t.columns.indexOf(name);
  if (i < 0) {
    throw new DataError(
      'bad-column',
      `There is no column named "${name}" in ${t.fileName}. Its columns are: ${t.columns.join(', ')}.`,
      { column: name },
    );
  }
  return i;
}

/** Picks the chosen columns of a table and leaves out rows with no text or no label. */
function extractExamples(t: Table, columns: ColumnChoice): Examples {
  const ti = columnIndex(t, columns.text);
  const li = columnIndex(t, columns.label);
  const pi = columnIndex(t, columns.textPair);
  if (ti === li) {
    throw new DataError('bad-column', 'The text column and the label column must differ.', {
      column: columns.text,
    });
  }
  const texts = t.rows.map((r) => r[ti] ?? '');
  const labels = t.rows.map((r) => (r[li] ?? '').trim());
  const report = validateExamples(texts, labels, {
    textColumn: columns.text,
    labelColumn: columns.label,
    firstDataRow: t.hasHeader ? 2 : 1,
    rowNumbers: t.rowNumbers,
  });
  const skipped = new Set([...report.emptyTextRows, ...report.emptyLabelRows]);
  const keep: number[] = [];
  t.rows.forEach((_, i) => {
    if (!skipped.has(t.rowNumbers[i])) keep.push(i);
  });
  return {
    texts: keep.map((i) => texts[i]),
    pairs: pi >= 0 ? keep.map((i) => t.rows[i][pi] ?? '') : null,
    labels: keep.map((i) => labels[i]),
    skippedRows: [...skipped].sort((a, b) => a - b),
    report,
  };
}

function subset(e: Examples, idx: number[]): Examples {
  return {
    ...e,
    texts: idx.map((i) => e.texts[i]),
    pairs: e.pairs ? idx.map((i) => (e.pairs as string[])[i]) : null,
    labels: idx.map((i) => e.labels[i]),
  };
}

export class StudioSession {
  table: (ParsedTable & { fileName: string; encoding: string }) | null = null;
  /** A separate validation file; without one, `prepare` splits the table. */
  validationTable: (ParsedTable & { fileName: string; encoding: string }) | null = null;
  tokenizer: Tokenizer | null = null;
  prepared: Prepared | null = null;
  model: BertForSequenceClassification | null = null;
  labels: string[] = [];
  args: TrainingArguments | null = null;
  logHistory: LogEntry[] = [];
  /** The loaded pretrained checkpoint's bytes (kept: each run starts from them), or null. */
  pretrained: {
    name: string;
    config: BertConfig;
    weights: Uint8Array;
    info: PretrainedInfo;
  } | null = null;
  /** The checkpoint the current model was fine-tuned from (for the model card), or null. */
  baseModel: string | null = null;
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

  tableSummary(): TableSummary {
    const t = this.table;
    if (!t) throw new Error('No data is loaded yet: drop a CSV or TSV file first.');
    return {
      fileName: t.fileName,
      encoding: t.encoding,
      delimiter: t.delimiter,
      hasHeader: t.hasHeader,
      columns: t.columns,
      rowCount: t.rows.length,
      preview: t.rows.slice(0, PREVIEW_ROWS),
      anomalies: t.anomalies.slice(0, 50),
      anomalyCount: t.anomalies.length,
      guess: guessColumns(t),
      format: (t as { format?: TableSummary['format'] }).format,
      gzip: (t as { gzip?: boolean }).gzip,
      capped: (t as { capped?: string | null }).capped ?? null,
      bytesRead: (t as { bytesRead?: number }).bytesRead,
    };
  }

  /**
   * The data report of the loaded table for the chosen columns (see data/report.ts): rows,
   * detected task, class balance, empty and duplicate rows, examples per class, and token
   * lengths at the current tokenizer over an evenly spaced sample of up to `sampleRows` rows.
   */
  dataReport(columns: ColumnChoice, maxLength: number, sampleRows = 5000): DataReport {
    const t = this.table;
    if (!t) throw new Error('No data is loaded yet: drop a data file first.');
    const ti = columnIndex(t, columns.text);
    const li = columnIndex(t, columns.label);
    const pi = columnIndex(t, columns.textPair);
    const texts = t.rows.map((r) => r[ti] ?? '');
    const labels = t.rows.map((r) => r[li] ?? '');
    const pairs = pi >= 0 ? t.rows.map((r) => r[pi] ?? '') : null;
    const tok = this.tokenizer;
    let tokenLengths;
    if (tok) {
      const idx = sampleIndices(texts.length, sampleRows).filter((i) => texts[i].trim() !== '');
      const enc = encodeDataset(
        fastTokenizer(tok),
        idx.map((i) => texts[i]),
        pairs ? idx.map((i) => pairs[i]) : null,
        maxLength,
      );
      const lengths = new Uint32Array(idx.length);
      for (let k = 0; k < idx.length; k++) lengths[k] = enc.offsets[k + 1] - enc.offsets[k];
      tokenLengths = { tokenizer: tok.name, maxLength, lengths, truncated: enc.truncated };
    }
    const capped = (t as { capped?: string | null }).capped ?? null;
    return computeDataReport(
      {
        texts,
        pairs,
        labels,
        rowNumbers: t.rowNumbers,
        columns: t.columns,
        anomalies: t.anomalies,
        capped,
      },
      { tokenLengths },
    );
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
    const cols = [columnIndex(t, textColumn), columnIndex(t, opts.pairColumn)].filter(
      (i) => i >= 0,
    );
    const texts = t.rows.flatMap((r) => cols.map((i) => r[i] ?? ''));
    const base = t.fileName.replace(/\.[^.]*(\.gz)?$/, '');
    const model = opts.model ?? 'wordpiece';
    const files =
      model === 'bpe'
        ? trainByteLevelBpe(texts, { vocabSize, name: `bpe-${vocabSize}-${base}` })
        : trainWordPiece(texts, {
            vocabSize,
            lowercase: opts.lowercase,
            name: `wordpiece-${vocabSize}-${base}`,
          });
    return this.setTokenizerFiles(files);
  }

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
   * File names may carry a folder prefix ("bert-mini/config.json").
   */
  async loadPretrained(
    files: Record<string, Uint8Array>,
    name = 'dropped files',
  ): Promise<PretrainedInfo> {
    const byBase = new Map<string, Uint8Array>();
    for (const [k, v] of Object.entries(files)) byBase.set(k.split('/').pop() as string, v);
    const configBytes = byBase.get('config.json');
    const weights = byBase.get('model.safetensors');
    if (!configBytes || !weights) {
      const have = [...byBase.keys()].join(', ') || 'none';
      const lacking = [!configBytes && 'config.json', !weights && 'model.safetensors'].filter(
        Boolean,
      );
      throw new Error(
        `A pretrained model needs config.json and model.safetensors; ${lacking.join(' and ')} ` +
          `${lacking.length > 1 ? 'are' : 'is'} missing (files given: ${have}). pytorch_model.bin ` +
          `checkpoints are not read: convert them with save_pretrained(safe_serialization=True).`,
      );
    }
    const text = (f: string, b: Uint8Array) => {
      try {
        return JSON.parse(new TextDecoder().decode(b)) as object;
      } catch {
        throw new Error(`${f} is not valid JSON.`);
      }
    };
    const config = parseBertConfig(text('config.json', configBytes));
    // The header alone first: a bad file fails fast, before any tensor is built.
    const header = parseSafetensorsHeader(weights);
    const loaded = loadHfModel({ config, weights });
    const encoderMissing = loaded.missing.filter((n) => /(^|\.)(embeddings|encoder)\./.test(n));
    const info: PretrainedInfo = {
      name,
      parameters: countParameters(config),
      hidden_size: config.hidden_size,
      num_hidden_layers: config.num_hidden_layers,
      num_attention_heads: config.num_attention_heads,
      intermediate_size: config.intermediate_size,
      vocab_size: config.vocab_size,
      max_position_embeddings: config.max_position_embeddings,
      checkpointLabels: labelsOf(config),
      dtypes: [...new Set(header.entries.map((e) => e.dtype))].sort(),
      tokenizer: null,
      tokenizerVocabSize: null,
      notices: loaded.notices,
    };
    loaded.model.dispose();
    if (encoderMissing.length > 0) {
      throw new Error(
        `model.safetensors does not hold the encoder config.json describes: ` +
          `${encoderMissing.length} tensors are missing (e.g. ${encoderMissing.slice(0, 3).join(', ')}). ` +
          `Are config.json and model.safetensors from the same checkpoint?`,
      );
    }
    const tokFiles = tokenizerFilesFromFolder(byBase, {
      name,
      modelMaxLength: config.max_position_embeddings,
    });
    const tokenizer: Tokenizer | null = tokFiles ? await loadTokenizer(tokFiles) : null;
    const tokVocab = tokenizer?.vocabSize ?? this.tokenizer?.vocabSize ?? 0;
    if (tokVocab > config.vocab_size) {
      throw new Error(
        `The tokenizer has ${tokVocab} tokens but the model's vocabulary has ${config.vocab_size}: ` +
          `${tokenizer ? "the checkpoint's tokenizer files do not belong to it" : "add the checkpoint's tokenizer files (tokenizer.json or vocab.txt)"}.`,
      );
    }
    if (tokenizer) {
      this.tokenizer = fastTokenizer(tokenizer);
      this.prepared = null;
      info.tokenizer = tokenizer.name;
      info.tokenizerVocabSize = tokenizer.vocabSize;
    } else {
      info.notices.push(
        `The checkpoint has no tokenizer files; the current tokenizer${this.tokenizer ? ` (${this.tokenizer.name})` : ''} ` +
          `is used. Its ids must be the ones the model was trained with.`,
      );
    }
    this.pretrained = { name, config, weights, info };
    return info;
  }

  /** Forgets the pretrained checkpoint (the next from-scratch run does not need it). */
  clearPretrained(): void {
    this.pretrained = null;
  }

  /**
   * Memory a run of `spec` at `batchSize` would need, against `limits` (see
   * {@link estimateTrainingMemory}). Uses the data's label count when prepared, else 2.
   */
  estimateMemory(spec: ModelSpec, batchSize: number, limits: MemoryLimits = {}): MemoryEstimate {
    const numLabels = this.prepared?.maps.labels.length ?? 2;
    let shape;
    if (spec.kind === 'pretrained') {
      if (!this.pretrained) throw new Error('No pretrained model is loaded.');
      shape = { ...this.pretrained.config, num_labels: numLabels };
    } else {
      shape = {
        vocab_size: this.tokenizer?.vocabSize ?? 30522,
        hidden_size: spec.hidden_size,
        num_hidden_layers: spec.num_hidden_layers,
        num_attention_heads: spec.num_attention_heads,
        intermediate_size: spec.intermediate_size,
        max_position_embeddings: spec.max_length,
        type_vocab_size: 2,
        num_labels: numLabels,
      };
    }
    return estimateTrainingMemory(shape, { batchSize, seqLength: spec.max_length }, limits);
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
    this.encodeRows = encoderFromRows(tok, all, main.texts, main.pairs, options.maxLength);
    try {
      return this.prepare(options);
    } finally {
      this.encodeRows = null;
    }
  }

  /** Set by `preparePooled` while it runs: where `prepare` takes its encoded rows from. */
  private encodeRows:
    ((texts: string[], pairs: string[] | null, maxLength: number) => EncodedDataset) | null = null;

  /** Validates the columns, encodes labels, splits and tokenizes. */
  prepare(
    options: PrepareOptions,
    onProgress?: (done: number, total: number) => void,
  ): DatasetSummary {
    const t = this.table;
    const tok = this.tokenizer;
    if (!t) throw new Error('No data is loaded yet: drop a CSV or TSV file first.');
    if (!tok) throw new Error('No tokenizer is loaded yet.');
    const main = extractExamples(t, options.columns);
    // validateExamples (in extractExamples) already rejected a single class.
    const task = detectTask(main.labels, options.task ? { problemType: options.task } : {});
    const coder = labelCoder(task);
    const maps = coder.maps;
    const mainLabels = coder.encode(main.labels);
    let trainPart: Examples;
    let valPart: Examples;
    let trainLabels: Int32Array | Float32Array;
    let valLabels: Int32Array | Float32Array;
    if (this.validationTable) {
      trainPart = main;
      trainLabels = mainLabels;
      valPart = extractExamples(this.validationTable, options.columns);
      valLabels = coder.encode(valPart.labels);
    } else {
      const split = stratifiedSplit(
        coder.strata(mainLabels),
        options.validationFraction,
        options.seed,
      );
      trainPart = subset(main, split.train);
      valPart = subset(main, split.validation);
      trainLabels = coder.pick(mainLabels, split.train);
      valLabels = coder.pick(mainLabels, split.validation);
    }
    const encodeRows = this.encodeRows;
    const build = (part: Examples, labels: Int32Array | Float32Array): LabeledDataset => ({
      encoded: encodeRows
        ? encodeRows(part.texts, part.pairs, options.maxLength)
        : encodeDataset(tok, part.texts, part.pairs, options.maxLength, onProgress),
      labels,
      labelWidth: coder.width,
      size: part.texts.length,
    });
    const skipped = main.skippedRows;
    const report = main.report;
    const train = build(trainPart, trainLabels);
    const validation = build(valPart, valLabels);
    const validationTexts = valPart.texts;
    this.prepared = {
      options,
      maps,
      problemType: task.problemType,
      train,
      validation,
      validationTexts,
    };
    const classCounts = coder.counts(mainLabels);
    const totalTokens =
      train.encoded.offsets[train.size] + validation.encoded.offsets[validation.size];
    return {
      trainRows: train.size,
      validationRows: validation.size,
      labels: maps.labels,
      classCounts,
      task: { problemType: task.problemType, reason: task.reason },
      skippedRows: skipped,
      skippedMessage: report.message,
      truncatedRows: train.encoded.truncated + validation.encoded.truncated,
      overlap: findOverlap(trainPart.texts, validationTexts),
      meanTokens: totalTokens / Math.max(1, train.size + validation.size),
    };
  }

  /** Builds a fresh model for the prepared data and trains it. */
  async train(
    spec: ModelSpec,
    rawArgs: unknown,
    opts: {
      callbacks?: TrainerCallback[];
      checkpoints?: CheckpointStore;
      yieldEachStep?: boolean;
    } = {},
  ): Promise<TrainResult> {
    const p = this.prepared;
    const tok = this.tokenizer;
    if (!p || !tok) throw new Error('Prepare the data before training.');
    if (spec.max_length !== p.options.maxLength) {
      throw new Error(
        `max_length changed (${p.options.maxLength} -> ${spec.max_length}): prepare the data again.`,
      );
    }
    const { args } = parseTrainingArguments(rawArgs);
    const problemType: ProblemType = p.problemType;
    this.model?.dispose();
    this.model = null;
    if (spec.kind === 'pretrained') {
      const pre = this.pretrained;
      if (!pre) throw new Error('Load a pretrained model before fine-tuning it.');
      if (spec.max_length > pre.config.max_position_embeddings) {
        throw new Error(
          `max_length ${spec.max_length} exceeds the model's max_position_embeddings ` +
            `(${pre.config.max_position_embeddings}): lower max_length.`,
        );
      }
      // from_pretrained(name, num_labels=..., id2label=..., label2id=...): the checkpoint's
      // problem_type stays, as in HF; the data's labels are class ids (HF: int labels).
      const loaded = loadHfModel(
        { config: pre.config, weights: pre.weights },
        { id2label: p.maps.id2label, label2id: p.maps.label2id, seed: args.seed },
      );
      // HF keeps a problem_type the checkpoint sets; it must then agree with the data.
      const declared = pre.config.problem_type;
      if (declared && declared !== problemType) {
        loaded.model.dispose();
        throw new Error(
          `The checkpoint's config.json sets problem_type "${declared}", but the label column ` +
            `describes ${problemType}. Pick that task for the labels, or remove problem_type ` +
            `from config.json.`,
        );
      }
      loaded.model.config.problem_type = problemType;
      this.model = loaded.model;
      this.baseModel = pre.name;
      this.pretrainedNotices = loaded.notices;
    } else {
      const config = smallBertConfig({
        vocabSize: tok.vocabSize,
        numLabels: p.maps.labels.length,
        maxLength: spec.max_length,
        hiddenSize: spec.hidden_size,
        numLayers: spec.num_hidden_layers,
        numHeads: spec.num_attention_heads,
        intermediateSize: spec.intermediate_size,
        id2label: p.maps.id2label,
        padTokenId: tok.padId,
        problemType,
      });
      this.model = BertForSequenceClassification.create(config, args.seed);
      this.baseModel = null;
      this.pretrainedNotices = [];
    }
    this.labels = p.maps.labels;
    this.args = args;
    const trainer = new Trainer({
      model: this.model,
      args,
      train: p.train,
      eval: p.validation,
      problemType,
      numLabels: p.maps.labels.length,
      padId: tok.padId,
      maxLength: spec.max_length,
      callbacks: opts.callbacks,
      checkpoints: opts.checkpoints,
      yieldEachStep: opts.yieldEachStep,
    });
    this.trainer = trainer;
    try {
      const out = await trainer.train();
      let metrics = out.metrics;
      if (Object.keys(metrics).length === 0 || out.stopped) metrics = await trainer.evaluate();
      this.logHistory = out.state.log_history;
      this.lastMetrics = metrics;
      return {
        globalStep: out.global_step,
        stopped: out.stopped,
        logHistory: out.state.log_history,
        metrics,
        state: out.state,
        notices: this.pretrainedNotices,
      };
    } finally {
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

  /** Class probabilities for each text. */
  async predict(texts: string[]): Promise<Prediction[]> {
    const model = this.model;
    const tok = this.tokenizer;
    if (!model || !tok)
      throw new Error('There is no model yet: train one or load an exported one.');
    const maxLength = Math.min(
      model.config.max_position_embeddings,
      this.prepared?.options.maxLength ?? 128,
    );
    const ds: LabeledDataset = {
      encoded: encodeDataset(tok, texts, null, maxLength),
      labels: new Int32Array(texts.length),
      labelWidth: 1,
      size: texts.length,
    };
    const idx = Uint32Array.from(texts.map((_, i) => i));
    const batch = batchTensors(ds, idx, 'single_label_classification', {
      padding: 'longest',
      maxLength,
      padId: tok.padId,
    });
    const logits = tf.tidy(() => model.forward(inputsOf(batch), { training: false }).logits);
    disposeBatch(batch);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return predictionsFrom(values, this.labels, model.config.problem_type);
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
    const problemType = (model.config.problem_type ??
      'single_label_classification') as EvalRows['problemType'];
    const ds = p.validation;
    const { logits } = await predictLogits(
      model,
      ds,
      batchSize,
      {
        padding: 'longest',
        maxLength: p.options.maxLength,
        padId: tok.padId,
      },
      problemType,
    );
    const { ids, offsets } = ds.encoded;
    const keptTokens = new Int32Array(ds.size);
    const keptText: (string | null)[] = [];
    for (let i = 0; i < ds.size; i++) {
      keptTokens[i] = offsets[i + 1] - offsets[i];
      // Only a full-length row can have been cut; re-encoding tells whether it was.
      const full = keptTokens[i] >= p.options.maxLength;
      const cut =
        full && tok.encode(p.validationTexts[i], undefined, p.options.maxLength).truncated;
      keptText.push(
        cut
          ? tok.decodeIds(
              Array.from(ids.subarray(offsets[i], offsets[i + 1])).filter(
                (id) => id !== tok.clsId && id !== tok.sepId && id !== tok.padId,
              ),
            )
          : null,
      );
    }
    return {
      problemType,
      labelNames: p.maps.labels,
      logits,
      labels: Float32Array.from(ds.labels),
      texts: p.validationTexts,
      keptTokens,
      keptText,
      maxLength: p.options.maxLength,
    };
  }

  /** The trained model as a zip: HF folder files, TF.js weights and the tokenizer. */
  async exportZip(): Promise<Uint8Array> {
    const model = this.model;
    const tok = this.tokenizer;
    if (!model || !tok) throw new Error('There is no model to export yet: train one first.');
    const hf = await exportHfModel(model);
    const tfjs = await exportTfjsWeights(model);
    const files: Record<string, Uint8Array> = {
      'config.json': strToU8(hf['config.json']),
      'model.safetensors': hf['model.safetensors'],
      'tokenizer.json': strToU8(JSON.stringify(tok.files.tokenizerJson)),
      'tokenizer_config.json': strToU8(JSON.stringify(tok.files.tokenizerConfig, null, 2)),
      'tfjs/model.json': strToU8(tfjs['model.json']),
      'tfjs/group1-shard1of1.bin': tfjs['group1-shard1of1.bin'],
    };
    if (this.args) {
      files['training_args.json'] = strToU8(
        JSON.stringify(trainingArgumentsToJson(this.args), null, 2),
      );
    }
    if (this.logHistory.length > 0) {
      files['trainer_state.json'] = strToU8(
        JSON.stringify({ log_history: this.logHistory }, null, 2),
      );
    }
    files['README.md'] = strToU8(this.modelCard());
    return zipSync(files, { level: 6 });
  }

  /** README.md for the current model: metrics, labels, training arguments, how to load it. */
  modelCard(datasetName?: string | null): string {
    const model = this.model;
    if (!model) throw new Error('There is no model yet.');
    return modelCard({
      config: model.config,
      baseModel: this.baseModel,
      metrics: this.lastMetrics,
      trainingArgs: this.args
        ? (trainingArgumentsToJson(this.args) as unknown as Record<string, unknown>)
        : null,
      logHistory: this.logHistory,
      parameters: countParameters(model.config),
      datasetName: datasetName ?? this.table?.fileName ?? null,
    });
  }

  /** Loads a zip made by `exportZip` (or any HF folder zipped with its tokenizer). */
  async importZip(bytes: Uint8Array): Promise<{ labels: string[]; tokenizer: string }> {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(bytes);
    } catch {
      throw new Error('This file is not a zip archive. Choose a model exported by the studio.');
    }
    const need = (name: string): Uint8Array => {
      const f = files[name] ?? Object.entries(files).find(([k]) => k.endsWith(`/${name}`))?.[1];
      if (!f)
        throw new Error(
          `The zip has no ${name}; an exported model holds config.json, model.safetensors and tokenizer files.`,
        );
      return f;
    };
    const json = (name: string): object => {
      try {
        return JSON.parse(strFromU8(need(name))) as object;
      } catch (e) {
        if (e instanceof SyntaxError) throw new Error(`${name} in the zip is not valid JSON.`);
        throw e;
      }
    };
    return this.loadModel({
      config: json('config.json'),
      weights: need('model.safetensors'),
      tokenizerJson: json('tokenizer.json'),
      tokenizerConfig: json('tokenizer_config.json'),
    });
  }

  /** Loads an HF model folder's files (config, weights, tokenizer) as the current model. */
  async loadModel(files: {
    config: object;
    weights: Uint8Array;
    tokenizerJson: object;
    tokenizerConfig: object;
  }): Promise<{ labels: string[]; tokenizer: string }> {
    // The tokenizer first: a bad one then fails before any weight tensor exists (no leak).
    const tokenizer = await loadTokenizer({
      tokenizerJson: files.tokenizerJson,
      tokenizerConfig: files.tokenizerConfig,
    });
    const { model } = loadHfModel({ config: files.config, weights: files.weights });
    this.model?.dispose();
    this.model = model;
    this.tokenizer = fastTokenizer(tokenizer);
    const id2label = model.config.id2label ?? {};
    this.labels = Object.keys(id2label)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => id2label[k]);
    return { labels: this.labels, tokenizer: tokenizer.name };
  }

  /**
   * Evaluates the current model on the loaded table (labels must be among the model's).
   * Returns `eval_`-prefixed metrics as the Trainer logs them.
   */
  async evaluateTable(
    columns: ColumnChoice,
    maxLength: number,
    batchSize = 32,
  ): Promise<Record<string, number>> {
    const model = this.model;
    const tok = this.tokenizer;
    const t = this.table;
    if (!model || !tok)
      throw new Error('There is no model yet: train one or load an exported one.');
    if (!t) throw new Error('No data is loaded yet.');
    const ex = extractExamples(t, columns);
    const label2id = model.config.label2id ?? {};
    const ds: LabeledDataset = {
      encoded: encodeDataset(tok, ex.texts, ex.pairs, maxLength),
      labels: encodeLabels(ex.labels, label2id),
      labelWidth: 1,
      size: ex.texts.length,
    };
    const out = await evaluateModel({
      model,
      dataset: ds,
      problemType: 'single_label_classification',
      numLabels: this.labels.length,
      batchSize,
      collate: { padding: 'longest', maxLength, padId: tok.padId },
      lossOf: (logits, labels) => computeLoss('single_label_classification', logits, labels, {}),
    });
    return out.metrics;
  }
}
