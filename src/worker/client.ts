/**
 * The UI's handle on the training worker: typed calls, streamed events, and a clear error when
 * the worker dies (the UI never waits forever on a dead worker).
 */
import type {
  Api,
  RequestName,
  SerializedError,
  StudioErrorCode,
  WorkerEvent,
  WorkerMessage,
} from './protocol';
import { errorCode, errorRemedy, isErrorCode, REMEDIES, StudioError } from '../core/run/errors';

export * from './protocol';

/**
 * Pure core helpers the page runs itself: CSV text, evaluation tables and curves, the arguments
 * diff of compared runs, the max_length a checkpoint takes, the share link's run config, and the
 * build's test-hook flag. The
 * UI reaches core only through this module (eslint.config.js).
 */
export { TEST_HOOKS } from '../core/buildFlags';
/** Coded errors the page throws itself (its messages show their remedy, as a worker's do). */
export { StudioError } from '../core/run/errors';
export { recordsToCsv, toCsv, type CsvCell } from '../core/io/csvExport';
export { diffArgs } from '../core/io/runStore';
export { fitMaxLength } from '../core/session/maxLength';
export { configFromHash, LINK_CANNOT_CARRY, shareLinkHash } from '../core/config/shareLink';
export { shareLinkOfConfig, trainingDefaults } from '../core/config/runFiles';
export { DATA_FIELDS } from '../core/config/dataArguments';
export { COMPUTE_FIELDS, MAX_WORKERS } from '../core/config/computeArguments';
export { SCRATCH_MODEL_FIELDS, MODEL_FIELDS } from '../core/config/modelArguments';
export { ARG_DOCS, ARG_LIMITS, type NumberLimits } from '../core/train/argsFields';
export { lastEvalMetrics } from '../core/train/trainLog';
export {
  parseRunConfig,
  RUN_CONFIG_VERSION,
  RunConfigError,
  type RunConfig,
} from '../core/config/runConfig';
export {
  buildEvalDetails,
  splitKept,
  type ClassificationDetails,
  type CurvePoint,
  type EvalDetails,
  type RegressionDetails,
  type RowPrediction,
} from '../core/train/evalDetails';
export { matrixMax, topConfusions, type TopConfusions } from '../core/train/evalDetails';
export { splitWarning, type SplitWarning } from '../core/data/report';

/**
 * An error raised in the worker, carried across with its original name, its code and its remedy
 * (what to do). A reply from a worker of another version may lack them: then the code is
 * 'internal' and the remedy that code's.
 */
export class WorkerError extends Error {
  readonly code: StudioErrorCode;
  readonly remedy: string;

  constructor(err: SerializedError) {
    super(err.message);
    this.name = err.name;
    this.code = isErrorCode(err.code) ? err.code : 'internal';
    this.remedy = typeof err.remedy === 'string' && err.remedy ? err.remedy : REMEDIES[this.code];
  }
}

/** The code of an error from a call: a worker error's, a coded error's own, else 'internal'. */
export function errorCodeOf(err: unknown): StudioErrorCode {
  return errorCode(err);
}

/** What to do about an error from a call (its own remedy, else its code's). */
export function errorRemedyOf(err: unknown): string {
  return errorRemedy(err);
}

/** What to do when the training worker is gone (crashed or stopped). */
const WORKER_GONE =
  'Press Restart worker (a stopped run resumes from its last checkpoint in Run history), or reload the page.';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class StudioClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private dead: Error | null = null;
  private readonly deathListeners = new Set<(err: Error) => void>();

  constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (ev: MessageEvent<WorkerMessage>) =>
      this.onMessage(ev.data),
    );
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.fail(
        new StudioError(
          'internal',
          `The training worker crashed: ${ev.message || 'unknown error'}.`,
          { remedy: WORKER_GONE },
        ),
      );
    });
    worker.addEventListener('messageerror', () =>
      this.fail(
        new StudioError('protocol', 'The training worker sent a message that could not be read.'),
      ),
    );
  }

  /** Starts the studio's worker (bundled by Vite as a module worker). */
  static start(): StudioClient {
    return new StudioClient(
      new Worker(new URL('./studio.worker.ts', import.meta.url), { type: 'module' }),
    );
  }

  /** Sends a request; resolves with its result or rejects with the worker's error. */
  call<K extends RequestName>(
    name: K,
    params: Api[K][0],
    transfer: Transferable[] = [],
  ): Promise<Api[K][1]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<Api[K][1]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, name, params }, transfer);
    });
  }

  /** Subscribes to progress, log and status events; returns the unsubscribe function. */
  on(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Called once when the worker dies (crash or unreadable message), after pending calls were
   * rejected; not called for `terminate()`. Returns the unsubscribe function.
   */
  onDeath(listener: (err: Error) => void): () => void {
    this.deathListeners.add(listener);
    return () => this.deathListeners.delete(listener);
  }

  terminate(): void {
    this.worker.terminate();
    this.deathListeners.clear();
    this.fail(
      new StudioError('internal', 'The training worker was stopped.', { remedy: WORKER_GONE }),
    );
  }

  private onMessage(msg: WorkerMessage): void {
    if (msg.type === 'event') {
      for (const l of this.listeners) l(msg.event);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new WorkerError(msg.error));
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const l of this.listeners) l({ kind: 'status', message: err.message });
    for (const l of this.deathListeners) l(err);
  }
}
