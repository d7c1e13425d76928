import { ArgsPanel } from './ArgsPanel';
import { BackendBar } from './BackendBar';
import { DataPanel } from './DataPanel';
import { ErrorBanner } from './ErrorBanner';
import { ModelPanel } from './ModelPanel';
import { TrainPanel } from './TrainPanel';
import { TryIt } from './TryIt';
import { useStudio } from './useStudio';

/** The studio page: five numbered steps from data to a model you can try and export. */
export function App() {
  const s = useStudio();
  const locked = s.training;
  const blockedReason = s.modelProblem
    ? s.modelProblem
    : !s.table
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
        <BackendBar
          preferred={s.preferred}
          backend={s.backend}
          disabled={locked}
          onChoose={s.chooseBackend}
        />
      </header>
      <p className="status" data-testid="status" role="status" aria-live="polite">
        {s.status}
      </p>
      <ErrorBanner message={s.error} onDismiss={s.dismissError} />
      <main>
        <DataPanel
          table={s.table}
          dataset={s.dataset}
          datasetCurrent={s.datasetCurrent}
          columns={s.settings.columns}
          validationFraction={s.settings.validationFraction}
          loadingFile={s.loadingFile}
          preparing={s.preparing}
          disabled={locked}
          onFile={(f) => void s.loadFile(f)}
          onColumns={s.setColumns}
          onValidationFraction={s.setValidationFraction}
        />
        <div className="two-col">
          <ModelPanel
            tokenizer={s.tokenizer}
            sizes={s.settings.model}
            problem={s.modelProblem}
            disabled={locked}
            onChange={s.setModelSize}
          />
          <ArgsPanel args={s.settings.args} disabled={locked} onChange={s.setArg} />
        </div>
        <TrainPanel
          args={s.settings.args}
          dataset={s.dataset}
          ready={s.ready && !s.modelProblem}
          blockedReason={blockedReason}
          training={s.training}
          stopping={s.stopping}
          progress={s.progress}
          series={s.series}
          finalMetrics={s.finalMetrics}
          onTrain={() => void s.train()}
          onStop={() => void s.stop()}
        />
        <TryIt
          model={s.model}
          canPredict={!s.training && s.busy !== 'import'}
          busy={s.busy}
          training={s.training}
          predict={s.predict}
          onExport={() => void s.exportModel()}
          onImport={(f) => void s.importModel(f)}
          onError={s.reportError}
        />
      </main>
      <footer className="hint">
        Runs entirely on this device: TensorFlow.js in a Web Worker. Data never leaves the page.
      </footer>
    </div>
  );
}
