import { useLayoutEffect, useRef, type FocusEvent } from 'react';
import type { DatasetSummary, Progress } from '../worker/client';
import type { UiArgs } from './defaults';
import { remedyFor } from './errorRemedies';
import { estimateMaxSteps, formatInt } from './format';
import { ProgressBar } from './ProgressBar';

/** The page's steps, as the step bar links to them (each Section's `anchor`). */
export const STEPS = [
  { anchor: 'step-data', label: '1 Data' },
  { anchor: 'step-model', label: '2 Model' },
  { anchor: 'step-args', label: '3 Arguments' },
  { anchor: 'step-train', label: '4 Train' },
  { anchor: 'step-try', label: '5 Try & export' },
  { anchor: 'step-evaluate', label: '6 Evaluate' },
  { anchor: 'step-history', label: '7 History' },
] as const;

interface Props {
  args: UiArgs;
  dataset: DatasetSummary | null;
  ready: boolean;
  /** Why Train is disabled, when it is and not because a run is going. */
  blockedReason: string | null;
  training: boolean;
  stopping: boolean;
  progress: Progress | null;
  /** The last error about the run (also in the banner), said beside the controls. */
  error: string | null;
  onTrain: () => void;
  onStop: () => void;
  /** The run is paused between steps; Pause/Resume show only when these are given. */
  paused?: boolean;
  onPause?: () => void;
  onUnpause?: () => void;
}

/**
 * The run bar, in view wherever the page is scrolled: Train, Pause and Stop, the progress with
 * its ETA, why Train is not available, the run's last error, and links to the five steps.
 */
export function RunBar(p: Props) {
  const errorRemedy = remedyFor(p.error);
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
  // Train disables itself when pressed: focus goes to Pause (or Stop) instead of the page top,
  // and back to Train when the run ends (Pause and Stop disable then).
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
  // A layout effect: focus moves in the commit that enables Train, never a moment after it.
  useLayoutEffect(() => {
    // Focus on a button the run's end disabled counts as lost: the browser moves it to the body
    // a moment later (when is up to it), so waiting for that would leave it there.
    const lost = () => {
      const a = document.activeElement;
      return (
        a === null || a === document.body || a === pauseButton.current || a === stopButton.current
      );
    };
    if (p.training && pressed.current) {
      pressed.current = false;
      (pauseButton.current ?? stopButton.current)?.focus();
    } else if (!p.training && onRunButton.current && lost()) {
      trainButton.current?.focus();
    }
    if (!p.training) onRunButton.current = false;
  }, [p.training]);
  const hint = p.training
    ? p.paused && !p.stopping
      ? 'Paused between steps: nothing is lost. Resume goes on from here.'
      : p.stopping
        ? 'Stopping after the current step; what was trained is kept.'
        : 'Stop keeps what was trained so far: you can still export and try it.'
    : p.blockedReason
      ? p.blockedReason
      : planned !== null
        ? `${formatInt(planned)} optimizer steps of ${p.args.per_device_train_batch_size} rows.`
        : '';
  return (
    <section className="run-bar" aria-label="Run">
      <div className="run-controls">
        <button
          ref={trainButton}
          type="button"
          className="primary"
          onClick={() => {
            pressed.current = true;
            p.onTrain();
          }}
          disabled={p.training || !p.ready}
          aria-describedby="run-bar-hint"
        >
          Train
        </button>
        {p.onPause && p.onUnpause && (
          <button
            type="button"
            ref={pauseButton}
            {...remember}
            onClick={p.paused ? p.onUnpause : p.onPause}
            disabled={!p.training || p.stopping}
            aria-pressed={p.paused ?? false}
          >
            {p.paused ? 'Resume' : 'Pause'}
          </button>
        )}
        <button
          ref={stopButton}
          type="button"
          {...remember}
          onClick={p.onStop}
          disabled={!p.training}
        >
          Stop
        </button>
        <div className="run-progress">
          {progress ? (
            <ProgressBar progress={progress} />
          ) : (
            <p className="muted">Load data to see the plan.</p>
          )}
        </div>
      </div>
      <p id="run-bar-hint" className="hint">
        {hint}
      </p>
      {p.error && (
        <div className="hint hint-error run-error" role="alert">
          <p>{p.error}</p>
          {errorRemedy && (
            <p className="error-remedy" data-testid="run-error-remedy">
              What to do: {errorRemedy}
            </p>
          )}
        </div>
      )}
      <nav aria-label="Steps" className="step-bar">
        {STEPS.map((s) => (
          <a key={s.anchor} href={`#${s.anchor}`}>
            {s.label}
          </a>
        ))}
      </nav>
    </section>
  );
}
