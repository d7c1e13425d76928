/** A kept checkpoint read back from IndexedDB: its URL, or its files; anything else is none. */
import { describe, expect, it } from 'vitest';
import { keptCheckpointOf } from '../../src/core/io/keptFile';

describe('keptCheckpointOf', () => {
  it('reads a URL or files back, and nothing else', () => {
    expect(keptCheckpointOf({ url: 'google/bert_uncased_L-2_H-128_A-2' })).toEqual({
      url: 'google/bert_uncased_L-2_H-128_A-2',
    });
    const bytes = new Uint8Array([1, 2, 3]);
    expect(keptCheckpointOf({ files: { 'config.json': bytes, odd: 'text' } })).toEqual({
      files: { 'config.json': bytes },
    });
    for (const bad of [null, undefined, 'x', 3, {}, { url: 4 }, { files: {} }, { files: 'x' }]) {
      expect(keptCheckpointOf(bad)).toBeNull();
    }
  });
});
