/**
 * Evaluation metrics in plain JS (no tensors), with sklearn's definitions and its
 * `zero_division=0` convention: a ratio with an empty denominator counts as 0.
 * Keys carry no `eval_` prefix; the trainer adds it.
 */
import type { ProblemType } from './losses';

/** Per-class scores of {@link classificationReport}. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true examples of the class. */
  support: number;
}

/** Row-wise argmax of row-major logits `[N, C]`; ties go to the lowest index (as numpy). */
export function argmax(logits: ArrayLike<number>, numLabels: number): Int32Array {
  checkShape(logits.length, numLabels);
  const n = logits.length / numLabels;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = logits[i * numLabels];
    for (let c = 1; c < numLabels; c++) {
      const v = logits[i * numLabels + c];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Row-wise softmax of row-major logits `[N, C]` (max-shifted for stability). */
export function softmax(logits: ArrayLike<number>, numLabels: number): Float32Array {
  checkShape(logits.length, numLabels);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i += numLabels) {
    let m = -Infinity;
    for (let c = 0; c < numLabels; c++) m = Math.max(m, logits[i + c]);
    let s = 0;
    for (let c = 0; c < numLabels; c++) s += Math.exp(logits[i + c] - m);
    for (let c = 0; c < numLabels; c++) out[i + c] = Math.exp(logits[i + c] - m) / s;
  }
  return out;
}

/** Element-wise sigmoid (multi-label probabilities). */
export function sigmoid(logits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i]));
  return out;
}

/** `numLabels x numLabels` counts: rows are true labels, columns predicted labels (sklearn). */
export function confusionMatrix(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  numLabels: number,
): number[][] {
  checkPairs(preds, labels);
  const m = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const p = preds[i];
    if (!inRange(y, numLabels) || !inRange(p, numLabels)) {
      throw new Error(
        `confusionMatrix: row ${i} has label ${y} / prediction ${p} outside [0, ${numLabels})`,
      );
    }
    m[y][p] += 1;
  }
  return m;
}

const div0 = (a: number, b: number): number => (b === 0 ? 0 : a / b);

function scoresFromCounts(tp: number, fp: number, fn: number): Omit<ClassScores, 'support'> {
  return {
    precision: div0(tp, tp + fp),
    recall: div0(tp, tp + fn),
    // sklearn >= 1.3 computes F1 as 2tp / (2tp + fp + fn).
    f1: div0(2 * tp, 2 * tp + fp + fn),
  };
}

/** Per-class precision, recall, F1 and support for classes 0..numLabels-1. */
export function classificationReport(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  numLabels: number,
): ClassScores[] {
  const cm = confusionMatrix(preds, labels, numLabels);
  return cm.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((s, x) => s + x, 0);
    let predicted = 0;
    for (let r = 0; r < numLabels; r++) predicted += cm[r][c];
    return { ...scoresFromCounts(tp, predicted - tp, support - tp), support };
  });
}

/**
 * Metrics for the studio's problem types.
 *
 * - `single_label_classification`: logits `[N, C]`, labels `[N]` class ids ->
 *   accuracy, f1_macro, f1_weighted, precision_macro, recall_macro. Macro averages run over the
 *   classes present in labels or predictions, as sklearn's default `labels=None`.
 * - `multi_label_classification`: logits and labels `[N, L]` (multi-hot), a label is predicted when
 *   its logit is > 0 (probability > 0.5) -> exact_match (subset accuracy), f1_micro, f1_macro
 *   (over all L labels).
 * - `regression`: logits `[N]` or `[N, 1]`, labels `[N]` -> mse, mae, r2 (sklearn: 1 for a
 *   perfect fit of constant targets, else 0 when targets are constant), pearson, spearman (NaN
 *   when either side is constant, as scipy).
 */
export function computeMetrics(
  problemType: ProblemType,
  logits: Float32Array,
  labels: ArrayLike<number>,
  numLabels: number,
): Record<string, number> {
  switch (problemType) {
    case 'single_label_classification':
      return singleLabelMetrics(argmax(logits, numLabels), labels, numLabels);
    case 'multi_label_classification':
      return multiLabelMetrics(logits, labels, numLabels);
    case 'regression':
      return regressionMetrics(logits, labels);
    default:
      throw new Error(`computeMetrics: unknown problem_type '${String(problemType)}'`);
  }
}

