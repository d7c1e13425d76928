/**
 * The error catalogue: what kind of failure an error is, as a code the page and the CLI can
 * switch on, and what a person can do about it. The message is for the user (what went wrong,
 * where), the code for the program, the remedy for the user again (what to do next).
 *
 * Every error that can reach the page or the CLI's stderr is a {@link StudioError} (or a
 * subclass: `DataError`, `ArgumentsError`, `TokenizerFileError`, `SafetensorsError`,
 * `NonFiniteLossError`, `StorageQuotaError`, `FlagError`), so its code is a property of the
 * error itself, never looked up by its class name, and it survives the worker boundary whatever
 * class threw it (`serializeError` in core/run/errors.ts).
 *
 * This module sits at the bottom of core (util) so that every folder can throw coded errors;
 * `core/run/errors.ts` re-exports it with the run's own helpers. How to throw one:
 *
 * ```ts
 * throw new StudioError('not-found', `There is no stored run ${id}.`);
 * throw new StudioError('download', `Could not download ${url}: HTTP 404.`, {
 *   remedy: 'Check the model id, or download the folder and open it from disk.',
 * });
 * class MyError extends StudioError {
 *   constructor(message: string) {
 *     super('model-files', message, 'MyError');
 *   }
 * }
 * ```
 *
 * Adding a code: add it to {@link ERROR_CODES} with a remedy in {@link REMEDIES}, and throw it
 * somewhere (tests/unit/error-catalogue.test.ts checks both).
 */

export const ERROR_CODES = [
  /** The WebGPU device was lost mid-run; the run is resumable from its last checkpoint. */
  'device-lost',
  /** The backend ran out of memory; resumable with a smaller batch or max_length. */
  'out-of-memory',
  /** Browser storage is full. */
  'quota-exceeded',
  /** Browser storage (IndexedDB) cannot be opened at all. */
  'storage',
  /** The loss or the gradients stopped being finite. */
  'non-finite-loss',
  /** A bad TrainingArguments value, model argument or command-line flag. */
  'arguments',
  /** A problem with the user's data file not covered by a more precise code below. */
  'data',
  /** The data file is empty. */
  'empty-file',
  /** The data file is not text (a spreadsheet, an archive, an image...). */
  'binary-file',
  /** Only one column was found (usually the wrong delimiter). */
  'one-column',
  /** The label column has a single class: nothing to classify. */
  'single-class',
  /** A text cell is empty. */
  'empty-text',
  /** No usable rows. */
  'no-rows',
  /** A column that is not there, or the same column for text and label. */
  'bad-column',
  /** Tokenizer files that make no working tokenizer. */
  'tokenizer',
  /** Model files (config.json, safetensors, a checkpoint) that cannot be read. */
  'model-files',
  /** A checkpoint of a model family (config.json's model_type) the studio cannot build. */
  'unsupported-model',
  /** A file or folder could not be downloaded. */
  'download',
  /** A stored run (or its data file, or a checkpoint) that is not there. */
  'not-found',
  /** A run is in progress: the request must wait for it to end. */
  'busy',
  /** A run that cannot be resumed (no checkpoint, a fine-tuned model). */
  'not-resumable',
  /** A step asked for before the one it needs (no data file, tokenizer, prepared data or model yet). */
  'not-ready',
  /** A request the worker does not know. */
  'protocol',
  /** Anything else: a bug. */
  'internal',
] as const;

export type StudioErrorCode = (typeof ERROR_CODES)[number];

