/**
 * The data report shown before training: what is in the file, and what the tokenizer will make
 * of it. Pure numbers (no text formatting), computed in the worker, drawn by the UI and printed
 * by the command line.
 */
import { detectTask, splitMultiLabel, type TaskDetection, type TaskOverride } from './task';

export interface ClassCount {
  label: string;
  count: number;
}

export interface LengthBin {
  /** Token counts in [from, to); the last bin also holds rows cut at max_length. */
  from: number;
  to: number;
  count: number;
}

export interface TokenLengthStats {
  tokenizer: string;
  maxLength: number;
  /** Rows measured (all, or an evenly spaced sample of a large file). */
  measured: number;
  bins: LengthBin[];
  /** Share (0-1) of measured rows that max_length truncates. */
  truncatedShare: number;
  truncatedRows: number;
  /** Mean tokens per row after truncation, special tokens included. */
  mean: number;
  median: number;
  p95: number;
}

export interface DataReport {
  /** Data rows read from the file. */
  rows: number;
  /** Rows with both a text and a label (those training uses). */
  rowsUsed: number;
  columns: string[];
  anomalyCount: number;
  /** Anomalies per kind (ragged, quote, empty, bad-json...). */
  anomaliesByKind: Record<string, number>;
  task: TaskDetection;
  /** Rows per class, in `task.labels` order (multi-label: rows holding each label). */
  classBalance: ClassCount[];
  /** Rows with an empty text (or pair) or an empty label, with their file rows (first 50). */
  empty: { count: number; rows: number[] };
  /** Rows whose text (and pair) repeat an earlier row, with their file rows (first 50). */
  duplicates: { count: number; rows: number[]; conflictingLabels: number };
  /** Up to 3 example texts per class (as text, never markup), in `task.labels` order. */
  examplesPerClass: { label: string; examples: string[] }[];
  tokenLengths: TokenLengthStats | null;
  /** Why part of the file was left out, or null. */
  capped: string | null;
}

export interface ReportInput {
  texts: readonly string[];
  pairs: readonly string[] | null;
  labels: readonly string[];
  /** File row of each entry (for listing empty and duplicate rows). */
  rowNumbers: readonly number[];
  columns: string[];
  anomalies: readonly { kind: string }[];
  capped?: string | null;
}

export interface ReportOptions {
  task?: TaskOverride;
  /** Token counts of measured rows (after truncation) and which were truncated. */
  tokenLengths?: {
    tokenizer: string;
    maxLength: number;
    lengths: ArrayLike<number>;
    truncated: number;
  };
  /** Histogram bins (default 16). */
  bins?: number;
}

const LIST = 50;
const EXAMPLES = 3;
const EXAMPLE_CHARS = 300;

/** Compute the report (linear in the rows; duplicates by exact text). */
export function computeDataReport(input: ReportInput, opts: ReportOptions = {}): DataReport {
  const n = input.texts.length;
  const anomaliesByKind: Record<string, number> = {};
  for (const a of input.anomalies) anomaliesByKind[a.kind] = (anomaliesByKind[a.kind] ?? 0) + 1;

  const emptyRows: number[] = [];
  let emptyCount = 0;
  const usedLabels: string[] = [];
  const usedIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    const noText =
      (input.texts[i] ?? '').trim() === '' ||
      (input.pairs !== null && (input.pairs[i] ?? '').trim() === '');
    const noLabel = (input.labels[i] ?? '').trim() === '';
    if (noText || noLabel) {
      emptyCount++;
      if (emptyRows.length < LIST) emptyRows.push(input.rowNumbers[i] ?? i + 1);
    } else {
      usedLabels.push(input.labels[i].trim());
      usedIdx.push(i);
    }
  }

  const task = detectTask(usedLabels, opts.task);
  const classIndex = new Map(task.labels.map((l, k) => [l, k]));
  const counts = task.labels.map(() => 0);
  const examples: string[][] = task.labels.map(() => []);
  if (task.problemType !== 'regression') {
    for (let k = 0; k < usedIdx.length; k++) {
      const i = usedIdx[k];
      const parts =
        task.problemType === 'multi_label_classification'
          ? splitMultiLabel(usedLabels[k], task.labelDelimiter ?? ';')
          : [usedLabels[k]];
      for (const p of parts) {
        const c = classIndex.get(p);
        if (c === undefined) continue;
        counts[c]++;
        if (examples[c].length < EXAMPLES) examples[c].push(clip(input.texts[i]));
      }
    }
  }

  const seen = new Map<string, string>();
  const dupRows: number[] = [];
  let dupCount = 0;
  let conflicting = 0;
  for (const i of usedIdx) {
    const key = input.pairs ? `${input.texts[i]}\u0000${input.pairs[i]}` : input.texts[i];
    const label = input.labels[i].trim();
    const prev = seen.get(key);
    if (prev === undefined) {
      seen.set(key, label);
      continue;
    }
    dupCount++;
    if (prev !== label) conflicting++;
    if (dupRows.length < LIST) dupRows.push(input.rowNumbers[i] ?? i + 1);
  }

  return {
    rows: n,
    rowsUsed: usedIdx.length,
    columns: input.columns,
    anomalyCount: input.anomalies.length,
    anomaliesByKind,
    task,
    classBalance: task.labels.map((label, k) => ({ label, count: counts[k] })),
    empty: { count: emptyCount, rows: emptyRows },
    duplicates: { count: dupCount, rows: dupRows, conflictingLabels: conflicting },
    examplesPerClass: task.labels.map((label, k) => ({ label, examples: examples[k] })),
    tokenLengths: opts.tokenLengths ? lengthStats(opts.tokenLengths, opts.bins ?? 16) : null,
    capped: input.capped ?? null,
  };
}

function clip(s: string): string {
  return s.length > EXAMPLE_CHARS ? `${s.slice(0, EXAMPLE_CHARS)}…` : s;
}

/** Histogram over [0, maxLength] in equal bins; lengths are after truncation (<= maxLength). */
export function lengthStats(
  t: { tokenizer: string; maxLength: number; lengths: ArrayLike<number>; truncated: number },
  nBins = 16,
): TokenLengthStats {
  const m = t.lengths.length;
  const width = Math.max(1, Math.ceil(t.maxLength / nBins));
  const bins: LengthBin[] = [];
  for (let from = 0; from < t.maxLength; from += width) {
    bins.push({ from, to: Math.min(from + width, t.maxLength), count: 0 });
  }
  if (bins.length === 0) bins.push({ from: 0, to: 1, count: 0 });
  const sorted = new Uint32Array(m);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const len = t.lengths[i];
    sorted[i] = len;
    sum += len;
    const b = Math.min(bins.length - 1, Math.floor(len / width));
    bins[b].count++;
  }
  sorted.sort();
  const q = (p: number) => (m === 0 ? 0 : sorted[Math.min(m - 1, Math.floor(p * (m - 1)))]);
  return {
    tokenizer: t.tokenizer,
    maxLength: t.maxLength,
    measured: m,
    bins,
    truncatedShare: m === 0 ? 0 : t.truncated / m,
    truncatedRows: t.truncated,
    mean: m === 0 ? 0 : sum / m,
    median: q(0.5),
    p95: q(0.95),
  };
}

/** Indices of an evenly spaced sample of at most `k` of `n` rows (all rows when n <= k). */
export function sampleIndices(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = new Array(k);
  for (let j = 0; j < k; j++) out[j] = Math.floor((j * n) / k);
  return out;
}
