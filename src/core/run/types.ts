/** The run service's dependencies, events and results (see ./service.ts). */
import type { StorageUse } from '../io/runStore';
import type { RunRecord } from '../io/runStore';
import type { DatasetSummary, StudioSession } from '../session';
import type { EvalRows } from '../train/evalDetails';
import type { RunOptions } from '../session/training';
import type { TaggedEvalDetails } from '../session/taggedPredict';
import type { TokenizerPool } from '../tokenize/pool';
import type { RecordedRunArguments } from '../config/argsFile';
import type { RunSnapshot } from './runMachine';
import type { CheckpointStores, KeptFiles, Locks, RunStore } from './stores';

/** What the service reports while it works. */
export interface RunEvents {
  /** Something went wrong that does not stop the run (e.g. storage full: checkpoint not saved). */
  warning(message: string): void;
  /** The stored record of the run in progress (its id, for Resume after a fault). */
  run?(id: string): void;
  status?(message: string): void;
  /** The run's snapshot after each change of its state and with each progress report. */
  snapshot?(snapshot: RunSnapshot): void;
}

/** Test builds' fault injection (see src/worker/testHooks.ts); inert elsewhere. */
export interface RunHooks {
  /** A new run's checkpoint store hook: true when a write should fail as a full quota would. */
  checkpointQuota(): (() => boolean) | undefined;
  /** Called after each optimizer step with the run's global step. */
  afterStep(globalStep: number): void;
}

export interface RunServiceDeps {
  events: RunEvents;
  /** The session to drive (a new one by default). */
  session?: StudioSession;
  /** Where runs are recorded; without one runs are not recorded (the command line). */
  runs?: RunStore | null;
  /** Each run's checkpoints; without them runs save none. */
  checkpoints?: CheckpointStores | null;
  /** Where the open data file and dropped tokenizer files are kept for the next visit. */
  kept?: KeptFiles | null;
  /** Marks runs live while they train. */
  locks?: Locks | null;
  /**
   * Save a checkpoint at each evaluation unless the arguments say otherwise, at most 2 kept, so
   * a reload can resume (the page); the command line keeps HF's defaults.
   */
  resumable?: boolean;
  /** Starts the pool that tokenizes large files (the worker's Web Workers); null: none here. */
  tokenizerPool?: () => TokenizerPool | null;
  hooks?: RunHooks;
}

/** Stored runs (newest first), which are interrupted, and the storage used. */
export interface RunList {
  runs: RunRecord[];
  /** Ids of runs that did not end and no live worker holds: offer "Resume". */
  interrupted: string[];
  storage: StorageUse;
}

/**
 * A stored run opened again: its record, its final model when stored (now the session's
 * model), and when its data file is stored too, its validation data as the run evaluated it
 * (its own validation file, else its split of the training file) and the model's rows on it
 * (for the evaluation views); `notices` say what could not be restored.
 */
export interface OpenedRun {
  record: RunRecord;
  model: { labels: string[]; tokenizer: string } | null;
  dataset: DatasetSummary | null;
  evalRows: EvalRows | null;
  /** A token-classification run's evaluation details (then `evalRows` is null). */
  taggedDetails?: TaggedEvalDetails | null;
  notices: string[];
}

/** A file the service hands out: its name and bytes. */
export interface ExportedFile {
  fileName: string;
  zip: Uint8Array;
}

/** What a run may add to its training: callbacks, per-step yields, a gradient source. */
export type TrainOptions = Pick<RunOptions, 'callbacks' | 'yieldEachStep' | 'gradients'>;

/** What an output folder says of its run beyond the session (see {@link RunService.outputFiles}). */
export interface OutputOptions {
  /** The tokenizer's files (tokenizer_config.json's model_max_length already set). */
  tokenizerFiles: Record<string, Uint8Array | string>;
  /**
   * @deprecated Not read: studio_args.json is written from the session's run by the one
   * serializer (src/core/config/runFiles.ts).
   */
  studioArgs?: RecordedRunArguments;
  /** The dataset's name for the model card. */
  datasetName: string;
}
