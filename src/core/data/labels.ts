/**
 * Label strings <-> class ids, in the order HF `datasets`' `class_encode_column` gives (sorted
 * unique string values), so `config.json`'s `id2label` matches what a Python run would write.
 */
import { DataError } from './errors';

export interface LabelMaps {
  /** Class id (as a JSON object key, like HF config.json) -> label string. */
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  /** Labels in id order. */
  labels: string[];
}

/** Compare by Unicode code point, as Python's `sorted` on str (JS's default sort uses UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx - cy;
  }
}

/** Build the label maps from the label column's values (duplicates and order don't matter). */
export function buildLabelMaps(values: string[]): LabelMaps {
  const labels = Array.from(new Set(values)).sort(compareCodePoints);
  // Built as own data properties: an assignment `label2id["__proto__"] = i` would set the
  // prototype instead of adding the label.
  const id2label: Record<string, string> = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  const label2id: Record<string, number> = Object.fromEntries(labels.map((l, i) => [l, i]));
  return { id2label, label2id, labels };
}

/**
 * Map label strings to class ids.
 * @throws DataError 'bad-column' for a value with no id (e.g. a validation label unseen in training).
 */
export function encodeLabels(values: string[], label2id: Record<string, number>): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const id = Object.prototype.hasOwnProperty.call(label2id, values[i])
      ? label2id[values[i]]
      : undefined;
    if (id === undefined) {
      throw new DataError(
        'bad-column',
        `The label "${values[i]}" (data row ${i + 1}) is not one of the known labels ` +
          `(${Object.keys(label2id).slice(0, 10).join(', ')}). Check the label column, or add ` +
          'examples of this label to the training data.',
      );
    }
    out[i] = id;
  }
  return out;
}

export interface ValidateOptions {
  textColumn: string;
  labelColumn: string;
  /** Spreadsheet row number of the first example (2 when there is a header row). */
  firstDataRow: number;
  /** Exact spreadsheet row of each example (ParsedTable.rowNumbers); overrides firstDataRow. */
  rowNumbers?: number[];
}

export interface ValidationReport {
  /** Spreadsheet rows whose text is empty (or only spaces): the caller leaves them out. */
  emptyTextRows: number[];
  /** Spreadsheet rows whose label is empty: the caller leaves them out. */
  emptyLabelRows: number[];
  /** A sentence for the user about the left-out rows, or null when none are. */
  message: string | null;
}

const LIST_ROWS = 10;

function listRows(rows: number[]): string {
  const shown = rows.slice(0, LIST_ROWS).join(', ');
  return rows.length > LIST_ROWS ? `${shown} and ${rows.length - LIST_ROWS} more` : shown;
}

/**
 * Check the examples before training.
 * @throws DataError 'empty-text' when no row has text; 'single-class' when the usable rows have
 *   fewer than two distinct labels (a classifier needs two).
 */
export function validateExamples(
  texts: string[],
  labels: string[],
  opts: ValidateOptions,
): ValidationReport {
  const rowOf = (i: number): number => opts.rowNumbers?.[i] ?? opts.firstDataRow + i;
  const emptyTextRows: number[] = [];
  const emptyLabelRows: number[] = [];
  const classes = new Set<string>();
  for (let i = 0; i < texts.length; i++) {
    const noText = (texts[i] ?? '').trim() === '';
    const noLabel = (labels[i] ?? '').trim() === '';
    if (noText) emptyTextRows.push(rowOf(i));
    else if (noLabel) emptyLabelRows.push(rowOf(i));
    else classes.add(labels[i]);
  }
  if (texts.length === 0 || emptyTextRows.length === texts.length) {
    throw new DataError(
      'empty-text',
      `The text column "${opts.textColumn}" is empty in every row. Pick the column that holds ` +
        'the text to classify.',
      { column: opts.textColumn },
    );
  }
  if (classes.size < 2) {
    const only = classes.size === 1 ? `"${Array.from(classes)[0]}"` : 'no value';
    throw new DataError(
      'single-class',
      `The label column "${opts.labelColumn}" has only one distinct value (${only}), so there is ` +
        'nothing to tell apart. Pick the column that holds the classes, or add examples of at ' +
        'least one other class.',
      { column: opts.labelColumn },
    );
  }
  const parts: string[] = [];
  if (emptyTextRows.length > 0) {
    parts.push(
      `${emptyTextRows.length} row${emptyTextRows.length === 1 ? '' : 's'} with empty ` +
        `"${opts.textColumn}" (row${emptyTextRows.length === 1 ? '' : 's'} ${listRows(emptyTextRows)})`,
    );
  }
  if (emptyLabelRows.length > 0) {
    parts.push(
      `${emptyLabelRows.length} row${emptyLabelRows.length === 1 ? '' : 's'} with empty ` +
        `"${opts.labelColumn}" (row${emptyLabelRows.length === 1 ? '' : 's'} ${listRows(emptyLabelRows)})`,
    );
  }
  const message = parts.length > 0 ? `Left out ${parts.join(' and ')}.` : null;
  return { emptyTextRows, emptyLabelRows, message };
}
