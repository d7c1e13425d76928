/**
 * One entry for every table file a user brings: CSV/TSV/TXT, JSON Lines, JSON (an array of
 * records), Parquet, and any of them gzip-compressed. The format is chosen from the magic bytes
 * first (gzip, Parquet) and the file name second, so a mis-named file still reads.
 *
 * Files are read in chunks (a Blob or a stream never becomes one big buffer beyond the byte
 * budget) with progress; beyond the byte or row budget the rest is left out with a clear
 * `capped` message instead of freezing or crashing the tab.
 */
import { Gunzip } from 'fflate';
import { decodeBytes, type TextEncodingName } from './decode';
import { DataError } from './errors';
import { parseTable, type Anomaly, type AnomalyKind, type ParsedTable } from './table';

export type TableFormat = 'csv' | 'jsonl' | 'json' | 'parquet';

/** An anomaly of any reader: the CSV ones, plus JSON lines that are not records. */
export interface ReadAnomaly extends Omit<Anomaly, 'kind'> {
  kind: AnomalyKind | 'bad-json' | 'not-record';
}

/** A table read from a file, whatever its format. */
export interface ReadTable extends Omit<ParsedTable, 'anomalies'> {
  anomalies: ReadAnomaly[];
  /** Text encoding ('utf-8' for Parquet, whose strings are UTF-8 by specification). */
  encoding: TextEncodingName;
  format: TableFormat;
  /** Whether the bytes were gzip-compressed. */
  gzip: boolean;
  /** Bytes read from the file (before decompression). */
  bytesRead: number;
  /** Why rows were left out beyond a budget, or null when the whole file was read. */
  capped: string | null;
}

export interface ReadOptions {
  /** CSV: field separator (sniffed when left out). */
  delimiter?: string;
  /** CSV: whether row 1 names the columns (detected when left out). */
  hasHeader?: boolean;
  /** CSV: honour quotes (left out: yes, with a fallback for unbalanced quotes). */
  quoting?: boolean;
  /** Most (decompressed) bytes to parse; the rest is left out with a message. Default 128 MiB. */
  maxBytes?: number;
  /** Most data rows to keep; the rest is left out with a message. Default 2,000,000. */
  maxRows?: number;
  /** Most columns a table may have before it is refused as not a training table. Default 10,000. */
  maxColumns?: number;
  /** CSV: fewest columns (see ParseTableOptions.minColumns). Default 2. */
  minColumns?: 1 | 2;
}

export interface ReadProgress {
  phase: 'reading' | 'parsing';
  /** Bytes of the file read so far. */
  bytes: number;
  /** The file's size in bytes, when known. */
  totalBytes: number | null;
  /** The byte budget: a larger file is read up to here (the rest left out with a message). */
  maxBytes: number;
}

export type ReadInput = Uint8Array | Blob | ReadableStream<Uint8Array>;

export const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_ROWS = 2_000_000;
export const DEFAULT_MAX_COLUMNS = 10_000;
/** Chunk size when reading a Blob (the browser hands File objects over as Blobs). */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Read a table file. See the module comment for formats and budgets.
 * @param fileName used for the format when the bytes do not say (.jsonl, .ndjson, .json, .tsv…)
 * @throws DataError with a message for the user ('empty-file', 'binary-file', 'one-column',
 *   'no-rows', 'bad-column' for too many columns)
 */
