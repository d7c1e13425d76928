/**
 * The typed protocol between the UI (main thread) and the training worker.
 *
 * Every request carries an id; the worker answers each with exactly one reply (`ok` with the
 * result, or an error as `{name, message, code}`). While a request runs, the worker may send events
 * (progress, logs, evaluation results). Large buffers (file bytes, weights, zips) are transferred.
 */
import type { DataReport } from '../core/data/report';
export type { DataReport };
import type { TrainingArguments } from '../core/train/args';
import type { LogEntry } from '../core/train/state';
import type {
  ColumnChoice,
  DatasetSummary,
  ModelSpec,
  Prediction,
  PrepareOptions,
  TableSummary,
  TrainedTokenizerModel,
  TrainResult,
} from '../core/session';

import type { ArgInfo } from './argsCatalog';
import type { PageWorkers } from './replicas';
import type { ReadProgress } from '../core/data/read';
import type { DownloadProgress } from '../core/io/modelSource';
import type { MemoryEstimate } from '../core/model/memory';
import type { PretrainedInfo } from '../core/session';
import type { EvalRows } from '../core/train/evalDetails';
import type { Progress } from '../core/run/progress';
import type { OpenedRun, RunList } from '../core/run/service';
import type { RunSnapshot, RunState } from '../core/run/runMachine';
import type { RunRecord } from '../core/io/runStore';
import type { SerializedError, StudioErrorCode } from '../core/run/errors';
import type { RunConfig } from '../core/config/runConfig';
import type { TaskChoice } from '../core/config/dataArguments';
import type { TaggedEvalDetails } from '../core/session/taggedPredict';
import type {
  EntityConfusion,
  TaggedDataSummary,
  TaggedSentenceResult,
  TextEntity,
  TokenClassificationMetrics,
} from '../core/data/taggedTypes';

/**
 * Token classification on the page: a tagged file's `TableSummary.tagged` and
 * `DataReport.tagged` (TaggedDataSummary), a tagged run's `entities` (Try it) and
 * `taggedDetails` (per-type scores in `metrics.perType`, EntityConfusion, sentences with their
 * gold and predicted spans, mistakes first).
 */
export type {
  EntityConfusion,
  TaggedDataSummary,
  TaggedEvalDetails,
  TaggedSentenceResult,
  TaskChoice,
  TextEntity,
  TokenClassificationMetrics,
};

/**
 * The run config's task and tag names a data file is read with: a CoNLL or tagged JSON Lines
 * file is token classification unless `task` is 'text-classification' (then it is refused,
 * saying why); `labelNames` name JSON Lines' integer ner_tags.
 */
export interface TaggingChoice {
  task?: TaskChoice;
  labelNames?: string[] | null;
}

export type { DownloadProgress, EvalRows, MemoryEstimate, PretrainedInfo, ReadProgress };

export type {
  ArgInfo,
  ColumnChoice,
  DatasetSummary,
  LogEntry,
  ModelSpec,
  Prediction,
  PrepareOptions,
  TableSummary,
  TrainingArguments,
  TrainResult,
};

/** Which TF.js backend trains, and why it was chosen (shown to the user). */
export interface BackendInfo {
  name: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  reason: string;
  /** True when the WebGPU adapter is a software (CPU-emulated) one. */
  fallbackAdapter: boolean;
  /** Largest storage buffer the adapter allows, bytes (WebGPU only). */
  maxBufferBytes?: number;
  /** How many workers a run can train on with this backend, and why one when so. */
  workers?: PageWorkers;
}

/** A tokenizer to load: one the app bundles, or any Hugging Face Hub id (`owner/name@rev`). */
export type TokenizerSource =
  | { kind: 'bundled'; name: 'bert-base-uncased' | 'bert-base-cased' }
  /** `refresh`: fetch again files the Cache API holds (a Hub `main` that may have changed). */
  | { kind: 'hub'; id: string; refresh?: boolean };

export interface TokenizerInfo {
  /** The bundled name, the Hub id (as given, with its @revision), or the files' name_or_path. */
  name: string;
  vocabSize: number;
  /** tokenizer.json's model: "WordPiece", "BPE", "Unigram"... (absent when not known). */
  model?: string;
}

