import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, permutation, shuffle } from '../../src/core/util/rng';

describe('rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    const ys = Array.from({ length: 100 }, () => b.next());
    const zs = Array.from({ length: 100 }, () => c.next());
    expect(xs).toEqual(ys);
    expect(xs).not.toEqual(zs);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('has roughly uniform moments and unbiased nextInt', () => {
    const r = createRng(7);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      sum += x;
      sq += x * x;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.nextInt(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.nextInt(0)).toThrow();
  });

  it('normal() has mean 0 and std 1', () => {
    const r = createRng(1);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.sqrt(sq / n)).toBeCloseTo(1, 1);
  });

  it('resumes exactly from a saved state (JSON round trip)', () => {
    const r = createRng(123);
    for (let i = 0; i < 37; i++) r.next();
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const expected = [r.next(), r.nextInt(1000), r.normal()];
    const s = createRng(0);
    s.setState(saved);
    expect([s.next(), s.nextInt(1000), s.normal()]).toEqual(expected);
  });

  it('deriveSeed gives independent, order-sensitive, deterministic seeds', () => {
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
    const seen = new Set<number>();
    for (let e = 0; e < 1000; e++) seen.add(deriveSeed(42, e));
    expect(seen.size).toBe(1000);
    expect(deriveSeed(42, 1, 2)).not.toBe(deriveSeed(42, 2, 1));
    expect(deriveSeed(42)).not.toBe(deriveSeed(42, 0));
    expect(deriveSeed(42, 0)).not.toBe(deriveSeed(43, 0));
    const s = deriveSeed(42, 3);
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('shuffle is an in-place deterministic permutation', () => {
    const arr = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffle(arr, createRng(5));
    expect(out).toBe(arr);
    expect([...arr].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(arr).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(permutation(50, createRng(5))).toEqual(arr);
    // Each position sees every value about equally often over many shuffles.
    const firstCounts = new Array(4).fill(0);
    const r = createRng(9);
    for (let i = 0; i < 40_000; i++) firstCounts[shuffle([0, 1, 2, 3], r)[0]]++;
    for (const c of firstCounts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
});
