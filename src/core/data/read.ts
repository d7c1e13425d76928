/**
 * One entry for every table file a user brings: CSV/TSV/TXT, JSON Lines, JSON (an array of
 * records), Parquet, and any of them gzip-compressed. The format is chosen from the magic bytes
 * first (gzip, Parquet) and the file name second, so a mis-named file still reads.
 *
 * Files are read in chunks (a Blob or a stream never becomes one big buffer beyond the byte
 * budget) with progress; beyond the byte or row budget the rest is left out with a clear
 * `capped` message instead of freezing or crashing the tab.
 *
 * The parts: readBytes.ts (chunks, gzip, magic bytes), readJson.ts, readParquet.ts,
 * recordTable.ts (records as a table), readBudget.ts (budgets and their messages), readTypes.ts.
 */
import { decodeBytes } from './decode';
import { DataError } from './errors';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_COLUMNS,
  DEFAULT_MAX_ROWS,
  budgetNote,
  checkColumns,
  joinNotes,
  mib,
} from './readBudget';
import {
  collect,
  cutAtLine,
  decodeText,
  firstNonSpace,
  gunzip,
  isBlob,
  isParquet,
} from './readBytes';
import { readJsonArray, readJsonLines } from './readJson';
import { readParquet } from './readParquet';
import type { ReadInput, ReadOptions, ReadProgress, ReadTable } from './readTypes';
import { parseTable } from './table';

export { DEFAULT_MAX_BYTES, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_ROWS } from './readBudget';
export type {
  ReadAnomaly,
  ReadInput,
  ReadOptions,
  ReadProgress,
  ReadTable,
  TableFormat,
} from './readTypes';

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
  try {
    return await readNamedFile(fileName, input, opts, onProgress);
  } catch (err) {
    throw err instanceof DataError ? namingFile(err, fileName) : err;
  }
}

/**
 * The error with the file named in it ("sms.png is not a table: …", "Only one column was found
 * in data.csv …"), so a message read later (or about a validation file) says which file it was.
 */
export function namingFile(err: DataError, fileName: string): DataError {
  if (!fileName || err.message.includes(fileName)) return err;
  let message = err.message;
  if (err.code === 'binary-file' && message.startsWith('This does not look like a text table')) {
    message = `${fileName} is not a table${message.slice('This does not look like a text table'.length)}`;
  } else if (err.code === 'one-column' && message.startsWith('Only one column was found')) {
    message = `Only one column was found in ${fileName}${message.slice('Only one column was found'.length)}`;
  } else {
    message = `${fileName}: ${message}`;
  }
  return new DataError(err.code, message, { row: err.row, column: err.column });
}

async function readNamedFile(
  fileName: string,
  input: ReadInput,
  opts: ReadOptions,
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
