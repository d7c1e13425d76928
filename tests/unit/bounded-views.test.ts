/**
 * Views that hold at any size: the data the evaluation views draw for a 1,000-class run is
 * bounded (the top confusions, the curves' classes, the per-class table's pages), built by loops
 * (a spread of a 1,000,000-cell matrix into Math.max overflows the stack), and the data report's
 * split warning follows the stratified split's own rule.
 */
import { describe, expect, it } from 'vitest';
import { splitWarning, validationRowsOf } from '../../src/core/data/report';
import { stratifiedSplit } from '../../src/core/data/split';
import {
  buildEvalDetails,
  matrixMax,
  MAX_STORED_CURVE_POINTS,
  prCurve,
  rocCurve,
  topConfusions,
  type ClassificationDetails,
} from '../../src/core/train/evalDetails';
import { createRng } from '../../src/core/util/rng';
import { curveClasses, MAX_CURVES } from '../../src/ui/evalFormat';
import { formatProbabilities } from '../../src/ui/format';
import { pageSlice } from '../../src/ui/paging';

/** A `c` x `c` confusion matrix of a model that gets most rows right and confuses some. */
function bigMatrix(c: number): number[][] {
  const rng = createRng(7);
  const m = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < c; i++) {
    m[i][i] = 5;
    for (let k = 0; k < 3; k++) m[i][Math.floor(rng.next() * c)] += 1;
  }
  return m;
}

/** Every off-diagonal cell, largest first (ties: true class, then prediction): the reference. */
function allConfusions(m: number[][]) {
  const out: { actual: number; predicted: number; count: number }[] = [];
  m.forEach((row, i) =>
    row.forEach((count, j) => {
      if (i !== j && count > 0) out.push({ actual: i, predicted: j, count });
    }),
  );
  return out.sort((a, b) => b.count - a.count || a.actual - b.actual || a.predicted - b.predicted);
}

describe('topConfusions', () => {
  it('lists the k largest off-diagonal cells of a 1,000-class matrix and counts the rest', () => {
    const m = bigMatrix(1000);
    m[3][7] = 40;
    m[999][0] = 25;
    const t = topConfusions(m, 20);
    const ref = allConfusions(m);
    expect(t.top).toHaveLength(20);
    expect(t.top.map(({ actual, predicted, count }) => ({ actual, predicted, count }))).toEqual(
      ref.slice(0, 20),
    );
    expect(t.top[0]).toMatchObject({ actual: 3, predicted: 7, count: 40 });
    expect(t.top[0].share).toBeCloseTo(40 / m[3].reduce((a, b) => a + b, 0), 12);
    expect(t.top[1]).toMatchObject({ actual: 999, predicted: 0, count: 25 });
    expect(t.cells).toBe(ref.length);
    expect(t.wrong).toBe(ref.reduce((a, c) => a + c.count, 0));
    expect(t.wrongShown).toBe(ref.slice(0, 20).reduce((a, c) => a + c.count, 0));
  });

  it('returns fewer when there are fewer confusions, and none for a perfect model', () => {
    expect(
      topConfusions(
        [
          [3, 1],
          [0, 4],
        ],
        20,
      ),
    ).toMatchObject({
      top: [{ actual: 0, predicted: 1, count: 1, share: 0.25 }],
      cells: 1,
      wrong: 1,
    });
    expect(
      topConfusions(
        [
          [3, 0],
          [0, 4],
        ],
        20,
      ).top,
    ).toEqual([]);
    expect(
      topConfusions(
        [
          [3, 2],
          [1, 4],
        ],
        0,
      ),
    ).toMatchObject({ top: [], cells: 2, wrong: 3 });
  });
});

describe('matrixMax', () => {
  it('takes the largest cell of a 1,000,000-cell matrix without a spread', () => {
    const m = bigMatrix(1000);
    m[500][501] = 77;
    expect(matrixMax(m)).toBe(77);
    // What the view did before: a spread that large overflows the stack.
    expect(() => Math.max(1e-9, ...m.flat())).toThrow(RangeError);
    expect(matrixMax([])).toBe(0);
  });
});

describe('curves with a bound on their points', () => {
  it('keep evenly picked points of the full curve, and the same areas', () => {
    const rng = createRng(11);
    const scores = Array.from({ length: 5000 }, () => Math.round(rng.next() * 1e4) / 1e4);
    const positive = scores.map((s) => rng.next() < s);
    const full = { roc: rocCurve(scores, positive), pr: prCurve(scores, positive) };
    const few = { roc: rocCurve(scores, positive, 100), pr: prCurve(scores, positive, 100) };
    const every = <T>(xs: T[], k: number) =>
      Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]);
    expect(full.roc.points.length).toBeGreaterThan(1000);
    expect(few.roc.points).toEqual(every(full.roc.points, 100));
    expect(few.pr.points).toEqual(every(full.pr.points, 100));
    expect(few.roc.auc).toBe(full.roc.auc);
    expect(few.pr.averagePrecision).toBe(full.pr.averagePrecision);
    expect(rocCurve([0.1, 0.9], [false, true], 100)).toEqual(rocCurve([0.1, 0.9], [false, true]));
  });
});

