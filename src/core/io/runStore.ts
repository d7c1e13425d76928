/**
 * Run records: everything needed to list, chart, export, compare and resume a run after a reload
 * (data fingerprint and file, tokenizer, model spec and config, TrainingArguments, log_history,
 * final metrics, status, checkpoint names). Stored in the studio's IndexedDB database next to the
 * run's checkpoints (`checkpointStoreIdb.ts`) and its data file / final zip (`blobs`).
 *
 * The pure helpers (fingerprint, key metrics, argument diff, interrupted detection) run anywhere;
 * the store functions need IndexedDB (a browser window or worker).
 */
import type { LogEntry } from '../train/state';
import {
  STORES,
  StorageQuotaError,
  bytesOf,
  inTransaction,
  isQuotaError,
  prefixRange,
  reqResult,
  storedBytes,
} from './idb';

export type RunStatus =
  | 'running'
  | 'paused'
  | 'finished'
  | 'stopped'
  | 'failed'
  | 'interrupted'
  /** Not trained here: an imported trainer_state.json or exported model, charted beside. */
  | 'imported';

/** The version of new run records: 2 holds the run config (records without one are version 1). */
export const RUN_RECORD_VERSION = 2;

/** One run as stored. JSON-only values (structured-clone safe). */
export interface RunRecord {
  /** Absent in records stored before the run config (version 1). */
  version?: number;
  /**
   * The run's config (src/core/config/runConfig.ts): data, model and training arguments in one
   * versioned object. Absent in version 1 records: see `migrateRunRecord`.
   */
  config?: Record<string, unknown>;
  id: string;
  /** ms since the epoch. */
  created: number;
  updated: number;
  status: RunStatus;
  /** Why the run failed or was interrupted (the error message), else null. */
  reason: string | null;
  fileName: string;
  /**
   * The separate validation file the run evaluated on (its bytes in blob `"<id>/validation"`),
   * or null/absent when it held out a split of the training file.
   */
  validationFileName?: string | null;
  /** SHA-256 of the data file's bytes, hex. */
  dataFingerprint: string;
  tokenizer: { name: string; vocabSize: number };
  /** The model spec the run was started with (`ModelSpec` of the session). */
  model: Record<string, unknown> & { kind: string; max_length: number };
  /** The model's config.json (its family's HF config) once built, else null. */
  modelConfig: Record<string, unknown> | null;
  /** Preparation options (columns, validation fraction, max length, seed). */
  prepare: Record<string, unknown>;
  /** training_args.json form of the run's TrainingArguments. */
  args: Record<string, unknown>;
  /** The backend it trained on (webgpu, wasm, …). */
  backend: string;
  logHistory: LogEntry[];
  /** Final `eval_` metrics, or null before the end. */
  metrics: Record<string, number> | null;
  globalStep: number;
  maxSteps: number;
  /** Checkpoint names currently stored (`checkpoint-N`), ascending by step. */
  checkpoints: string[];
  /** True when the final model's HF zip is stored (blob `"<id>/model.zip"`). */
  hasModelZip: boolean;
}

/** Blob keys of a run. */
export const blobKey = {
  data: (id: string) => `${id}/data`,
  modelZip: (id: string) => `${id}/model.zip`,
  validation: (id: string) => `${id}/validation`,
};

/** A new run id: time-sortable and unique enough for one browser (no "/"). */
export function newRunId(now = Date.now(), rand = Math.random): string {
  return `run-${now.toString(36).padStart(9, '0')}-${Math.floor(rand() * 36 ** 6)
    .toString(36)
    .padStart(6, '0')}`;
}

