/**
 * The types a studio session's callers see (the worker, the CLI, the UI through the protocol) and
 * the state the session keeps between steps. `src/core/session.ts` re-exports the public ones.
 */
import type { ScratchModelSettings, ScratchShapeKey } from '../config/modelArguments';
import type { LabelMaps } from '../data/labels';
import type { ParsedTable } from '../data/table';
import type { ProblemType } from '../model/config';
import type { LabeledDataset } from '../train/dataset';
import type { LogEntry, TrainerState } from '../train/state';
import type { LengthLimit } from './maxLength';
import type { TaggingOptions } from '../config/resolveRun';
import type { TaggedCorpus, TaggedDataSummary, TaskKind } from '../data/taggedTypes';

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
  format?: 'csv' | 'jsonl' | 'json' | 'parquet' | 'conll';
  gzip?: boolean;
  /** Why rows beyond a budget (bytes, rows) were left out, or null when all were read. */
  capped?: string | null;
  /** Bytes of the file read (all of it unless capped). */
  bytesRead?: number;
  /** 'token-classification' for a tagged file (CoNLL, tagged JSON Lines); absent for a table. */
  taskKind?: TaskKind;
  /** What the reader found in a tagged file (rows are its sentences: words, tags). */
  tagged?: Pick<
    TaggedDataSummary,
    'format' | 'sentences' | 'words' | 'labelNames' | 'scheme' | 'convertedTags' | 'issues'
  >;
}

/** Tokenizer models the studio trains on a dataset's texts. */
export type TrainedTokenizerModel = 'wordpiece' | 'bpe';

/** Which table columns hold the text, the label and (for sentence pairs) the second text. */
export interface ColumnChoice {
  text: string;
  label: string;
  textPair?: string;
}

/** How `prepare` turns the loaded table into tokenized train and validation splits. */
export interface PrepareOptions {
  columns: ColumnChoice;
  /** Fraction of rows held out for validation (seeded, stratified). */
  validationFraction: number;
  /** Tokens per row after truncation, special tokens included. */
  maxLength: number;
  seed: number;
  /** The task, when the user overrides the one detected from the label column. */
  task?: ProblemType;
  /**
   * The run config's task, label_names and label_all_tokens: a tagged file is split by sentence
   * and its labels aligned to sub-tokens (first sub-token of each word unless labelAllTokens).
   */
  tagging?: TaggingOptions;
}

/** What `prepare` reports of the splits it made. */
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
  /** 'token-classification' for a tagged file (rows are sentences, labels its tags). */
  taskKind?: TaskKind;
  /** A tagged file's summary (sentences, tags, scheme, issues, entities, lengths). */
  tagged?: TaggedDataSummary;
}

/**
 * The model to train: a small BERT encoder from scratch with these sizes, or the checkpoint
 * loaded by `StudioSession.loadPretrained` fine-tuned with a head for the data's labels.
 */
export type ModelSpec = ScratchModelSpec | PretrainedModelSpec;

/** Fine-tune the loaded pretrained checkpoint; `max_length` must match the prepared data. */
export interface PretrainedModelSpec {
  kind: 'pretrained';
  max_length: number;
}

/**
 * The from-scratch model (a small BERT encoder classifier): its shape, and any other setting of
 * the model field table (`SCRATCH_MODEL_FIELDS` in src/core/config/modelArguments.ts; those left
 * out take the table's defaults). Derived from that table: a new model setting needs no change
 * here.
 */
export type ScratchModelSpec = {
  kind: 'scratch';
  max_length: number;
} & Pick<ScratchModelSettings, ScratchShapeKey> &
  Partial<ScratchModelSettings>;

/** What the UI shows of a loaded pretrained checkpoint. */
export interface PretrainedInfo {
  /** Hub id, folder name or "dropped files". */
  name: string;
  /** The family's display name ("BERT", "RoBERTa", ...). */
  family: string;
  /** config.json's model_type. */
  model_type: string;
  parameters: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  vocab_size: number;
  /** The longest input the model takes (the family's `maxInputLength`). */
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
  /**
   * The longest max_length the checkpoint takes: its max_position_embeddings, or its (else the
   * current) tokenizer's model_max_length when lower. A longer max_length is lowered to it.
   */
  lengthLimit: LengthLimit;
}

/** What a finished (or stopped) training run returns. */
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

/** One text's predicted label and the probability of each label. */
export interface Prediction {
  label: string;
  /** Probability of each label, in `labels` order. */
  probs: number[];
  labels: string[];
  /** How the text was cut to the model's max_length, or null when it fit. */
  truncation: Truncation | null;
}

/** A text longer than the model reads: its tokens and the first ones kept (special tokens included). */
export interface Truncation {
  tokens: number;
  kept: number;
}

/** A table read from a user's file, with the name and text encoding it was read with. */
export type LoadedTable = ParsedTable & { fileName: string; encoding: string };

/** The prepared splits: what `prepare` made, kept for training, evaluation and prediction. */
export interface Prepared {
  options: PrepareOptions;
  maps: LabelMaps;
  /** The task the labels describe (detected or chosen). */
  problemType: ProblemType;
  train: LabeledDataset;
  validation: LabeledDataset;
  validationTexts: string[];
  /** Token classification: the validation sentences (words, gold tags) and how they were aligned. */
  tagged?: PreparedTagged;
}

/** What a prepared tagged file keeps for evaluation views and reports. */
export interface PreparedTagged {
  validation: TaggedCorpus;
  labelAllTokens: boolean;
  summary: TaggedDataSummary;
}
