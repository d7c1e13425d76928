import { useLayoutEffect, useRef } from 'react';
import type { LogEntry } from '../worker/client';
import type { UiArgs } from './defaults';
import { Charts } from './Charts';
import { focusLost } from './focus';
import { formatMetric } from './format';
import { Section } from './Section';
import type { ThroughputPoint } from './useStudio';

interface Props {
  args: UiArgs;
  training: boolean;
  /** The run's log entries and throughput samples (the charts' data). */
  logs: readonly LogEntry[];
  throughput: readonly ThroughputPoint[];
  onError?: (err: unknown) => void;
  finalMetrics: Record<string, number> | null;
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

/** 4 Train: the live charts and the final metrics (Train, Pause, Stop and progress: the run bar). */
export function TrainPanel(p: Props) {
  useFocusOnReopenedRun(p.logs, p.training);
  return (
    <Section n={4} title="Train" anchor="step-train">
      <p className="hint">
        Train, Pause and Stop are in the run bar at the top, with the progress and the ETA.
      </p>
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

/**
 * A stored run shown in place of the last one (Reopen, whose button goes away with the last-run
 * line or stays in the history): focus goes to this step, its charts and final metrics, where
 * the keyboard user reads on. Not while or as a live run ends (the run bar puts focus on Train).
 */
function useFocusOnReopenedRun(logs: readonly LogEntry[], training: boolean) {
  const prev = useRef({ logs, training });
  useLayoutEffect(() => {
    const before = prev.current;
    prev.current = { logs, training };
    if (logs === before.logs || training || before.training || logs.length === 0) return;
    const a = document.activeElement;
    const onReopen = a instanceof HTMLButtonElement && /^Reopen\b/.test(a.textContent ?? '');
    if (focusLost() || onReopen) document.getElementById('step-train')?.focus();
  }, [logs, training]);
}
