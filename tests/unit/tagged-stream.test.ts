/**
 * A tagged file longer than the bytes sniffed for detection (64 KiB), read from a stream as the
 * CLI opens files: detection reads one branch of a tee and the reader the other, whole.
 */
import { describe, expect, it } from 'vitest';

import { openDataFile } from '../../src/cli/files';
import { detectAndReadTagged } from '../../src/core/session/tagged';

describe('a tagged file read from a stream', () => {
  it('reads all of WNUT 2017 train (about 500 kB) as tagged sentences', async () => {
    const stream = await openDataFile('tests/fixtures/data/wnut17/wnut17train.conll', 'train');
    const { tagged } = await detectAndReadTagged('wnut17train.conll', stream, {
      task: 'auto',
      labelNames: null,
    });
    expect(tagged?.corpus.offsets.length).toBe(3394 + 1);
  }, 30_000);
});
