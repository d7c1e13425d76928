/**
 * The data report of a loaded table for a column choice, with token lengths at the current
 * tokenizer when there is one.
 */
import { computeDataReport, measureCapFor, sampleIndices, type DataReport } from '../data/report';
import { encodeDataset } from '../tokenize/encode';
import { fastTokenizer } from '../tokenize/fastWordPiece';
import type { Tokenizer } from '../tokenize/tokenizer';
import { columnIndex, type NamedTable } from './examples';
import type { ColumnChoice } from './types';

/**
 * The data report of `t` for the chosen columns (see data/report.ts): rows, detected task, class
 * balance, empty and duplicate rows, examples per class, and, when `tok` is given, token lengths
 * before truncation over an evenly spaced sample of up to `sampleRows` non-empty rows.
 */
export function tableDataReport(
  t: NamedTable,
  tok: Tokenizer | null,
  columns: ColumnChoice,
  maxLength: number,
  sampleRows: number,
): DataReport {
  const ti = columnIndex(t, columns.text);
  const li = columnIndex(t, columns.label);
  const pi = columnIndex(t, columns.textPair);
  const texts = t.rows.map((r) => r[ti] ?? '');
  const labels = t.rows.map((r) => r[li] ?? '');
  const pairs = pi >= 0 ? t.rows.map((r) => r[pi] ?? '') : null;
  let tokenLengths;
  if (tok) {
    // Measured far past max_length, so the histogram and percentiles are of the real lengths.
    const measureCap = measureCapFor(maxLength);
    const idx = sampleIndices(texts.length, sampleRows).filter((i) => texts[i].trim() !== '');
    const enc = encodeDataset(
      fastTokenizer(tok),
      idx.map((i) => texts[i]),
      pairs ? idx.map((i) => pairs[i]) : null,
      measureCap,
    );
    const lengths = new Uint32Array(idx.length);
    for (let k = 0; k < idx.length; k++) lengths[k] = enc.offsets[k + 1] - enc.offsets[k];
    tokenLengths = { tokenizer: tok.name, maxLength, lengths, measureCap };
  }
  const capped = (t as { capped?: string | null }).capped ?? null;
  return computeDataReport(
    {
      texts,
      pairs,
      labels,
      rowNumbers: t.rowNumbers,
      columns: t.columns,
      anomalies: t.anomalies,
      capped,
    },
    { tokenLengths },
  );
}