/** Single-label metrics from predicted and true class ids. */
export function singleLabelMetrics(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  numLabels: number,
): Record<string, number> {
  const report = classificationReport(preds, labels, numLabels);
  const n = labels.length;
  let correct = 0;
  for (let i = 0; i < n; i++) if (preds[i] === labels[i]) correct++;
  const present = new Set<number>();
  for (let i = 0; i < n; i++) {
    present.add(labels[i]);
    present.add(preds[i]);
  }
  const used = report.filter((_, c) => present.has(c));
  const mean = (xs: number[]) =>
    div0(
      xs.reduce((s, x) => s + x, 0),
      xs.length,
    );
  const totalSupport = used.reduce((s, r) => s + r.support, 0);
  return {
    accuracy: div0(correct, n),
    f1_macro: mean(used.map((r) => r.f1)),
    f1_weighted: div0(
      used.reduce((s, r) => s + r.f1 * r.support, 0),
      totalSupport,
    ),
    precision_macro: mean(used.map((r) => r.precision)),
    recall_macro: mean(used.map((r) => r.recall)),
  };
}

function multiLabelMetrics(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numLabels: number,
): Record<string, number> {
  checkShape(logits.length, numLabels);
  if (labels.length !== logits.length) {
    throw new Error(
      `computeMetrics: multi-label labels have ${labels.length} values, logits ${logits.length}`,
    );
  }
  const n = logits.length / numLabels;
  const tp = new Array<number>(numLabels).fill(0);
  const fp = new Array<number>(numLabels).fill(0);
  const fn = new Array<number>(numLabels).fill(0);
  let exact = 0;
  for (let i = 0; i < n; i++) {
    let allMatch = true;
    for (let l = 0; l < numLabels; l++) {
      const k = i * numLabels + l;
      const p = logits[k] > 0;
      const y = labels[k] > 0.5;
      if (p && y) tp[l]++;
      else if (p) fp[l]++;
      else if (y) fn[l]++;
      if (p !== y) allMatch = false;
    }
    if (allMatch) exact++;
  }
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const perLabel = tp.map((_, l) => scoresFromCounts(tp[l], fp[l], fn[l]).f1);
  return {
    exact_match: div0(exact, n),
    f1_micro: scoresFromCounts(sum(tp), sum(fp), sum(fn)).f1,
    f1_macro: div0(sum(perLabel), numLabels),
  };
}

function regressionMetrics(
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
): Record<string, number> {
  checkPairs(pred, labels);
  const n = labels.length;
  let se = 0;
  let ae = 0;
  let ySum = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i] - labels[i];
    se += d * d;
    ae += Math.abs(d);
    ySum += labels[i];
  }
  const yMean = div0(ySum, n);
  let ssTot = 0;
  for (let i = 0; i < n; i++) ssTot += (labels[i] - yMean) ** 2;
  // sklearn r2_score(force_finite=True): constant targets give 1 for a perfect fit, else 0.
  const r2 = ssTot === 0 ? (se === 0 ? 1 : 0) : 1 - se / ssTot;
  return {
    mse: div0(se, n),
    mae: div0(ae, n),
    r2,
    pearson: pearson(pred, labels),
    spearman: pearson(rankAverage(pred), rankAverage(labels)),
  };
}

/** Pearson correlation (float64); NaN when either input is constant or shorter than 2. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2 || y.length !== n) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/** 1-based ranks with ties averaged (scipy.stats.rankdata 'average'). */
export function rankAverage(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]] = r;
    i = j + 1;
  }
  return ranks;
}

function inRange(v: number, n: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < n;
}

function checkShape(len: number, numLabels: number): void {
  if (!Number.isInteger(numLabels) || numLabels < 1 || len % numLabels !== 0) {
    throw new Error(`expected row-major [N, ${numLabels}] values, got ${len} values`);
  }
}

function checkPairs(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new Error(`predictions (${a.length}) and labels (${b.length}) differ in length`);
  }
}
