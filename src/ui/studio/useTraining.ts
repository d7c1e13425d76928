/** The training actions: start a run, resume a stored one, pause, go on, stop. */
import {
  startTransition,
  useCallback,
  type Dispatch,
  type RefObject,
  type SetStateAction,
} from 'react';
import {
  errorCodeOf,
  type DatasetSummary,
  type MemoryEstimate,
  type ModelSpec,
  type PretrainedInfo,
  type StudioClient,
  type TrainingArguments,
} from '../../worker/client';
import type { ModelSizes, StudioSettings } from '../defaults';
import { errorMessage, estimateMaxSteps, formatDateTime } from '../format';
import type { ModelInfo } from './useModel';
import type { Notices } from './useNotices';
import type { ModelSource } from './usePretrained';
import type { Run } from './useRun';

/** What the training actions need from the studio. */
export interface TrainingDeps {
  clientRef: RefObject<StudioClient | null>;
  /** The latest settings: a run takes the model sizes and arguments as they are at the click. */
  settingsRef: RefObject<StudioSettings>;
  dataset: DatasetSummary | null;
  modelSource: ModelSource;
  pretrained: PretrainedInfo | null;
  specOf: (sizes: ModelSizes) => ModelSpec;
  memory: MemoryEstimate | null;
  run: Run;
  setModel: (model: ModelInfo | null) => void;
  /** A lost GPU device marks the worker dead (the UI offers a restart). */
  setWorkerDead: Dispatch<SetStateAction<string | null>>;
  notices: Notices;
}

