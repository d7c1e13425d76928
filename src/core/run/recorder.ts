/**
 * Keeps one run's record in step with its training: created at the start (with the data file's
 * bytes), updated on logs at most every `intervalMs`, closed with a status. Storage failures are
 * reported through `onWarning` and never stop training.
 */
import {
  blobKey,
  fingerprint,
  newRunId,
  RUN_RECORD_VERSION,
  throttle,
  type RunRecord,
} from '../io/runStore';
import { runConfigOfParts } from './storedRun';
import type { LogEntry } from '../train/state';
import type { RunStore } from './stores';

/** What a new run record starts from (the rest is filled as the run goes). */
export type RunStart = Pick<
  RunRecord,
  | 'fileName'
  | 'validationFileName'
  | 'tokenizer'
  | 'model'
  | 'prepare'
  | 'args'
  | 'backend'
  | 'maxSteps'
> &
  /** The run config of its resolved run (`runConfigOf`); else read from the other parts. */
  Partial<Pick<RunRecord, 'config'>>;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class RunRecorder {
  readonly record: RunRecord;
  private readonly writer: ReturnType<typeof throttle>;

  constructor(
    readonly store: RunStore,
    record: RunRecord,
    private readonly onWarning: (message: string) => void,
    intervalMs = 1000,
  ) {
    this.record = record;
    this.writer = throttle(() => this.write(), intervalMs);
  }

  /**
   * Creates the record of a new run and stores its data file and its validation file (when it
   * has one: Reopen evaluates on it).
   */
  static async start(
    store: RunStore,
    start: RunStart,
    dataBytes: Uint8Array,
    onWarning: (message: string) => void,
    validationBytes: Uint8Array | null = null,
    id = newRunId(),
  ): Promise<RunRecorder> {
    const now = Date.now();
    const rec: RunRecord = {
      ...start,
      version: RUN_RECORD_VERSION,
      config: start.config ?? (runConfigOfParts(start) as unknown as Record<string, unknown>),
      id,
      created: now,
      updated: now,
      status: 'running',
      reason: null,
      dataFingerprint: await fingerprint(dataBytes),
      modelConfig: null,
      logHistory: [],
      metrics: null,
      globalStep: 0,
      checkpoints: [],
      hasModelZip: false,
    };
    const r = new RunRecorder(store, rec, onWarning);
    try {
      await store.putBlob(blobKey.data(id), dataBytes);
      if (validationBytes) await store.putBlob(blobKey.validation(id), validationBytes);
    } catch (e) {
      onWarning(message(e));
    }
    await r.writer.flush();
    return r;
  }

  private async write(): Promise<void> {
    this.record.updated = Date.now();
    try {
      await this.store.put(this.record);
    } catch (e) {
      this.onWarning(message(e));
    }
  }

  /** A log entry arrived: record it (throttled write). */
  log(entry: LogEntry, globalStep: number): void {
    this.record.logHistory.push(entry);
    this.record.globalStep = globalStep;
    this.writer.call();
  }

  /** Updates fields and writes at once. */
  async update(fields: Partial<RunRecord>): Promise<void> {
    Object.assign(this.record, fields);
    await this.writer.flush();
  }
}
