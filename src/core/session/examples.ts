/**
 * Turning a table and a column choice into examples: texts, optional second texts and label
 * strings, with the rows left out for an empty text or label.
 */
import { DataError } from '../data/errors';
import { validateExamples } from '../data/labels';
import type { ParsedTable } from '../data/table';
import type { ColumnChoice } from './types';

/** A table with the name of the file it came from (for messages). */
export type NamedTable = ParsedTable & { fileName: string };

/** Texts, optional second texts and label strings of a table's usable rows. */
export interface Examples {
  texts: string[];
  pairs: string[] | null;
  labels: string[];
  /** File rows left out (empty text or label), ascending. */
  skippedRows: number[];
  report: ReturnType<typeof validateExamples>;
}

/**
 * The index of column `name` in `t`, or -1 when no column is asked for (an optional text pair);
 * a name the table lacks is a {@link DataError} that lists the columns it has.
 */
export function columnIndex(t: NamedTable, name: string | undefined): number {
  if (name === undefined) return -1;
  const i = t.columns.indexOf(name);
  if (i < 0) {
    throw new DataError(
      'bad-column',
      `There is no column named "${name}" in ${t.fileName}. Its columns are: ${t.columns.join(', ')}.`,
      { column: name },
    );
  }
  return i;
}

/** Picks the chosen columns of a table and leaves out rows with no text or no label. */
export function extractExamples(t: NamedTable, columns: ColumnChoice): Examples {
  const ti = columnIndex(t, columns.text);
  const li = columnIndex(t, columns.label);
  const pi = columnIndex(t, columns.textPair);
  if (ti === li) {
    throw new DataError('bad-column', 'The text column and the label column must differ.', {
      column: columns.text,
    });
  }
  const texts = t.rows.map((r) => r[ti] ?? '');
  const labels = t.rows.map((r) => (r[li] ?? '').trim());
  const report = validateExamples(texts, labels, {
    textColumn: columns.text,
    labelColumn: columns.label,
    firstDataRow: t.hasHeader ? 2 : 1,
    rowNumbers: t.rowNumbers,
  });
  const skipped = new Set([...report.emptyTextRows, ...report.emptyLabelRows]);
  const keep: number[] = [];
  t.rows.forEach((_, i) => {
    if (!skipped.has(t.rowNumbers[i])) keep.push(i);
  });
  return {
    texts: keep.map((i) => texts[i]),
    pairs: pi >= 0 ? keep.map((i) => t.rows[i][pi] ?? '') : null,
    labels: keep.map((i) => labels[i]),
    skippedRows: [...skipped].sort((a, b) => a - b),
    report,
  };
}

/** The examples at positions `idx` (a split's rows); skipped rows and the report stay. */
export function subset(e: Examples, idx: number[]): Examples {
  return {
    ...e,
    texts: idx.map((i) => e.texts[i]),
    pairs: e.pairs ? idx.map((i) => (e.pairs as string[])[i]) : null,
    labels: idx.map((i) => e.labels[i]),
  };
}
