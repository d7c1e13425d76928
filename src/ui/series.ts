/**
 * Chart series built from the trainer's log entries, and a min/max-preserving downsampler so
 * long runs stay cheap to draw while spikes (a loss blow-up) remain visible.
 */
import type { LogEntry } from '../worker/client';

/** One chart point: x is the optimizer step. */
export interface Point {
  step: number;
  value: number;
}

/** The charted keys: training logs (`loss`, `learning_rate`, `grad_norm`) and evaluations. */
export const SERIES_KEYS = [
  'loss',
  'learning_rate',
  'grad_norm',
  'eval_loss',
  'eval_accuracy',
] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

export type Series = Record<SeriesKey, Point[]>;

/** Empty series for every key. */
export function emptySeries(): Series {
  return { loss: [], learning_rate: [], grad_norm: [], eval_loss: [], eval_accuracy: [] };
}

/**
 * Returns new series with the entries' values appended (inputs are not mutated). A training log
 * feeds loss/learning_rate/grad_norm, an evaluation feeds eval_*, the closing summary (which has
 * `train_loss`, not `loss`) feeds nothing.
 */
export function appendLogs(series: Series, entries: readonly LogEntry[]): Series {
  const next: Series = { ...series };
  const copied = new Set<SeriesKey>();
  for (const entry of entries) {
    const e = entry as unknown as Record<string, unknown>;
    const step = e.step;
    if (typeof step !== 'number') continue;
    for (const key of SERIES_KEYS) {
      const v = e[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!copied.has(key)) {
        next[key] = next[key].slice();
        copied.add(key);
      }
      next[key].push({ step, value: v });
    }
  }
  return next;
}

/** Points above which charts draw a downsampled copy. */
export const MAX_CHART_POINTS = 1000;

/**
 * Downsamples `points` (sorted by step) to at most `maxPoints` by splitting the interior into
 * buckets and keeping each bucket's minimum and maximum, in step order, plus the first and last
 * point. Returns the input itself when it is already small enough.
 */
export function downsampleMinMax(points: readonly Point[], maxPoints = MAX_CHART_POINTS): Point[] {
  const n = points.length;
  if (n <= maxPoints || maxPoints < 4) return points as Point[];
  const out: Point[] = [points[0]];
  const interior = n - 2;
  const buckets = Math.floor((maxPoints - 2) / 2);
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * interior) / buckets);
    const end = 1 + Math.floor(((b + 1) * interior) / buckets);
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (points[i].value < points[lo].value) lo = i;
      if (points[i].value > points[hi].value) hi = i;
    }
    if (lo === hi) out.push(points[lo]);
    else if (lo < hi) out.push(points[lo], points[hi]);
    else out.push(points[hi], points[lo]);
  }
  out.push(points[n - 1]);
  return out;
}

/**
 * The `log_history` of an HF `trainer_state.json`, checked enough to chart: a list of objects
 * each with a numeric `step`.
 * @throws Error naming the file and what is wrong with it.
 */
export function parseLogHistory(text: string, fileName: string): LogEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${fileName} is not valid JSON.`);
  }
  const history = (json as { log_history?: unknown })?.log_history;
  if (!Array.isArray(history)) {
    throw new Error(
      `${fileName} has no "log_history" list: choose the trainer_state.json a Trainer run wrote.`,
    );
  }
  const bad = history.findIndex(
    (e) => !e || typeof e !== 'object' || typeof (e as { step?: unknown }).step !== 'number',
  );
  if (bad >= 0) throw new Error(`${fileName}: log_history entry ${bad} has no numeric "step".`);
  return history as LogEntry[];
}
