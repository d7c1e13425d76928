/**
 * Records (JSON objects, Parquet rows) as a table: one column per field in order of first
 * appearance, cells as text, non-records reported as anomalies, within the row and column budgets.
 */
import type { TextEncodingName } from './decode';
import { DataError } from './errors';
import { DEFAULT_MAX_COLUMNS, DEFAULT_MAX_ROWS, checkColumns } from './readBudget';
import type { ReadAnomaly, ReadOptions, ReadTable, TableFormat } from './readTypes';

type Fields = Map<string, number>;

/** Cell value -> string: lists become `a;b` (multi-label), nested objects compact JSON. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
    return v.map((x) => (x === null || x === undefined ? '' : String(x))).join(';');
  }
  if (v instanceof Date) return v.toISOString();
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
  } catch {
    // Deeply nested values overflow the stack of JSON.stringify: say so in the cell.
    return '[nested value]';
  }
}

export interface RecordTable {
  columns: string[];
  rows: string[][];
  rowNumbers: number[];
  anomalies: ReadAnomaly[];
  capped: string | null;
}

export function tableOf(
  records: Iterable<{ rec: unknown; row: number }>,
  opts: ReadOptions,
  what: string,
): RecordTable {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const maxColumns = opts.maxColumns ?? DEFAULT_MAX_COLUMNS;
  const fields: Fields = new Map();
  const rows: string[][] = [];
  const rowNumbers: number[] = [];
  const anomalies: ReadAnomaly[] = [];
  let capped: string | null = null;
  for (const { rec, row } of records) {
    if (rows.length >= maxRows) {
      capped = `Only the first ${maxRows.toLocaleString('en-US')} rows were read (the row budget).`;
      break;
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      anomalies.push({
        row,
        kind: 'not-record',
        message: `${what} ${row} is not a record ({"text": ..., "label": ...}) and was skipped.`,
      });
      continue;
    }
    const out: string[] = [];
    for (const [k, v] of Object.entries(rec as Record<string, unknown>)) {
      let j = fields.get(k);
      if (j === undefined) {
        j = fields.size;
        if (j >= maxColumns) checkColumns(j + 1, maxColumns);
        fields.set(k, j);
      }
      out[j] = cell(v);
    }
    rows.push(out);
    rowNumbers.push(row);
  }
  const width = fields.size;
  for (const r of rows) {
    for (let j = 0; j < width; j++) if (r[j] === undefined) r[j] = '';
  }
  return { columns: [...fields.keys()], rows, rowNumbers, anomalies, capped };
}

export function finish(
  t: RecordTable,
  format: TableFormat,
  encoding: TextEncodingName,
): Omit<ReadTable, 'gzip' | 'bytesRead'> {
  if (t.rows.length === 0) {
    throw new DataError(
      'no-rows',
      `No records were found in the file${t.anomalies.length ? ` (${t.anomalies.length} lines could not be read)` : ''}. ` +
        'A JSON Lines file holds one {"text": ..., "label": ...} object per line.',
    );
  }
  if (t.columns.length < 2) {
    throw new DataError(
      'one-column',
      `The records have only one field (${t.columns[0] ?? 'none'}); a training table needs a ` +
        'text and a label.',
    );
  }
  return {
    columns: t.columns,
    rows: t.rows,
    rowNumbers: t.rowNumbers,
    anomalies: t.anomalies,
    delimiter: '',
    hasHeader: true,
    quoting: false,
    encoding,
    format,
    capped: t.capped,
  };
}
