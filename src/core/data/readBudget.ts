/**
 * The reader's budgets (bytes, rows, columns) and the messages that say what a budget left out.
 */
import { DataError } from './errors';

export const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_ROWS = 2_000_000;
export const DEFAULT_MAX_COLUMNS = 10_000;

export function mib(n: number): string {
  return `${Math.round(n / (1024 * 1024))} MB`;
}

export function budgetNote(maxBytes: number, total: number | null, gzip: boolean): string {
  const of = total !== null && !gzip ? ` of ${mib(total)}` : '';
  return (
    `The file is larger than the studio reads at once: only the first ${mib(maxBytes)}${of}` +
    `${gzip ? ' (decompressed)' : ''} were read, and the rows after that were left out. ` +
    'To train on all of it, split the file or sample it first.'
  );
}

export function joinNotes(a: string | null, b: string | null): string | null {
  return a && b ? `${a} ${b}` : (a ?? b);
}

export function checkColumns(n: number, max = DEFAULT_MAX_COLUMNS): void {
  if (n > max) {
    throw new DataError(
      'bad-column',
      `The file has ${n.toLocaleString('en-US')} columns, more than the ${max.toLocaleString('en-US')} ` +
        'a training table can have. Check the delimiter, or keep only the text and label columns.',
    );
  }
}
