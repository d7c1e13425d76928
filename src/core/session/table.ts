/**
 * Reading a user's data file into the session's table, and the summary of it the UI shows.
 */
import { guessColumns } from '../data/columns';
import {
  readTableFile as readDataFile,
  type ReadInput,
  type ReadOptions,
  type ReadProgress,
} from '../data/read';
import type { ParsedTable } from '../data/table';
import type { LoadedTable, TableSummary } from './types';

/** Rows the preview table shows. */
const PREVIEW_ROWS = 20;

/**
 * Reads a user's data file into a table (CSV/TSV, JSON Lines, JSON, Parquet, gzip: see
 * data/read.ts). Readers' extra anomaly kinds (bad-json, not-record) are kept as they are.
 */
export async function readTableFile(
  fileName: string,
  bytes: ReadInput,
  opts: ReadOptions = {},
  onProgress?: (p: ReadProgress) => void,
): Promise<
  ParsedTable & { encoding: string; capped: string | null; format: string; bytesRead: number }
> {
  const t = await readDataFile(fileName, bytes, opts, onProgress);
  return { ...t, anomalies: t.anomalies as ParsedTable['anomalies'] };
}

/**
 * What the UI shows of a loaded table. The reader's format, gzip, cap and byte count travel on
 * the table object without being part of its declared type, hence the casts.
 */
export function summarizeTable(t: LoadedTable): TableSummary {
  return {
    fileName: t.fileName,
    encoding: t.encoding,
    delimiter: t.delimiter,
    hasHeader: t.hasHeader,
    columns: t.columns,
    rowCount: t.rows.length,
    preview: t.rows.slice(0, PREVIEW_ROWS),
    anomalies: t.anomalies.slice(0, 50),
    anomalyCount: t.anomalies.length,
    guess: guessColumns(t),
    format: (t as { format?: TableSummary['format'] }).format,
    gzip: (t as { gzip?: boolean }).gzip,
    capped: (t as { capped?: string | null }).capped ?? null,
    bytesRead: (t as { bytesRead?: number }).bytesRead,
  };
}
