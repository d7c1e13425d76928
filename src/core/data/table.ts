/**
 * Text -> table for users' CSV/TSV files, forgiving the way real exports are broken (ragged rows,
 * unbalanced quotes, stray CRs, blank lines) but never silently: every repair is an `Anomaly`
 * the UI can show, with the row number a spreadsheet user would look for.
 */
import Papa from 'papaparse';
import { decodeBytes, type TextEncodingName } from './decode';
import { DataError } from './errors';

export type AnomalyKind = 'ragged' | 'quote' | 'empty' | 'bare-cr';

/** Something the parser repaired or skipped. `row` is 1-based as a spreadsheet counts it (header = 1). */
export interface Anomaly {
  row: number;
  kind: AnomalyKind;
  message: string;
}

export interface ParsedTable {
  /** Column names: the header's, or `column_<n>` (1-based) where there is no header or a blank name. */
  columns: string[];
  /** Data rows, each padded with '' to `columns.length`; values are not trimmed. */
  rows: string[][];
  delimiter: string;
  hasHeader: boolean;
  anomalies: Anomaly[];
  /** Spreadsheet row number (header = 1) of each entry of `rows`; skipped blank rows leave gaps. */
  rowNumbers: number[];
  /** Whether quoted fields were honoured (false after the unbalanced-quote fallback or when asked). */
  quoting: boolean;
}

export interface ParseTableOptions {
  /** Field separator; sniffed among `,` `\t` `;` `|` when left out. */
  delimiter?: string;
  /** Whether row 1 names the columns; detected when left out. */
  hasHeader?: boolean;
  /** true: honour `"` quoting; false: read quotes as text; left out: quoting, with a fallback. */
  quoting?: boolean;
  /** Read at most this many data rows (a preview); rows beyond are not parsed. */
  maxRows?: number;
  /**
   * Fewest columns the table needs: 2 for training (text and label, the default), 1 for texts
   * to predict on.
   */
  minColumns?: 1 | 2;
}

const CANDIDATE_DELIMITERS = ['\t', ',', ';', '|'] as const;
/** Records the delimiter sniffer and the header detector look at. */
const SNIFF_RECORDS = 200;
const SNIFF_CHARS = 256 * 1024;

/**
 * Parse a table from text (see the module comment for what is repaired).
 * @throws DataError 'empty-file' (no text), 'one-column' (no delimiter splits the rows),
 *   'no-rows' (a header and nothing else).
 */
