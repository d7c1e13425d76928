/** Pure text formatting for the studio's numbers, progress, dataset summary and predictions. */
import type { DatasetSummary, Prediction, Progress } from '../worker/client';
import { rememberRemedy } from './errorRemedies';

/** An integer with thousands separators, e.g. 5016 -> "5,016". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A local date and time as "2026-11-28 10:35", or only "10:35" with `timeOnly`. Built from the
 * Date's fields, not toLocaleString: that builds an Intl formatter per call (a run history of a
 * few rows cost a 30 ms task at the start of each run).
 */
export function formatDateTime(ms: number, timeOnly = false): string {
  const d = new Date(ms);
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (timeOnly) return time;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}`;
}

const KIB = 1024;
const MIB = KIB * KIB;
const GIB = MIB * KIB;

/**
 * A size in bytes as "840 KB", "12.3 MB", "1.00 GB" in binary units (1 MB = 1,048,576 bytes), as
 * the reader's own messages ("only the first 128 MB were read") count them.
 */
export function formatBytes(n: number): string {
  if (n < MIB) return `${Math.max(0, Math.round(n / KIB))} KB`;
  if (n < GIB) return `${(n / MIB).toFixed(n < 10 * MIB ? 1 : 0)} MB`;
  return `${(n / GIB).toFixed(2)} GB`;
}

/**
 * Remaining time as "3m 20s", "45s", "1h 02m"; "—" when unknown (null, negative or not finite).
 * @param seconds time left in seconds
 */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h ${String(m).padStart(2, '0')}m`;
}

/**
 * The progress the page shows: a run in progress, or one that ended (`outcome`), maybe a stored
 * run reopened from the history (`runOf`: when it was started, as the history shows it).
 */
export interface ShownProgress extends Progress {
  outcome?: 'stopped' | 'finished';
  runOf?: string;
}

/**
 * "step 40 / 939 · epoch 0.13 · 52.1 samples/s · ETA 3m 20s" while a run trains; once it ended
 * "Stopped at step 697 / 1,014 · epoch 1.37" (no ETA), or for a reopened run
 * "Run of 2026-12-01 10:35: finished: step 1,014 / 1,014 · epoch 2.00".
 */
export function formatProgressText(p: ShownProgress): string {
  if (p.outcome) {
    const steps = `step ${formatInt(p.step)} / ${formatInt(p.maxSteps)}`;
    const ended = p.outcome === 'stopped' ? `stopped at ${steps}` : `finished: ${steps}`;
    const line = p.runOf
      ? `Run of ${p.runOf}: ${ended}`
      : ended.charAt(0).toUpperCase() + ended.slice(1);
    return `${line} · epoch ${p.epoch.toFixed(2)}`;
  }
  const sps = Number.isFinite(p.samplesPerSecond) ? p.samplesPerSecond.toFixed(1) : '—';
  return (
    `step ${formatInt(p.step)} / ${formatInt(p.maxSteps)} · epoch ${p.epoch.toFixed(2)} · ` +
    `${sps} samples/s · ETA ${formatEta(p.etaSeconds)}`
  );
}

/** A metric with 4 decimals (HF prints more; 4 is what a person compares). */
export function formatMetric(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

/** Labels shown inline before the list is cut with "…". */
const MAX_INLINE_LABELS = 8;

/** "5,016 train / 556 validation · 2 labels: ham, spam". */
export function formatDatasetSummary(d: DatasetSummary): string {
  const shown = d.labels.slice(0, MAX_INLINE_LABELS).join(', ');
  const more = d.labels.length > MAX_INLINE_LABELS ? ', …' : '';
  const noun = d.labels.length === 1 ? 'label' : 'labels';
  return (
    `${formatInt(d.trainRows)} train / ${formatInt(d.validationRows)} validation · ` +
    `${d.labels.length} ${noun}: ${shown}${more}`
  );
}

/** Percentage with one decimal, e.g. 0.1341 -> "13.4%". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A prediction's classes, most probable first: [{label, prob}]. */
export function rankPrediction(p: Prediction): { label: string; prob: number }[] {
  return p.labels
    .map((label, i) => ({ label, prob: p.probs[i] ?? 0 }))
    .sort((a, b) => b.prob - a.prob);
}

/** Labels Try it lists with their probabilities, most likely first (a 1,000-class model too). */
export const MAX_PROBABILITIES = 10;

/** "spam 0.97 · ham 0.03" (most probable first, 2 decimals; past `max` labels, how many more). */
export function formatProbabilities(p: Prediction, max = MAX_PROBABILITIES): string {
  const ranked = rankPrediction(p);
  const shown = ranked
    .slice(0, max)
    .map((r) => `${r.label} ${r.prob.toFixed(2)}`)
    .join(' · ');
  const rest = ranked.length - max;
  return rest > 0 ? `${shown} · ${formatInt(rest)} more labels` : shown;
}

/**
 * What Try it says of a text longer than the model reads, e.g. "Cut to the first 64 tokens the
 * model was trained on (text had 412)"; null when the text fit.
 */
export function formatTruncation(p: Prediction): string | null {
  const t = p.truncation;
  if (!t) return null;
  return (
    `Cut to the first ${formatInt(t.kept)} tokens the model was trained on ` +
    `(text had ${formatInt(t.tokens)})`
  );
}

/**
 * Optimizer steps a run will take, as HF's Trainer computes it: `max_steps` when > 0, else
 * `ceil(num_train_epochs * max(floor(ceil(rows / batch) / accumulation), 1))`.
 */
export function estimateMaxSteps(
  trainRows: number,
  args: { max_steps: number; num_train_epochs: number; per_device_train_batch_size: number },
  gradientAccumulationSteps = 1,
): number {
  if (args.max_steps > 0) return args.max_steps;
  const batches = Math.ceil(trainRows / Math.max(1, args.per_device_train_batch_size));
  const perEpoch = Math.max(Math.floor(batches / gradientAccumulationSteps), 1);
  return Math.ceil(args.num_train_epochs * perEpoch);
}

/** An error's message for the error banner, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const message = err.message || err.name;
    // The error banner and the run bar show its remedy under it (errorRemedies.ts).
    rememberRemedy(message, err);
    return message;
  }
  return typeof err === 'string' ? err : 'Something went wrong.';
}
