/**
 * CSV writing for files the user opens in a spreadsheet (metrics, predictions). Cells that a
 * spreadsheet would read as a formula (starting with = + - @, tab or carriage return) get a
 * leading apostrophe, as OWASP's "CSV injection" advice recommends; quoting follows RFC 4180.
 */

/** Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell value: numbers are written as they are (a negative number is data, not a formula). */
export type CsvCell = string | number | boolean | null | undefined;

/**
 * One cell as CSV text: formula-like strings prefixed with `'`, then quoted when they hold the
 * delimiter, a quote or a line break. Finite numbers are not prefixed (-0.5 stays a number).
 */
export function csvCell(value: CsvCell, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    s = String(value); // NaN / Infinity / -Infinity: text, neutralised below
  } else {
    s = String(value);
  }
  if (FORMULA_START.test(s)) s = `'${s}`;
  if (s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r')) {
    s = `"${s.replace(/"/g, '""')}"`;
  }
  return s;
}

/** Rows (the first usually the header) as CSV text with CRLF line ends (RFC 4180). */
export function toCsv(rows: readonly (readonly CsvCell[])[], delimiter = ','): string {
  return rows.map((r) => r.map((c) => csvCell(c, delimiter)).join(delimiter)).join('\r\n') + '\r\n';
}

/**
 * A `log_history` (or any list of flat records) as CSV: one column per key seen, in first-seen
 * order, empty cells where an entry lacks a key.
 */
export function recordsToCsv(records: readonly Record<string, CsvCell>[]): string {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  return toCsv([keys, ...records.map((r) => keys.map((k) => r[k]))]);
}