export async function readTableFile(
  fileName: string,
  input: ReadInput,
  opts: ReadOptions = {},
  onProgress?: (p: ReadProgress) => void,
): Promise<ReadTable> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const totalBytes = input instanceof Uint8Array ? input.length : isBlob(input) ? input.size : null;
  const raw = await collect(input, maxBytes, totalBytes, onProgress);
  const name = fileName.toLowerCase();
  let bytes = raw.bytes;
  let capped = raw.capped;
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gzip) {
    // A cut gzip stream still decompresses up to the cut, which is what we want here.
    const out = gunzip(bytes, maxBytes);
    bytes = out.bytes;
    capped = capped || out.capped;
  }
  onProgress?.({ phase: 'parsing', bytes: raw.bytesRead, totalBytes, maxBytes });
  const inner = name.replace(/\.gz$/, '');
  const sizeNote = capped ? budgetNote(maxBytes, totalBytes, gzip) : null;
  const common = { gzip, bytesRead: raw.bytesRead };
  if (isParquet(bytes)) {
    if (capped) {
      throw new DataError(
        'binary-file',
        `This Parquet file is larger than the ${mib(maxBytes)} the studio reads at once. ` +
          'Write a smaller file (for example one split or fewer rows) and load that.',
      );
    }
    const t = await readParquet(bytes, opts);
    return { ...t, ...common, capped: t.capped };
  }
  if (bytes.length === 0) {
    throw new DataError('empty-file', `${fileName} is empty. Choose a file with data rows.`);
  }
  const looksJson = firstNonSpace(bytes);
  if (/\.(jsonl|ndjson)$/.test(inner) || (/\.json$/.test(inner) && looksJson === 0x7b)) {
    // A .json file starting with "{" is JSON Lines more often than a single record.
    const t = readJsonLines(decodeText(cutAtLine(bytes, capped)), opts);
    return { ...t, ...common, capped: joinNotes(sizeNote, t.capped) };
  }
  if (/\.json$/.test(inner) || looksJson === 0x5b) {
    if (capped) {
      throw new DataError(
        'binary-file',
        `This JSON file is larger than the ${mib(maxBytes)} the studio reads at once, and a JSON ` +
          'array cannot be read in part. Save it as JSON Lines (one record per line) instead.',
      );
    }
    const t = readJsonArray(decodeText(bytes), opts);
    return { ...t, ...common, capped: t.capped };
  }
  const { text, encoding } = decodeBytes(cutAtLine(bytes, capped));
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  guardWideCsv(text, opts.maxColumns ?? DEFAULT_MAX_COLUMNS);
  const parsed = parseTable(text, {
    delimiter: opts.delimiter,
    hasHeader: opts.hasHeader,
    quoting: opts.quoting,
    maxRows: maxRows + 1,
    minColumns: opts.minColumns,
  });
  checkColumns(parsed.columns.length, opts.maxColumns);
  let rowNote: string | null = null;
  if (parsed.rows.length > maxRows) {
    parsed.rows.length = maxRows;
    parsed.rowNumbers.length = maxRows;
    rowNote = `Only the first ${maxRows.toLocaleString('en-US')} rows were read (the row budget).`;
  }
  return {
    ...parsed,
    encoding,
    format: 'csv',
    ...common,
    capped: joinNotes(sizeNote, rowNote),
  };
}

// ------------------------------------------------------------------------------------------ input

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

interface Collected {
  bytes: Uint8Array;
  bytesRead: number;
  capped: boolean;
}

/** Read up to maxBytes (+1, to know whether there was more) in chunks, reporting progress. */
async function collect(
  input: ReadInput,
  maxBytes: number,
  totalBytes: number | null,
  onProgress?: (p: ReadProgress) => void,
): Promise<Collected> {
  if (input instanceof Uint8Array) {
    onProgress?.({ phase: 'reading', bytes: input.length, totalBytes, maxBytes });
    // Compressed input may expand: keep all of it when gzip, the decompressor applies the cap.
    const gz = input[0] === 0x1f && input[1] === 0x8b;
    if (gz || input.length <= maxBytes) {
      return { bytes: input, bytesRead: input.length, capped: false };
    }
    return { bytes: input.subarray(0, maxBytes), bytesRead: maxBytes, capped: true };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  let capped = false;
  let gz: boolean | null = null;
  const push = (c: Uint8Array): boolean => {
    gz ??= c[0] === 0x1f && c[1] === 0x8b;
    // A gzip file's compressed size is capped at the same budget: a bomb still ends in time.
    const room = maxBytes - size;
    if (c.length > room) {
      chunks.push(c.subarray(0, room));
      size += room;
      capped = true;
      return false;
    }
    chunks.push(c);
    size += c.length;
    onProgress?.({ phase: 'reading', bytes: size, totalBytes, maxBytes });
    return true;
  };
  if (isBlob(input)) {
    for (let start = 0; start < input.size; start += CHUNK_BYTES) {
      const part = new Uint8Array(
        await input.slice(start, Math.min(start + CHUNK_BYTES, input.size)).arrayBuffer(),
      );
      if (!push(part)) break;
    }
  } else {
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!push(value)) {
          await reader.cancel();
          break;
        }
      }
    } finally {
      reader.releaseLock();
    }
  }
  return { bytes: concat(chunks, size), bytesRead: size, capped };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decompress gzip up to maxBytes of output (a bomb stops at the budget). */
