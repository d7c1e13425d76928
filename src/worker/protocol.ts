/**
 * The typed protocol between the UI (main thread) and the training worker.
 *
 * Every request carries an id; the worker answers each with exactly one reply (`ok` with the
 * result, or an error as `{name, message}`). While a request runs, the worker may send events
 * (progress, logs, evaluation results). Large buffers (file bytes, weights, zips) are transferred.
 */
import type { TrainingArguments } from '../core/train/args';
import type { LogEntry } from '../core/train/state';
import type {
  ColumnChoice,
  DatasetSummary,
  ModelSpec,
  Prediction,
  PrepareOptions,
  TableSummary,
  TrainResult,
} from '../core/session';

export type {
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
}

export interface TokenizerSource {
  kind: 'bundled';
  name: 'bert-base-uncased';
}

export interface TokenizerInfo {
  name: string;
  vocabSize: number;
}

/** Live progress, sent at most a few times per second. */
export interface Progress {
  step: number;
  maxSteps: number;
  epoch: number;
  /** Training samples per second over the run so far. */
  samplesPerSecond: number;
  /** Estimated seconds to the end, null before the first steps. */
  etaSeconds: number | null;
  phase: 'preparing' | 'training' | 'evaluating' | 'done';
}

/** Request name -> [parameters, result]. */
export interface Api {
  /** Picks the backend: 'auto' measures and prefers WebGPU unless it is a slow software adapter. */
  init: [{ preferred: BackendInfo['name'] | 'auto' }, BackendInfo];
  loadTable: [{ fileName: string; bytes: ArrayBuffer }, TableSummary];
  loadTokenizer: [TokenizerSource, TokenizerInfo];
  prepare: [PrepareOptions, DatasetSummary];
  train: [{ model: ModelSpec; args: TrainingArguments }, TrainResult];
  stop: [Record<string, never>, { stopping: boolean }];
  exportModel: [Record<string, never>, { fileName: string; zip: ArrayBuffer }];
  importModel: [{ zip: ArrayBuffer }, { labels: string[]; tokenizer: string }];
  predict: [{ texts: string[] }, Prediction[]];
}

export type RequestName = keyof Api;

export interface RequestMessage<K extends RequestName = RequestName> {
  id: number;
  name: K;
  params: Api[K][0];
}

export type WorkerEvent =
  | { kind: 'progress'; progress: Progress }
  | { kind: 'log'; entry: LogEntry }
  | { kind: 'status'; message: string };

export interface SerializedError {
  name: string;
  message: string;
}

export type WorkerMessage =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: SerializedError }
  | { type: 'event'; event: WorkerEvent };
