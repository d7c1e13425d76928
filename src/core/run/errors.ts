/**
 * What kind of failure an error is, as a code the page can switch on (the message is for the
 * user, the code for the program). Errors cross the worker as `{ name, message, code }`.
 *
 * The core's own error classes keep their names (`DataError`, `ArgumentsError`,
 * `NonFiniteLossError`, ...); {@link errorCode} maps each name to its code, so no module here
 * depends on where a class is defined. Kinds without a class of their own are a
 * {@link StudioError} with a code.
 */

export const ERROR_CODES = [
  /** The WebGPU device was lost mid-run; the run is resumable from its last checkpoint. */
  'device-lost',
  /** The backend ran out of memory; resumable with a smaller batch or max_length. */
  'out-of-memory',
  /** Browser storage is full. */
  'quota-exceeded',
  /** The loss or the gradients stopped being finite. */
  'non-finite-loss',
  /** A bad TrainingArguments value or flag. */
  'arguments',
  /** A problem with the user's data file. */
  'data',
  /** Tokenizer files that make no working tokenizer. */
  'tokenizer',
  /** A model file (safetensors) that cannot be read. */
  'model-files',
  /** A stored run (or its data file) that is not there. */
  'not-found',
  /** A run is in progress: the request must wait for it to end. */
  'busy',
  /** A run that cannot be resumed (no checkpoint, a fine-tuned model). */
  'not-resumable',
  /** A request the worker does not know. */
  'protocol',
  /** Anything else. */
  'internal',
] as const;

export type StudioErrorCode = (typeof ERROR_CODES)[number];

/** An error of a kind that has no class of its own elsewhere in core. */
export class StudioError extends Error {
  constructor(
    readonly code: StudioErrorCode,
    message: string,
    name = 'StudioError',
  ) {
    super(message);
    this.name = name;
  }
}

/** The codes of the core's error classes, by their `name`. */
const CODE_OF_NAME: Record<string, StudioErrorCode> = {
  DeviceLostError: 'device-lost',
  OutOfMemoryError: 'out-of-memory',
  StorageQuotaError: 'quota-exceeded',
  QuotaExceededError: 'quota-exceeded',
  NS_ERROR_DOM_QUOTA_REACHED: 'quota-exceeded',
  NonFiniteLossError: 'non-finite-loss',
  ArgumentsError: 'arguments',
  FlagError: 'arguments',
  DataError: 'data',
  TokenizerFileError: 'tokenizer',
  SafetensorsError: 'model-files',
  ProtocolError: 'protocol',
};

export function isErrorCode(x: unknown): x is StudioErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** The code of any thrown value: a StudioError's own, else by class name, else 'internal'. */
export function errorCode(err: unknown): StudioErrorCode {
  if (err instanceof StudioError) return err.code;
  const name = err && typeof err === 'object' ? (err as { name?: unknown }).name : undefined;
  return (typeof name === 'string' && CODE_OF_NAME[name]) || 'internal';
}

/** An error as it crosses the worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code: StudioErrorCode;
}

export function serializeError(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, code: errorCode(err) };
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
      'OutOfMemoryError',
    );
  }
  return e;
}

/** Whether a run that failed with `err` stays resumable ("interrupted", not "failed"). */
export function isResumableFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'device-lost' || code === 'out-of-memory';
}