function gunzip(bytes: Uint8Array, maxBytes: number): { bytes: Uint8Array; capped: boolean } {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let capped = false;
  const g = new Gunzip((chunk) => {
    if (capped) return;
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.slice(0, room));
      size += room;
      capped = true;
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  try {
    const STEP = 1 << 20;
    for (let at = 0; at < bytes.length && !capped; at += STEP) {
      const end = Math.min(at + STEP, bytes.length);
      g.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (e) {
    // A truncated or corrupt stream: keep what decompressed before the damage when there is some.
    if (size === 0) {
      throw new DataError(
        'binary-file',
        `This gzip file could not be decompressed (${(e as Error).message}). It may be damaged ` +
          'or cut short: download it again.',
      );
    }
    capped = true;
  }
  return { bytes: concat(chunks, size), capped };
}

function isParquet(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31;
}

function firstNonSpace(b: Uint8Array): number {
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (let i = start; i < Math.min(b.length, 4096); i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}

/** When the bytes were cut at the budget, drop the partial last line. */
function cutAtLine(b: Uint8Array, capped: boolean): Uint8Array {
  if (!capped) return b;
  const nl = b.lastIndexOf(0x0a);
  if (nl <= 0) return b;
  // UTF-16LE puts a 0x00 after the newline byte; keep the pair whole.
  const end = b[nl + 1] === 0x00 && (nl + 2) % 2 === 0 ? nl + 2 : nl + 1;
  return b.subarray(0, end);
}

function decodeText(b: Uint8Array): string {
  return decodeBytes(b).text;
}

function mib(n: number): string {
  return `${Math.round(n / (1024 * 1024))} MB`;
}

function budgetNote(maxBytes: number, total: number | null, gzip: boolean): string {
  const of = total !== null && !gzip ? ` of ${mib(total)}` : '';
  return (
    `The file is larger than the studio reads at once: only the first ${mib(maxBytes)}${of}` +
    `${gzip ? ' (decompressed)' : ''} were read, and the rows after that were left out. ` +
    'To train on all of it, split the file or sample it first.'
  );
}

function joinNotes(a: string | null, b: string | null): string | null {
  return a && b ? `${a} ${b}` : (a ?? b);
}

function checkColumns(n: number, max = DEFAULT_MAX_COLUMNS): void {
  if (n > max) {
    throw new DataError(
      'bad-column',
      `The file has ${n.toLocaleString('en-US')} columns, more than the ${max.toLocaleString('en-US')} ` +
        'a training table can have. Check the delimiter, or keep only the text and label columns.',
    );
  }
}

/**
 * Refuse a CSV whose first line splits into far more fields than a training table has, before
 * the parser allocates them all (a million-column line would cost seconds and gigabytes).
 */
function guardWideCsv(text: string, maxColumns: number): void {
  let end = text.indexOf('\n');
  if (end < 0) end = text.length;
  const probe = Math.min(end, 64 * 1024 * 1024);
  for (const d of [',', '\t', ';', '|']) {
    let n = 1;
    for (let i = text.indexOf(d); i !== -1 && i < probe; i = text.indexOf(d, i + 1)) {
      if (++n > maxColumns * 4) break;
    }
    // Quoted commas inside text are common; only a huge count is refused here.
    if (n > maxColumns * 4) checkColumns(n, maxColumns);
  }
}

// ------------------------------------------------------------------------------------------ JSON

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

interface RecordTable {
  columns: string[];
  rows: string[][];
  rowNumbers: number[];
  anomalies: ReadAnomaly[];
  capped: string | null;
}

function tableOf(
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

function finish(
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

function readJsonLines(text: string, opts: ReadOptions): Omit<ReadTable, 'gzip' | 'bytesRead'> {
  const anomalies: ReadAnomaly[] = [];
  function* records(): Generator<{ rec: unknown; row: number }> {
    let line = 0;
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      line++;
      const s = text.slice(start, end).trim();
      start = end + 1;
      if (s === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(s);
      } catch (e) {
        anomalies.push({
          row: line,
          kind: 'bad-json',
          message: `Line ${line} is not valid JSON (${(e as Error).message.slice(0, 80)}) and was skipped.`,
        });
        continue;
      }
      yield { rec, row: line };
    }
  }
  const t = tableOf(records(), opts, 'Line');
  t.anomalies = anomalies.concat(t.anomalies).sort((a, b) => a.row - b.row);
  return finish(t, 'jsonl', 'utf-8');
}

function readJsonArray(text: string, opts: ReadOptions): Omit<ReadTable, 'gzip' | 'bytesRead'> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DataError(
      'binary-file',
      `This JSON file could not be read: ${(e as Error).message.slice(0, 120)}. The studio reads ` +
        'a JSON array of records ([{"text": ..., "label": ...}, ...]) or JSON Lines.',
    );
  }
  // HF-style wrappers: {"data": [...]} or {"train": [...]}: take the first array of records.
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const arr = Object.values(data as Record<string, unknown>).find(Array.isArray);
    if (arr) data = arr;
  }
  if (!Array.isArray(data)) {
    throw new DataError(
      'binary-file',
      'This JSON file is not an array of records. The studio reads [{"text": ..., "label": ...}, ...] ' +
        'or JSON Lines (one record per line).',
    );
  }
  const arr = data as unknown[];
  function* records(): Generator<{ rec: unknown; row: number }> {
    for (let i = 0; i < arr.length; i++) yield { rec: arr[i], row: i + 1 };
  }
  return finish(tableOf(records(), opts, 'Record'), 'json', 'utf-8');
}

// --------------------------------------------------------------------------------------- Parquet

async function readParquet(
  bytes: Uint8Array,
  opts: ReadOptions,
): Promise<Omit<ReadTable, 'gzip' | 'bytesRead'>> {
  const { parquetMetadata, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buf =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.slice().buffer as ArrayBuffer);
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  let rows: Record<string, unknown>[];
  let total: number;
  try {
    const metadata = parquetMetadata(buf);
    total = Number(metadata.num_rows);
    const width = metadata.schema.length - 1;
    checkColumns(width, opts.maxColumns);
    rows = await parquetReadObjects({
      file: buf,
      metadata,
      compressors,
      rowEnd: Math.min(total, maxRows),
    });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      'binary-file',
      `This Parquet file could not be read: ${(e as Error).message.slice(0, 160)}. It may be ` +
        'damaged or cut short: download it again.',
    );
  }
  function* records(): Generator<{ rec: unknown; row: number }> {
    for (let i = 0; i < rows.length; i++) yield { rec: rows[i], row: i + 1 };
  }
  const t = tableOf(records(), opts, 'Row');
  if (total > rows.length) {
    t.capped = `Only the first ${rows.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows were read (the row budget).`;
  }
  return finish(t, 'parquet', 'utf-8');
}
