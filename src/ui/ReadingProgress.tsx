import { useRef } from 'react';
import type { ReadProgress } from '../worker/client';
import { formatBytes, formatEta } from './format';

interface Props {
  fileName: string;
  progress: ReadProgress | null;
}

/**
 * Reading a data file in the worker: a progressbar over the bytes that will be read (the file,
 * or its first `maxBytes` when it is larger), the sizes and an ETA, then "Parsing…".
 */
export function ReadingProgress({ fileName, progress }: Props) {
  // When this file's reading started (the component mounts with the read).
  const started = useRef(performance.now());
  const total = progress?.totalBytes ?? null;
  const target = total === null ? null : Math.min(total, progress?.maxBytes ?? total);
  const done = progress?.bytes ?? 0;
  const parsing = progress?.phase === 'parsing';
  const elapsed = (performance.now() - started.current) / 1000;
  const eta = target && done > 0 && !parsing ? (elapsed * (target - done)) / done : null;
  const capNote =
    total !== null && target !== null && target < total
      ? ` (the first ${formatBytes(target)} of a ${formatBytes(total)} file)`
      : '';
  const text = parsing
    ? `Parsing ${fileName}${capNote}…`
    : `Reading ${fileName}: ${formatBytes(done)}${target ? ` of ${formatBytes(target)}` : ''}` +
      `${capNote}${eta === null ? '' : ` · ETA ${formatEta(eta)}`}`;
  return (
    <div className="progress reading-progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`Reading ${fileName}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={target ? Math.round((100 * Math.min(done, target)) / target) : undefined}
        aria-valuetext={text}
      >
        <div
          className="progress-fill"
          style={{ transform: `scaleX(${parsing ? 1 : target ? Math.min(done / target, 1) : 0})` }}
        />
      </div>
      <p className="progress-text" data-testid="reading-text" aria-live="polite">
        {text}
      </p>
    </div>
  );
}
