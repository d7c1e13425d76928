/**
 * The studio's state and actions: owns the worker client, boots it (backend, demo data, bundled
 * tokenizer), re-prepares the dataset when its options change, runs training and streams its
 * events into progress, status and chart series. Components get plain values and callbacks.
 *
 * The parts live in `studio/`, one hook per concern; this hook composes them. The order of the
 * calls below is the order of their effects (settings saved, worker booted, data prepared,
 * memory estimated), which a fresh worker and a first render rely on.
 */
import { useCallback, useRef } from 'react';
import type { RunRecord, StudioClient } from '../worker/client';
import { useDataFile } from './studio/useDataFile';
import { useMemoryEstimate } from './studio/useMemoryEstimate';
import { useModel } from './studio/useModel';
import { useNotices } from './studio/useNotices';
import { usePrepare } from './studio/usePrepare';
import { usePretrained } from './studio/usePretrained';
import { useRun } from './studio/useRun';
import { useSettings } from './studio/useSettings';
import { useTokenizerChoice } from './studio/useTokenizerChoice';
import { useTraining } from './studio/useTraining';
import { useWorker } from './studio/useWorker';

export type { TokenizerChoice } from './studio/tokenizerChoice';
export {
  BACKEND_CHOICES,
  backendFromUrl,
  e2eHooksFromUrl,
  type BackendChoice,
} from './studio/urlOptions';
export type { ModelInfo } from './studio/useModel';
export type { ModelSource } from './studio/usePretrained';
export type { ThroughputPoint } from './studio/useRun';

