import { useId } from 'react';
import type { BackendInfo } from '../worker/client';
import { BACKEND_CHOICES, type BackendChoice } from './useStudio';

interface Props {
  preferred: BackendChoice;
  backend: BackendInfo | null;
  disabled: boolean;
  onChoose: (c: BackendChoice) => void;
  /** Workers a run trains on (undefined: one per core). */
  workers?: number;
  onWorkers?: (n: number | undefined) => void;
}

/** Which TF.js backend trains and why; changing the choice restarts the worker. */
export function BackendBar({ preferred, backend, disabled, onChoose, workers, onWorkers }: Props) {
  const id = useId();
  return (
    <div className="backend-bar">
      <label htmlFor={id}>Backend</label>
      <select
        id={id}
        aria-label="Backend"
        value={preferred}
        disabled={disabled}
        onChange={(e) => onChoose(e.target.value as BackendChoice)}
      >
        {BACKEND_CHOICES.map((c) => (
          <option key={c} value={c}>
            {c === 'auto' ? 'auto (fastest available)' : c}
          </option>
        ))}
      </select>
      <p className="backend-info" data-testid="backend">
        {backend ? (
          <>
            <strong>{backend.name}</strong> — {backend.reason}
          </>
        ) : (
          <span className="muted">choosing a backend…</span>
        )}
      </p>
      {backend?.workers && onWorkers && (
        <WorkersControl
          info={backend.workers}
          workers={workers}
          disabled={disabled}
          onWorkers={onWorkers}
        />
      )}
    </div>
  );
}

/** "2 cores here", and the first worker's threads when it has several. */
function coresNote(info: NonNullable<BackendInfo['workers']>): string {
  const cores = `${info.cores} cores here`;
  return info.mainThreads > 1
    ? `${cores}; the first worker runs ${info.mainThreads} threads`
    : cores;
}

/**
 * How many workers share each batch (data parallel over Web Workers, one per core by default),
 * or why a run keeps one.
 */
function WorkersControl({
  info,
  workers,
  disabled,
  onWorkers,
}: {
  info: NonNullable<BackendInfo['workers']>;
  workers: number | undefined;
  disabled: boolean;
  onWorkers: (n: number | undefined) => void;
}) {
  const id = useId();
  const one = info.reason !== null;
  const most = Math.max(info.available, workers ?? 1);
  const counts = Array.from({ length: most }, (_, k) => k + 1);
  const used = one ? 1 : (workers ?? info.available);
  return (
    <>
      <label htmlFor={id}>Workers</label>
      <select
        id={id}
        aria-label="Workers"
        value={one ? '1' : workers === undefined ? 'auto' : String(workers)}
        disabled={disabled || one}
        onChange={(e) => onWorkers(e.target.value === 'auto' ? undefined : Number(e.target.value))}
      >
        {!one && <option value="auto">{`${info.available} (one per core)`}</option>}
        {counts.map((n) => (
          <option key={n} value={String(n)}>
            {n === 1 ? '1 (a single worker)' : String(n)}
          </option>
        ))}
      </select>
      <p className="backend-info" data-testid="workers-info">
        {one
          ? info.reason
          : used === 1
            ? 'Runs train on one worker.'
            : `Runs train on ${used} workers: each computes its share of every batch, one optimizer step on their sum (${coresNote(info)}).`}
      </p>
    </>
  );
}
