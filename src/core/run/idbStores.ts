/**
 * The {@link RunService}'s stores in a browser (the worker): run records, blobs and checkpoints
 * in the studio's IndexedDB database, kept files under `kept/…`, live runs as Web Locks. Where
 * there is no IndexedDB (plain Node) nothing is stored and runs train as before.
 */
import { IdbCheckpointStore } from '../io/checkpointStoreIdb';
import { hasIndexedDb } from '../io/idb';
import * as kept from '../io/keptFile';
import {
  deleteRun,
  getBlob,
  getRun,
  listRuns,
  putBlob,
  putRun,
  storageEstimate,
} from '../io/runStore';
import type { CheckpointStores, KeptFiles, Locks, RunStore } from './stores';
import { migrateRunRecord } from './storedRun';
import type { RunServiceDeps } from './types';

export const idbRunStore: RunStore = {
  put: putRun,
  get: async (id) => {
    const r = await getRun(id);
    return r && migrateRunRecord(r);
  },
  list: async () => (await listRuns()).map(migrateRunRecord),
  delete: deleteRun,
  putBlob,
  getBlob,
  storage: storageEstimate,
};

/** One IndexedDB checkpoint store per recorded run; none for a run that is not recorded. */
export const idbCheckpointStores: CheckpointStores = {
  forRun: (runId, hooks) =>
    runId === null
      ? undefined
      : new IdbCheckpointStore(runId, {
          onQuota: hooks.onQuota,
          simulateQuota: hooks.simulateQuota,
        }),
};

export const idbKeptFiles: KeptFiles = {
  keepDataFile: (fileName, bytes) => kept.keepDataFile(fileName, bytes),
  keptDataFile: () => kept.keptDataFile(),
  forgetDataFile: () => kept.forgetDataFile(),
  keepValidationFile: (fileName, bytes) => kept.keepDataFile(fileName, bytes, 'validation'),
  keptValidationFile: () => kept.keptDataFile('validation'),
  forgetValidationFile: () => kept.forgetDataFile('validation'),
  keepTokenizerFiles: kept.keepTokenizerFiles,
  keptTokenizerFiles: kept.keptTokenizerFiles,
  keepCheckpoint: kept.keepCheckpoint,
  keptCheckpoint: kept.keptCheckpoint,
  forgetCheckpoint: kept.forgetCheckpoint,
};

const LOCK_PREFIX = 'trainer-studio-run-';

interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

/** Web Locks: a run's lock is held (no polling) until its release function is called. */
export function webLocks(locks: LockManagerLike): Locks {
  return {
    hold(id) {
      let release = () => {};
      const released = new Promise<void>((r) => (release = r));
      void locks.request(`${LOCK_PREFIX}${id}`, () => released);
      return release;
    },
    async held() {
      const ids = new Set<string>();
      for (const l of (await locks.query()).held ?? []) {
        const name = l.name ?? '';
        if (name.startsWith(LOCK_PREFIX)) ids.add(name.slice(LOCK_PREFIX.length));
      }
      return ids;
    },
  };
}

/** The browser's stores, or none where IndexedDB (or Web Locks) is missing. */
export function browserRunStores(): Pick<
  RunServiceDeps,
  'runs' | 'checkpoints' | 'kept' | 'locks'
> {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  if (!hasIndexedDb()) return { locks: nav?.locks ? webLocks(nav.locks) : null };
  return {
    runs: idbRunStore,
    checkpoints: idbCheckpointStores,
    kept: idbKeptFiles,
    locks: nav?.locks ? webLocks(nav.locks) : null,
  };
}
