/**
 * The data file the studio has open (and a separate validation file), kept in IndexedDB so a
 * reload (or a crash of the tab) opens it again instead of the demo, the tokenizer files the user
 * dropped and the pretrained checkpoint chosen: one of each at a time, in the `blobs` store under
 * `kept/…` keys (run
 * ids never contain "/", so these never collide with a run's blobs). Only the bytes the reader
 * used are kept (see the worker's `storedBytes`), so a file of gigabytes costs at most the budget.
 */
import {
  bytesOf,
  filesOf,
  inTransaction,
  isQuotaError,
  reqResult,
  STORES,
  storedBytes,
} from './idb';
import { StudioError } from '../util/errors';

const KEY = {
  data: 'kept/data',
  name: 'kept/name',
  tokenizer: 'kept/tokenizer',
  checkpoint: 'kept/checkpoint',
} as const;

/**
 * The pretrained checkpoint chosen: by URL or Hub id (fetched again on the next visit, from the
 * browser's Cache API where it holds the files), or the dropped files themselves.
 */
export type KeptCheckpoint = { url: string } | { files: Record<string, Uint8Array> };

/** Which data file: the training file, or the separate validation file. */
export type KeptSlot = 'data' | 'validation';
const SLOT_KEYS = {
  data: { data: KEY.data, name: KEY.name },
  validation: { data: 'kept/validation', name: 'kept/validation-name' },
} as const;

/** Keeps `bytes` as the open data file named `fileName`, replacing the one kept before. */
export async function keepDataFile(
  fileName: string,
  bytes: Uint8Array,
  slot: KeptSlot = 'data',
): Promise<void> {
  const name = new TextEncoder().encode(fileName);
  const key = SLOT_KEYS[slot];
  const blob = storedBytes(bytes);
  try {
    await inTransaction([STORES.blobs], 'readwrite', (tx) => {
      const store = tx.objectStore(STORES.blobs);
      store.put(blob, key.data);
      store.put(name, key.name);
    });
  } catch (err) {
    if (!isQuotaError(err)) throw err;
    // A file the storage cannot hold is not kept; neither is the one before (it is not open).
    await forgetDataFile(slot).catch(() => undefined);
    throw new StudioError(
      'quota-exceeded',
      `Browser storage is full: ${fileName} stays open but will not reopen after a reload. ` +
        'Delete old runs in Run history to make room.',
    );
  }
}

/** The kept data file, or null when none is kept. */
export async function keptDataFile(
  slot: KeptSlot = 'data',
): Promise<{ fileName: string; bytes: Uint8Array } | null> {
  const key = SLOT_KEYS[slot];
  const p = await inTransaction([STORES.blobs], 'readonly', (tx) => {
    const store = tx.objectStore(STORES.blobs);
    return Promise.all([
      reqResult(store.get(key.data) as IDBRequest<unknown>),
      reqResult(store.get(key.name) as IDBRequest<Uint8Array | undefined>),
    ]);
  });
  const [stored, name] = await p;
  const bytes = await bytesOf(stored);
  if (!bytes || !name) return null;
  return { fileName: new TextDecoder().decode(name), bytes };
}

/** Forgets the kept data file (the demo opens on the next visit). */
export async function forgetDataFile(slot: KeptSlot = 'data'): Promise<void> {
  const key = SLOT_KEYS[slot];
  await inTransaction([STORES.blobs], 'readwrite', (tx) => {
    const store = tx.objectStore(STORES.blobs);
    store.delete(key.data);
    store.delete(key.name);
  });
}

/** Keeps tokenizer files the user dropped (file name -> text), replacing the ones kept before. */
export async function keepTokenizerFiles(files: Record<string, string>): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(files));
  await inTransaction([STORES.blobs], 'readwrite', (tx) => {
    tx.objectStore(STORES.blobs).put(bytes, KEY.tokenizer);
  }).catch((err: unknown) => {
    if (!isQuotaError(err)) throw err;
    throw new StudioError(
      'quota-exceeded',
      'Browser storage is full: your tokenizer files are in use but will not be there after a ' +
        'reload. Delete old runs in Run history to make room.',
    );
  });
}

/** The kept tokenizer files (file name -> text), or null when none are kept. */
export async function keptTokenizerFiles(): Promise<Record<string, string> | null> {
  const p = await inTransaction([STORES.blobs], 'readonly', (tx) =>
    reqResult(
      tx.objectStore(STORES.blobs).get(KEY.tokenizer) as IDBRequest<Uint8Array | undefined>,
    ),
  );
  const bytes = await p;
  if (!bytes) return null;
  const files = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  if (!files || typeof files !== 'object') return null;
  return Object.fromEntries(
    Object.entries(files).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** Keeps the chosen checkpoint (its URL / Hub id, or its dropped files), replacing the last. */
export async function keepCheckpoint(source: KeptCheckpoint): Promise<void> {
  const value =
    'url' in source
      ? { url: source.url }
      : {
          files: Object.fromEntries(
            Object.entries(source.files).map(([name, bytes]) => [name, storedBytes(bytes)]),
          ),
        };
  await inTransaction([STORES.blobs], 'readwrite', (tx) => {
    tx.objectStore(STORES.blobs).put(value, KEY.checkpoint);
  }).catch((err: unknown) => {
    if (!isQuotaError(err)) throw err;
    throw new StudioError(
      'quota-exceeded',
      'Browser storage is full: the checkpoint is in use but will not be there after a ' +
        'reload. Delete old runs in Run history to make room.',
    );
  });
}

/** The kept checkpoint, or null when none is kept (or what is kept is not one). */
export async function keptCheckpoint(): Promise<KeptCheckpoint | null> {
  const p = await inTransaction([STORES.blobs], 'readonly', (tx) =>
    reqResult(tx.objectStore(STORES.blobs).get(KEY.checkpoint) as IDBRequest<unknown>),
  );
  const value = await p;
  // Dropped files are stored as Blobs (see storedBytes); older visits kept Uint8Arrays.
  const stored = value && typeof value === 'object' ? (value as { files?: unknown }).files : null;
  return keptCheckpointOf(
    stored && typeof stored === 'object' ? { files: await filesOf(stored) } : value,
  );
}

/** A stored value read back as a kept checkpoint, or null when it is not one. */
export function keptCheckpointOf(v: unknown): KeptCheckpoint | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as { url?: unknown; files?: unknown };
  if (typeof o.url === 'string') return { url: o.url };
  if (!o.files || typeof o.files !== 'object') return null;
  const files = Object.entries(o.files).filter(
    (e): e is [string, Uint8Array] => e[1] instanceof Uint8Array,
  );
  return files.length ? { files: Object.fromEntries(files) } : null;
}

/** Forgets the kept checkpoint (a model trained from scratch was chosen). */
export async function forgetCheckpoint(): Promise<void> {
  await inTransaction([STORES.blobs], 'readwrite', (tx) => {
    tx.objectStore(STORES.blobs).delete(KEY.checkpoint);
  });
}
