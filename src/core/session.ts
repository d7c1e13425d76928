/**
 * One studio session: the loaded table, the tokenizer, the prepared splits, the model and its
 * trainer. The browser worker and the command line both drive this object, so the path from a
 * dropped file to an exported model is the same code everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { guessColumns } from './data/columns';
import { DataError } from './data/errors';
import { buildLabelMaps, encodeLabels, validateExamples, type LabelMaps } from './data/labels';
import { findOverlap, stratifiedSplit } from './data/split';
import { parseTableFromBytes, type ParsedTable } from './data/table';
import { exportHfModel, loadHfModel } from './io/hfModel';
import { exportTfjsWeights } from './io/tfjsWeights';
import type { CheckpointStore } from './io/checkpointStore';
import { BertForSequenceClassification } from './model/bert';
import { smallBertConfig } from './model/config';
import { encodeDataset } from './tokenize/encode';
import { loadTokenizer, type Tokenizer } from './tokenize/tokenizer';
import { parseTrainingArguments, trainingArgumentsToJson, type TrainingArguments } from './train/args';
import type { TrainerCallback } from './train/callbacks';
import { batchTensors, disposeBatch, type LabeledDataset } from './train/dataset';
import { evaluateModel } from './train/evaluate';
import { computeLoss } from './train/losses';
import { softmax } from './train/metrics';
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
}

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
}

export interface DatasetSummary {
  trainRows: number;
  validationRows: number;
  labels: string[];
  /** Rows per label over the whole file, in `labels` order. */
  classCounts: number[];
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

/** The from-scratch model's sizes (a small BERT encoder classifier). */
export interface ModelSpec {
  kind: 'scratch';
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_length: number;
}

export interface TrainResult {
  globalStep: number;
  stopped: boolean;
  logHistory: LogEntry[];
  /** Final metrics on the validation split, `eval_`-prefixed. */
  metrics: Record<string, number>;
  /** The run's `trainer_state.json`. */
  state: TrainerState;
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
  train: LabeledDataset;
  validation: LabeledDataset;
  validationTexts: string[];
}

const PREVIEW_ROWS = 20;

/** Reads a user's data file into a table (the format is chosen from its name and bytes). */
async function readTableFile(
  _fileName: string,
  bytes: Uint8Array,
): Promise<ParsedTable & { encoding: string }> {
  return parseTableFromBytes(bytes);
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
  private trainer: Trainer | null = null;

  /** Parses a file; on failure the previously loaded table stays. */
  async loadTable(fileName: string, bytes: Uint8Array): Promise<TableSummary> {
    const parsed = await readTableFile(fileName, bytes);
    this.table = { ...parsed, fileName };
    this.prepared = null;
    return this.tableSummary();
  }

  /** Uses a separate file for validation instead of a split of the training file. */
  async loadValidationTable(fileName: string, bytes: Uint8Array): Promise<void> {
    this.validationTable = { ...(await readTableFile(fileName, bytes)), fileName };
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
    };
  }

  async setTokenizerFiles(files: { tokenizerJson: object; tokenizerConfig: object }): Promise<Tokenizer> {
    this.tokenizer = await loadTokenizer(files);
    this.prepared = null;
    return this.tokenizer;
  }

  /** Validates the columns, encodes labels, splits and tokenizes. */
  prepare(options: PrepareOptions, onProgress?: (done: number, total: number) => void): DatasetSummary {
    const t = this.table;
    const tok = this.tokenizer;
    if (!t) throw new Error('No data is loaded yet: drop a CSV or TSV file first.');
    if (!tok) throw new Error('No tokenizer is loaded yet.');
    const main = extractExamples(t, options.columns);
    // validateExamples (in extractExamples) already rejected a single class.
    const maps = buildLabelMaps(main.labels);
    const ids = encodeLabels(main.labels, maps.label2id);
    let trainPart: Examples;
    let valPart: Examples;
    let trainIds: Int32Array;
    let valIds: Int32Array;
    if (this.validationTable) {
      trainPart = main;
      trainIds = ids;
      valPart = extractExamples(this.validationTable, options.columns);
      valIds = encodeLabels(valPart.labels, maps.label2id);
    } else {
      const split = stratifiedSplit(ids, options.validationFraction, options.seed);
      trainPart = subset(main, split.train);
      valPart = subset(main, split.validation);
      trainIds = Int32Array.from(split.train.map((j) => ids[j]));
      valIds = Int32Array.from(split.validation.map((j) => ids[j]));
    }
    const build = (part: Examples, labelIds: Int32Array): LabeledDataset => ({
      encoded: encodeDataset(tok, part.texts, part.pairs, options.maxLength, onProgress),
      labels: labelIds,
      labelWidth: 1,
      size: part.texts.length,
    });
    const skipped = main.skippedRows;
    const report = main.report;
    const train = build(trainPart, trainIds);
    const validation = build(valPart, valIds);
    const validationTexts = valPart.texts;
    this.prepared = { options, maps, train, validation, validationTexts };
    const classCounts = maps.labels.map(() => 0);
    for (const id of ids) classCounts[id] += 1;
    const totalTokens =
      train.encoded.offsets[train.size] + validation.encoded.offsets[validation.size];
    return {
      trainRows: train.size,
      validationRows: validation.size,
      labels: maps.labels,
      classCounts,
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
    opts: { callbacks?: TrainerCallback[]; checkpoints?: CheckpointStore; yieldEachStep?: boolean } = {},
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
    });
    this.model?.dispose();
    this.model = BertForSequenceClassification.create(config, args.seed);
    this.labels = p.maps.labels;
    this.args = args;
    const trainer = new Trainer({
      model: this.model,
      args,
      train: p.train,
      eval: p.validation,
      problemType: 'single_label_classification',
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
      return {
        globalStep: out.global_step,
        stopped: out.stopped,
        logHistory: out.state.log_history,
        metrics,
        state: out.state,
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

  /** Class probabilities for each text. */
  async predict(texts: string[]): Promise<Prediction[]> {
    const model = this.model;
    const tok = this.tokenizer;
    if (!model || !tok) throw new Error('There is no model yet: train one or load an exported one.');
    const maxLength = Math.min(model.config.max_position_embeddings, this.prepared?.options.maxLength ?? 128);
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
    const logits = tf.tidy(() => model.forward(batch, { training: false }).logits);
    disposeBatch(batch);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const n = this.labels.length;
    const probs = softmax(values, n);
    return texts.map((_, i) => {
      const p = Array.from(probs.subarray(i * n, (i + 1) * n));
      const best = p.indexOf(Math.max(...p));
      return { label: this.labels[best], probs: p, labels: this.labels };
    });
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
      files['training_args.json'] = strToU8(JSON.stringify(trainingArgumentsToJson(this.args), null, 2));
    }
    if (this.logHistory.length > 0) {
      files['trainer_state.json'] = strToU8(JSON.stringify({ log_history: this.logHistory }, null, 2));
    }
    return zipSync(files, { level: 6 });
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
      if (!f) throw new Error(`The zip has no ${name}; an exported model holds config.json, model.safetensors and tokenizer files.`);
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
    const { model } = loadHfModel({ config: files.config, weights: files.weights });
    const tokenizer = await loadTokenizer({
      tokenizerJson: files.tokenizerJson,
      tokenizerConfig: files.tokenizerConfig,
    });
    this.model?.dispose();
    this.model = model;
    this.tokenizer = tokenizer;
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
    if (!model || !tok) throw new Error('There is no model yet: train one or load an exported one.');
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
