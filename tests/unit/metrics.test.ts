import { describe, expect, it } from 'vitest';
import {
  argmax,
  classificationReport,
  computeMetrics,
  confusionMatrix,
  rankAverage,
  sigmoid,
  softmax,
} from '../../src/core/train/metrics';

/** One-hot-ish logits that argmax to `preds`. */
function logitsFor(preds: number[], c: number): Float32Array {
  const out = new Float32Array(preds.length * c).fill(-1);
  preds.forEach((p, i) => (out[i * c + p] = 2));
  return out;
}

describe('single-label metrics (hand-computed, sklearn zero_division=0)', () => {
  const labels = [0, 0, 1, 1, 2, 2, 2];
  const preds = [0, 1, 1, 1, 2, 0, 1];

  it('confusion matrix: rows true, columns predicted', () => {
    expect(confusionMatrix(preds, labels, 4)).toEqual([
      [1, 1, 0, 0],
      [0, 2, 0, 0],
      [1, 1, 1, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('classification report', () => {
    const r = classificationReport(preds, labels, 4);
    expect(r[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r[1].precision).toBe(0.5);
    expect(r[1].recall).toBe(1);
    expect(r[1].f1).toBeCloseTo(2 / 3, 12);
    expect(r[2]).toEqual({ precision: 1, recall: 1 / 3, f1: 0.5, support: 3 });
    // A class never seen nor predicted scores 0 everywhere (zero_division=0).
    expect(r[3]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('averages over the classes present, as sklearn labels=None', () => {
    const m = computeMetrics('single_label_classification', logitsFor(preds, 4), labels, 4);
    expect(Object.keys(m).sort()).toEqual(
      ['accuracy', 'f1_macro', 'f1_weighted', 'precision_macro', 'recall_macro'].sort(),
    );
    expect(m.accuracy).toBeCloseTo(4 / 7, 12);
    expect(m.f1_macro).toBeCloseTo((0.5 + 2 / 3 + 0.5) / 3, 12);
    expect(m.f1_weighted).toBeCloseTo((0.5 * 2 + (2 / 3) * 2 + 0.5 * 3) / 7, 12);
    expect(m.precision_macro).toBeCloseTo((0.5 + 0.5 + 1) / 3, 12);
    expect(m.recall_macro).toBeCloseTo((0.5 + 1 + 1 / 3) / 3, 12);
  });

  it('a class predicted but never true counts in the macro average with f1 0', () => {
    const m = computeMetrics('single_label_classification', logitsFor([0, 1, 2], 3), [0, 1, 1], 3);
    // class 0: f1 1; class 1: p 1 r .5 f1 2/3; class 2: p 0 r 0 f1 0.
    expect(m.f1_macro).toBeCloseTo((1 + 2 / 3 + 0) / 3, 12);
    expect(m.precision_macro).toBeCloseTo((1 + 1 + 0) / 3, 12);
  });

  it('perfect predictions score 1', () => {
    const m = computeMetrics('single_label_classification', logitsFor([1, 0, 1], 2), [1, 0, 1], 2);
    for (const v of Object.values(m)) expect(v).toBe(1);
  });
});

describe('multi-label metrics', () => {
  it('thresholds logits at 0 (exclusive)', () => {
    const logits = new Float32Array([1, -1, 2, -1, -1, 0.5, 0, 3, -2]);
    const labels = [1, 0, 1, 1, 0, 0, 0, 1, 0];
    const m = computeMetrics('multi_label_classification', logits, labels, 3);
    expect(m.exact_match).toBeCloseTo(2 / 3, 12);
    expect(m.f1_micro).toBeCloseTo(0.75, 12);
    expect(m.f1_macro).toBeCloseTo((2 / 3 + 1 + 2 / 3) / 3, 12);
  });
});

describe('regression metrics (scipy/sklearn values)', () => {
  it('matches scipy pearsonr/spearmanr and sklearn r2', () => {
    const p = new Float32Array([1, 2, 2, 4, 3.5, 0]);
    const y = [1.5, 1, 2, 4, 4, -1];
    const m = computeMetrics('regression', p, y, 1);
    expect(m.mse).toBeCloseTo(0.4166666666666667, 12);
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.r2).toBeCloseTo(0.8627002288329519, 12);
    expect(m.pearson).toBeCloseTo(0.947908685177486, 12);
    expect(m.spearman).toBeCloseTo(0.8823529411764706, 12);
  });
  it('constant targets: r2 1 on a perfect fit, else 0; correlations NaN', () => {
    expect(computeMetrics('regression', new Float32Array([2, 2]), [2, 2], 1).r2).toBe(1);
    const m = computeMetrics('regression', new Float32Array([1, 3]), [2, 2], 1);
    expect(m.r2).toBe(0);
    expect(m.pearson).toBeNaN();
  });
});

describe('helpers', () => {
  it('argmax takes the first maximum; softmax rows sum to 1', () => {
    expect(Array.from(argmax([1, 3, 3, 0, -1, -2], 3))).toEqual([1, 0]);
    const s = softmax(new Float32Array([1000, 1000, 0, Math.log(3)]), 2);
    expect(s[0]).toBeCloseTo(0.5, 6);
    expect(s[3]).toBeCloseTo(0.75, 6);
    expect(sigmoid([0])[0]).toBe(0.5);
    expect(Array.from(rankAverage([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(() => argmax([1, 2, 3], 2)).toThrow(/\[N, 2\]/);
    expect(() => confusionMatrix([0, 5], [0, 1], 2)).toThrow(/outside/);
  });
});
