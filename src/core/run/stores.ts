/**
 * What the {@link RunService} stores through, as interfaces: run records and their blobs
 * (`RunStore`), each run's checkpoints (`CheckpointStores`), the data and tokenizer files kept
 * for the next visit (`KeptFiles`), the locks that mark a run live (`Locks`), and the folder a
 * run's output is written to (`RunOutput`). The worker uses the IndexedDB and Web Locks ones
 * (`./idbStores.ts`), the command line the file-system ones (`./fsStores.ts`).
 */
import type { CheckpointStore } from '../io/checkpointStore';
import type { StorageQuotaError } from '../io/idb';
import type { KeptCheckpoint } from '../io/keptFile';
import type { RunRecord, StorageUse } from '../io/runStore';

export type { RunRecord, StorageUse };

/** Run records, newest first, with their blobs (`blobKey`: the data file, the model zip). */
export interface RunStore {
  put(record: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  /** All runs, newest first. */
  list(): Promise<RunRecord[]>;
  /** Deletes a run with its blobs (and in IndexedDB, which holds them too, its checkpoints). */
  delete(id: string): Promise<void>;
  putBlob(key: string, bytes: Uint8Array): Promise<void>;
  getBlob(key: string): Promise<Uint8Array | null>;
  /** Bytes used and available, null where unknown. */
  storage(): Promise<StorageUse>;
}

/** How a run's checkpoint store reports a full storage and how tests fill it. */
export interface CheckpointStoreHooks {
  /** A write refused for lack of space: the checkpoint is skipped, training goes on. */
  onQuota(err: StorageQuotaError): void;
  /** Test builds: true when a write should fail as a full quota would. */
  simulateQuota?: () => boolean;
}

/** The checkpoint store of each run. */
export interface CheckpointStores {
  /** The checkpoints of run `runId` (null: a run that is not recorded). */
  forRun(runId: string | null, hooks: CheckpointStoreHooks): CheckpointStore | undefined;
}

/** The open data file and dropped tokenizer files, kept so the next visit opens them again. */
export interface KeptFiles {
  keepDataFile(fileName: string, bytes: Uint8Array): Promise<void>;
  keptDataFile(): Promise<{ fileName: string; bytes: Uint8Array } | null>;
  forgetDataFile(): Promise<void>;
  /** The separate validation file (absent where it is not kept: the CLI, tests). */
  keepValidationFile?(fileName: string, bytes: Uint8Array): Promise<void>;
  keptValidationFile?(): Promise<{ fileName: string; bytes: Uint8Array } | null>;
  forgetValidationFile?(): Promise<void>;
  keepTokenizerFiles(files: Record<string, string>): Promise<void>;
  keptTokenizerFiles(): Promise<Record<string, string> | null>;
  /** The pretrained checkpoint chosen (absent where checkpoints are not kept: the CLI). */
  keepCheckpoint?(source: KeptCheckpoint): Promise<void>;
  keptCheckpoint?(): Promise<KeptCheckpoint | null>;
  forgetCheckpoint?(): Promise<void>;
}

/** Marks runs live while they train, so other tabs (or this one after a reload) see them. */
export interface Locks {
  /** Holds run `id`'s lock until the returned function is called. */
  hold(id: string): () => void;
  /** Ids of the runs whose locks are held now (by any tab). */
  held(): Promise<Set<string>>;
}

/** A run's output folder: file name (may hold "/") -> contents. */
export interface RunOutput {
  write(files: Record<string, Uint8Array | string>): Promise<void>;
}
