/**
 * The studio's IndexedDB database, opened with the raw API (works in a window and in a worker;
 * core code touches no DOM, only the `indexedDB` global). One database, three object stores:
 * `runs` (run records, key `id`), `checkpoints` (one record per checkpoint holding all its files,
 * key `"<runId>/<name>"`) and `blobs` (a run's data file and final model zip, key
 * `"<runId>/<what>"`). Quota failures surface as {@link StorageQuotaError}.
 */
import { StudioError } from '../util/errors';

export const DB_NAME = 'trainer-studio';
export const DB_VERSION = 1;
export const STORES = { runs: 'runs', checkpoints: 'checkpoints', blobs: 'blobs' } as const;

/** Raised when the browser refuses a write because the storage quota is full. */
export class StorageQuotaError extends StudioError {
  constructor(what: string, cause?: unknown) {
    super(
      'quota-exceeded',
      `Browser storage is full: ${what} could not be saved. Delete old runs in Run history ` +
        `(or lower save_total_limit); the last saved checkpoint is kept and training goes on.`,
      { name: 'StorageQuotaError', cause },
    );
  }
}

/** True for the errors browsers raise when a write exceeds the quota. */
export function isQuotaError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const name = (err as { name?: unknown }).name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** True where IndexedDB exists (browsers and workers; not plain Node). */
export function hasIndexedDb(): boolean {
  return typeof indexedDB !== 'undefined';
}

let dbPromise: Promise<IDBDatabase> | null = null;

/** Opens (once) and upgrades the studio's database. */
export function openStudioDb(): Promise<IDBDatabase> {
  if (!hasIndexedDb())
    return Promise.reject(new StudioError('storage', 'IndexedDB is not available here.'));
  dbPromise ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const s of Object.values(STORES)) {
        if (!db.objectStoreNames.contains(s)) db.createObjectStore(s);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      dbPromise = null;
      reject(
        new StudioError(
          'storage',
          `Could not open IndexedDB${req.error ? ` (${req.error.message})` : ''}.`,
          {
            cause: req.error,
          },
        ),
      );
    };
    req.onblocked = () =>
      reject(
        new StudioError('storage', 'IndexedDB is blocked by another tab; close it and reload.'),
      );
  });
  return dbPromise;
}

/** Resolves with a request's result. */
export function reqResult<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Runs `body` in one transaction and resolves when it commits (all its writes, or none: an
 * error or abort rolls every write of the transaction back). `body`'s return value is passed on.
 */
export async function inTransaction<T>(
  stores: string[],
  mode: IDBTransactionMode,
  body: (tx: IDBTransaction) => T,
): Promise<T> {
  const db = await openStudioDb();
  const tx = db.transaction(stores, mode);
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('Transaction aborted', 'AbortError'));
    tx.onerror = () => reject(tx.error);
  });
  let out: T;
  try {
    out = body(tx);
  } catch (e) {
    // The transaction may have ended already (a request that failed aborts it): aborting it
    // again throws an InvalidStateError that would hide `e`, the error worth reporting.
    try {
      tx.abort();
    } catch {
      /* already finished */
    }
    await done.catch(() => undefined);
    // A request that failed ended the transaction first: its error says why (a full quota...).
    throw tx.error ?? e;
  }
  await done;
  return out;
}

/**
 * Bytes as IndexedDB stores them: a Blob. Chromium refuses a value whose serialized form passes
 * about 127 MB ("The serialized keys and/or value are too large", max 133,169,152 bytes), so a
 * data file read to its 128 MB budget, a bert-base model zip or checkpoint does not fit as a
 * Uint8Array; a Blob inside a value is stored apart from it, by reference, and has no such limit.
 * (The Blob holds its own copy of the bytes.) Read back with {@link bytesOf}.
 */
export function storedBytes(bytes: Uint8Array): Blob {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}

/** Bytes read back from a stored value: a Blob, or a Uint8Array stored before Blobs were used. */
export async function bytesOf(value: unknown): Promise<Uint8Array | undefined> {
  if (value instanceof Uint8Array) return value;
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    return new Uint8Array(await value.arrayBuffer());
  }
  return undefined;
}

/** Each value of `files` through {@link bytesOf}; entries that are not bytes are left out. */
export async function filesOf(files: object): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(files)) {
    const bytes = await bytesOf(value);
    if (bytes) out[name] = bytes;
  }
  return out;
}

/** Key range of every key starting with `prefix` (string keys). */
export function prefixRange(prefix: string): IDBKeyRange {
  return IDBKeyRange.bound(prefix, `${prefix}\uffff`);
}
