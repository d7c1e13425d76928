import { formatProgressText, type ShownProgress } from './format';

interface Props {
  progress: ShownProgress;
}

/** The run's progress: a progressbar (step of max steps) and the text line under it. */
export function ProgressBar({ progress }: Props) {
  const max = Math.max(progress.maxSteps, 1);
  const now = Math.min(progress.step, max);
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={progress.maxSteps}
        aria-valuenow={progress.step}
        aria-valuetext={`step ${progress.step} of ${progress.maxSteps}`}
      >
        {/* Scaled, not resized: a transform on its own layer moves without layout or a repaint of
            the page around it (a width transition relaid and repainted every frame). */}
        <div className="progress-fill" style={{ transform: `scaleX(${now / max})` }} />
      </div>
      <p className="progress-text" data-testid="progress-text">
        {formatProgressText(progress)}
        {progress.phase === 'evaluating' ? ' · evaluating…' : ''}
      </p>
    </div>
  );
}
