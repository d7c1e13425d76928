/**
 * The data report shown before training: what is in the file, and what the tokenizer will make
 * of it. Pure numbers (no text formatting), computed in the worker, drawn by the UI and printed
 * by the command line.
 */
import type { TaggedDataSummary } from './taggedTypes';
import { detectTask, splitMultiLabel, type TaskDetection, type TaskOverride } from './task';

export interface ClassCount {
  label: string;
  count: number;
}

export interface LengthBin {
  /**
   * Token counts in [from, to), measured before truncation. The bins up to max_length end at
   * `maxLength + 1` (a row of exactly max_length is not cut); the bins after it hold the rows
   * max_length cuts. The last bin also holds rows at the measuring cap (`measureCap`).
   */
  from: number;
  to: number;
  count: number;
  /** The last bin past max_length, wider than the others: it holds every longer row too. */
  open?: true;
}

export interface TokenLengthStats {
  tokenizer: string;
  maxLength: number;
  /** Rows measured (all, or an evenly spaced sample of a large file). */
  measured: number;
  bins: LengthBin[];
  /** Index of the first bin past max_length (`bins.length` when no row is longer). */
  cutBin: number;
  /** Lengths were measured up to this many tokens; longer rows count as this long. */
  measureCap: number;
  /** Measured rows that reached the cap (their real length is at least `measureCap`). */
  atCap: number;
  /** Share (0-1) of measured rows that max_length truncates (longer than max_length). */
  truncatedShare: number;
  /** Measured rows longer than max_length: the same rows as the bins from `cutBin` on. */
  truncatedRows: number;
  /** Mean tokens per row before truncation (up to `measureCap`), special tokens included. */
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
  /**
   * A tagged file's summary (token classification): sentences, tags, scheme, issues, entities
   * per type, lengths in words and sub-tokens, entities truncation cuts. Absent for a table.
   */
  tagged?: TaggedDataSummary;
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
  /** Token counts of measured rows before truncation (see `lengthStats`). */
  tokenLengths?: LengthInput;
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

/** Token counts of measured rows, before truncation, each at most `measureCap`. */
export interface LengthInput {
  tokenizer: string;
  maxLength: number;
  lengths: ArrayLike<number>;
  /** The cap the lengths were measured at (default: no cap, the longest length). */
  measureCap?: number;
}

/** The cap to measure lengths at for a max_length: far past it, so the tail is drawn. */
export function measureCapFor(maxLength: number): number {
  return Math.max(1024, 8 * maxLength);
}

/**
 * Histogram of lengths measured before truncation: `nBins` equal bins over [0, max_length] when
 * no row is longer, otherwise bins of one width on both sides of max_length (it falls on a bin
 * edge, `cutBin`): at least `nBins / 2` up to it and at most `nBins` past it, the last one
 * open-ended (`open`) when the tail runs further. Percentiles and the
 * mean are of the real lengths; the rows cut are the rows longer than max_length.
 */
export function lengthStats(t: LengthInput, nBins = 16): TokenLengthStats {
  const m = t.lengths.length;
  const maxLength = Math.max(1, t.maxLength);
  const sorted = new Uint32Array(m);
  let sum = 0;
  let hi = 0;
  let cut = 0;
  for (let i = 0; i < m; i++) {
    const len = t.lengths[i];
    sorted[i] = len;
    sum += len;
    if (len > hi) hi = len;
    if (len > maxLength) cut++;
  }
  sorted.sort();
  const measureCap = t.measureCap ?? Math.max(hi, maxLength);
  let atCap = 0;
  if (t.measureCap !== undefined) for (let i = 0; i < m; i++) if (sorted[i] >= measureCap) atCap++;
  // Bins up to max_length: fewer when there is a tail (at least half), which gets as many more.
  const half = Math.ceil(nBins / 2);
  const below = hi <= maxLength ? nBins : Math.max(half, Math.round((nBins * maxLength) / hi));
  const width = Math.max(1, Math.ceil((maxLength + 1) / below));
  const bins: LengthBin[] = [];
  for (let from = 0; from <= maxLength; from += width) {
    bins.push({ from, to: Math.min(from + width, maxLength + 1), count: 0 });
  }
  const cutBin = bins.length;
  if (hi > maxLength) {
    const limit = cutBin + nBins;
    for (let from = maxLength + 1; from <= hi && bins.length < limit; from += width) {
      bins.push({ from, to: from + width, count: 0 });
    }
    const last = bins[bins.length - 1];
    if (last.to <= hi) {
      last.to = hi + 1;
      last.open = true;
    }
  }
  for (let i = 0; i < m; i++) {
    const len = sorted[i];
    const b =
      len <= maxLength
        ? Math.min(cutBin - 1, Math.floor(len / width))
        : Math.min(bins.length - 1, cutBin + Math.floor((len - maxLength - 1) / width));
    bins[b].count++;
  }
  const q = (p: number) => (m === 0 ? 0 : sorted[Math.min(m - 1, Math.floor(p * (m - 1)))]);
  return {
    tokenizer: t.tokenizer,
    maxLength,
    measured: m,
    bins,
    cutBin,
    measureCap,
    atCap,
    truncatedShare: m === 0 ? 0 : cut / m,
    truncatedRows: cut,
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

/**
 * Rows of a class of `count` rows that the seeded stratified split puts in validation (the rule
 * of `stratifiedSplit` in split.ts): round(fraction x count), at least 1 when the class has 2 or
 * more rows and never all of them; a class of one row stays in train.
 */
export function validationRowsOf(count: number, validationFraction: number): number {
  if (count < 2) return 0;
  return Math.min(Math.max(Math.round(validationFraction * count), 1), count - 1);
}

/** Validation rows per class below which per-class scores say little (each row moves recall a lot). */
export const MIN_VALIDATION_ROWS_PER_CLASS = 2;

/** Classes the split leaves with too few validation rows, and what to do about it. */
export interface SplitWarning {
  /** Classes in the data. */
  classes: number;
  /** Classes with no validation row at all (a single row: it stays in train). */
  noValidation: number;
  /** Classes with fewer than `MIN_VALIDATION_ROWS_PER_CLASS` validation rows, none included. */
  fewValidation: number;
  /** Fewest and most validation rows of the classes the split leaves short. */
  validationRows: { min: number; max: number };
  /** One or two sentences: how many classes, why it matters, what to do. */
  message: string;
}

/**
 * Whether splitting `classBalance` at `validationFraction` leaves classes with fewer than
 * `MIN_VALIDATION_ROWS_PER_CLASS` validation rows (e.g. 500 classes of 4 rows at 10 %: 1 each);
 * null when every class gets enough. Single-label classification only: pass the report's
 * class balance when its task is that, and only when the table is split (no validation file).
 */
export function splitWarning(
  classBalance: readonly ClassCount[],
  validationFraction: number,
): SplitWarning | null {
  let none = 0;
  let few = 0;
  let min = Infinity;
  let max = 0;
  for (const c of classBalance) {
    const v = validationRowsOf(c.count, validationFraction);
    if (v >= MIN_VALIDATION_ROWS_PER_CLASS) continue;
    if (v === 0) none++;
    else few++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (none + few === 0) return null;
  const classes = classBalance.length;
  const cls = (k: number) => `${k.toLocaleString('en-US')} class${k === 1 ? '' : 'es'}`;
  const what =
    few === 0
      ? `${cls(none)} ${none === 1 ? 'has' : 'have'} a single row, so no validation row`
      : none === 0
        ? `${cls(few)}${few < classes ? ` of ${classes.toLocaleString('en-US')}` : ''} ${few === 1 ? 'gets' : 'get'} only 1 validation row${few === 1 ? '' : ' each'}`
        : `${cls(few)} ${few === 1 ? 'gets' : 'get'} only 1 validation row and ${cls(none)} none (a single row)`;
  const todo =
    `Their per-class scores (recall, F1, ROC AUC) rest on ${max === 0 ? 'no row' : min === 0 ? 'one row or none' : 'one row'} ` +
    `and say little. Add rows to the small classes, merge or drop rare classes, raise the ` +
    `validation fraction, or use a separate validation file with at least ` +
    `${MIN_VALIDATION_ROWS_PER_CLASS} rows per class.`;
  return {
    classes,
    noValidation: none,
    fewValidation: few,
    validationRows: { min, max },
    message: `${what} at a ${Math.round(validationFraction * 1000) / 10} % validation split. ${todo}`,
  };
}
