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

/** A curve point: x/y (ROC: FPR/TPR; PR: recall/precision) at a score threshold. */
export interface CurvePoint {
  x: number;
  y: number;
  /** Scores >= threshold are predicted positive (Infinity for the (0, 0) ROC start). */
  threshold: number;
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
 * Distinct-threshold cumulative counts by decreasing score: for each distinct score t,
 * tp/fp = positives/negatives with score >= t (sklearn `_binary_clf_curve`). The positives' and
 * negatives' scores are sorted apart as typed arrays (native sorts) and walked together from the
 * top: a 1,000-class evaluation sorts 1,000 times, so the comparator sort it replaces took
 * seconds. NaN scores count as -Infinity.
 */
function cumulativeCounts(
  scores: ArrayLike<number>,
  positive: readonly boolean[],
): { thresholds: number[]; tp: number[]; fp: number[] } {
  let nPos = 0;
  for (let i = 0; i < scores.length; i++) if (positive[i]) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(scores.length - nPos);
  for (let i = 0, a = 0, b = 0; i < scores.length; i++) {
    const v = Number.isNaN(scores[i]) ? -Infinity : scores[i];
    if (positive[i]) pos[a++] = v;
    else neg[b++] = v;
  }
  pos.sort();
  neg.sort();
  const thresholds: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let i = pos.length - 1;
  let j = neg.length - 1;
  let t = 0;
  let f = 0;
  while (i >= 0 || j >= 0) {
    const top = Math.max(i >= 0 ? pos[i] : -Infinity, j >= 0 ? neg[j] : -Infinity);
    // Tied scores move together: every row at this score, then one point.
    while (i >= 0 && pos[i] === top) {
      t++;
      i--;
    }
    while (j >= 0 && neg[j] === top) {
      f++;
      j--;
    }
    thresholds.push(top);
    tp.push(t);
    fp.push(f);
  }
  return { thresholds, tp, fp };
}

/** Curve points kept per class in the evaluation details (the views draw at most 400). */
export const MAX_STORED_CURVE_POINTS = 1000;

/**
 * ROC curve of `scores` against `positive` (sklearn `roc_curve(drop_intermediate=False)`), from
 * (0, 0) to (1, 1), and its area by trapezoids. AUC is NaN when only one class is present. At most
 * `maxPoints` points are kept (evenly picked, the ends included); the area uses them all.
 */
export function rocCurve(
  scores: ArrayLike<number>,
  positive: readonly boolean[],
  maxPoints = Infinity,
): { points: CurvePoint[]; auc: number } {
  const { thresholds, tp, fp } = cumulativeCounts(scores, positive);
  const P = tp.at(-1) ?? 0;
  const N = fp.at(-1) ?? 0;
  // Point 0 is (0, 0); point k + 1 is threshold k.
  const point = (i: number): CurvePoint =>
    i === 0
      ? { x: 0, y: 0, threshold: Infinity }
      : {
          x: N === 0 ? NaN : fp[i - 1] / N,
          y: P === 0 ? NaN : tp[i - 1] / P,
          threshold: thresholds[i - 1],
        };
  const points = pick(thresholds.length + 1, maxPoints, point);
  if (P === 0 || N === 0) return { points, auc: NaN };
  let auc = 0;
  let x0 = 0;
  let y0 = 0;
  for (let k = 0; k < thresholds.length; k++) {
    const x = fp[k] / N;
    const y = tp[k] / P;
    auc += ((x - x0) * (y + y0)) / 2;
    x0 = x;
    y0 = y;
  }
  return { points, auc };
}

/**
 * Precision-recall curve (sklearn `precision_recall_curve`: thresholds by decreasing score,
 * stopping once recall reaches 1, then the (recall 0, precision 1) end point) and average
 * precision. Both NaN-free only when there are positives. At most `maxPoints` points are kept
 * (evenly picked, the ends included); the average precision uses them all.
 */
export function prCurve(
  scores: ArrayLike<number>,
  positive: readonly boolean[],
  maxPoints = Infinity,
): { points: CurvePoint[]; averagePrecision: number } {
  const { thresholds, tp, fp } = cumulativeCounts(scores, positive);
  const P = tp.at(-1) ?? 0;
  if (P === 0) return { points: [], averagePrecision: NaN };
  let ap = 0;
  let prevRecall = 0;
  let last = 0;
  for (let k = 0; k < thresholds.length; k++) {
    const recall = tp[k] / P;
    ap += (recall - prevRecall) * (tp[k] / (tp[k] + fp[k]));
    prevRecall = recall;
    last = k;
    if (tp[k] === P) break;
  }
  // Points 0..last are thresholds; point last + 1 is the (0, 1) end.
  const point = (i: number): CurvePoint =>
    i > last
      ? { x: 0, y: 1, threshold: Infinity }
      : { x: tp[i] / P, y: tp[i] / (tp[i] + fp[i]), threshold: thresholds[i] };
  return { points: pick(last + 2, maxPoints, point), averagePrecision: ap };
}

/** Points 0..length-1 of a curve, or `max` of them evenly picked (the ends kept). */
function pick(length: number, max: number, point: (i: number) => CurvePoint): CurvePoint[] {
  const out: CurvePoint[] = [];
  if (length <= max) {
    for (let i = 0; i < length; i++) out.push(point(i));
    return out;
  }
  for (let i = 0; i < max; i++) out.push(point(Math.round((i * (length - 1)) / (max - 1))));
  return out;
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

/** One off-diagonal cell of a confusion matrix: `count` rows of `actual` predicted as `predicted`. */
export interface Confusion {
  actual: number;
  predicted: number;
  count: number;
  /** Share of the true class's rows (count / row sum). */
  share: number;
}

/** The largest confusions of a matrix and what they leave out. */
export interface TopConfusions {
  /** At most `k` off-diagonal cells, largest count first (ties: true class, then prediction). */
  top: Confusion[];
  /** Off-diagonal cells that are not zero. */
  cells: number;
  /** Rows in off-diagonal cells (the wrong predictions). */
  wrong: number;
  /** Wrong rows in the cells listed. */
  wrongShown: number;
}

/**
 * The `k` largest off-diagonal cells of a confusion matrix (rows true classes, columns
 * predictions): one pass over the cells keeping the best `k`, so a 1,000-class matrix costs a
 * million comparisons and a list of `k`, never a sort of every cell.
 */
export function topConfusions(confusion: readonly (readonly number[])[], k: number): TopConfusions {
  const top: Confusion[] = [];
  const before = (a: Confusion, b: Confusion) =>
    b.count - a.count || a.actual - b.actual || a.predicted - b.predicted;
  let cells = 0;
  let wrong = 0;
  for (let i = 0; i < confusion.length; i++) {
    const row = confusion[i];
    let sum = 0;
    for (let j = 0; j < row.length; j++) sum += row[j];
    for (let j = 0; j < row.length; j++) {
      const count = row[j];
      if (i === j || count <= 0) continue;
      cells++;
      wrong += count;
      if (top.length >= k && (k <= 0 || count <= top[k - 1].count)) continue;
      const cell = { actual: i, predicted: j, count, share: count / sum };
      // Insert in order (k is small): the list stays sorted, the last one drops out.
      let at = top.length;
      while (at > 0 && before(cell, top[at - 1]) < 0) at--;
      top.splice(at, 0, cell);
      if (top.length > k) top.pop();
    }
  }
  let wrongShown = 0;
  for (const c of top) wrongShown += c.count;
  return { top, cells, wrong, wrongShown };
}

/** The largest value of a matrix (0 for an empty one), by a loop: no spread into arguments. */
export function matrixMax(m: readonly (readonly number[])[]): number {
  let max = 0;
  for (const row of m) for (const v of row) if (v > max) max = v;
  return max;
}
