/**
 * A {@link CheckpointStore} in IndexedDB, one per run. A checkpoint's files are one record
 * written in ONE transaction, so a crash or a quota failure mid-write leaves the previous
 * checkpoint intact (IndexedDB transactions are atomic and durable on commit).
 *
 * Quota: a write the browser refuses (QuotaExceededError) is reported through `onQuota` and
 * skipped, so training goes on and the last good checkpoint stays; without `onQuota` it throws
 * {@link StorageQuotaError}.
 */
import { TEST_HOOKS } from '../buildFlags';
import type { CheckpointFiles, CheckpointStore } from './checkpointStore';
import {
  STORES,
  StorageQuotaError,
  filesOf,
  inTransaction,
  isQuotaError,
  prefixRange,
  reqResult,
  storedBytes,
} from './idb';

export interface IdbCheckpointStoreOptions {
  /** Called instead of throwing when a write hits the quota; the checkpoint is not saved. */
  onQuota?: (err: StorageQuotaError) => void;
  /**
   * Test hook (test builds only, see `TEST_HOOKS`): when it returns true, a write fails as a full
   * quota would (a QuotaExceededError DOMException raised inside the transaction, which is then
   * aborted). Ignored in the production build.
   */
  simulateQuota?: () => boolean;
}

/** The stored form of one checkpoint. */
interface StoredCheckpoint {
  runId: string;
  name: string;
  /** Blobs (Uint8Arrays in checkpoints stored before): read back with filesOf. */
  files: Record<string, Blob | Uint8Array>;
  bytes: number;
  written: number;
}

/** Checkpoints of one run, in the studio's IndexedDB database. */
export class IdbCheckpointStore implements CheckpointStore {
  constructor(
    readonly runId: string,
    private readonly opts: IdbCheckpointStoreOptions = {},
  ) {
    if (runId.includes('/')) throw new Error(`Run ids may not contain "/": ${runId}`);
  }

  private key(name: string): string {
    return `${this.runId}/${name}`;
  }

  async write(name: string, files: CheckpointFiles): Promise<void> {
    let bytes = 0;
    // Blobs (see storedBytes): copies, as the trainer may reuse its buffers, and no value-size
    // limit (a bert-base checkpoint's weights and AdamW moments pass it).
    const copy: Record<string, Blob> = {};
    for (const [k, v] of Object.entries(files)) {
      copy[k] = storedBytes(v);
      bytes += v.byteLength;
    }
    const record: StoredCheckpoint = {
      runId: this.runId,
      name,
      files: copy,
      bytes,
      written: Date.now(),
    };
    try {
      await inTransaction([STORES.checkpoints], 'readwrite', (tx) => {
        tx.objectStore(STORES.checkpoints).put(record, this.key(name));
        if (TEST_HOOKS && this.opts.simulateQuota?.()) {
          throw new DOMException('Simulated full quota (test hook).', 'QuotaExceededError');
        }
      });
    } catch (err) {
      if (!isQuotaError(err)) throw err;
      const q = new StorageQuotaError(`${name} of this run`, err);
      if (this.opts.onQuota) this.opts.onQuota(q);
      else throw q;
    }
  }

  async read(name: string): Promise<CheckpointFiles | null> {
    const rec = await inTransaction([STORES.checkpoints], 'readonly', (tx) =>
      reqResult(
        tx.objectStore(STORES.checkpoints).get(this.key(name)) as IDBRequest<
          StoredCheckpoint | undefined
        >,
      ),
    );
    const stored = await rec;
    return stored ? filesOf(stored.files) : null;
  }

  async remove(name: string): Promise<void> {
    await inTransaction([STORES.checkpoints], 'readwrite', (tx) => {
      tx.objectStore(STORES.checkpoints).delete(this.key(name));
    });
  }

  async list(): Promise<string[]> {
    const keys = await inTransaction([STORES.checkpoints], 'readonly', (tx) =>
      reqResult(tx.objectStore(STORES.checkpoints).getAllKeys(prefixRange(`${this.runId}/`))),
    );
    return (await keys).map((k) => String(k).slice(this.runId.length + 1));
  }

  /** Deletes every checkpoint of this run in one transaction. */
  async clear(): Promise<void> {
    await inTransaction([STORES.checkpoints], 'readwrite', (tx) => {
      tx.objectStore(STORES.checkpoints).delete(prefixRange(`${this.runId}/`));
    });
  }
}