/** Tokenizer models `trainTokenizer` trains. */
export type { TrainedTokenizerModel };

/** Live progress, sent at most a few times per second. */
export type { Progress };

/** How to read a CSV file: left out, each is detected (as `--delimiter` and `--no_header`). */
export interface TableReadChoice {
  delimiter?: string;
  hasHeader?: boolean;
}

/** Request name -> [parameters, result]. */
export interface Api {
  /** Picks the backend: 'auto' measures and prefers WebGPU unless it is a slow software adapter. */
  init: [{ preferred: BackendInfo['name'] | 'auto' }, BackendInfo];
  /**
   * A data file: a Blob (a dropped File is one, passed by reference, not copied) read in chunks
   * in the worker with `read` progress events, or bytes. `keep`: keep it in IndexedDB so the
   * next visit opens it again (the user's files; not the demo).
   */
  loadTable: [
    {
      fileName: string;
      file: Blob | ArrayBuffer;
      keep?: boolean;
      read?: TableReadChoice;
      /**
       * A new training file (not the open one read again): the old one's validation file no
       * longer applies and is dropped (and forgotten for the next visit).
       */
      fresh?: boolean;
      /** The task and tag names to read it with (see {@link TaggingChoice}). */
      tagging?: TaggingChoice;
    },
    TableSummary,
  ];
  /** Reads the open data file again with other read options (delimiter, header). */
  rereadTable: [{ read: TableReadChoice }, TableSummary];
  /**
   * A separate validation file (used instead of a split of the training file until cleared),
   * read with the same options; its summary (rows, columns, anomalies). `keep`: kept in
   * IndexedDB for the next visit, as the training file.
   */
  loadValidationTable: [
    {
      fileName: string;
      file: Blob | ArrayBuffer;
      read?: TableReadChoice;
      keep?: boolean;
      tagging?: TaggingChoice;
    },
    TableSummary,
  ];
  /** Opens the validation file kept by `loadValidationTable` with `keep`; null when none. */
  restoreValidationTable: [{ read?: TableReadChoice }, TableSummary | null];
  /** Goes back to a split of the training file for validation (and forgets the kept one). */
  clearValidationTable: [Record<string, never>, { cleared: true }];
  /** Opens the data file kept by the last `loadTable` with `keep`; null when none is kept. */
  restoreTable: [{ read?: TableReadChoice }, TableSummary | null];
  /** Forgets the kept data file (the demo opens on the next visit). */
  forgetTable: [Record<string, never>, { forgotten: true }];
  /**
   * Loads a bundled tokenizer, or downloads a Hub one (tokenizer.json + tokenizer_config.json,
   * else vocab.txt; `download` events; kept in the Cache API). Replaces the current tokenizer.
   */
  loadTokenizer: [TokenizerSource, TokenizerInfo];
  /**
   * Loads tokenizer files the user dropped: file name -> text (tokenizer.json required,
   * tokenizer_config.json optional). Replaces the current tokenizer: prepare the data again.
   */
  loadTokenizerFiles: [{ files: Record<string, string>; keep?: boolean }, TokenizerInfo];
  /** Loads the tokenizer files kept by `loadTokenizerFiles` with `keep` (an error if none are). */
  restoreTokenizerFiles: [Record<string, never>, TokenizerInfo];
  /**
   * Trains a tokenizer of `vocabSize` tokens on the loaded table's text column (and pair column):
   * BERT WordPiece (`model` 'wordpiece', the default) or RoBERTa-style byte-level BPE ('bpe').
   */
  trainTokenizer: [
    { textColumn: string; vocabSize: number; pairColumn?: string; model?: TrainedTokenizerModel },
    TokenizerInfo,
  ];
  /**
   * Splits and tokenizes the data: as `config` resolves it against the data held (the page's
   * settings; fingerprinted, so a run of the same data does not prepare it again), or with
   * explicit options.
   */
  prepare: [PrepareOptions | { config: RunConfig }, DatasetSummary];
  /**
   * Starts a run of `config` (the worker's `startRun`): resolves it (`resolveRun`), prepares
   * the data again only when the resolved run's fingerprint changed since the last
   * preparation, then trains. Its state, progress and log stream as `snapshot` events; the
   * reply is its result.
   */
  train: [{ config: RunConfig }, TrainResult];
  stop: [Record<string, never>, { stopping: boolean }];
  exportModel: [Record<string, never>, { fileName: string; zip: ArrayBuffer }];
  /**
   * "Run it elsewhere": the last run as a transformers Trainer script bundle (train.py,
   * args.json, accelerate_config.yaml, the data splits, tokenizer, step-0 weights and, for a
   * run that did not reach its end, its last checkpoint), zipped.
   */
  exportScript: [
    { model?: ModelSpec; args?: Partial<TrainingArguments> },
    { fileName: string; zip: ArrayBuffer; leftOut: string[] },
  ];
  /**
   * Loads an exported model (its zip) for Try it, evaluation and Export, and records it as its
   * own entry in the run history (`record`, status `imported`; null where runs are not stored).
   */
  importModel: [
    { zip: ArrayBuffer; fileName?: string },
    { labels: string[]; tokenizer: string; record: RunRecord | null },
  ];
  /**
   * Records a trainer_state.json trained elsewhere as its own entry in the run history (status
   * `imported`), comparable with the page's runs; the run shown stays as it is.
   */
  importRun: [{ fileName: string; text: string }, RunRecord];
  predict: [{ texts: string[] }, Prediction[]];
  /**
   * Try it for a token-classification model: each text's entities as
   * `pipeline("token-classification", aggregation_strategy="simple")` groups them (character
   * spans, mean scores). A text classifier refuses.
   */
  entities: [{ texts: string[] }, TextEntity[][]];
  /** The data report of the loaded table (rows, task, class balance, token lengths...). */
  dataReport: [{ columns: ColumnChoice; maxLength: number }, DataReport];
  /**
   * Loads a pretrained checkpoint (config.json, model.safetensors, tokenizer files) from dropped
   * files (name -> bytes, transferred) or a folder URL / Hub id (downloaded with `download`
   * events, cached). Its tokenizer replaces the current one: prepare the data again.
   */
  /** `refresh`: fetch again files the Cache API holds (a Hub `main` that may have changed). */
  loadPretrained: [
    { files: Record<string, ArrayBuffer> } | { url: string; refresh?: boolean },
    PretrainedInfo,
  ];
  /**
   * Loads the checkpoint chosen on an earlier visit (kept: its URL / Hub id, from the Cache API
   * where it holds the files, or its dropped files); null when none is kept.
   */
  restorePretrained: [
    Record<string, never>,
    (
      | { source: 'url'; url: string; info: PretrainedInfo }
      | { source: 'files'; info: PretrainedInfo }
      | null
    ),
  ];
  /**
   * The model families the studio builds (core/model/families.ts), for the picker: a checkpoint
   * whose config.json names another model_type is refused.
   */
  modelFamilies: [Record<string, never>, ModelFamilyInfo[]];
  /** Forgets the kept checkpoint (a model trained from scratch is chosen). */
  forgetPretrained: [Record<string, never>, { forgotten: boolean }];
  /** Memory a run of this model at this batch size needs, against the backend's limits. */
  estimateMemory: [
    { model: ModelSpec; batchSize: number; gradientCheckpointing?: boolean },
    MemoryEstimate,
  ];
  /** Every TrainingArguments field with its help, kind and HF default, for the form. */
  argsCatalog: [Record<string, never>, ArgInfo[]];
  /**
   * The current model's logits on the validation split with texts, labels and what truncation
   * kept (see `buildEvalDetails`). The UI asks once after a run ends or stops.
   */
  evalRows: [Record<string, never>, EvalRows];
  /**
   * A token-classification model's evaluation details on the prepared validation split: the
   * metrics as logged (seqeval, per type in `metrics.perType`), the confusion of entity types
   * (with missed and spurious), and sentences with gold and predicted spans, mistakes first.
   */
  taggedDetails: [Record<string, never>, TaggedEvalDetails];
  /**
   * Validates arguments as the trainer will (HF's rules). `args` may hold data and model keys
   * too (one arguments JSON, split as HfArgumentParser does). Returns every argument (`args`),
   * the training_args.json and studio_args.json forms, and the data and model keys found.
   */
  checkArgs: [
    { args: Record<string, unknown> },
    {
      args: Record<string, unknown>;
      trainingArgs: Record<string, unknown>;
      studioArgs: Record<string, unknown>;
      data: Record<string, unknown>;
      model: Record<string, unknown>;
      notices: string[];
    },
  ];
  /** Pauses a run between steps (nothing is lost); `unpause` goes on with its next step. */
  pause: [Record<string, never>, { paused: boolean }];
  unpause: [Record<string, never>, { paused: boolean }];
  /** Stored runs (newest first), which are interrupted, and the storage used. */
  listRuns: [Record<string, never>, RunList];
  /** Deletes a run with its checkpoints, data file and model zip. */
  deleteRun: [{ id: string }, { deleted: boolean }];
  /**
   * Continues a stored run from its last checkpoint: reloads its data and validation files and
   * settings, prepares the data as before and trains on with `resume_from_checkpoint` (same
   * record, same losses).
   */
  /** `compute`: the page's compute settings (its workers), as a run config's. */
  continueRun: [{ id: string; compute?: RunConfig['compute'] }, TrainResult];
  /**
   * Opens a stored run again (Reopen in the history): its final model becomes the model for
   * predictions, evaluation and export, evaluated on what the run evaluated (its validation
   * file, else its split of its data file). The page's data stays as it is.
   */
  openRun: [{ id: string }, OpenedRun];
  /** A stored run as a file: its HF zip when the final model is stored, else trainer_state.json. */
  exportRun: [{ id: string }, { fileName: string; zip: ArrayBuffer }];
  /**
   * Test hooks for the e2e tests, in test builds only (`TEST_HOOKS`, src/worker/testHooks.ts;
   * the production worker refuses the request). Page URL flags, read by the UI at start:
   * `?e2e-quota=1` lets a run's first checkpoint through and then fails writes as a full quota
   * would; `?e2e-device-loss=N` destroys the WebGPU device after optimizer step N.
   */
  testHooks: [{ quota?: boolean; loseDeviceAtStep?: number }, { ok: true }];
}

