import { useRef } from 'react';
import type { LogEntry } from '../worker/client';
import { parseLogHistory } from './series';

interface Props {
  onLogHistory: (entries: LogEntry[]) => void;
  onError: (message: string) => void;
  disabled: boolean;
}

/** Charts a run trained elsewhere (the CLI, Python `transformers`) from its trainer_state.json. */
export function ImportRun({ onLogHistory, onError, disabled }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const onFile = async (file: File) => {
    try {
      onLogHistory(parseLogHistory(await file.text(), file.name));
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <div className="actions">
      <button
        type="button"
        className="secondary"
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        Open trainer_state.json
      </button>
      <input
        ref={input}
        className="visually-hidden"
        type="file"
        tabIndex={-1}
        accept=".json,application/json"
        aria-label="Choose a trainer_state.json"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void onFile(f);
        }}
      />
      <p className="hint">
        Chart a run from the command line or from Python <code>transformers</code>: its{' '}
        <code>output_dir/trainer_state.json</code> (or a checkpoint&apos;s).
      </p>
    </div>
  );
}
