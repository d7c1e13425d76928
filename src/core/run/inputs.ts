/**
 * What a run records of its inputs: the data file the table was read from (stored with the run
 * for Resume, and kept for the next visit), how it was prepared, the tokenizer's name, the
 * backend. `RunService` (./service.ts) builds its runs on this.
 */
import type { ReadInput, ReadOptions, ReadProgress } from '../data/read';
import type { KeptCheckpoint } from '../io/keptFile';
import { StudioSession, type ModelSpec, type PrepareOptions, type TableSummary } from '../session';
import type { TokenizerPool } from '../tokenize/pool';
import type { Tokenizer } from '../tokenize/tokenizer';
import { prepareOptionsOf, resolveRun, type DataRef, type ResolvedRun } from '../config/resolveRun';
import { RunConfigError, type RunConfig } from '../config/runConfig';
import { StudioError } from './errors';
import { Run } from './run';
import type { RunServiceDeps } from './types';

/** Files with more rows than this are tokenized by the pool (when there is one). */
export const POOL_MIN_ROWS = 20_000;

/** Least time between two `read` progress reports while a data file is read, ms. */
const READ_EVENT_MS = 150;

/** The data file a run stores for Resume (a Blob: a reference, read again only when stored). */
export interface TableFile {
  fileName: string;
  data: Blob | Uint8Array;
  bytesRead: number;
}

/**
 * The bytes of a loaded data file a run stores for Resume: only what the reader used. One byte
 * more than that, so a file capped at the byte budget is capped again at the same place when
 * read back (its cut last line dropped again) and gives the same rows.
 */
export async function storedBytes(file: TableFile): Promise<Uint8Array> {
  if (file.data instanceof Uint8Array) return file.data;
  return new Uint8Array(await file.data.slice(0, file.bytesRead + 1).arrayBuffer());
}

export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A session and what its runs record of their inputs; see the module comment. */
export class RunInputs {
  readonly session: StudioSession;
  /** The one run: its state machine and the snapshots it publishes. */
  readonly run: Run;
  /** The loaded data file (kept so a run can store it and be resumed after a reload). */
  protected tableFile: TableFile | null = null;
  /** The separate validation file (stored with a run, so Reopen evaluates on it), or null. */
  protected validationFile: TableFile | null = null;
  protected lastPrepare: PrepareOptions | null = null;
  /** The resolved run's fingerprint of the data as last prepared, '' when not known. */
  private preparedFingerprint = '';
  /**
   * Counts the files and tokenizers loaded: a file read again is new data even under the same
   * name (part of the fingerprint, as `DataRef.revision`).
   */
  private loads = 0;
  protected tokenizerName = '';
  /** Counts loads and forgets of the kept data file: a pending write of an older one is skipped. */
  private keepSeq = 0;
  private pool: TokenizerPool | null = null;
  protected backend = '?';
  private limits: { maxBufferBytes?: number } = {};

  constructor(protected readonly deps: RunServiceDeps) {
    this.session = deps.session ?? new StudioSession();
    this.run = new Run((snapshot) => deps.events.snapshot?.(snapshot));
  }

  protected warn(message: string): void {
    this.deps.events.warning(message);
  }

  protected status(message: string): void {
    this.deps.events.status?.(message);
  }

  /** The backend runs train on (recorded with them) and its largest buffer, bytes. */
  setBackend(name: string, maxBufferBytes?: number): void {
    this.backend = name;
    this.limits = { maxBufferBytes };
  }

  /** Memory a run of `spec` at `batchSize` needs, against the backend's limits. */
  estimateMemory(spec: ModelSpec, batchSize: number, checkpointing = false) {
    return this.session.estimateMemory(spec, batchSize, this.limits, checkpointing);
  }

  /** Fails with `busy` while a run is in progress. */
  assertIdle(message = 'A run is already in progress: stop it first.'): void {
    if (this.run.active) {
      throw new StudioError('busy', message, 'RunInProgressError');
    }
  }

