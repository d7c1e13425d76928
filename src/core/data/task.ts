/**
 * Which task a label column describes: single-label classes, multi-label (a delimited list such
 * as `sports;politics`), or regression (real numbers). A guess the user can always override.
 */

import type { ProblemType } from '../model/config';
import { compareCodePoints } from './labels';

export type { ProblemType };

export interface TaskDetection {
  problemType: ProblemType;
  /**
   * Classes in HF `class_encode_column` order (sorted by code point); for multi-label the
   * distinct parts of the lists; [] for regression.
   */
  labels: string[];
  /** Multi-label only: what separates labels inside a cell. */
  labelDelimiter?: string;
  /** Regression only: the range of the values. */
  range?: { min: number; max: number };
  /** One sentence for the user on why this task was chosen. */
  reason: string;
}

export interface TaskOverride {
  problemType?: ProblemType;
  /** Multi-label separator to use instead of the detected one. */
  labelDelimiter?: string;
}

const NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const INTEGER = /^\s*[-+]?\d+\s*$/;
const MULTI_DELIMITERS = [';', '|', ','] as const;
/** Integer labels with at most this many distinct values are classes (e.g. 0/1, 1-5 stars). */
const MAX_INTEGER_CLASSES = 20;

/** Code-point order, as Python's `sorted` on str (HF datasets' class_encode_column). */

/** Split one multi-label cell into its labels (trimmed, empty parts dropped, duplicates kept once). */
export function splitMultiLabel(value: string, delimiter: string): string[] {
  const out: string[] = [];
  for (const p of value.split(delimiter)) {
    const s = p.trim();
    if (s !== '' && !out.includes(s)) out.push(s);
  }
  return out;
}

/**
 * Detect the task from a label column's values (blank values are ignored).
 * - all numbers: integers with few distinct values (<= 20 and not most rows distinct) are
 *   classes; otherwise regression;
 * - a separator (`;`, `|`, `,`) inside >= 2% of values, whose parts are short and shared across
 *   rows (fewer distinct parts than distinct cells), makes it multi-label;
 * - else single-label.
 * `override` forces the problem type (and the multi-label separator).
 */
export function detectTask(values: readonly string[], override: TaskOverride = {}): TaskDetection {
  const filled: string[] = [];
  for (const v of values) {
    const s = v.trim();
    if (s !== '') filled.push(s);
  }
  const distinct = new Set(filled);
  const n = filled.length;

  const single = (reason: string): TaskDetection => ({
    problemType: 'single_label_classification',
    labels: [...distinct].sort(compareCodePoints),
    reason,
  });
  const regression = (reason: string): TaskDetection => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of filled) {
      const x = Number(v);
      if (Number.isFinite(x)) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    return {
      problemType: 'regression',
      labels: [],
      range: n > 0 && min <= max ? { min, max } : { min: 0, max: 0 },
      reason,
    };
  };
  const multi = (delimiter: string, reason: string): TaskDetection => {
    const parts = new Set<string>();
    for (const v of filled) for (const p of splitMultiLabel(v, delimiter)) parts.add(p);
    return {
      problemType: 'multi_label_classification',
      labels: [...parts].sort(compareCodePoints),
      labelDelimiter: delimiter,
      reason,
    };
  };

  if (override.problemType === 'regression') return regression('Regression, as chosen.');
  if (override.problemType === 'single_label_classification') {
    return single('Single-label classification, as chosen.');
  }
  if (override.problemType === 'multi_label_classification') {
    const d = override.labelDelimiter ?? bestMultiDelimiter(filled, distinct.size) ?? ';';
    return multi(d, `Multi-label classification, as chosen (labels separated by "${d}").`);
  }

  if (n > 0 && filled.every((v) => NUMBER.test(v))) {
    const integers = filled.every((v) => INTEGER.test(v));
    const few = distinct.size <= MAX_INTEGER_CLASSES && distinct.size <= Math.max(2, 0.5 * n);
    if (integers && few) {
      return single(
        `The labels are ${distinct.size} whole numbers (${[...distinct].sort(compareCodePoints).slice(0, 6).join(', ')}), read as classes.`,
      );
    }
    return regression(
      integers
        ? `The labels are ${distinct.size} different whole numbers, read as a regression target.`
        : 'The labels are real numbers, read as a regression target.',
    );
  }
  const d = override.labelDelimiter ?? bestMultiDelimiter(filled, distinct.size);
  if (d) {
    return multi(d, `Some labels are lists separated by "${d}", read as multi-label classes.`);
  }
  return single(`The labels are ${distinct.size} classes.`);
}

/** The separator that makes the column a list of shared short labels, or null. */
function bestMultiDelimiter(filled: string[], distinctCells: number): string | null {
  const n = filled.length;
  if (n === 0) return null;
  for (const d of MULTI_DELIMITERS) {
    let withD = 0;
    const uses = new Map<string, number>();
    let longPart = false;
    for (const v of filled) {
      const parts = v.includes(d) ? splitMultiLabel(v, d) : [v];
      if (parts.length > 1) withD++;
      for (const p of parts) {
        uses.set(p, (uses.get(p) ?? 0) + 1);
        if (p.length > 40 || p.split(' ').length > 4) longPart = true;
      }
    }
    if (longPart || withD < Math.max(1, 0.02 * n)) continue;
    // Lists share their labels: some label recurs, no more labels than distinct cells, few overall.
    const shared = [...uses.values()].some((c) => c >= 2);
    if (shared && uses.size <= distinctCells && uses.size <= Math.max(100, 0.05 * n)) return d;
  }
  return null;
}
