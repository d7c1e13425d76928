/**
 * One-vs-rest curves of a classifier's scores, as sklearn draws them: the ROC curve with its area
 * and the precision-recall curve with its average precision, from typed-array sorts, keeping at
 * most a given number of points (the areas use every point).
 */

/** A curve point: x/y (ROC: FPR/TPR; PR: recall/precision) at a score threshold. */
export interface CurvePoint {
  x: number;
  y: number;
  /** Scores >= threshold are predicted positive (Infinity for the (0, 0) ROC start). */
  threshold: number;
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