export function parseTable(text: string, opts: ParseTableOptions = {}): ParsedTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new DataError(
      'empty-file',
      'The file is empty. Choose a file with a header row and data.',
    );
  }
  const anomalies: Anomaly[] = [];
  const delimiter = opts.delimiter ?? sniffDelimiter(text, opts.quoting);
  // A preview still needs the header row and may skip blank lines, so read a little more.
  const limit = opts.maxRows !== undefined ? opts.maxRows + 1 : undefined;

  let records: string[][];
  let quoting = opts.quoting !== false;
  if (quoting) {
    const quoted = parseQuoted(text, delimiter, limit);
    records = quoted.records;
    if (opts.quoting === undefined) {
      const plain = parseUnquoted(text, delimiter, limit);
      const quoteTrouble = quoted.firstQuoteErrorRecord !== null;
      const swallowed =
        limit === undefined && countNonEmpty(quoted.records) < 0.9 * countNonEmpty(plain);
      if (
        (quoteTrouble || swallowed) &&
        fieldCountConsistency(plain) >= fieldCountConsistency(quoted.records)
      ) {
        records = plain;
        quoting = false;
        const at = quoted.firstQuoteErrorRecord ?? firstSwallowRecord(quoted.records);
        anomalies.push({
          row: at + 1,
          kind: 'quote',
          message:
            `Unbalanced quotes (first near row ${at + 1}) would merge lines into one another, so ` +
            'quote characters were read as ordinary text and every line is one row. If this file ' +
            'really uses quoted fields, fix the quotes and load it again.',
        });
      }
    }
  } else {
    records = parseUnquoted(text, delimiter, limit);
  }

  // A final line break leaves one empty record behind: that is normal, not an anomaly.
  if (records.length > 0 && isBlankRecord(records[records.length - 1])) records.pop();

  // Keep the original record index (spreadsheet row - 1) of every non-blank record.
  const kept: number[] = [];
  for (let r = 0; r < records.length; r++) {
    if (isBlankRecord(records[r])) {
      anomalies.push({
        row: r + 1,
        kind: 'empty',
        message: `Row ${r + 1} is empty and was skipped.`,
      });
    } else {
      kept.push(r);
    }
  }
  if (kept.length === 0) {
    throw new DataError('empty-file', 'The file has no rows with content.');
  }

  const hasHeader =
    opts.hasHeader ??
    detectHeader(
      records[kept[0]],
      kept.slice(1, 1 + SNIFF_RECORDS).map((r) => records[r]),
    );
  const headerRecord = hasHeader ? records[kept[0]] : null;
  let dataIdx = hasHeader ? kept.slice(1) : kept;
  if (opts.maxRows !== undefined) dataIdx = dataIdx.slice(0, opts.maxRows);

  // Width: the widest row, so extra fields of ragged rows become columns instead of vanishing.
  let width = headerRecord ? headerRecord.length : 0;
  for (const r of dataIdx) width = Math.max(width, records[r].length);
  const expected = headerRecord
    ? headerRecord.length
    : modalFieldCount(dataIdx.map((r) => records[r]));

  const rows: string[][] = [];
  const rowNumbers: number[] = [];
  for (const r of dataIdx) {
    const rec = records[r];
    if (rec.length !== expected) {
      anomalies.push({
        row: r + 1,
        kind: 'ragged',
        message:
          `Row ${r + 1} has ${rec.length} field${rec.length === 1 ? '' : 's'} where ` +
          `${expected} ${expected === 1 ? 'was' : 'were'} expected; ` +
          (rec.length < expected
            ? 'the missing ones were left empty.'
            : 'the extra ones were kept as extra columns.'),
      });
    }
    if (quoting && rec.some(hasBareCr)) {
      anomalies.push({
        row: r + 1,
        kind: 'bare-cr',
        message: `Row ${r + 1} has a lone carriage return inside a quoted field; it was kept as part of the text.`,
      });
    }
    const row =
      rec.length < width ? rec.concat(new Array<string>(width - rec.length).fill('')) : rec;
    rows.push(row);
    rowNumbers.push(r + 1);
  }

  // Drop trailing columns with no name and no content (e.g. trailing delimiters on every line):
  // there is nothing in them to lose.
  while (width > 0) {
    const j = width - 1;
    const named = headerRecord !== null && (headerRecord[j] ?? '').trim() !== '';
    if (named || rows.some((row) => row[j].trim() !== '')) break;
    for (const row of rows) row.length = j;
    width = j;
  }

  const columns = nameColumns(headerRecord, width);
  if (columns.length < (opts.minColumns ?? 2)) {
    const shown = delimiter === '\t' ? 'tab' : `"${delimiter}"`;
    throw new DataError(
      'one-column',
      `Only one column was found (splitting rows at ${shown}). A training table needs a text ` +
        'column and a label column: if the delimiter was guessed wrong, choose it (comma, tab, ' +
        'semicolon or pipe) with the Delimiter control above (on the command line: --delimiter).',
    );
  }
  if (rows.length === 0) {
    throw new DataError(
      'no-rows',
      'The file has a header row but no data rows. Add rows below the header.',
      { row: 2 },
    );
  }
  return { columns, rows, delimiter, hasHeader, anomalies, rowNumbers, quoting };
}

/** Decode bytes (see `decodeBytes`) and parse them (see `parseTable`). */
export function parseTableFromBytes(
  bytes: Uint8Array,
  opts: ParseTableOptions = {},
): ParsedTable & { encoding: TextEncodingName } {
  const { text, encoding } = decodeBytes(bytes);
  return { ...parseTable(text, opts), encoding };
}

// ---------------------------------------------------------------------------------------------

interface QuotedParse {
  records: string[][];
  /** Record index where Papa first reported a quote problem, or null. */
  firstQuoteErrorRecord: number | null;
}

function parseQuoted(text: string, delimiter: string, preview?: number): QuotedParse {
  const result = Papa.parse<string[]>(text, {
    delimiter,
    quoteChar: '"',
    header: false,
    skipEmptyLines: false,
    dynamicTyping: false,
    preview: preview ?? 0,
  });
  let first: number | null = null;
  for (const e of result.errors) {
    if (e.type === 'Quotes') {
      const row = e.row ?? 0;
      first = first === null ? row : Math.min(first, row);
    }
  }
  return { records: result.data, firstQuoteErrorRecord: first };
}

