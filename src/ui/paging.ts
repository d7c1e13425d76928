/** Pages of a long list: which rows a page shows, and its "21–40 of 86" line. */
export interface PageSlice {
  /** The page shown (0-based), clamped to the pages there are. */
  page: number;
  pages: number;
  /** Rows [start, end) of the list. */
  start: number;
  end: number;
  /** "21–40 of 86" (1-based, inclusive), "0 of 0" when empty. */
  label: string;
}

/** The slice of `total` rows that page `page` of `size` rows shows. */
export function pageSlice(total: number, size: number, page: number): PageSlice {
  const per = Math.max(1, Math.floor(size));
  const pages = Math.max(1, Math.ceil(total / per));
  const p = Math.min(pages - 1, Math.max(0, Math.floor(page)));
  const start = Math.min(total, p * per);
  const end = Math.min(total, start + per);
  const label = total === 0 ? '0 of 0' : `${start + 1}–${end} of ${total}`;
  return { page: p, pages, start, end, label };
}

/**
 * Round axis ticks over [min, max]: steps of 1, 2 or 5 x 10^k (at least `minStep`), every tick a
 * multiple of the step, about `target` of them; `max` itself is added when the last round tick
 * falls short of it by more than a third of a step (so the end of the data is marked).
 */
export function roundTicks(min: number, max: number, target = 5, minStep = 1): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) return [min];
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(
    minStep,
    [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag,
  );
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9 && ticks.length < 50; v += step) {
    ticks.push(+v.toPrecision(12));
  }
  const last = ticks[ticks.length - 1];
  if (last === undefined || max - last > step / 3) ticks.push(max);
  return ticks;
}