/** SHA-256 of bytes as lowercase hex (WebCrypto: browsers, workers, Node 20+). */
export async function fingerprint(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice().buffer as ArrayBuffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The metrics a history list shows: last eval accuracy/loss, last train loss, steps. */
export interface KeyMetrics {
  eval_accuracy: number | null;
  eval_loss: number | null;
  loss: number | null;
  step: number;
}

/** Key metrics from a record: final metrics first, else the last logged values. */
export function keyMetrics(
  r: Pick<RunRecord, 'metrics' | 'logHistory' | 'globalStep'>,
): KeyMetrics {
  const last = (k: string): number | null => {
    for (let i = r.logHistory.length - 1; i >= 0; i--) {
      const v = (r.logHistory[i] as unknown as Record<string, unknown>)[k];
      if (typeof v === 'number') return v;
    }
    return null;
  };
  return {
    eval_accuracy: r.metrics?.eval_accuracy ?? last('eval_accuracy'),
    eval_loss: r.metrics?.eval_loss ?? last('eval_loss'),
    loss: last('loss'),
    step: r.globalStep,
  };
}

/** The newest checkpoint name (highest step), or null. */
export function lastCheckpoint(names: readonly string[]): string | null {
  let best: string | null = null;
  let bestStep = -1;
  for (const n of names) {
    const m = /^checkpoint-(\d+)$/.exec(n);
    if (m && Number(m[1]) > bestStep) {
      bestStep = Number(m[1]);
      best = n;
    }
  }
  return best;
}

/**
 * A run is resumable when it did not end (interrupted, or still "running"/"paused" in storage
 * while no live worker holds it) and it has a checkpoint.
 */
export function isInterrupted(r: RunRecord, liveRunIds: ReadonlySet<string>): boolean {
  if (liveRunIds.has(r.id)) return false;
  return r.status === 'interrupted' || r.status === 'running' || r.status === 'paused';
}

/** One row of a side-by-side argument table: the key, each run's value, whether they differ. */
export interface ArgRow {
  key: string;
  values: unknown[];
  differs: boolean;
}

/** Arguments of several runs side by side, keys sorted, differing rows first. */
export function diffArgs(argsList: readonly Record<string, unknown>[]): ArgRow[] {
  const keys = [...new Set(argsList.flatMap((a) => Object.keys(a)))].sort();
  const rows = keys.map((key) => {
    const values = argsList.map((a) => a[key]);
    const first = JSON.stringify(values[0]);
    return { key, values, differs: values.some((v) => JSON.stringify(v) !== first) };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}

/**
 * Calls `fn` at most once per `intervalMs` (the last call wins and is flushed by `flush`).
 * Used to write the run record on logs without a write per step.
 */
export function throttle(fn: () => Promise<void>, intervalMs: number, now = () => Date.now()) {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    timer = null;
    last = now();
    running = running.then(fn, fn);
    return running;
  };
  return {
    call(): void {
      if (timer) return;
      const wait = last + intervalMs - now();
      if (wait <= 0) void run().catch(() => undefined);
      else timer = setTimeout(() => void run().catch(() => undefined), wait);
    },
    /** Runs now (cancelling a pending call) and resolves when written. */
    flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      return run();
    },
  };
}

function wrapQuota(what: string) {
  return (err: unknown): never => {
    if (isQuotaError(err)) throw new StorageQuotaError(what, err);
    throw err;
  };
}

/** Writes (replaces) a run record. */
export async function putRun(r: RunRecord): Promise<void> {
  await inTransaction([STORES.runs], 'readwrite', (tx) => {
    tx.objectStore(STORES.runs).put(r, r.id);
  }).catch(wrapQuota('the run record'));
}

export async function getRun(id: string): Promise<RunRecord | null> {
  const p = await inTransaction([STORES.runs], 'readonly', (tx) =>
    reqResult(tx.objectStore(STORES.runs).get(id) as IDBRequest<RunRecord | undefined>),
  );
  return (await p) ?? null;
}

/** All runs, newest first. */
export async function listRuns(): Promise<RunRecord[]> {
  const p = await inTransaction([STORES.runs], 'readonly', (tx) =>
    reqResult(tx.objectStore(STORES.runs).getAll() as IDBRequest<RunRecord[]>),
  );
  return (await p).sort((a, b) => b.created - a.created);
}

/** Deletes a run, its checkpoints and its blobs, in one transaction. */
export async function deleteRun(id: string): Promise<void> {
  await inTransaction([STORES.runs, STORES.checkpoints, STORES.blobs], 'readwrite', (tx) => {
    tx.objectStore(STORES.runs).delete(id);
    tx.objectStore(STORES.checkpoints).delete(prefixRange(`${id}/`));
    tx.objectStore(STORES.blobs).delete(prefixRange(`${id}/`));
  });
}

/** Stores bytes under a blob key (a run's data file or model zip). */
export async function putBlob(key: string, bytes: Uint8Array): Promise<void> {
  const blob = storedBytes(bytes);
  await inTransaction([STORES.blobs], 'readwrite', (tx) => {
    tx.objectStore(STORES.blobs).put(blob, key);
  }).catch(wrapQuota(key.split('/').pop() ?? key));
}

export async function getBlob(key: string): Promise<Uint8Array | null> {
  const p = await inTransaction([STORES.blobs], 'readonly', (tx) =>
    reqResult(tx.objectStore(STORES.blobs).get(key) as IDBRequest<unknown>),
  );
  return (await bytesOf(await p)) ?? null;
}

/** Bytes used and available to this origin (navigator.storage.estimate), null where unknown. */
export interface StorageUse {
  usage: number | null;
  quota: number | null;
}

export async function storageEstimate(): Promise<StorageUse> {
  const nav = (
    globalThis as { navigator?: { storage?: { estimate?: () => Promise<StorageEstimate> } } }
  ).navigator;
  if (!nav?.storage?.estimate) return { usage: null, quota: null };
  const e = await nav.storage.estimate();
  return { usage: e.usage ?? null, quota: e.quota ?? null };
}
