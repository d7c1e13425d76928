import { describe, expect, it } from 'vitest';
import {
  buildEvalDetails,
  calibration,
  normaliseRows,
  prCurve,
  rocCurve,
  type EvalRows,
} from '../../src/core/train/evalDetails';
import { computeMetrics } from '../../src/core/train/metrics';

// sklearn's documented example: roc_auc_score -> 0.75, average_precision_score -> 0.8333...
const Y = [false, false, true, true];
const S = [0.1, 0.4, 0.35, 0.8];

describe('rocCurve / prCurve', () => {
  it('matches sklearn on its documented example', () => {
    const roc = rocCurve(S, Y);
    expect(roc.auc).toBeCloseTo(0.75, 12);
    expect(roc.points.map((p) => [p.x, p.y])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    const pr = prCurve(S, Y);
    expect(pr.averagePrecision).toBeCloseTo(5 / 6, 12);
    // Stops once recall reaches 1, then (recall 0, precision 1).
    expect(pr.points.map((p) => [p.x, Number(p.y.toFixed(4))])).toEqual([
      [0.5, 1],
      [0.5, 0.5],
      [1, 0.6667],
      [0, 1],
    ]);
  });

  it('moves tied scores together and gives NaN AUC with one class', () => {
    // All scores tied: one threshold, the diagonal, AUC 0.5.
    expect(rocCurve([0.5, 0.5, 0.5, 0.5], Y).auc).toBeCloseTo(0.5, 12);
    expect(rocCurve([0.2, 0.3], [true, true]).auc).toBeNaN();
    expect(prCurve([0.2, 0.3], [false, false]).averagePrecision).toBeNaN();
    // Perfect separation.
    expect(rocCurve([0.1, 0.2, 0.8, 0.9], Y).auc).toBe(1);
  });
});

describe('calibration', () => {
  it('bins by confidence and computes ECE by hand', () => {
    // bin 9: conf 0.95, 0.95 (1 right) -> |0.5 - 0.95| = 0.45, weight 2/4
    // bin 6: conf 0.6, 0.65 (both right) -> |1 - 0.625| = 0.375, weight 2/4
    const { bins, ece } = calibration([0.95, 0.95, 0.6, 0.65], [true, false, true, true]);
    expect(bins).toHaveLength(10);
    expect(bins[9].count).toBe(2);
    expect(bins[9].accuracy).toBe(0.5);
    expect(bins[6].count).toBe(2);
    expect(bins[6].confidence).toBeCloseTo(0.625, 12);
    expect(bins[0].count).toBe(0);
    expect(bins[0].accuracy).toBeNaN();
    expect(ece).toBeCloseTo(0.5 * 0.45 + 0.5 * 0.375, 12);
    // Confidence 1 belongs to the last bin.
    expect(calibration([1], [true]).bins[9].count).toBe(1);
  });
});

function rows(logits: number[], labels: number[], names: string[]): EvalRows {
  return {
    problemType: 'single_label_classification',
    labelNames: names,
    logits: Float32Array.from(logits),
    labels: Float32Array.from(labels),
    texts: labels.map((_, i) => `row ${i}`),
    keptTokens: Int32Array.from(labels.map(() => 8)),
    keptText: labels.map((_, i) => (i === 1 ? 'row' : null)),
    maxLength: 8,
  };
}

describe('buildEvalDetails', () => {
  // 5 rows, 3 classes. Predictions (argmax): 0, 1, 2, 1, 0; labels 0, 1, 1, 2, 0.
  const logits = [2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 5, 0, 1, 0, 0];
  const labels = [0, 1, 1, 2, 0];
  const d = buildEvalDetails(rows(logits, labels, ['a', 'b', 'c']));

  it('predicts, counts and agrees with the trainer metrics', () => {
    if (d.kind !== 'classification') throw new Error('expected classification');
    expect(d.rows.map((r) => r.pred)).toEqual([0, 1, 2, 1, 0]);
    expect(d.confusion).toEqual([
      [2, 0, 0],
      [0, 1, 1],
      [0, 1, 0],
    ]);
    expect(d.confusionNormalised[1]).toEqual([0, 0.5, 0.5]);
    expect(d.report.map((r) => r.support)).toEqual([2, 2, 1]);
    const m = computeMetrics('single_label_classification', Float32Array.from(logits), labels, 3);
    expect(d.accuracy).toBe(m.accuracy);
    expect(d.accuracy).toBeCloseTo(3 / 5, 12);
    expect(d.f1Macro).toBe(m.f1_macro);
    expect(d.f1Weighted).toBe(m.f1_weighted);
    // softmax([0, 0, 1])[2] = e / (e + 2)
    expect(d.rows[2].confidence).toBeCloseTo(Math.E / (Math.E + 2), 6);
    expect(d.rows[1].truncated).toBe(true);
    expect(d.rows[0].truncated).toBe(false);
  });

  it('lists mistakes most confident first', () => {
    if (d.kind !== 'classification') throw new Error('expected classification');
    // Row 3: softmax([0, 5, 0])[1] = e^5/(e^5+2) ~ 0.987; row 2: ~0.576.
    expect(d.mistakes.map((r) => r.index)).toEqual([3, 2]);
    expect(d.mistakes[0].confidence).toBeGreaterThan(d.mistakes[1].confidence);
    expect(d.curves).toHaveLength(3);
    expect(d.curves[0].rocAuc).toBe(1); // class a: rows 0 and 4 score highest for a
  });

  it('handles regression and checks shapes', () => {
    const r = buildEvalDetails({
      ...rows([1.5, 2, 2.5], [1, 2, 3], ['score']),
      problemType: 'regression',
    });
    if (r.kind !== 'regression') throw new Error('expected regression');
    expect(r.rows.map((x) => x.error)).toEqual([0.5, 0, -0.5]);
    expect(r.metrics.mae).toBeCloseTo(1 / 3, 6);
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(0.5 / 3), 6);
    expect(() => buildEvalDetails(rows([1, 2, 3], [0, 1], ['a', 'b']))).toThrow(/logits/);
  });

  it('normalises rows, leaving empty rows at zero', () => {
    expect(
      normaliseRows([
        [0, 0],
        [1, 3],
      ]),
    ).toEqual([
      [0, 0],
      [0.25, 0.75],
    ]);
  });
});

describe('splitKept', () => {
  it('finds where truncation cut the original text', async () => {
    const { splitKept } = await import('../../src/core/train/evalDetails');
    // bert-base-uncased decodes "Café, OK?" as "cafe, ok?"
    expect(splitKept('Café, OK? Then more words', 'cafe, ok?')).toEqual({
      kept: 'Café, OK?',
      cut: ' Then more words',
    });
    expect(splitKept('Hello world again', 'hello wor')).toEqual({
      kept: 'Hello wor',
      cut: 'ld again',
    });
    expect(splitKept('abc', 'x [UNK]')).toBeNull();
  });
});