/** What a person can do about each kind of error (shown under the message). */
export const REMEDIES: Record<StudioErrorCode, string> = {
  'device-lost':
    'Resume the run from its last checkpoint in Run history, on WebGPU (a fresh device) or on wasm.',
  'out-of-memory':
    'Resume from the last checkpoint with a smaller per_device_train_batch_size or max_length, or on another backend.',
  'quota-exceeded':
    'Delete old runs in Run history or lower save_total_limit; the last saved checkpoint is kept.',
  storage:
    'Allow site data for this page (a private window may block it) and close other tabs of the studio, then reload.',
  'non-finite-loss':
    'Lower the learning rate (try 10x lower) or add warmup_steps, check that the labels are in range, or set nan_policy to skip.',
  arguments:
    'Correct the named argument (the message says which and what it accepts) and start again.',
  data: 'Check the data file: save it as CSV, TSV, JSON Lines or Parquet with a text and a label column.',
  'empty-file': 'Pick a file that holds a header and rows.',
  'binary-file':
    'Save the table as CSV (File > Save as > CSV) or TSV, or use JSON Lines or Parquet.',
  'one-column': 'Pick the delimiter the file uses (comma, tab, semicolon, pipe).',
  'single-class': 'Use a label column with at least two values, or a file with rows of each class.',
  'empty-text': 'Fill or remove the rows whose text is empty, or pick another text column.',
  'no-rows': 'Pick a file with data rows under its header (and check the header setting).',
  'bad-column': 'Pick a column the file has; the text and label columns must differ.',
  tokenizer:
    "Use the tokenizer.json and tokenizer_config.json (or vocab.txt) that transformers' save_pretrained writes.",
  'model-files':
    "Use a folder saved by transformers' save_pretrained or exported by the studio (config.json and model.safetensors).",
  'unsupported-model':
    'Pick a checkpoint of a family the studio builds (the message lists them), or use "Run it elsewhere": its train.py trains any AutoModelForSequenceClassification family with transformers.',
  download:
    'Check the connection and the address, or download the files yourself and open them from disk.',
  'not-found': 'Reload Run history and pick a run (or checkpoint) that is listed there.',
  busy: 'Wait for the current run to end, or stop it, then try again.',
  'not-resumable':
    'Start a new run with the same settings instead (Run history keeps the old one).',
  'not-ready':
    'Do the step the message names first (open a data file, pick a tokenizer, train or load a model), then try again.',
  protocol: 'Reload the page: the page and its worker come from different versions.',
  internal:
    'This is a bug in the studio. Reload and try again; if it happens again, report it with this message.',
};

export function isErrorCode(x: unknown): x is StudioErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** The third argument of {@link StudioError}'s constructor, as an object. */
export interface StudioErrorOptions {
  /** The error's `name` (default 'StudioError'); a subclass's own name. */
  name?: string;
  /** What to do, when more precise than the code's remedy in {@link REMEDIES}. */
  remedy?: string;
  /** The error this one explains. */
  cause?: unknown;
}

/**
 * An error a person can see: a catalogue code and a remedy. The third argument is the error's
 * name (as before) or {@link StudioErrorOptions}.
 */
export class StudioError extends Error {
  /** What to do about it: the options' remedy, else the code's in {@link REMEDIES}. */
  readonly remedy: string;

  constructor(
    readonly code: StudioErrorCode,
    message: string,
    nameOrOptions: string | StudioErrorOptions = {},
  ) {
    super(message);
    const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
    this.name = options.name ?? 'StudioError';
    this.remedy = options.remedy ?? REMEDIES[code];
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Errors the platform raises (DOMException and friends) whose name is all that says their kind. */
const PLATFORM_CODES: Record<string, StudioErrorCode> = {
  QuotaExceededError: 'quota-exceeded',
  NS_ERROR_DOM_QUOTA_REACHED: 'quota-exceeded',
};

/**
 * The code of any thrown value: its own `code` when that is a catalogue code (a StudioError, or
 * one that crossed a boundary as a plain object), a platform error's by its name, else 'internal'.
 */
export function errorCode(err: unknown): StudioErrorCode {
  if (err instanceof StudioError) return err.code;
  if (!err || typeof err !== 'object') return 'internal';
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (isErrorCode(code)) return code;
  return (typeof name === 'string' && PLATFORM_CODES[name]) || 'internal';
}

/** What to do about any thrown value: its own remedy, else its code's. */
export function errorRemedy(err: unknown): string {
  const own = err && typeof err === 'object' ? (err as { remedy?: unknown }).remedy : undefined;
  return typeof own === 'string' && own ? own : REMEDIES[errorCode(err)];
}

/**
 * An error as it crosses a thread boundary (the worker's requests, the tokenizer pool, the
 * gradient replicas): structured clone keeps neither an Error's class nor its own properties,
 * so the code and remedy travel as plain fields.
 */
export interface ErrorOnWire {
  name: string;
  message: string;
  code: StudioErrorCode;
  /** What to do (the error's own remedy, else its code's). */
  remedy: string;
}

/** Any thrown value as plain data for `postMessage`: its code and remedy kept, whatever its class. */
export function errorToWire(err: unknown): ErrorOnWire {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, code: errorCode(err), remedy: errorRemedy(err) };
}

/**
 * The error {@link errorToWire} sent, as a StudioError again on this side (same name, code,
 * remedy); `context` goes before its message ("gradient replica 1 failed: ..."). A value that
 * is not such an error (a plain string from an older sender) becomes an `internal` one.
 */
export function errorFromWire(wire: unknown, context = ''): StudioError {
  const w = (wire && typeof wire === 'object' ? wire : { message: String(wire) }) as {
    name?: unknown;
    message?: unknown;
    remedy?: unknown;
  };
  const message = `${context}${typeof w.message === 'string' ? w.message : String(wire)}`;
  return new StudioError(errorCode(wire), message, {
    name: typeof w.name === 'string' && w.name ? w.name : 'StudioError',
    remedy: errorRemedy(wire),
  });
}
