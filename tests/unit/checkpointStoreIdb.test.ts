/**
 * fake-indexeddb is not installed, so the IndexedDB round trip (atomic writes, quota rollback,
 * listing, deletion) is tested in real Chromium by tests/e2e/persistence.e2e.ts; here the parts
 * that need no database.
 */
import { describe, expect, it } from 'vitest';
import { IdbCheckpointStore } from '../../src/core/io/checkpointStoreIdb';
import { StorageQuotaError, hasIndexedDb, isQuotaError } from '../../src/core/io/idb';

describe('IdbCheckpointStore (no database)', () => {
  it('rejects run ids that would break its key prefix', () => {
    expect(() => new IdbCheckpointStore('a/b')).toThrow(/may not contain/);
  });

  it('recognises quota errors by name only', () => {
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });

  it('explains a full quota and keeps its cause', () => {
    const cause = new DOMException('full', 'QuotaExceededError');
    const e = new StorageQuotaError('checkpoint-4', cause);
    expect(e.name).toBe('StorageQuotaError');
    expect(e.message).toMatch(/storage is full.*checkpoint-4.*last saved checkpoint is kept/s);
    expect((e as { cause?: unknown }).cause).toBe(cause);
  });

  it('fails with a clear error where there is no IndexedDB (Node)', async () => {
    expect(hasIndexedDb()).toBe(false);
    await expect(new IdbCheckpointStore('run-x').list()).rejects.toThrow(
      /IndexedDB is not available/,
    );
  });
});