  /**
   * Reads a data file into the session, with progress at most every 150 ms while reading, and
   * remembers it for the runs; `keep`: also keep it for the next visit (written after the
   * reply, up to the bytes the reader used; a file loaded or forgotten meanwhile wins).
   */
  async loadTable(
    fileName: string,
    data: ReadInput,
    opts: {
      keep?: boolean;
      read?: ReadOptions;
      onProgress?: (p: ReadProgress) => void;
      /** A new training file: the old one's validation file no longer applies and is forgotten. */
      fresh?: boolean;
    } = {},
  ) {
    this.assertIdle('A run is in progress: stop it before opening another file.');
    let last = 0;
    const summary = await this.session.loadTable(fileName, data, opts.read ?? {}, (progress) => {
      const now = Date.now();
      if (progress.phase === 'reading' && now - last < READ_EVENT_MS) return;
      last = now;
      opts.onProgress?.(progress);
    });
    const stored =
      data instanceof Uint8Array || (typeof Blob !== 'undefined' && data instanceof Blob);
    this.tableFile = stored ? { fileName, data, bytesRead: summary.bytesRead ?? 0 } : null;
    this.loads++;
    if (opts.fresh) await this.clearValidationTable();
    const seq = ++this.keepSeq;
    const kept = this.deps.kept;
    const file = this.tableFile;
    if (opts.keep && kept && file) {
      void storedBytes(file)
        .then((bytes) =>
          seq === this.keepSeq ? kept.keepDataFile(file.fileName, bytes) : undefined,
        )
        .catch((err: unknown) => this.warn(messageOf(err)));
    }
    return summary;
  }

  /**
   * Opens the kept data file, read with `read` (the delimiter and header chosen for it);
   * null when none is kept (or it no longer reads: then forgotten).
   */
  async restoreTable(read: ReadOptions = {}): Promise<TableSummary | null> {
    const kept = this.deps.kept;
    const file = kept ? await kept.keptDataFile() : null;
    if (!kept || !file) return null;
    try {
      return await this.loadTable(file.fileName, file.bytes, { read });
    } catch {
      // A delimiter or header chosen for it that no longer reads: as detected, before giving up.
      if (Object.keys(read).length > 0) return this.restoreTable();
      // Read before, so this is unexpected (a newer reader, a damaged record): forget it and
      // let the page open the demo.
      await kept.forgetDataFile().catch(() => undefined);
      return null;
    }
  }

  /** Reads the open data file again (else the one kept from the last visit) with other options. */
  async rereadTable(
    opts: { read?: ReadOptions; onProgress?: (p: ReadProgress) => void } = {},
  ): Promise<TableSummary> {
    const kept = this.tableFile ? null : await this.deps.kept?.keptDataFile();
    const file = this.tableFile ?? (kept ? { fileName: kept.fileName, data: kept.bytes } : null);
    if (!file) throw new StudioError('not-ready', 'No data file is open to read again.');
    return this.loadTable(file.fileName, file.data, opts);
  }

  /**
   * Uses a separate validation file instead of a split of the training file, read with `read`;
   * `keep`: kept for the next visit (after the reply; a full quota warns, the file stays in use).
   */
  async loadValidationTable(
    fileName: string,
    data: ReadInput,
    opts: { keep?: boolean; read?: ReadOptions } = {},
  ): Promise<TableSummary> {
    this.assertIdle('A run is in progress: stop it before choosing a validation file.');
    await this.session.loadValidationTable(fileName, data, opts.read ?? {});
    const summary = this.session.validationSummary();
    if (!summary) throw new StudioError('data', `${fileName} was not read.`);
    const stored =
      data instanceof Uint8Array || (typeof Blob !== 'undefined' && data instanceof Blob);
    const file = stored ? { fileName, data, bytesRead: Number.MAX_SAFE_INTEGER - 1 } : null;
    this.validationFile = file;
    this.loads++;
    const kept = this.deps.kept;
    if (opts.keep && kept?.keepValidationFile && file) {
      void storedBytes(file)
        .then((bytes) => kept.keepValidationFile?.(fileName, bytes))
        .catch((err: unknown) => this.warn(messageOf(err)));
    }
    return summary;
  }

