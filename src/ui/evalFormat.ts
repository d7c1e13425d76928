/** Number formats, point thinning and bounds shared by the evaluation views. */
import type { ClassificationDetails } from '../worker/client';

/** Most points a curve draws (evenly picked; the ends are kept). */
const MAX_CURVE_POINTS = 400;

export const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—');
export const num = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');

/** At most `max` of `xs`, evenly picked, the first and last kept. */
export function thin<T>(xs: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (xs.length <= max) return xs.slice();
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (max - 1))]);
  return out;
}

/** Classes whose one-vs-rest curves are drawn (those with the most validation rows). */
export const MAX_CURVES = 10;

/** The classes whose curves are drawn: the positive class of a binary task, else at most
 * `MAX_CURVES`, those with the most validation rows (ties: class order), in class order. */
export function curveClasses(d: Pick<ClassificationDetails, 'labelNames' | 'report'>): number[] {
  const n = d.labelNames.length;
  if (n === 2) return [1];
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= MAX_CURVES) return all;
  return all
    .sort((a, b) => d.report[b].support - d.report[a].support || a - b)
    .slice(0, MAX_CURVES)
    .sort((a, b) => a - b);
}
