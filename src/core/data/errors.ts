/**
 * Errors about a user's data file, written for the person who picked the file: each says what is
 * wrong, where (row as a spreadsheet counts it, header = row 1; column name) and what to do.
 */
import { StudioError } from '../util/errors';

/**
 * Machine-readable reason, so the UI can react (e.g. open the delimiter picker on 'one-column'):
 * each is a code of the error catalogue (core/util/errors.ts); 'data' is any other data problem.
 */
export type DataErrorCode =
  | 'data'
  | 'empty-file'
  | 'binary-file'
  | 'one-column'
  | 'single-class'
  | 'empty-text'
  | 'no-rows'
  | 'bad-column';

export interface DataErrorDetails {
  /** 1-based row as a spreadsheet user counts it (the header, when present, is row 1). */
  row?: number;
  /** Column name as shown to the user. */
  column?: string;
}

/** A problem with the user's data that they can fix; `message` is shown to them as is. */
export class DataError extends StudioError {
  declare readonly code: DataErrorCode;
  readonly row?: number;
  readonly column?: string;

  constructor(
    code: DataErrorCode,
    message: string,
    details: DataErrorDetails & { remedy?: string } = {},
  ) {
    super(code, message, { name: 'DataError', remedy: details.remedy });
    if (details.row !== undefined) this.row = details.row;
    if (details.column !== undefined) this.column = details.column;
  }
}

/** True for a DataError, also one that crossed a worker boundary as a plain `{name, code}` object. */
export function isDataError(e: unknown): e is DataError {
  return (
    e instanceof DataError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'DataError')
  );
}
