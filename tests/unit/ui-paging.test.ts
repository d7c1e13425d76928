import { describe, expect, it } from 'vitest';
import { pageSlice, roundTicks } from '../../src/ui/paging';

describe('pageSlice', () => {
  it('slices 86 rows in pages of 20', () => {
    expect(pageSlice(86, 20, 0)).toEqual({
      page: 0,
      pages: 5,
      start: 0,
      end: 20,
      label: '1–20 of 86',
    });
    expect(pageSlice(86, 20, 1).label).toBe('21–40 of 86');
    expect(pageSlice(86, 20, 4)).toMatchObject({ start: 80, end: 86, label: '81–86 of 86' });
  });
  it('clamps the page when the list shrinks (a search)', () => {
    expect(pageSlice(7, 20, 3)).toMatchObject({
      page: 0,
      pages: 1,
      start: 0,
      end: 7,
      label: '1–7 of 7',
    });
    expect(pageSlice(0, 20, 2)).toMatchObject({
      page: 0,
      pages: 1,
      start: 0,
      end: 0,
      label: '0 of 0',
    });
    expect(pageSlice(40, 20, -1).page).toBe(0);
    expect(pageSlice(40, 20, 9)).toMatchObject({ page: 1, label: '21–40 of 40' });
  });
});

describe('roundTicks', () => {
  it('steps by round numbers from a round start, not from the first step', () => {
    expect(roundTicks(10, 697)).toEqual([200, 400, 600, 697]);
    expect(roundTicks(0, 697, 4)).toEqual([0, 200, 400, 600, 697]);
  });
  it('leaves out the end when a round tick is close to it', () => {
    expect(roundTicks(0, 610, 4)).toEqual([0, 200, 400, 600]);
    expect(roundTicks(1, 30)).toEqual([10, 20, 30]);
    expect(roundTicks(0, 30, 6)).toEqual([0, 5, 10, 15, 20, 25, 30]);
  });
  it('whole steps only (minStep 1), and single points', () => {
    expect(roundTicks(1, 3)).toEqual([1, 2, 3]);
    expect(roundTicks(5, 5)).toEqual([5]);
    expect(roundTicks(0, 1, 5, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
