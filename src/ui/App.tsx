import { memo, useDeferredValue, useMemo } from 'react';
import { AdvancedArgs, useArgOverrides } from './AdvancedArgs';
import { ArgsPanel } from './ArgsPanel';
import { DemoNotice } from './DemoNotice';
import { LastRun } from './LastRun';
import { RunBar } from './RunBar';
import { ShareLink } from './ShareLink';
import { ImportRun } from './ImportRun';
import { RunHistory } from './RunHistory';
import { BackendBar } from './BackendBar';
import { DataPanel } from './DataPanel';
import { ModelViews } from './EvalPanel';
import { ErrorBanner } from './ErrorBanner';
import { ModelPanel } from './ModelPanel';
import { withPanelBoundary } from './PanelBoundary';
import { FINE_TUNE_LR, ModelPicker } from './ModelPicker';
import { TrainPanel } from './TrainPanel';
import { TryIt } from './TryIt';
import { useStudio } from './useStudio';
import { scratchFamilyName, useModelFamilies } from './studio/useModelFamilies';
import { WorkerDown } from './WorkerDown';

// Panels that do not show the run's progress skip the re-render each progress event and log
// flush cause while training (several a second): their props below are stable (useStudio's
// callbacks, memoised elements). Re-rendering them, the data report's charts included, blocked
// the main thread for hundreds of ms at a time.
const DataPanelMemo = memo(withPanelBoundary('Data', DataPanel));
const ModelPanelMemo = memo(withPanelBoundary('Model', ModelPanel));
const ArgsPanelMemo = memo(withPanelBoundary('Arguments', ArgsPanel));
const RunHistoryMemo = memo(withPanelBoundary('History', RunHistory));
const ImportRunMemo = memo(withPanelBoundary('Import', ImportRun));
const TryItMemo = memo(withPanelBoundary('Try it & export', TryIt));
// Each panel sits in an error boundary: a view that throws says so; the rest of the page works.
const LastRunPanel = withPanelBoundary('Last run', LastRun);
const TrainPanelBox = withPanelBoundary('Train', TrainPanel);
const ModelViewsPanel = withPanelBoundary('Evaluate', ModelViews);