/** Train, resume a stored run, pause, resume training, stop. */
export function useTraining({
  clientRef,
  settingsRef,
  dataset,
  modelSource,
  pretrained,
  specOf,
  memory,
  run,
  setModel,
  setWorkerDead,
  notices,
}: TrainingDeps) {
  const { setStatus, setError } = notices;
  const {
    setTraining,
    setStopping,
    setPaused,
    setEvalRows,
    discardPendingLogs,
    clearRun,
    showResult,
    endRun,
  } = run;

  /**
   * A run failed: show the worker's message as is (a NaN loss names its step and likely cause).
   * A lost GPU device leaves the worker without a device: offer a restart (a fresh device).
   */
  const failRun = useCallback(
    (err: unknown) => {
      setError(errorMessage(err));
      setStatus('Training failed');
      if (errorCodeOf(err) === 'device-lost') setWorkerDead(errorMessage(err));
    },
    [setError, setStatus, setWorkerDead],
  );

  /**
   * Starts a run. `extraArgs` are the advanced TrainingArguments the user set (or imported);
   * the basic fields shown up front win over them.
   */
  const train = useCallback(
    async (extraArgs: Record<string, unknown> = {}) => {
      const client = clientRef.current;
      if (!client || !dataset) return;
      if (modelSource !== 'scratch' && !pretrained) {
        setError(
          'Load a pretrained model first (drop its files or enter a URL or Hub id), or choose "From scratch".',
        );
        return;
      }
      // Refuse only what clearly cannot fit; "tight" runs may still work.
      if (memory?.verdict === 'too-large') {
        setError(memory.message);
        return;
      }
      const { model: sizes, args: basicArgs } = settingsRef.current;
      const args = { ...extraArgs, ...basicArgs };
      discardPendingLogs();
      // Only the flag that disables a second click renders at once; clearing the last run's
      // charts and views (an unmount of every evaluation view) renders as a transition, in
      // slices that yield to the browser, instead of one long task on the click.
      setTraining(true);
      setStopping(false);
      startTransition(() => {
        clearRun({
          step: 0,
          maxSteps: estimateMaxSteps(dataset.trainRows, args),
          epoch: 0,
          samplesPerSecond: NaN,
          etaSeconds: null,
          phase: 'preparing',
        });
        setModel(null);
        setStatus('Training…');
      });
      try {
        // The worker fills HF defaults for every argument the UI does not edit.
        const result = await client.call('train', {
          model: specOf(sizes),
          args: args as Partial<TrainingArguments> as TrainingArguments,
        });
        discardPendingLogs();
        // The end of a run re-renders every panel (unlocked), swaps in the full history and draws
        // the final charts: a transition lets React render that in slices that yield to the
        // browser instead of one long task (the bar: main-thread tasks under 50 ms).
        startTransition(() => {
          showResult(result);
          setModel({ labels: dataset.labels, source: 'trained' });
          setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
        });
        // The evaluation views' rows: one pass of the final model over the validation split.
        client
          .call('evalRows', {})
          .then((rows) => startTransition(() => setEvalRows(rows)))
          .catch((err: unknown) => setError(errorMessage(err)));
      } catch (err) {
        failRun(err);
      } finally {
        startTransition(endRun);
      }
    },
    [
      dataset,
      specOf,
      memory,
      modelSource,
      pretrained,
      failRun,
      clientRef,
      settingsRef,
      discardPendingLogs,
      clearRun,
      showResult,
      endRun,
      setTraining,
      setStopping,
      setEvalRows,
      setModel,
      setStatus,
      setError,
    ],
  );

  /** Resumes a stored (interrupted) run from its last checkpoint, streaming like `train`. */
  const resumeRun = useCallback(
    async (id: string) => {
      const client = clientRef.current;
      if (!client) return;
      discardPendingLogs();
      clearRun(null);
      setModel(null);
      setError(null);
      setTraining(true);
      setStopping(false);
      setPaused(false);
      setStatus('Resuming…');
      try {
        const result = await client.call('resumeRun', { id });
        discardPendingLogs();
        // The whole curve: the stored history up to the checkpoint plus the steps trained now.
        showResult(result);
        setModel({
          labels: Object.keys(result.metrics).length ? (dataset?.labels ?? []) : [],
          source: 'trained',
        });
        setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
      } catch (err) {
        failRun(err);
      } finally {
        endRun();
      }
    },
    [
      dataset,
      failRun,
      clientRef,
      discardPendingLogs,
      clearRun,
      showResult,
      endRun,
      setTraining,
      setStopping,
      setPaused,
      setModel,
      setStatus,
      setError,
    ],
  );

  /**
   * Opens a stored run again (Reopen in the history): its charts, metrics and last step, and its
   * final model for Try it, the evaluation views and Export (evaluated on its own data file).
   */
  const { showStoredRun } = run;
  const reopenRun = useCallback(
    async (id: string) => {
      const client = clientRef.current;
      if (!client) return;
      setError(null);
      setStatus('Opening the run…');
      try {
        const opened = await client.call('openRun', { id });
        const rec = opened.record;
        const missing = opened.notices.length ? ` · ${opened.notices.join(' ')}` : '';
        startTransition(() => {
          showStoredRun(rec, opened.evalRows);
          setModel(opened.model ? { labels: opened.model.labels, source: 'reopened' } : null);
          setStatus(
            `Showing a reopened run: ${rec.fileName}, ${formatDateTime(rec.created)}${missing}`,
          );
        });
      } catch (err) {
        setError(errorMessage(err));
      }
    },
    [clientRef, showStoredRun, setModel, setStatus, setError],
  );

  /** Runs a request about the run in progress; its failure shows in the error banner. */
  const tellRun = useCallback(
    async (request: (client: StudioClient) => Promise<void>) => {
      const client = clientRef.current;
      if (!client) return;
      try {
        await request(client);
      } catch (err) {
        setError(errorMessage(err));
      }
    },
    [clientRef, setError],
  );

  /** Asks the worker to stop the run after the current step. */
  const stop = useCallback(
    () =>
      tellRun(async (client) => {
        setStopping(true);
        setStatus('Stopping after the current step…');
        await client.call('stop', {});
      }),
    [tellRun, setStopping, setStatus],
  );

  /** Pauses the run between steps (nothing is lost); `resumeTraining` goes on. */
  const pause = useCallback(
    () =>
      tellRun(async (client) => {
        const { paused: now } = await client.call('pause', {});
        setPaused(now);
        if (now) setStatus('Paused');
      }),
    [tellRun, setPaused, setStatus],
  );

  /** Goes on with a paused run. */
  const resumeTraining = useCallback(
    () =>
      tellRun(async (client) => {
        await client.call('resumeTraining', {});
        setPaused(false);
        setStatus('Training…');
      }),
    [tellRun, setPaused, setStatus],
  );

  return { train, resumeRun, reopenRun, stop, pause, resumeTraining };
}