/** Every line break (CRLF, LF or lone CR) ends a row; quotes are plain text. */
function parseUnquoted(text: string, delimiter: string, limit?: number): string[][] {
  const lines = text.split(/\r\n|\n|\r/);
  const n = limit === undefined ? lines.length : Math.min(lines.length, limit);
  const out: string[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = lines[i].split(delimiter);
  return out;
}

function isBlankRecord(rec: string[]): boolean {
  for (const f of rec) if (f.trim() !== '') return false;
  return true;
}

function countNonEmpty(records: string[][]): number {
  let n = 0;
  for (const r of records) if (!isBlankRecord(r)) n++;
  return n;
}

function hasBareCr(field: string): boolean {
  for (let i = field.indexOf('\r'); i !== -1; i = field.indexOf('\r', i + 1)) {
    if (field.charCodeAt(i + 1) !== 10) return true;
  }
  return false;
}

/** First record holding a line break inside a field (where a stray quote swallowed lines). */
function firstSwallowRecord(records: string[][]): number {
  for (let r = 0; r < records.length; r++) {
    if (records[r].some((f) => f.includes('\n') || f.includes('\r'))) return r;
  }
  return 0;
}

function modalFieldCount(records: string[][]): number {
  const counts = new Map<number, number>();
  let best = 0;
  let bestN = -1;
  for (const r of records) {
    const c = (counts.get(r.length) ?? 0) + 1;
    counts.set(r.length, c);
    if (c > bestN || (c === bestN && r.length > best)) {
      best = r.length;
      bestN = c;
    }
  }
  return best;
}

/** Share of non-blank records whose field count is the most common one (1 = perfectly regular). */
function fieldCountConsistency(records: string[][]): number {
  const rows = records.filter((r) => !isBlankRecord(r));
  if (rows.length === 0) return 0;
  const m = modalFieldCount(rows);
  let n = 0;
  for (const r of rows) if (r.length === m) n++;
  return n / rows.length;
}

/** Cut the text to a sample of whole lines for sniffing. */
function sampleOf(text: string): string {
  if (text.length <= SNIFF_CHARS) return text;
  const cut = text.lastIndexOf('\n', SNIFF_CHARS);
  return cut > 0 ? text.slice(0, cut) : text.slice(0, SNIFF_CHARS);
}

/**
 * Pick the delimiter whose split gives the most regular field count (>= 2 fields) over the first
 * records, quoted or not (a stray quote must not hide a clean tab file). Ties prefer more fields,
 * then tab, comma, semicolon, pipe. Falls back to ',' (then the caller reports 'one-column').
 */
function sniffDelimiter(text: string, quoting?: boolean): string {
  const sample = sampleOf(text);
  let best = ',';
  let bestScore = -1;
  let bestWidth = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    if (!sample.includes(d)) continue;
    const parses: string[][][] = [];
    if (quoting !== false) parses.push(parseQuoted(sample, d, SNIFF_RECORDS).records);
    if (quoting !== true) parses.push(parseUnquoted(sample, d, SNIFF_RECORDS));
    for (const recs of parses) {
      const rows = recs.filter((r) => !isBlankRecord(r));
      const width = modalFieldCount(rows);
      if (width < 2) continue;
      const score = fieldCountConsistency(rows);
      if (score < 0.5) continue;
      if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && width > bestWidth)) {
        best = d;
        bestScore = score;
        bestWidth = width;
      }
    }
  }
  return best;
}

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_ .()/-]{0,63}$/u;

function isNumeric(s: string): boolean {
  return NUMERIC.test(s);
}

/**
 * Does the first record name the columns? Each column votes by how its first cell compares with
 * the cells below it: a word over numbers, or a name that is not one of a categorical column's
 * values, or a short identifier over long free text, says "header"; a first cell that looks like
 * the data (a number over numbers, a value of the category set) says "data". No votes: no header
 * unless every first cell is an identifier-like name and there is data below.
 */
function detectHeader(first: string[], data: string[][]): boolean {
  if (data.length === 0) return true; // a lone row must be a header (then 'no-rows' says so)
  let forHeader = 0;
  let against = 0;
  for (let j = 0; j < first.length; j++) {
    const head = first[j].trim();
    if (head === '') continue;
    const vals: string[] = [];
    for (const row of data) {
      const v = (row[j] ?? '').trim();
      if (v !== '') vals.push(v);
    }
    if (vals.length === 0) continue;
    const numericShare = vals.filter(isNumeric).length / vals.length;
    if (numericShare >= 0.9) {
      if (isNumeric(head)) against++;
      else forHeader++;
      continue;
    }
    const distinct = new Set(vals);
    const categorical = distinct.size <= Math.max(2, Math.min(50, 0.2 * vals.length));
    if (categorical && vals.length >= 4) {
      if (distinct.has(head)) against++;
      else forHeader++;
      continue;
    }
    let total = 0;
    for (const v of vals) total += v.length;
    const avg = total / vals.length;
    if (IDENTIFIER.test(head) && !head.includes(' ') && head.length < 0.3 * avg) forHeader++;
    else if (distinct.has(head)) against++;
  }
  if (forHeader !== against) return forHeader > against;
  const named = first.map((s) => s.trim()).filter((s) => s !== '');
  return forHeader === 0 && named.length > 0 && named.every((s) => IDENTIFIER.test(s));
}

function nameColumns(header: string[] | null, width: number): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let j = 0; j < width; j++) {
    let name = header ? (header[j] ?? '').trim() : '';
    if (name === '') name = `column_${j + 1}`;
    if (seen.has(name)) {
      let k = 2;
      while (seen.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    seen.add(name);
    names.push(name);
  }
  return names;
}