  /** Opens the validation file kept from the last visit; null when none (or it no longer reads). */
  async restoreValidationTable(read: ReadOptions = {}): Promise<TableSummary | null> {
    const kept = this.deps.kept;
    const file = (await kept?.keptValidationFile?.()) ?? null;
    if (!file) return null;
    try {
      return await this.loadValidationTable(file.fileName, file.bytes, { read });
    } catch {
      await kept?.forgetValidationFile?.().catch(() => undefined);
      return null;
    }
  }

  /** Goes back to a split of the training file for validation (and forgets the kept file). */
  async clearValidationTable(): Promise<void> {
    this.assertIdle('A run is in progress: stop it before changing its validation data.');
    this.session.validationTable = null;
    this.session.prepared = null;
    this.validationFile = null;
    this.loads++;
    await this.deps.kept?.forgetValidationFile?.();
  }

  /** Forgets the kept data file (the demo opens on the next visit). */
  async forgetTable(): Promise<void> {
    this.keepSeq++;
    await this.deps.kept?.forgetDataFile();
  }

  /** Keeps the chosen checkpoint for the next visit (after the reply; a failure warns). */
  keepCheckpoint(source: KeptCheckpoint): void {
    this.deps.kept?.keepCheckpoint?.(source).catch((err: unknown) => this.warn(messageOf(err)));
  }

  /** The checkpoint kept from an earlier visit, or null. */
  async keptCheckpoint(): Promise<KeptCheckpoint | null> {
    return (await this.deps.kept?.keptCheckpoint?.()) ?? null;
  }

  /** Forgets the kept checkpoint (a model trained from scratch is chosen; the session's stays). */
  async forgetCheckpoint(): Promise<void> {
    await this.deps.kept?.forgetCheckpoint?.();
  }

  /** Makes `tok` the session's tokenizer, recorded by runs as `name`. */
  useTokenizer(tok: Tokenizer, name: string): Tokenizer {
    const t = this.session.useTokenizer(tok);
    this.tokenizerName = name;
    this.loads++;
    return t;
  }

  /** Loads a tokenizer from its two JSON files; recorded by runs as `name` (else its own). */
  async setTokenizerFiles(
    files: { tokenizerJson: object; tokenizerConfig: object },
    name?: string,
  ): Promise<Tokenizer> {
    const tok = await this.session.setTokenizerFiles(files);
    this.tokenizerName = name ?? tok.name;
    this.loads++;
    return tok;
  }

  /** Trains a tokenizer on the loaded table (see `StudioSession.trainTokenizer`). */
  async trainTokenizer(...args: Parameters<StudioSession['trainTokenizer']>): Promise<Tokenizer> {
    const tok = await this.session.trainTokenizer(...args);
    this.tokenizerName = tok.name;
    this.loads++;
    return tok;
  }

