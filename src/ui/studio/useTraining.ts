/**
 * The training actions: start a run, continue a stored one from its checkpoint, reopen one,
 * pause, unpause, stop. What a run is doing comes back as snapshots (`useRun`); these actions
 * only ask, and show a failure or a result.
 */
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
  type PretrainedInfo,
  type StudioClient,
} from '../../worker/client';
import type { StudioSettings } from '../defaults';
import { runConfigOfPage } from '../settingsConfig';
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
  memory: MemoryEstimate | null;
  run: Run;
  setModel: (model: ModelInfo | null) => void;
  /** A lost GPU device marks the worker dead (the UI offers a restart). */
  setWorkerDead: Dispatch<SetStateAction<string | null>>;
  notices: Notices;
}

/** Train, continue a stored run, reopen one, pause, unpause, stop. */
export function useTraining({
  clientRef,
  settingsRef,
  dataset,
  modelSource,
  pretrained,
  memory,
  run,
  setModel,
  setWorkerDead,
  notices,
}: TrainingDeps) {
  const { setStatus, setError } = notices;
  const { dispatch } = run;

  /**
   * A run failed: show the worker's message as is (a NaN loss names its step and likely cause).
   * A lost GPU device leaves the worker without a device: offer a restart (a fresh device).
   */
  const failRun = useCallback(
    (err: unknown) => {
      dispatch({ type: 'workerLost' });
      setError(errorMessage(err));
      setStatus('Training failed');
      if (errorCodeOf(err) === 'device-lost') setWorkerDead(errorMessage(err));
    },
    [dispatch, setError, setStatus, setWorkerDead],
  );

  /**
   * The evaluation views' rows: one pass of the model over the validation split (a tagged
   * run's: its evaluation details, entity types and sentences).
   */
  const tagged = dataset?.taskKind === 'token-classification';
  const fetchEvalRows = useCallback(
    (client: StudioClient) =>
      (tagged
        ? client
            .call('taggedDetails', {})
            .then((d) =>
              startTransition(() => dispatch({ type: 'evalRows', rows: null, tagged: d })),
            )
        : client
            .call('evalRows', {})
            .then((rows) => startTransition(() => dispatch({ type: 'evalRows', rows })))
      ).catch((err: unknown) => setError(errorMessage(err))),
    [dispatch, setError, tagged],
  );

  /**
   * Starts a run. `extraArgs` are the advanced TrainingArguments the user set (or imported);
   * the basic fields shown up front win over them. The worker prepares the data again only
   * when it changed since its last preparation.
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
      const settings = settingsRef.current;
      const args = { ...extraArgs, ...settings.args };
      dispatch({
        type: 'starting',
        progress: {
          step: 0,
          maxSteps: estimateMaxSteps(dataset.trainRows, args),
          epoch: 0,
          samplesPerSecond: NaN,
          etaSeconds: null,
          phase: 'preparing',
        },
      });
      startTransition(() => {
        setModel(null);
        setStatus('Training…');
      });
      try {
        // The page's settings as one run config: the worker resolves it (HF defaults for
        // every argument the page does not set) and prepares the data again only if it changed.
        const config = runConfigOfPage(
          settings,
          extraArgs,
          modelSource !== 'scratch' && pretrained ? pretrained.name : null,
        );
        const result = await client.call('train', { config });
        startTransition(() => {
          setModel({
            labels: dataset.labels,
            source: 'trained',
            ...(dataset.taskKind === 'token-classification' ? { tagged: true } : {}),
          });
          setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
        });
        void fetchEvalRows(client);
      } catch (err) {
        failRun(err);
      }
    },
    [
      dataset,
      memory,
      modelSource,
      pretrained,
      failRun,
      clientRef,
      settingsRef,
      dispatch,
      fetchEvalRows,
      setModel,
      setStatus,
      setError,
    ],
  );

  /** Continues a stored (interrupted) run from its last checkpoint, streaming like `train`. */
  const continueRun = useCallback(
    async (id: string) => {
      const client = clientRef.current;
      if (!client) return;
      dispatch({ type: 'starting', progress: null });
      setModel(null);
      setError(null);
      setStatus('Resuming…');
      try {
        const { workers } = settingsRef.current;
        const result = await client.call('continueRun', {
          id,
          ...(workers !== undefined ? { compute: { num_replicas: workers } } : {}),
        });
        setModel({
          labels: Object.keys(result.metrics).length ? (dataset?.labels ?? []) : [],
          source: 'trained',
        });
        setStatus(result.stopped ? `Stopped at step ${result.globalStep}` : 'Finished');
      } catch (err) {
        failRun(err);
      }
    },
    [dataset, failRun, clientRef, settingsRef, dispatch, setModel, setStatus, setError],
  );

  /**
   * Opens a stored run again (Reopen in the history): its charts, metrics and last step, and its
   * final model for Try it, the evaluation views and Export (evaluated on its own validation
   * data).
   */
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
          dispatch({
            type: 'stored',
            record: rec,
            rows: opened.evalRows,
            tagged: opened.taggedDetails ?? null,
          });
          setModel(
            opened.model
              ? {
                  labels: opened.model.labels,
                  source: 'reopened',
                  ...(opened.taggedDetails ? { tagged: true } : {}),
                }
              : null,
          );
          setStatus(
            `Showing a reopened run: ${rec.fileName}, ${formatDateTime(rec.created)}${missing}`,
          );
        });
      } catch (err) {
        setError(errorMessage(err));
      }
    },
    [clientRef, dispatch, setModel, setStatus, setError],
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
        setStatus('Stopping after the current step…');
        await client.call('stop', {});
      }),
    [tellRun, setStatus],
  );

  /**
   * Pauses the run between steps (nothing is lost); `unpause` goes on. A paused run's model
   * is evaluated (the evaluation views), and Try it and Export work on it.
   */
  const pause = useCallback(
    () =>
      tellRun(async (client) => {
        const { paused: now } = await client.call('pause', {});
        if (!now) return;
        setStatus('Paused');
        await fetchEvalRows(client);
      }),
    [tellRun, setStatus, fetchEvalRows],
  );

  /** Goes on with a paused run from its next step. */
  const unpause = useCallback(
    () =>
      tellRun(async (client) => {
        await client.call('unpause', {});
        setStatus('Training…');
      }),
    [tellRun, setStatus],
  );

  return { train, continueRun, reopenRun, stop, pause, unpause };
}
