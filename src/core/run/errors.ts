/**
 * Errors as the page and the CLI see them: the catalogue of codes and remedies (defined in
 * core/util/errors.ts, so that every folder of core can throw coded errors, and re-exported
 * here), how an error crosses the worker boundary, and how a failed run is classified.
 *
 * How to throw: `throw new StudioError(code, message)` (the code's remedy from `REMEDIES`), or
 * `new StudioError(code, message, { remedy, name, cause })` with a remedy of its own; a class
 * of its own extends StudioError and passes its code to `super`. The page reads `code` and
 * `remedy` from a `WorkerError` (src/worker/client.ts); the CLI prints both on stderr.
 */
import { errorCode, errorRemedy, StudioError, type StudioErrorCode } from '../util/errors';

export {
  ERROR_CODES,
  REMEDIES,
  StudioError,
  errorCode,
  errorRemedy,
  isErrorCode,
  type StudioErrorCode,
  type StudioErrorOptions,
} from '../util/errors';

/** An error as it crosses the worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code: StudioErrorCode;
  /** What to do (the error's own remedy, else its code's). */
  remedy: string;
}

/** Any thrown value as it crosses the worker boundary: its code and remedy kept, whatever its class. */
export function serializeError(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, code: errorCode(err), remedy: errorRemedy(err) };
}

/** The GPU device was lost: the run stopped and can resume from its last checkpoint. */
export function deviceLostError(reason: string): StudioError {
  return new StudioError(
    'device-lost',
    `The GPU device was lost (${reason}). The run stopped; resume it from its last ` +
      `checkpoint in Run history, on WebGPU (a fresh device) or on wasm.`,
    'DeviceLostError',
  );
}

/**
 * A failed run's error as the user sees it: a lost device (`deviceLost`: its reason, else null)
 * or an allocation failure of the backend become resumable faults with advice; others stay.
 * TF.js's backends raise plain Errors when memory runs out, so that one is known by its message.
 */
export function runFailure(err: unknown, deviceLost: string | null): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (deviceLost !== null) return deviceLostError(deviceLost);
  if (!(e instanceof StudioError) && /out of memory|OOM|allocation failed/i.test(e.message)) {
    return new StudioError(
      'out-of-memory',
      `The backend ran out of memory (${e.message}). Resume from the last checkpoint with a ` +
        `smaller batch size or max_length, or on another backend.`,
      { name: 'OutOfMemoryError', cause: e },
    );
  }
  return e;
}

/** Whether a run that failed with `err` stays resumable ("interrupted", not "failed"). */
export function isResumableFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'device-lost' || code === 'out-of-memory';
}