  /**
   * Loads dropped tokenizer files (file name -> text: tokenizer.json, optionally
   * tokenizer_config.json); `keep`: keep them for the next visit (after the reply).
   */
  async loadTokenizerFiles(files: Record<string, string>, keep = false): Promise<Tokenizer> {
    const byBase = new Map<string, string>();
    for (const [k, v] of Object.entries(files)) byBase.set(k.split('/').pop() as string, v);
    const parse = (name: string): object | undefined => {
      const text = byBase.get(name);
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as object;
      } catch {
        throw new StudioError('tokenizer', `${name} is not valid JSON.`, 'TokenizerFileError');
      }
    };
    const tokenizerJson = parse('tokenizer.json');
    if (!tokenizerJson) {
      throw new StudioError(
        'tokenizer',
        `Tokenizer files need a tokenizer.json (and optionally tokenizer_config.json); got ${[...byBase.keys()].join(', ') || 'none'}.`,
        'TokenizerFileError',
      );
    }
    const tok = await this.setTokenizerFiles({
      tokenizerJson,
      tokenizerConfig: parse('tokenizer_config.json') ?? {},
    });
    const kept = this.deps.kept;
    if (keep && kept) {
      void kept.keepTokenizerFiles(files).catch((err: unknown) => this.warn(messageOf(err)));
    }
    return tok;
  }

  /** Loads the tokenizer files kept by {@link loadTokenizerFiles} (an error if none are). */
  async restoreTokenizerFiles(): Promise<Tokenizer> {
    const files = this.deps.kept ? await this.deps.kept.keptTokenizerFiles() : null;
    if (files) return this.loadTokenizerFiles(files);
    throw new StudioError(
      'not-found',
      'The tokenizer files you chose last time are no longer in this browser.',
      { remedy: 'Drop the tokenizer files again, or pick a bundled tokenizer.' },
    );
  }

  /**
   * What the service knows of the data outside a run config (src/core/config/resolveRun.ts
   * `DataRef`): the files read, the columns guessed, the tokenizer loaded, and a revision that
   * counts the files and tokenizers loaded (with the tokenizer's identity: a checkpoint's own
   * tokenizer replaces the current one).
   */
  protected dataRef(needGuess = true): DataRef {
    const s = this.session;
    const name = this.tableFile?.fileName ?? s.dataFileName;
    const tok = s.tokenizer;
    return {
      train: name ? { name, ...(this.tableFile ? { bytes: this.tableFile.bytesRead } : {}) } : null,
      validation: s.validationFileName ? { name: s.validationFileName } : null,
      guess: needGuess ? s.columnGuess() : null,
      tokenizer: tok ? this.tokenizerName || tok.name : null,
      revision: `${this.loads}|${tok ? `${tok.name}:${tok.vocabSize}` : ''}`,
    };
  }

  /** `config` resolved against the data this service holds (see {@link dataRef}). */
  resolve(config: RunConfig): ResolvedRun {
    try {
      // The columns are guessed from the file only where the config leaves one out.
      const d = config.data;
      return resolveRun(config, this.dataRef(!d.text_column || !d.label_column));
    } catch (e) {
      // A value no field takes: the page shows it as a bad argument, by its field's name.
      if (e instanceof RunConfigError) throw new StudioError('arguments', e.message, e.name);
      throw e;
    }
  }

  /**
   * Prepares the data `run` reads unless it is prepared so already (the same fingerprint, as
   * web-llm reloads a model only when its id changed); returns how it is prepared.
   */
  protected async prepareIfChanged(run: ResolvedRun): Promise<PrepareOptions> {
    const options = prepareOptionsOf(run);
    if (!this.session.prepared || run.fingerprint !== this.preparedFingerprint) {
      this.status('Tokenizing…');
      await this.prepareData(options, run.fingerprint);
    }
    return options;
  }

  /**
   * Prepares the splits with `options` (the CLI, tests). Its fingerprint is not known: the next
   * run started from a config prepares again.
   */
  async prepare(options: PrepareOptions) {
    this.assertIdle('A run is in progress: its data stays as it is.');
    return this.prepareData(options, '');
  }

  /** Prepares the data `config` reads (the page's preview of its settings), fingerprinted. */
  async prepareConfig(config: RunConfig) {
    this.assertIdle('A run is in progress: its data stays as it is.');
    const run = this.resolve(config);
    return this.prepareData(prepareOptionsOf(run), run.fingerprint);
  }

  private async prepareData(options: PrepareOptions, fingerprint: string) {
    const s = this.session;
    const rows = s.table?.rows.length ?? 0;
    const tok = s.tokenizer;
    if (rows > POOL_MIN_ROWS && tok && this.deps.tokenizerPool)
      this.pool ??= this.deps.tokenizerPool();
    const pool = rows > POOL_MIN_ROWS ? this.pool : null;
    const summary =
      pool && tok
        ? await s.preparePooled(options, (texts, pairs, maxLength) =>
            pool.encode(tok.files, texts, {
              pairs,
              maxLength,
              onProgress: (done, total) =>
                this.status(
                  `Tokenizing in ${pool.size} workers… ${Math.round((100 * done) / total)}%`,
                ),
            }),
          )
        : s.prepare(options);
    this.lastPrepare = options;
    this.preparedFingerprint = fingerprint;
    return summary;
  }
}
