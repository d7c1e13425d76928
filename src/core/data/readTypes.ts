/** What reading a table file takes and gives: options, progress, the table, its anomalies. */
import type { TextEncodingName } from './decode';
import type { Anomaly, AnomalyKind, ParsedTable } from './table';

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