/** The studio page: five numbered steps from data to a model you can try and export. */
export function App() {
  const [overrides, setOverrides] = useArgOverrides();
  const s = useStudio({ gradientCheckpointing: overrides.gradient_checkpointing === true });
  // The other panels lock a moment after Train (the Train panel itself at once): disabling every
  // field re-renders them all, and a deferred value renders that in slices that yield to the
  // browser instead of one long task on the click.
  const locked = useDeferredValue(s.run.training);
  const families = useModelFamilies(s.call);
  const picker = useMemo(
    () => (
      <ModelPicker
        families={families}
        scratchModelType={s.settings.model.model_type}
        onScratchModelType={(t) => s.setModelSize('model_type', t)}
        source={s.modelSource}
        onSource={s.setModelSource}
        pretrained={s.pretrained}
        download={s.download}
        loading={s.loadingPretrained}
        memory={s.memory}
        disabled={locked}
        onLoad={(src, refresh) => void s.loadPretrained(src, refresh)}
        learningRate={s.settings.args.learning_rate}
        onFineTuneLr={() => s.setArg('learning_rate', FINE_TUNE_LR)}
      />
    ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the listed values are all it reads
    [
      families,
      s.settings.model.model_type,
      s.modelSource,
      s.pretrained,
      s.download,
      s.loadingPretrained,
      s.memory,
      locked,
      s.settings.args.learning_rate,
    ],
  );
  const advanced = useMemo(
    () => (
      <AdvancedArgs
        call={s.call}
        disabled={locked}
        basicArgs={s.settings.args}
        onBasic={s.setArg}
        overrides={overrides}
        onOverrides={setOverrides}
        columns={s.settings.columns}
        sizes={s.settings.model}
        onColumns={s.setColumns}
        onModelSize={s.setModelSize}
        onError={s.reportError}
      />
    ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- s.call/setArg/setColumns/setModelSize/reportError are stable
    [locked, s.settings.args, s.settings.columns, s.settings.model, overrides, setOverrides],
  );
  const blockedReason = s.workerDead
    ? 'The training worker stopped: restart it (above).'
    : s.modelProblem
      ? s.modelProblem
      : !s.data.table
        ? 'Load a data file first.'
        : !s.tokenizer
          ? 'Loading the tokenizer…'
          : !s.ready
            ? 'Preparing the dataset…'
            : null;
  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>Trainer Studio</h1>
          <p className="tagline">
            Hugging Face&apos;s <code>Trainer</code> in your browser: train a text classifier on
            your own CSV, watch it learn, export it for <code>transformers</code>.
          </p>
        </div>
        <div className="header-tools">
          <BackendBar
            preferred={s.preferred}
            backend={s.backend}
            disabled={locked}
            onChoose={s.chooseBackend}
            workers={s.settings.workers}
            onWorkers={s.setWorkers}
          />
          <ShareLink settings={s.settings} overrides={overrides} />
        </div>
      </header>
      <RunBar
        args={s.settings.args}
        dataset={s.dataset}
        ready={s.ready && !s.modelProblem}
        blockedReason={blockedReason}
        training={s.run.training}
        stopping={s.run.stopping}
        progress={s.run.progress}
        error={s.error}
        onTrain={() => void s.runActions.train(overrides)}
        onStop={() => void s.runActions.stop()}
        paused={s.run.paused}
        onPause={() => void s.runActions.pause()}
        onUnpause={() => void s.runActions.unpause()}
      />
      <p className="status" data-testid="status" role="status" aria-live="polite">
        {s.status}
      </p>
      <ErrorBanner message={s.error} onDismiss={s.dismissError} />
      <WorkerDown
        message={s.workerDead}
        backend={s.backend?.name ?? null}
        onRestart={s.restartWorker}
        onUseWasm={() => {
          s.restartWorker();
          s.chooseBackend('wasm');
        }}
      />
      <main>
        <LastRunPanel
          call={s.call}
          ready={s.backend !== null}
          hidden={s.run.training || s.run.logs.length > 0}
          onReopen={s.runActions.reopenRun}
          onContinue={s.runActions.continueRun}
        />
        {s.data.demoLoaded && (
          <DemoNotice
            rows={s.data.table?.rowCount ?? null}
            disabled={locked || s.data.loadingFile}
            onFile={s.data.loadFile}
          />
        )}
        <DataPanelMemo
          table={s.data.table}
          dataset={s.dataset}
          datasetCurrent={s.datasetCurrent}
          columns={s.settings.columns}
          validationFraction={s.settings.validationFraction}
          loadingFile={s.data.loadingFile}
          reading={s.data.reading}
          preparing={s.preparing}
          disabled={locked}
          onFile={s.data.loadFile}
          onDemo={s.data.demoLoaded ? undefined : s.data.openDemo}
          onColumns={s.setColumns}
          onValidationFraction={s.setValidationFraction}
          report={s.dataReport}
          readChoice={s.data.readChoice}
          onReadChoice={s.data.chooseRead}
          validation={s.data.validation}
          onValidationFile={s.data.loadValidationFile}
          onClearValidation={s.data.clearValidationFile}
        />
        <div className="two-col">
          <ModelPanelMemo
            tokenizer={s.tokenizer}
            onTokenizer={s.chooseTokenizer}
            tokenizerLoading={s.loadingTokenizer}
            download={s.loadingTokenizer ? s.download : null}
            sizes={s.settings.model}
            problem={s.modelProblem}
            disabled={locked}
            onChange={s.setModelSize}
            pretrained={s.modelSource !== 'scratch'}
            scratchFamily={scratchFamilyName(families, s.settings.model.model_type)}
            picker={picker}
          />
          <ArgsPanelMemo args={s.settings.args} disabled={locked} onChange={s.setArg}>
            {advanced}
          </ArgsPanelMemo>
        </div>
        <TrainPanelBox
          args={s.settings.args}
          training={s.run.training}
          logs={s.run.logs}
          throughput={s.run.throughput}
          onError={s.reportError}
          finalMetrics={s.run.finalMetrics}
        />
        <TryItMemo
          model={s.model}
          canPredict={(!s.run.training || s.run.paused) && s.busy !== 'import'}
          busy={s.busy}
          training={s.run.training}
          paused={s.run.paused}
          predict={s.predict}
          entities={s.entities}
          onExport={s.exportModel}
          exported={s.exported}
          call={s.call}
          runSetup={
            s.ready && !s.modelProblem && (s.modelSource === 'scratch' || s.pretrained)
              ? () => ({
                  model: s.specOf(s.settings.model),
                  args: { ...overrides, ...s.settings.args },
                })
              : null
          }
          onImport={s.importModel}
          onError={s.reportError}
        />
        <ModelViewsPanel
          rows={s.run.evalRows}
          tagged={s.run.taggedDetails}
          onError={s.reportError}
        />
        {/* Shown once the worker is up: the history is read from the worker's IndexedDB. */}
        {s.backend && (
          <RunHistoryMemo
            call={s.call}
            refreshKey={s.status}
            training={locked}
            onReopen={s.runActions.reopenRun}
            onContinue={s.runActions.continueRun}
            onError={s.reportError}
          />
        )}
        <ImportRunMemo onImport={s.importRun} disabled={locked} />
      </main>
      <footer className="hint">
        Runs entirely on this device: TensorFlow.js in a Web Worker. Data never leaves the page.
      </footer>
    </div>
  );
}
