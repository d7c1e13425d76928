import { useId } from 'react';
import type { BackendInfo } from '../worker/client';
import { BACKEND_CHOICES, type BackendChoice } from './useStudio';

interface Props {
  preferred: BackendChoice;
  backend: BackendInfo | null;
  disabled: boolean;
  onChoose: (c: BackendChoice) => void;
}

/** Which TF.js backend trains and why; changing the choice restarts the worker. */
export function BackendBar({ preferred, backend, disabled, onChoose }: Props) {
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
    </div>
  );
}
