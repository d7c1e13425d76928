/** Parquet files (hyparquet, loaded on first use), up to the row and column budgets. */
import type { FileMetaData, SchemaTree } from 'hyparquet';
import { DataError } from './errors';
import { DEFAULT_MAX_ROWS, checkColumns } from './readBudget';
import { finish, tableOf } from './recordTable';
import type { ReadOptions, ReadTable } from './readTypes';

export async function readParquet(
  bytes: Uint8Array,
  opts: ReadOptions,
): Promise<Omit<ReadTable, 'gzip' | 'bytesRead'>> {
  const { parquetMetadata, parquetReadObjects, parquetSchema } = await import('hyparquet');
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
    checkColumnPaths(metadata, parquetSchema(metadata));
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

/**
 * Refuses a file whose column chunks name a column the schema does not have. hyparquet starts a
 * row group's column reads one after another and stops at such a chunk with an error, leaving the
 * reads it already started to fail with nobody awaiting them: an uncaught rejection (in Node, a
 * crash) besides the error. Found by `npm run fuzz`.
 */
function checkColumnPaths(metadata: FileMetaData, schema: SchemaTree): void {
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const parts = chunk.meta_data?.path_in_schema;
      if (!parts) throw new DataError('data', 'A column chunk has no metadata.');
      let node = schema;
      for (const part of parts) {
        const child = node.children.find((c) => c.element.name === part);
        if (!child)
          throw new DataError(
            'data',
            `A column chunk names "${parts.join('.')}", not in the schema.`,
          );
        node = child;
      }
    }
  }
}
