/**
 * The command line's run store (src/core/run/fsStores.ts): a damaged run record or a run id
 * that is not one fails with a code and a remedy, not as a bug.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMEDIES, errorCode, errorRemedy } from '../../src/core/run/errors';
import { FsRunStore } from '../../src/core/run/fsStores';

describe('FsRunStore errors', () => {
  it('names a damaged record and a run id that is not one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-runs-'));
    writeFileSync(join(dir, 'run-1.json'), '{"id": "run-1", "fileNa');
    const store = new FsRunStore(dir);
    const damaged = await store.get('run-1').catch((e: unknown) => e);
    expect(errorCode(damaged)).toBe('not-resumable');
    expect((damaged as Error).message).toContain('run-1.json is not valid JSON');
    expect(errorRemedy(damaged)).not.toBe(REMEDIES.internal);
    const notId = await store.get('../run-1').catch((e: unknown) => e);
    expect(errorCode(notId)).toBe('not-found');
    expect(await store.get('run-2')).toBeNull();
  });
});