/** The studio's state hook; see the module comment. */
export function useStudio({ gradientCheckpointing = false } = {}) {
  const { settings, settingsRef, setSettings, ...settingsActions } = useSettings();
  const notices = useNotices();
  const { status, error, download, reportError, dismissError, setError } = notices;
  /** The running worker's client (null between workers); every hook reads it at call time. */
  const clientRef = useRef<StudioClient | null>(null);

  const run = useRun();
  const { dispatch } = run;
  const showRecord = useCallback(
    (record: RunRecord) => dispatch({ type: 'stored', record, rows: null }),
    [dispatch],
  );
  const mdl = useModel({ clientRef, notices, showRecord });
  /** Latest run view and model, for the notice of a new training file. */
  const shownRef = useRef({ view: run.view, model: mdl.model });
  shownRef.current = { view: run.view, model: mdl.model };
  const { setModel: setShownModel } = mdl;
  const onNewFile = useCallback(() => {
    const { view, model } = shownRef.current;
    const cleared = [
      ...(view.logs.length > 0 || view.progress ? ['the last run’s charts'] : []),
      ...(view.evalRows ? ['its evaluation'] : []),
      ...(model ? ['Try it’s model'] : []),
    ];
    dispatch({ type: 'clear' });
    setShownModel(null);
    return cleared;
  }, [dispatch, setShownModel]);
  const data = useDataFile({ clientRef, settingsRef, setSettings, notices, onNewFile });
  const tok = useTokenizerChoice({
    clientRef,
    savedTokenizer: settings.tokenizer,
    settingsRef,
    setSettings,
    notices,
  });
  const pre = usePretrained({
    clientRef,
    setTokenizer: tok.setTokenizer,
    settingsRef,
    setModelSize: settingsActions.setModelSize,
    notices,
  });
  /** Boot's first step (see useWorker); set below, once the hooks it resets exist. */
  const forgetRef = useRef(() => {});
  const forgetWorker = useCallback(() => forgetRef.current(), []);
  const worker = useWorker({
    clientRef,
    notices,
    onSnapshot: run.onSnapshot,
    onRead: data.onRead,
    forgetWorker,
    openStartFile: data.openStartFile,
    loadStartTokenizer: tok.loadStartTokenizer,
    restoreStartPretrained: pre.restoreStartPretrained,
  });
  const prep = usePrepare({
    clientRef,
    table: data.table,
    dataVersion: data.dataVersion,
    tokenizer: tok.tokenizer,
    tokenizerVersion: tok.tokenizerVersion,
    settings,
    pretrained: pre.modelSource !== 'scratch' ? (pre.pretrained?.name ?? null) : null,
    training: run.training,
    notices,
  });
  const memory = useMemoryEstimate({
    clientRef,
    backend: worker.backend,
    settings,
    settingsRef,
    modelSource: pre.modelSource,
    pretrained: pre.pretrained,
    specOf: pre.specOf,
    dataset: prep.dataset,
    gradientCheckpointing,
  });
  const actions = useTraining({
    clientRef,
    settingsRef,
    dataset: prep.dataset,
    modelSource: pre.modelSource,
    pretrained: pre.pretrained,
    memory,
    run,
    setModel: mdl.setModel,
    setWorkerDead: worker.setWorkerDead,
    notices,
  });

  // A new worker starts empty: what the page showed of the old one (tokenizer, prepared data,
  // model, checkpoint) is forgotten at the start of every boot, which then brings the new worker
  // to the page's settings (the same boot as a fresh page load).
  const { setTokenizer } = tok;
  const { reset: resetPrepared } = prep;
  const { setModel } = mdl;
  const { setPretrained } = pre;
  forgetRef.current = () => {
    setTokenizer(null);
    resetPrepared();
    setModel(null);
    setPretrained(null);
  };

  const { switchBackend: chooseBackend, reboot } = worker;

  /** Boots a fresh worker after a crash, as a page load boots one. */
  const restartWorker = useCallback(() => {
    setError(null);
    dispatch({ type: 'workerLost' });
    reboot();
  }, [setError, dispatch, reboot]);

  // A paused run has a model: Try it, evaluation and Export work on it.
  const model =
    mdl.model ??
    (run.paused && run.view.hasModel && prep.dataset
      ? { labels: prep.dataset.labels, source: 'trained' as const }
      : null);

  const ready = Boolean(
    worker.backend &&
    data.table &&
    tok.tokenizer &&
    prep.datasetCurrent &&
    !prep.preparing &&
    !data.loadingFile &&
    !worker.workerDead,
  );
  return {
    /** The open data file, its validation file and the actions that open them. */
    data: {
      table: data.table,
      loadingFile: data.loadingFile,
      reading: data.reading,
      readChoice: data.readChoice,
      chooseRead: data.chooseRead,
      validation: data.validation,
      loadValidationFile: data.loadValidationFile,
      clearValidationFile: data.clearValidationFile,
      openDemo: data.openDemo,
      demoLoaded: data.demoLoaded,
      loadFile: data.loadFile,
    },
    /** The run shown (the worker's snapshots, or a stored run reopened) and its flags. */
    run: {
      ...run.view,
      training: run.training,
      stopping: run.stopping,
      paused: run.paused,
    },
    /** Train, continue a stored run, reopen one, pause, unpause, stop. */
    runActions: actions,
    preferred: worker.preferred,
    backend: worker.backend,
    settings,
    tokenizer: tok.tokenizer,
    dataset: prep.dataset,
    dataReport: prep.dataReport,
    chooseTokenizer: tok.chooseTokenizer,
    preparing: prep.preparing,
    status,
    model,
    busy: mdl.busy,
    error,
    /** Data, tokenizer and prepared dataset are in the worker: Train may start. */
    ready,
    datasetCurrent: prep.datasetCurrent,
    modelProblem: settingsActions.modelProblem,
    chooseBackend,
    setColumns: settingsActions.setColumns,
    setValidationFraction: settingsActions.setValidationFraction,
    setModelSize: settingsActions.setModelSize,
    setArg: settingsActions.setArg,
    setWorkers: settingsActions.setWorkers,
    workerDead: worker.workerDead,
    restartWorker,
    modelSource: pre.modelSource,
    setModelSource: pre.setModelSource,
    pretrained: pre.pretrained,
    specOf: pre.specOf,
    download,
    loadingPretrained: pre.loadingPretrained,
    loadingTokenizer: tok.loadingTokenizer,
    loadPretrained: pre.loadPretrained,
    memory,
    importRun: mdl.importRun,
    call: worker.call,
    exportModel: mdl.exportModel,
    exported: mdl.exported,
    importModel: mdl.importModel,
    predict: mdl.predict,
    entities: mdl.entities,
    reportError,
    dismissError,
  };
}

/** Everything `useStudio` returns. */
export type Studio = ReturnType<typeof useStudio>;