describe('a 1,000-class evaluation', () => {
  it('builds, and the views draw bounded parts of it', () => {
    const c = 1000;
    const n = 2000;
    const rng = createRng(3);
    const logits = new Float32Array(n * c);
    for (let i = 0; i < logits.length; i++) logits[i] = rng.next();
    const labels = Float32Array.from({ length: n }, (_, i) => i % c);
    const d = buildEvalDetails({
      problemType: 'single_label_classification',
      labelNames: Array.from({ length: c }, (_, i) => `c${i}`),
      logits,
      labels,
      texts: Array.from({ length: n }, (_, i) => `row ${i}`),
      keptTokens: new Int32Array(n),
      keptText: new Array<null>(n).fill(null),
      maxLength: 8,
    }) as ClassificationDetails;
    expect(d.confusion).toHaveLength(c);
    for (const cv of d.curves) {
      expect(cv.roc.length).toBeLessThanOrEqual(MAX_STORED_CURVE_POINTS);
      expect(cv.positives).toBe(2);
    }
    const t = topConfusions(d.confusion, 20);
    expect(t.top.length).toBe(20);
    expect(t.wrong).toBe(d.mistakes.length);
    const curves = curveClasses(d);
    expect(curves).toHaveLength(MAX_CURVES);
    expect(curves).toEqual([...curves].sort((a, b) => a - b));
    expect(pageSlice(c, 20, 0)).toMatchObject({ start: 0, end: 20, label: '1–20 of 1000' });
  });

  it('curves: the positive class of a binary task, all of a few, the best supported of many', () => {
    const rep = (supports: number[]) => ({
      labelNames: supports.map((_, i) => `c${i}`),
      report: supports.map((support) => ({ precision: 0, recall: 0, f1: 0, support })),
    });
    expect(curveClasses(rep([5, 5]))).toEqual([1]);
    expect(curveClasses(rep([1, 2, 3]))).toEqual([0, 1, 2]);
    const many = Array.from({ length: 30 }, (_, i) => (i === 29 ? 100 : i % 3));
    const picked = curveClasses(rep(many));
    expect(picked).toHaveLength(MAX_CURVES);
    expect(picked).toContain(29);
  });
});

describe('formatProbabilities', () => {
  it('lists the 10 most probable of 500 labels and counts the rest', () => {
    const labels = Array.from({ length: 500 }, (_, i) => `c${i}`);
    const probs = labels.map((_, i) => (i === 42 ? 0.5 : 0.5 / 499));
    const text = formatProbabilities({ label: 'c42', labels, probs, truncation: null });
    expect(text.startsWith('c42 0.50 · ')).toBe(true);
    expect(text.split(' · ')).toHaveLength(11);
    expect(text.endsWith(' · 490 more labels')).toBe(true);
  });
});

describe('splitWarning', () => {
  it('follows stratifiedSplit: validation rows per class for every class size', () => {
    for (const fraction of [0.05, 0.1, 0.2, 0.5]) {
      for (let count = 1; count <= 40; count++) {
        const split = stratifiedSplit(new Array<number>(count).fill(0), fraction, 42);
        expect(validationRowsOf(count, fraction), `${count} rows at ${fraction}`).toBe(
          split.validation.length,
        );
      }
    }
  });

  it('warns for 500 classes of 4 rows at 10 %, naming the count and what to do', () => {
    const balance = Array.from({ length: 500 }, (_, i) => ({ label: `c${i}`, count: 4 }));
    const w = splitWarning(balance, 0.1);
    expect(w).toMatchObject({ classes: 500, fewValidation: 500, noValidation: 0 });
    expect(w?.message).toMatch(/^500 classes get only 1 validation row each at a 10 % /);
    expect(w?.message).toMatch(/separate validation file/);
    expect(w?.message).toMatch(/raise the validation fraction/);
  });

  it('counts single-row classes apart, and is quiet when every class gets 2 rows or more', () => {
    const w = splitWarning(
      [
        { label: 'a', count: 1 },
        { label: 'b', count: 4 },
        { label: 'c', count: 300 },
      ],
      0.1,
    );
    expect(w).toMatchObject({ classes: 3, noValidation: 1, fewValidation: 1 });
    expect(w?.message).toMatch(/1 class gets only 1 validation row and 1 class none/);
    expect(
      splitWarning(
        [
          { label: 'ham', count: 170 },
          { label: 'spam', count: 30 },
        ],
        0.1,
      ),
    ).toBeNull();
  });
});
