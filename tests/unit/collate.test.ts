import { describe, expect, it } from 'vitest';
import { batchesOf, collateBatch, epochOrder } from '../../src/core/tokenize/collate';
import type { EncodedDataset } from '../../src/core/tokenize/encode';

/** Three rows: [101 5 102], [101 6 7 8 102], [101 9 102 | 10 102] (the last one a pair). */
const ds: EncodedDataset = {
  ids: new Uint16Array([101, 5, 102, 101, 6, 7, 8, 102, 101, 9, 102, 10, 102]),
  offsets: new Uint32Array([0, 3, 8, 13]),
  typeIds: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]),
  truncated: 0,
};

describe('collateBatch', () => {
  it('pads to the longest row by default (DataCollatorWithPadding)', () => {
    const b = collateBatch(ds, [0, 2], { padding: 'longest', maxLength: 16, padId: 0 });
    expect(b.batchSize).toBe(2);
    expect(b.seqLen).toBe(5);
    expect(Array.from(b.inputIds)).toEqual([101, 5, 102, 0, 0, 101, 9, 102, 10, 102]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    expect(Array.from(b.tokenTypeIds)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(b.inputIds).toBeInstanceOf(Int32Array);
  });

  it('pads to max_length with a non-zero pad id, and rounds to a multiple when asked', () => {
    const b = collateBatch(ds, [1], { padding: 'max_length', maxLength: 7, padId: 3 });
    expect(b.seqLen).toBe(7);
    expect(Array.from(b.inputIds)).toEqual([101, 6, 7, 8, 102, 3, 3]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 0, 0]);
    const r = collateBatch(ds, [0, 1], {
      padding: 'longest',
      maxLength: 64,
      padId: 0,
      padToMultipleOf: 8,
    });
    expect(r.seqLen).toBe(8);
    const capped = collateBatch(ds, [0, 1], {
      padding: 'longest',
      maxLength: 6,
      padId: 0,
      padToMultipleOf: 8,
    });
    expect(capped.seqLen).toBe(6);
  });

  it('builds batches with no type ids (single texts) as zeros', () => {
    const single: EncodedDataset = { ...ds, typeIds: null };
    const b = collateBatch(single, [2], { padding: 'longest', maxLength: 8, padId: 0 });
    expect(Array.from(b.tokenTypeIds)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('epochOrder and batchesOf', () => {
  it('gives a seeded permutation per epoch', () => {
    const a = epochOrder(1000, 42, 0);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochOrder(1000, 42, 0)).toEqual(a);
    expect(epochOrder(1000, 42, 1)).not.toEqual(a);
    expect(epochOrder(1000, 7, 0)).not.toEqual(a);
    expect(Array.from(a.subarray(0, 20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('groups by length like LengthGroupedSampler: sorted megabatches, longest row first', () => {
    const n = 2000;
    const batchSize = 4;
    const lengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) lengths[i] = 5 + ((i * 7919) % 120);
    lengths[1234] = 500;
    const order = epochOrder(n, 42, 0, { groupByLength: { lengths, batchSize } });
    expect(new Set(order).size).toBe(n);
    expect(order[0]).toBe(1234);
    // mult = min(2000 / 16, 50) = 50 -> megabatches of 200, each descending by length (apart from
    // the swapped first element).
    const mega = 200;
    for (let s = 0; s < n; s += mega) {
      for (let k = s + 2; k < s + mega; k++) {
        expect(lengths[order[k - 1]]).toBeGreaterThanOrEqual(lengths[order[k]]);
      }
    }
    // The same seed and epoch give the same megabatch membership as the plain permutation.
    const plain = epochOrder(n, 42, 0);
    expect(new Set(order.subarray(200, 400))).toEqual(new Set(plain.subarray(200, 400)));
    expect(() => epochOrder(3, 1, 0, { groupByLength: { lengths, batchSize } })).toThrow(
      RangeError,
    );
  });

  it('cuts batches keeping the last partial one', () => {
    const b = batchesOf(new Uint32Array([5, 4, 3, 2, 1, 0, 9]), 3);
    expect(b.map((x) => Array.from(x))).toEqual([[5, 4, 3], [2, 1, 0], [9]]);
    expect(batchesOf([], 8)).toEqual([]);
    expect(() => batchesOf([1], 0)).toThrow(RangeError);
  });
});

describe('epochOrder: train_sampling_strategy sequential', () => {
  it('is the file order in every epoch', () => {
    for (const epoch of [0, 1, 5]) {
      expect(Array.from(epochOrder(7, 42, epoch, { sequential: true }))).toEqual([
        0, 1, 2, 3, 4, 5, 6,
      ]);
    }
    expect(Array.from(epochOrder(7, 42, 0))).not.toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
