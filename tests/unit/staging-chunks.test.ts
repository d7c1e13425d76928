/**
 * The staging buffer's plans (src/core/train/parallel/staging.ts): chunks never exceed the
 * buffer, cover each planned float exactly once in order, and never cut a table row.
 */
import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/core/train/parallel/protocol';
import {
  chunkPlan,
  pieceFloats,
  stagingFloats,
  type Piece,
} from '../../src/core/train/parallel/staging';

const layout = layoutOf(
  new Map([
    ['emb', { shape: [50, 8] }],
    ['w', { shape: [7, 5] }],
    ['b', { shape: [5] }],
  ]),
  'emb',
);

/** Every (param, float index) a plan's chunks carry, in order. */
function carried(chunks: Piece[][]): string[] {
  const out: string[] = [];
  for (const chunk of chunks)
    for (const p of chunk) {
      if (p.rows === null) for (let i = 0; i < p.count; i++) out.push(`${p.j}:${p.start + i}`);
      else p.rows.forEach((r, k) => out.push(`${p.j}:row${r}@${p.first + k}`));
    }
  return out;
}

describe('chunkPlan', () => {
  const rows = Int32Array.from([1, 4, 9, 10, 33, 49]);
  const items = [
    { j: 0, rows },
    { j: 1, rows: null },
    { j: 2, rows: null },
  ];
  const expected = [
    ...[...rows].map((r, k) => `0:row${r}@${k}`),
    ...Array.from({ length: 35 }, (_, i) => `1:${i}`),
    ...Array.from({ length: 5 }, (_, i) => `2:${i}`),
  ];

  it.each([1, 7, 8, 13, 16, 40, 1000])('capacity %i: each float once, in order', (capacity) => {
    const cap = stagingFloats(layout, capacity);
    const chunks = chunkPlan(layout, items, cap);
    expect(carried(chunks)).toEqual(expected);
    for (const chunk of chunks) {
      const floats = chunk.reduce((n, p) => n + pieceFloats(layout, p), 0);
      expect(floats).toBeGreaterThan(0);
      expect(floats).toBeLessThanOrEqual(cap);
    }
  });

  it('the buffer holds at least the widest row, and at most the model', () => {
    expect(stagingFloats(layout, 1)).toBe(8);
    expect(stagingFloats(layout, 1e9)).toBe(layout.total);
  });

  it('all rows of a table when no rows are given are a dense transfer', () => {
    const chunks = chunkPlan(layout, [{ j: 0, rows: null }], 64);
    expect(chunks).toHaveLength(Math.ceil(400 / 64));
    expect(carried(chunks)).toHaveLength(400);
  });
});