export type RequestName = keyof Api;

/** A family the studio builds: its name and the config.json model_types it reads. */
export interface ModelFamilyInfo {
  displayName: string;
  modelTypes: string[];
}

export interface RequestMessage<K extends RequestName = RequestName> {
  id: number;
  name: K;
  params: Api[K][0];
}

/** A stored run as the history lists it (see core/io/runStore.ts RunRecord). */
export type { RunRecord, StorageUse } from '../core/io/runStore';

/** Stored runs (newest first), which are interrupted, and the storage used. */
export type { RunList };

/** A stored run opened again: its record, model, data and what could not be restored. */
export type { OpenedRun };

/** The run's state machine and snapshots (core/run/runMachine.ts). */
export type { RunSnapshot, RunState };

export type WorkerEvent =
  /** The run's snapshot: after each change of its state and with each progress report. */
  | { kind: 'snapshot'; snapshot: RunSnapshot }
  /** Something went wrong that does not stop the run (e.g. storage full: checkpoint not saved). */
  | { kind: 'warning'; message: string }
  /** The stored run record of the run in progress (its id, for Resume after a fault). */
  | { kind: 'run'; id: string }
  | { kind: 'status'; message: string }
  | { kind: 'download'; progress: DownloadProgress }
  /** Reading a data file: bytes read so far of the file's size. */
  | { kind: 'read'; progress: ReadProgress };

/**
 * An error as it crosses: its class name, the message for the user, and its kind as a code the
 * page switches on (`device-lost`, `quota-exceeded`, `non-finite-loss`, ...: core/run/errors.ts).
 */
export type { SerializedError, StudioErrorCode };

export type WorkerMessage =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: SerializedError }
  | { type: 'event'; event: WorkerEvent };
