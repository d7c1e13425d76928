import { useEffect, useRef, type FocusEvent } from 'react';
import type { DatasetSummary, LogEntry, Progress } from '../worker/client';
import type { UiArgs } from './defaults';
import { Charts } from './Charts';
import { estimateMaxSteps, formatInt, formatMetric } from './format';
import { ProgressBar } from './ProgressBar';
import { Section } from './Section';
import type { Series } from './series';
import type { ThroughputPoint } from './useStudio';

interface Props {
  args: UiArgs;
  dataset: DatasetSummary | null;
  ready: boolean;
  /** Why Train is disabled, when it is and not because a run is going. */
  blockedReason: string | null;
  training: boolean;
  stopping: boolean;
  progress: Progress | null;
  series: Series;
  /** The run's log entries and throughput samples (the charts' data). */
  logs: readonly LogEntry[];
  throughput: readonly ThroughputPoint[];
  onError?: (err: unknown) => void;
  finalMetrics: Record<string, number> | null;
  onTrain: () => void;
  onStop: () => void;
  /** The run is paused between steps; Pause/Resume show only when these are given. */
  paused?: boolean;
  onPause?: () => void;
  onResume?: () => void;
}

/** Metrics always listed after a run, in this order; others the worker reports follow. */
const FINAL_KEYS = ['eval_accuracy', 'eval_f1_macro', 'eval_loss'];
/** Bookkeeping values not worth a line in the final metrics. */
const HIDDEN_METRICS = new Set([
  'eval_runtime',
  'eval_samples_per_second',
  'eval_steps_per_second',
  'epoch',
  'step',
]);

/** 4 Train: start/stop, progress, live charts and the final metrics. */
export function TrainPanel(p: Props) {
  const planned = p.dataset ? estimateMaxSteps(p.dataset.trainRows, p.args) : null;
  const idleProgress: Progress | null =
    planned === null
      ? null
      : {
          step: 0,
          maxSteps: planned,
          epoch: 0,
          samplesPerSecond: NaN,
          etaSeconds: null,
          phase: 'preparing',
        };
  const progress = p.progress ?? idleProgress;
  // Train disables itself: focus goes to Pause (or Stop) instead of the page top, and back to
  // Train when the run ends (Pause and Stop disable then).
  const trainButton = useRef<HTMLButtonElement>(null);
  const pauseButton = useRef<HTMLButtonElement>(null);
  const stopButton = useRef<HTMLButtonElement>(null);
  const pressed = useRef(false);
  /** Focus is on Pause or Stop (a button disabled under it leaves no related target). */
  const onRunButton = useRef(false);
  const remember = {
    onFocus: () => {
      onRunButton.current = true;
    },
    onBlur: (e: FocusEvent<HTMLButtonElement>) => {
      if (e.relatedTarget !== null) onRunButton.current = false;
    },
  };
  useEffect(() => {
    const lost = () => document.activeElement === null || document.activeElement === document.body;
    if (p.training && pressed.current) {
      pressed.current = false;
      (pauseButton.current ?? stopButton.current)?.focus();
    } else if (!p.training && onRunButton.current && lost()) {
      trainButton.current?.focus();
    }
    if (!p.training) onRunButton.current = false;
  }, [p.training]);
  return (
    <Section n={4} title="Train">
      <div className="actions">
        <button
          type="button"
          className="primary"
          ref={trainButton}
          onClick={() => {
            pressed.current = true;
            p.onTrain();
          }}
          disabled={p.training || !p.ready}
        >
          Train
        </button>
        {p.onPause && p.onResume && (
          <button
            type="button"
            ref={pauseButton}
            {...remember}
            onClick={p.paused ? p.onResume : p.onPause}
            disabled={!p.training || p.stopping}
            aria-pressed={p.paused ?? false}
          >
            {p.paused ? 'Resume' : 'Pause'}
          </button>
        )}
        <button
          type="button"
          ref={stopButton}
          {...remember}
          onClick={p.onStop}
          disabled={!p.training}
        >
          Stop
        </button>
        <p className="hint">
          {p.training
            ? p.paused && !p.stopping
              ? 'Paused between steps: nothing is lost. Resume goes on from here.'
              : p.stopping
                ? 'Stopping after the current step; what was trained is kept.'
                : 'Stop keeps what was trained so far: you can still export and try it.'
            : p.blockedReason
              ? p.blockedReason
              : planned !== null
                ? `${formatInt(planned)} optimizer steps of ${p.args.per_device_train_batch_size} rows.`
                : ''}
        </p>
      </div>
      {progress ? (
        <ProgressBar progress={progress} />
      ) : (
        <p className="muted">Load data to see the plan.</p>
      )}
      <Charts
        logs={p.logs}
        throughput={p.throughput}
        evalOff={p.args.eval_strategy === 'no'}
        live={p.training}
        onError={p.onError}
      />
      {p.finalMetrics && <FinalMetrics metrics={p.finalMetrics} />}
    </Section>
  );
}

function FinalMetrics({ metrics }: { metrics: Record<string, number> }) {
  const extra = Object.keys(metrics).filter(
    (k) => !FINAL_KEYS.includes(k) && !HIDDEN_METRICS.has(k) && typeof metrics[k] === 'number',
  );
  const keys = [...FINAL_KEYS, ...extra];
  return (
    <div className="final">
      <h3>Final metrics (validation split)</h3>
      <dl data-testid="final-metrics" className="metrics">
        {keys.map((k) => (
          <div key={k} className="metric">
            <dt>{k}</dt> <dd>{k in metrics ? formatMetric(metrics[k]) : '—'}</dd>{' '}
          </div>
        ))}
      </dl>
    </div>
  );
}
