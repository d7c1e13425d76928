/** Number formats and point thinning shared by the evaluation views. */

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
