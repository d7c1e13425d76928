/**
 * What a trained model does on the validation split, row by row: predictions and confidences,
 * the mistakes (most confident first), one-vs-rest ROC and precision-recall curves, reliability
 * bins with the expected calibration error, confusion matrices; for regression the
 * predicted-vs-true pairs and error metrics. Pure functions over plain arrays (no tensors), so the
 * worker, the UI and Node tests share them.
 */
import {
  argmax,
  classificationReport,
  computeMetrics,
  confusionMatrix,
  singleLabelMetrics,
  softmax,
  type ClassScores,
} from './metrics';
import { MAX_STORED_CURVE_POINTS, prCurve, rocCurve, type CurvePoint } from './evalCurves';

export { MAX_STORED_CURVE_POINTS, prCurve, rocCurve, type CurvePoint } from './evalCurves';
export { matrixMax, topConfusions, type Confusion, type TopConfusions } from './confusions';

/** The studio's problem types (HF `problem_type`). */
export type EvalProblemType =
  'single_label_classification' | 'multi_label_classification' | 'regression';

/**
 * The validation split as the model saw it: what the worker sends once a run ends. Typed arrays
 * cross `postMessage` by structured clone.
 */
export interface EvalRows {
  problemType: EvalProblemType;
  /** Class names in id order (one name, the target's, for regression). */
  labelNames: string[];
  /** Row-major logits `[N, numLabels]` (`[N, 1]` for regression). */
  logits: Float32Array;
  /** True class ids `[N]` (regression: targets `[N]`). */
  labels: Float32Array;
  /** The validation texts, in row order. */
  texts: string[];
  /** Tokens the model saw per row, special tokens included `[N]`. */
  keptTokens: Int32Array;
  /** Per row: the decoded text the model saw when the row was cut at `maxLength`, else null. */
  keptText: (string | null)[];
  /** Tokens per row after truncation (the prepared `max_length`). */
  maxLength: number;
}

/** One validation row's prediction. */
export interface RowPrediction {
  /** Row index in the validation split. */
  index: number;
  text: string;
  /** True class id. */
  label: number;
  /** Predicted class id (argmax of the logits). */
  pred: number;
  /** Probability of the predicted class, in [0, 1]. */
  confidence: number;
  /** Softmax probabilities in class order. */
  probs: number[];
  correct: boolean;
  /** The row was cut at `maxLength`: `keptText` is what the model saw. */
  truncated: boolean;
  keptText: string | null;
  keptTokens: number;
}

/** One-vs-rest curves of one class. */
export interface ClassCurves {
  label: string;
  /** Rows of this class (positives). */
  positives: number;
  roc: CurvePoint[];
  /** Area under the ROC curve (trapezoids, as sklearn `roc_auc_score`); NaN with one class only. */
  rocAuc: number;
  /** Precision-recall points by decreasing threshold, ending at recall 0 precision 1 as sklearn. */
  pr: CurvePoint[];
  /** Average precision, sum over thresholds of (R_n - R_{n-1}) P_n (sklearn). NaN without positives. */
  averagePrecision: number;
}

/** A reliability-diagram bin over the predicted class's probability. */
export interface CalibrationBin {
  /** Bin range [lo, hi) (the last bin includes 1). */
  lo: number;
  hi: number;
  count: number;
  /** Mean confidence of the rows in the bin (NaN when empty). */
  confidence: number;
  /** Fraction of those rows predicted correctly (NaN when empty). */
  accuracy: number;
}

export interface ClassificationDetails {
  kind: 'classification';
  labelNames: string[];
  rows: RowPrediction[];
  /** Wrong rows, most confident first (ties by row index). */
  mistakes: RowPrediction[];
  /** Same values as the trainer's `eval_accuracy`, `eval_f1_macro`, `eval_f1_weighted`. */
  accuracy: number;
  f1Macro: number;
  f1Weighted: number;
  /** Per-class scores in class order (sklearn `classification_report`). */
  report: ClassScores[];
  /** Counts: rows are true classes, columns predicted (sklearn). */
  confusion: number[][];
  /** Each row divided by its sum (recall on the diagonal); all-zero rows stay 0. */
  confusionNormalised: number[][];
  /** One-vs-rest curves per class. */
  curves: ClassCurves[];
  calibration: { bins: CalibrationBin[]; ece: number };
}

export interface RegressionRow {
  index: number;
  text: string;
  label: number;
  pred: number;
  /** pred - label. */
  error: number;
}

export interface RegressionDetails {
  kind: 'regression';
  labelNames: string[];
  rows: RegressionRow[];
  /** mse, rmse, mae, r2, pearson, spearman (as `computeMetrics`, plus rmse). */
  metrics: Record<string, number>;
}

export type EvalDetails = ClassificationDetails | RegressionDetails;

