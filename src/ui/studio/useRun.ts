/**
 * The run shown: its flags (training, stopping, paused), progress, log entries and chart series,
 * throughput, final metrics and evaluation rows. Log events are batched into chart updates.
 */
import { startTransition, useCallback, useRef, useState } from 'react';
import type { EvalRows, LogEntry, Progress, RunRecord, TrainResult } from '../../worker/client';
import { formatDateTime, type ShownProgress } from '../format';
import { appendLogs, emptySeries, type Series } from '../series';

/** One throughput sample: training samples per second at a step. */
export interface ThroughputPoint {
  step: number;
  epoch: number;
  value: number;
}

/** The `eval_` metrics of a history's last evaluation, or null without one. */
function lastEvalMetrics(entries: LogEntry[]): Record<string, number> | null {
  const last = entries.filter((e) => 'eval_loss' in e).at(-1) as Record<string, number> | undefined;
  return last
    ? Object.fromEntries(Object.entries(last).filter(([k]) => k.startsWith('eval_')))
    : null;
}

/** Log entries are batched into chart updates at most this often. */
const LOG_FLUSH_MS = 100;

/**
 * The run's state and the updates the worker's events and the training actions make to it.
 * `setStatus` is the status line's setter (an imported run's history says so there).
 */
export function useRun(setStatus: (status: string) => void) {
  const [training, setTraining] = useState(false);
  const [stopping, setStopping] = useState(false);
  /** The run in progress is paused between steps. */
  const [paused, setPaused] = useState(false);
  const [progress, setProgress] = useState<ShownProgress | null>(null);
  const [series, setSeries] = useState<Series>(emptySeries);
  /** Every log entry of the shown run (the charts derive all their series from it). */
  const [logs, setLogs] = useState<LogEntry[]>([]);
  /** Training samples/s by step, from progress events (the logs carry no timing). */
  const [throughput, setThroughput] = useState<ThroughputPoint[]>([]);
  /** The model's validation rows after a run, for the evaluation and mistakes views. */
  const [evalRows, setEvalRows] = useState<EvalRows | null>(null);
  const [finalMetrics, setFinalMetrics] = useState<Record<string, number> | null>(null);
  const pendingLogs = useRef<LogEntry[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const flushLogs = useCallback(() => {
    flushTimer.current = null;
    const batch = pendingLogs.current;
    if (batch.length === 0) return;
    pendingLogs.current = [];
    // Transitions (here and for progress below): React renders them in slices that yield to the
    // browser; updates from a worker message would otherwise render in one blocking task.
    startTransition(() => {
      setSeries((s) => appendLogs(s, batch));
      setLogs((l) => l.concat(batch));
    });
  }, []);

  /** A progress event: the progress bar and a throughput sample per new step. */
  const onProgress = useCallback((p: Progress) => {
    const { step, epoch, samplesPerSecond } = p;
    startTransition(() => {
      setProgress(p);
      if (step > 0 && Number.isFinite(samplesPerSecond)) {
        setThroughput((t) =>
          t.length > 0 && t[t.length - 1].step >= step
            ? t
            : t.concat({ step, epoch, value: samplesPerSecond }),
        );
      }
    });
  }, []);

  /** A log event: queued, and charted with the others of its batch (at most every 100 ms). */
  const onLog = useCallback(
    (entry: LogEntry) => {
      pendingLogs.current.push(entry);
      flushTimer.current ??= setTimeout(flushLogs, LOG_FLUSH_MS);
    },
    [flushLogs],
  );

  /** Drops queued log entries (a run starts afresh, or its returned history replaces them). */
  const discardPendingLogs = useCallback(() => {
    if (flushTimer.current) clearTimeout(flushTimer.current);
    flushTimer.current = null;
    pendingLogs.current = [];
  }, []);

  /** Clears the last run's charts, metrics and views before a run; `p` is the new progress. */
  const clearRun = useCallback((p: ShownProgress | null) => {
    setSeries(emptySeries());
    setLogs([]);
    setThroughput([]);
    setEvalRows(null);
    setFinalMetrics(null);
    setProgress(p);
  }, []);

  /**
   * Shows a finished run: its returned history is the truth (it also covers events that arrived
   * late or not at all), its metrics, and the progress bar at its last step.
   */
  const showResult = useCallback((result: TrainResult) => {
    setSeries(appendLogs(emptySeries(), result.logHistory));
    setLogs(result.logHistory);
    setFinalMetrics(result.metrics);
    setProgress((p) =>
      p
        ? {
            ...p,
            step: result.globalStep,
            // The last progress event may be older than the last step (they are throttled).
            epoch: result.logHistory.at(-1)?.epoch ?? p.epoch,
            etaSeconds: 0,
            phase: 'done',
            outcome: result.stopped ? 'stopped' : 'finished',
          }
        : p,
    );
  }, []);

  /** No run is in progress any more (finished, failed, or its worker is gone). */
  const endRun = useCallback(() => {
    setTraining(false);
    setStopping(false);
    setPaused(false);
  }, []);

  /** Charts a finished run's `log_history` and shows its last evaluation's metrics. */
  const chartHistory = useCallback((entries: LogEntry[]) => {
    setSeries(appendLogs(emptySeries(), entries));
    setLogs(entries);
    setThroughput([]);
    setFinalMetrics(lastEvalMetrics(entries));
  }, []);

  /** Charts an imported trainer_state.json's `log_history` (no model comes with it). */
  const showLogHistory = useCallback(
    (entries: LogEntry[]) => {
      chartHistory(entries);
      setEvalRows(null);
      setProgress(null);
      setStatus(`Showing an imported run (${entries.length} log entries)`);
    },
    [chartHistory, setStatus],
  );

  /**
   * Shows a stored run opened again from the history: its charts, final metrics, the model's
   * validation rows (when its data was stored) and the progress line at its last step.
   */
  const showStoredRun = useCallback(
    (rec: RunRecord, rows: EvalRows | null) => {
      chartHistory(rec.logHistory);
      if (rec.metrics) setFinalMetrics(rec.metrics);
      setEvalRows(rows);
      setProgress({
        step: rec.globalStep,
        maxSteps: rec.maxSteps,
        epoch: rec.logHistory.at(-1)?.epoch ?? 0,
        samplesPerSecond: NaN,
        etaSeconds: null,
        phase: 'done',
        outcome: rec.status === 'finished' ? 'finished' : 'stopped',
        runOf: formatDateTime(rec.created),
      });
    },
    [chartHistory],
  );

  return {
    training,
    setTraining,
    stopping,
    setStopping,
    paused,
    setPaused,
    progress,
    setProgress,
    series,
    logs,
    throughput,
    evalRows,
    setEvalRows,
    finalMetrics,
    onProgress,
    onLog,
    discardPendingLogs,
    clearRun,
    showResult,
    endRun,
    showLogHistory,
    showStoredRun,
  };
}

/** The run's state and updates, as the training actions get them. */
export type Run = ReturnType<typeof useRun>;