/** Builds the evaluation views' data from the worker's rows. */
export function buildEvalDetails(r: EvalRows, calibrationBins = 10): EvalDetails {
  const n = r.texts.length;
  if (r.labels.length !== n || r.keptTokens.length !== n || r.keptText.length !== n) {
    throw new Error(
      `buildEvalDetails: ${n} texts but ${r.labels.length} labels, ${r.keptTokens.length} token counts`,
    );
  }
  if (r.problemType === 'regression') return regressionDetails(r);
  if (r.problemType === 'multi_label_classification') {
    throw new Error('buildEvalDetails: multi-label evaluation views are not supported yet');
  }
  const c = r.labelNames.length;
  if (r.logits.length !== n * c) {
    throw new Error(`buildEvalDetails: expected ${n}x${c} logits, got ${r.logits.length} values`);
  }
  const probs = softmax(r.logits, c);
  const preds = argmax(r.logits, c);
  const labels = Int32Array.from(r.labels);
  const rows: RowPrediction[] = [];
  for (let i = 0; i < n; i++) {
    const p = Array.from(probs.subarray(i * c, (i + 1) * c));
    rows.push({
      index: i,
      text: r.texts[i],
      label: labels[i],
      pred: preds[i],
      confidence: p[preds[i]],
      probs: p,
      correct: preds[i] === labels[i],
      truncated: r.keptText[i] !== null,
      keptText: r.keptText[i],
      keptTokens: r.keptTokens[i],
    });
  }
  const mistakes = rows
    .filter((x) => !x.correct)
    .sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const m = singleLabelMetrics(preds, labels, c);
  const confusion = confusionMatrix(preds, labels, c);
  // One class at a time over the probabilities as they are (no copy per row); the areas come
  // from every point, the points kept are at most MAX_STORED_CURVE_POINTS per curve.
  const scores = new Float64Array(n);
  const positive: boolean[] = new Array<boolean>(n);
  const curves = r.labelNames.map((label, k) => {
    let positives = 0;
    for (let i = 0; i < n; i++) {
      scores[i] = probs[i * c + k];
      positive[i] = labels[i] === k;
      if (positive[i]) positives++;
    }
    const roc = rocCurve(scores, positive, MAX_STORED_CURVE_POINTS);
    const pr = prCurve(scores, positive, MAX_STORED_CURVE_POINTS);
    return {
      label,
      positives,
      roc: roc.points,
      rocAuc: roc.auc,
      pr: pr.points,
      averagePrecision: pr.averagePrecision,
    };
  });
  return {
    kind: 'classification',
    labelNames: r.labelNames,
    rows,
    mistakes,
    accuracy: m.accuracy,
    f1Macro: m.f1_macro,
    f1Weighted: m.f1_weighted,
    report: classificationReport(preds, labels, c),
    confusion,
    confusionNormalised: normaliseRows(confusion),
    curves,
    calibration: calibration(
      rows.map((x) => x.confidence),
      rows.map((x) => x.correct),
      calibrationBins,
    ),
  };
}

function regressionDetails(r: EvalRows): RegressionDetails {
  const n = r.texts.length;
  if (r.logits.length !== n) {
    throw new Error(`buildEvalDetails: regression needs [N, 1] logits, got ${r.logits.length}`);
  }
  const rows = r.texts.map((text, i) => ({
    index: i,
    text,
    label: r.labels[i],
    pred: r.logits[i],
    error: r.logits[i] - r.labels[i],
  }));
  const metrics = computeMetrics('regression', r.logits, r.labels, 1);
  return {
    kind: 'regression',
    labelNames: r.labelNames,
    rows,
    metrics: { ...metrics, rmse: Math.sqrt(metrics.mse) },
  };
}

/** Each row divided by its sum; an empty row stays zeros. */
export function normaliseRows(m: number[][]): number[][] {
  return m.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s === 0 ? 0 : v / s));
  });
}

/**
 * Reliability bins over confidence in [0, 1] (`bins` equal widths; confidence 1 goes in the last)
 * and the expected calibration error: sum over bins of count/N * |accuracy - mean confidence|.
 */
export function calibration(
  confidence: readonly number[],
  correct: readonly boolean[],
  bins = 10,
): { bins: CalibrationBin[]; ece: number } {
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  for (let i = 0; i < confidence.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(confidence[i] * bins)));
    count[b]++;
    confSum[b] += confidence[i];
    if (correct[i]) hits[b]++;
  }
  const n = confidence.length;
  let ece = 0;
  const out = count.map((k, b) => {
    const conf = k === 0 ? NaN : confSum[b] / k;
    const acc = k === 0 ? NaN : hits[b] / k;
    if (k > 0) ece += (k / n) * Math.abs(acc - conf);
    return { lo: b / bins, hi: (b + 1) / bins, count: k, confidence: conf, accuracy: acc };
  });
  return { bins: out, ece: n === 0 ? NaN : ece };
}

/**
 * Splits `original` into the part the model saw and the part truncation cut, given the decoded
 * `kept` text (a tokenizer's decode: maybe lower-cased, accents stripped, spaces moved around
 * punctuation). Characters are matched in order ignoring case, accents and whitespace; returns
 * null when they do not line up (e.g. unknown tokens), so callers show `kept` as it is.
 */
export function splitKept(original: string, kept: string): { kept: string; cut: string } | null {
  const norm = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
  const k = norm(kept).replace(/\s+/g, '');
  if (k.length === 0) return { kept: '', cut: original };
  let j = 0;
  for (let i = 0; i < original.length; i++) {
    const c = norm(original[i]).replace(/\s+/g, '');
    for (const ch of c) {
      if (j < k.length && ch === k[j]) j++;
      else if (j < k.length) return null;
    }
    if (j === k.length) {
      return { kept: original.slice(0, i + 1), cut: original.slice(i + 1) };
    }
  }
  return null;
}
